package dev.otlpffi;

import java.util.Map;
import java.util.Objects;

/**
 * W3C Trace Context and Baggage propagation over a {@code Map<String, String>} or over any
 * carrier through a {@link Setter} / {@link Getter} pair (e.g. HTTP headers).
 */
public final class Propagation {
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    public static final String BAGGAGE = "baggage";

    private Propagation() {}

    /** Writes one header into a carrier. */
    @FunctionalInterface
    public interface Setter<C> {
        void set(C carrier, String key, String value);
    }

    /** Reads one header from a carrier (null when absent). */
    @FunctionalInterface
    public interface Getter<C> {
        String get(C carrier, String key);
    }

    private static final Getter<Map<String, String>> MAP_GETTER = (m, k) -> {
        String v = m.get(k);
        if (v != null) {
            return v;
        }
        for (Map.Entry<String, String> e : m.entrySet()) {
            if (e.getKey() != null && e.getKey().equalsIgnoreCase(k)) {
                return e.getValue();
            }
        }
        return null;
    };

    /** Puts traceparent (and tracestate when not empty) of {@code span} into {@code carrier}. */
    public static void inject(Span span, Map<String, String> carrier) {
        inject(span, null, carrier, Map::put);
    }

    public static void inject(Span span, Baggage baggage, Map<String, String> carrier) {
        inject(span, baggage, carrier, Map::put);
    }

    /** Writes traceparent, tracestate and baggage (when not empty; each may be null). */
    public static <C> void inject(Span span, Baggage baggage, C carrier, Setter<C> setter) {
        Objects.requireNonNull(setter, "setter");
        if (span != null) {
            setter.set(carrier, TRACEPARENT, span.getTraceparent());
            String ts = span.getTracestate();
            if (!ts.isEmpty()) {
                setter.set(carrier, TRACESTATE, ts);
            }
        }
        if (baggage != null) {
            String b = baggage.toHeader();
            if (!b.isEmpty()) {
                setter.set(carrier, BAGGAGE, b);
            }
        }
    }

    /** Writes the traceparent and tracestate of a context. */
    public static <C> void inject(SpanContext context, C carrier, Setter<C> setter) {
        setter.set(carrier, TRACEPARENT, context.getTraceparent());
        if (!context.getTracestate().isEmpty()) {
            setter.set(carrier, TRACESTATE, context.getTracestate());
        }
    }

    /** The remote parent in {@code carrier}, or null when absent or malformed. */
    public static SpanContext extract(Map<String, String> carrier) {
        return extract(carrier, MAP_GETTER);
    }

    public static <C> SpanContext extract(C carrier, Getter<C> getter) {
        String tp = getter.get(carrier, TRACEPARENT);
        if (tp == null) {
            return null;
        }
        try {
            return SpanContext.fromTraceparent(tp.trim(), getter.get(carrier, TRACESTATE));
        } catch (OtlpException e) {
            if (e.errno() == OtlpException.INVALID_ARGUMENT) {
                return null;
            }
            throw e;
        }
    }

    /** The baggage in {@code carrier} (empty when absent). */
    public static Baggage extractBaggage(Map<String, String> carrier) {
        return extractBaggage(carrier, MAP_GETTER);
    }

    public static <C> Baggage extractBaggage(C carrier, Getter<C> getter) {
        String b = getter.get(carrier, BAGGAGE);
        return b == null ? new Baggage() : Baggage.fromHeader(b);
    }
}
