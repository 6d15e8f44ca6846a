package dev.otlpffi;

import java.util.Objects;

/** Starts spans (otlp_tracer_t); owned by its provider, shared freely across threads. */
public class Tracer {
    final TracerProvider provider;
    final long handle;

    Tracer(TracerProvider provider, long handle) {
        this.provider = provider;
        this.handle = handle;
    }

    /** Starts a root span of kind INTERNAL. */
    public Span startSpan(String name) {
        return start(name, SpanKind.INTERNAL.value, 0L, 0L);
    }

    public Span startSpan(String name, SpanKind kind) {
        return start(name, Objects.requireNonNull(kind, "kind").value, 0L, 0L);
    }

    /** Starts a span under {@code parent} (null: a root span). */
    public Span startSpan(String name, SpanKind kind, SpanContext parent) {
        Objects.requireNonNull(kind, "kind");
        if (parent == null) {
            return start(name, kind.value, 0L, 0L);
        }
        long p = parent.handle();
        return start(name, kind.value, p, 0L);
    }

    /** A builder for a span with links, attributes at start, a parent span or a start time. */
    public SpanBuilder spanBuilder(String name) {
        return new SpanBuilder(this, Objects.requireNonNull(name, "name"));
    }

    Span start(String name, int kind, long parent, long startNanos) {
        provider.checkOpen();
        if (parent == 0 && AttrBatch.validString(name)) {
            // a root span: kept on this side until it ends (or something needs the library's span)
            return newLocalSpan(name, kind, startNanos == 0 ? Span.nowNanos() : startNanos, null);
        }
        long h;
        try {
            h = Native.spanStart(handle, name, kind, parent, startNanos);
        } catch (OtlpException e) {
            throw closedOr(e);
        }
        return newSpan(h);
    }

    RuntimeException closedOr(OtlpException e) {
        if (e.errno() == OtlpException.INVALID_HANDLE && provider.isClosed()) {
            return new IllegalStateException("TracerProvider is closed", e);
        }
        return e;
    }

    Span newSpan(long h) {
        return new Span(this, h);
    }

    /** A root span kept on this side until it ends or is handed over (see {@link Span}). */
    Span newLocalSpan(String name, int kind, long startNanos, AttrBatch startAttrs) {
        return new Span(this, name, kind, startNanos, startAttrs);
    }
}
