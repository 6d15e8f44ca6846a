package dev.otlpffi;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A running span (otlp_span_t). {@link #end()} (or close) ends it exactly once; ending again
 * does nothing. Other calls after end throw IllegalStateException, as do calls on a span of a
 * closed provider (whose {@code end()} does nothing). Safe to use from several threads.
 */
public class Span implements AutoCloseable {
    private static final VarHandle HANDLE;

    static {
        try {
            HANDLE = MethodHandles.lookup().findVarHandle(Span.class, "handle", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Tracer tracer;
    private volatile long handle;

    Span(Tracer tracer, long handle) {
        this.tracer = tracer;
        this.handle = handle;
    }

    private long h() {
        long h = handle;
        if (h == 0) {
            throw new IllegalStateException("Span is ended");
        }
        tracer.provider.checkOpen();
        return h;
    }

    private RuntimeException mapped(OtlpException e) {
        if (e.errno() == OtlpException.INVALID_HANDLE) {
            if (tracer.provider.isClosed()) {
                return new IllegalStateException("TracerProvider is closed", e);
            }
            if (handle == 0) {
                return new IllegalStateException("Span is ended", e);
            }
        }
        return e;
    }

    public Span setAttribute(String key, String value) {
        long h = h();
        try {
            Native.spanSetString(h, key, value);
        } catch (OtlpException e) {
            throw mapped(e);
        }
        return this;
    }

    public Span setAttribute(String key, long value) {
        long h = h();
        try {
            Native.spanSetLong(h, key, value);
        } catch (OtlpException e) {
            throw mapped(e);
        }
        return this;
    }

    public Span setAttribute(String key, double value) {
        long h = h();
        try {
            Native.spanSetDouble(h, key, value);
        } catch (OtlpException e) {
            throw mapped(e);
        }
        return this;
    }

    public Span setAttribute(String key, boolean value) {
        long h = h();
        try {
            Native.spanSetBool(h, key, value);
        } catch (OtlpException e) {
            throw mapped(e);
        }
        return this;
    }

    /** A homogeneous list of Boolean, Long (or Integer), Double or String. */
    public Span setAttribute(String key, List<?> values) {
        AttrBatch b = new AttrBatch(1);
        b.putList(key, values);
        return setBatch(b);
    }

    /** Sets every attribute of {@code attributes} in one call. */
    public Span setAllAttributes(Attributes attributes) {
        return setBatch(Objects.requireNonNull(attributes, "attributes").batch);
    }

    private Span setBatch(AttrBatch b) {
        long h = h();
        try {
            Native.spanSetAttributes(h, b.keys, b.types, b.prims, b.objs, b.size);
        } catch (OtlpException e) {
            throw mapped(e);
        }
        return this;
    }

    public Span addEvent(String name) {
        return addEvent(name, Attributes.empty(), 0L);
    }

    public Span addEvent(String name, Attributes attributes) {
        return addEvent(name, attributes, 0L);
    }

    public Span addEvent(String name, Attributes attributes, Instant time) {
        return addEvent(name, attributes, epochNanos(Objects.requireNonNull(time, "time")));
    }

    /** An event at {@code epochNanos} (0: now). */
    public Span addEvent(String name, Attributes attributes, long epochNanos) {
        AttrBatch b = Objects.requireNonNull(attributes, "attributes").batch;
        long h = h();
        try {
            Native.spanAddEvent(h, name, epochNanos, b.keys, b.types, b.prims, b.objs, b.size);
        } catch (OtlpException e) {
            throw mapped(e);
        }
        return this;
    }

    public Span setStatus(StatusCode code) {
        return setStatus(code, "");
    }

    /** The description is kept only with ERROR; OK is final; UNSET is ignored. */
    public Span setStatus(StatusCode code, String description) {
        Objects.requireNonNull(code, "code");
        long h = h();
        try {
            Native.spanSetStatus(h, code.value, description == null ? "" : description);
        } catch (OtlpException e) {
            throw mapped(e);
        }
        return this;
    }

    /**
     * Records {@code t} as an {@code exception} event (exception.type = its class name,
     * exception.message, exception.stacktrace) and sets the status to ERROR.
     */
    public Span recordException(Throwable t) {
        Objects.requireNonNull(t, "throwable");
        StringWriter sw = new StringWriter();
        try (PrintWriter pw = new PrintWriter(sw)) {
            t.printStackTrace(pw);
        }
        String message = t.getMessage() == null ? "" : t.getMessage();
        long h = h();
        try {
            Native.spanRecordException(h, t.getClass().getName(), message, sw.toString());
        } catch (OtlpException e) {
            throw mapped(e);
        }
        return this;
    }

    public Span updateName(String name) {
        long h = h();
        try {
            Native.spanUpdateName(h, name);
        } catch (OtlpException e) {
            throw mapped(e);
        }
        return this;
    }

    /** Whether the span records (sampled, provider not shut down). */
    public boolean isRecording() {
        long h = h();
        try {
            return Native.spanIsRecording(h);
        } catch (OtlpException e) {
            throw mapped(e);
        }
    }

    /** 32 lowercase hex characters. */
    public String getTraceId() {
        return string(Native.TRACE_ID);
    }

    /** 16 lowercase hex characters. */
    public String getSpanId() {
        return string(Native.SPAN_ID);
    }

    /** The W3C traceparent of this span. */
    public String getTraceparent() {
        return string(Native.TRACEPARENT);
    }

    /** The W3C tracestate of this span ("" when none). */
    public String getTracestate() {
        return string(Native.TRACESTATE);
    }

    private String string(int which) {
        long h = h();
        try {
            return Native.spanString(h, which);
        } catch (OtlpException e) {
            throw mapped(e);
        }
    }

    /** This span's context (close it when done; it stays valid after the span ends). */
    public SpanContext getSpanContext() {
        long h = h();
        try {
            String tp = Native.spanString(h, Native.TRACEPARENT);
            String ts = Native.spanString(h, Native.TRACESTATE);
            return new SpanContext(Native.spanGetContext(h), tp, ts, false);
        } catch (OtlpException e) {
            throw mapped(e);
        }
    }

    /** A new native context handle for parenting (the caller frees it). */
    long newContextHandle() {
        long h = h();
        try {
            return Native.spanGetContext(h);
        } catch (OtlpException e) {
            throw mapped(e);
        }
    }

    /** Ends the span now. Idempotent; a no-op when the provider is closed. */
    public void end() {
        end(0L);
    }

    public void end(Instant time) {
        end(epochNanos(Objects.requireNonNull(time, "time")));
    }

    /** Ends the span at {@code epochNanos} (0: now). */
    public void end(long epochNanos) {
        long h = (long) HANDLE.getAndSet(this, 0L);
        if (h == 0 || tracer.provider.isClosed()) {
            return;
        }
        try {
            Native.spanEnd(h, epochNanos);
        } catch (OtlpException e) {
            if (e.errno() == OtlpException.INVALID_HANDLE && tracer.provider.isClosed()) {
                return;
            }
            throw e;
        }
    }

    /** Same as {@link #end()}. */
    @Override
    public void close() {
        end();
    }

    /** Whether end() was called. */
    public boolean isEnded() {
        return handle == 0;
    }

    static long epochNanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }
}
