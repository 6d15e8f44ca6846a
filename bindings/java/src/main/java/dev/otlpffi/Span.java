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
 *
 * <p>A root span without links is kept on the Java side while it runs (name, kind, start time,
 * attributes) and crosses into the library once, at end, through otlp_span_emit. The first call
 * that needs the library's span (its context or ids, events, status, an exception, recording,
 * use as a parent) starts it there with the recorded start time and attributes first.
 */
public class Span implements AutoCloseable {
    private static final VarHandle HANDLE;

    /** More attributes than this on a local span hand it over to the library. */
    static final int LOCAL_MAX_ATTRIBUTES = 128;

    static {
        try {
            HANDLE = MethodHandles.lookup().findVarHandle(Span.class, "handle", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Tracer tracer;
    private volatile long handle;

    // A local span: not in the library yet (handle 0). Written under the span's lock; `local`
    // turns false once, when the span ends or is handed over (after `handle` is set).
    private volatile boolean local;
    private String name;
    private int kind;
    private long startNanos;
    private AttrBatch attrs;      // [0, startCount): start attributes, then those set since
    private int startCount;

    Span(Tracer tracer, long handle) {
        this.tracer = tracer;
        this.handle = handle;
    }

    /** A local root span; {@code startAttrs} (may be null) is owned by the span. */
    Span(Tracer tracer, String name, int kind, long startNanos, AttrBatch startAttrs) {
        this.tracer = tracer;
        this.name = name;
        this.kind = kind;
        this.startNanos = startNanos;
        if (startAttrs != null && startAttrs.size > 0) {
            this.attrs = startAttrs;
            this.startCount = startAttrs.size;
        }
        this.local = true;
    }

    private long h() {
        long h = handle;
        if (h == 0) {
            h = handOver();
        }
        tracer.provider.checkOpen();
        return h;
    }

    /** Starts a local span in the library (recorded start time and attributes); its handle. */
    private synchronized long handOver() {
        long h = handle;
        if (h != 0) {
            return h;
        }
        if (!local) {
            throw new IllegalStateException("Span is ended");
        }
        tracer.provider.checkOpen();
        AttrBatch a = attrs;
        int sc = startCount;
        try {
            if (sc == 0) {
                h = Native.spanStart(tracer.handle, name, kind, 0L, startNanos);
            } else {
                h = Native.spanStartWithOptions(tracer.handle, name, kind, 0L, startNanos, a.keys, a.types,
                        a.prims, a.objs, sc, sc, null, null);
            }
        } catch (OtlpException e) {
            throw tracer.closedOr(e);
        }
        handle = h;
        local = false;
        attrs = null;
        if (a != null && a.size > sc) {
            AttrBatch rest = a;
            if (sc > 0) {
                rest = new AttrBatch(a.size - sc);
                for (int i = sc; i < a.size; i++) {
                    rest.keys[i - sc] = a.keys[i];
                    rest.types[i - sc] = a.types[i];
                    rest.prims[i - sc] = a.prims[i];
                    rest.objs[i - sc] = a.objs[i];
                }
                rest.size = a.size - sc;
            }
            try {
                Native.spanSetAttributes(h, rest.keys, rest.types, rest.prims, rest.objs, rest.size);
            } catch (OtlpException e) {
                throw mapped(e);
            }
        }
        return h;
    }

    /** Appends {@code b} to a local span's attributes; false when the span is not local (any more). */
    private boolean putLocal(AttrBatch b) {
        if (!local || !b.convertible()) {
            return false;
        }
        tracer.provider.checkOpen();
        synchronized (this) {
            if (!local) {
                return false;
            }
            AttrBatch a = attrs;
            if (a == null) {
                a = attrs = new AttrBatch();
            } else if (a.size + b.size > LOCAL_MAX_ATTRIBUTES) {
                return false;
            }
            a.addAll(b);
            return true;
        }
    }

    private boolean putLocal(String key, int type, long prim, Object obj) {
        if (!local || !AttrBatch.validKey(key)) {
            return false;
        }
        tracer.provider.checkOpen();
        synchronized (this) {
            if (!local) {
                return false;
            }
            AttrBatch a = attrs;
            if (a == null) {
                a = attrs = new AttrBatch();
            } else if (a.size >= LOCAL_MAX_ATTRIBUTES) {
                return false;
            }
            a.add(key, type, prim, obj);
            return true;
        }
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
        if (AttrBatch.validString(value) && putLocal(key, AttrBatch.STRING, 0, value)) {
            return this;
        }
        long h = h();
        try {
            Native.spanSetString(h, key, value);
        } catch (OtlpException e) {
            throw mapped(e);
        }
        return this;
    }

    public Span setAttribute(String key, long value) {
        if (putLocal(key, AttrBatch.INT, value, null)) {
            return this;
        }
        long h = h();
        try {
            Native.spanSetLong(h, key, value);
        } catch (OtlpException e) {
            throw mapped(e);
        }
        return this;
    }

    public Span setAttribute(String key, double value) {
        if (putLocal(key, AttrBatch.DOUBLE, Double.doubleToRawLongBits(value), null)) {
            return this;
        }
        long h = h();
        try {
            Native.spanSetDouble(h, key, value);
        } catch (OtlpException e) {
            throw mapped(e);
        }
        return this;
    }

    public Span setAttribute(String key, boolean value) {
        if (putLocal(key, AttrBatch.BOOL, value ? 1 : 0, null)) {
            return this;
        }
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
        if (b.size == 0 && local) {
            tracer.provider.checkOpen();
            return this;
        }
        if (putLocal(b)) {
            return this;
        }
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
        if (local && AttrBatch.validString(name)) {
            tracer.provider.checkOpen();
            synchronized (this) {
                if (local) {
                    this.name = name;
                    return this;
                }
            }
        }
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
        if (local) {
            String n;
            int k;
            long st;
            AttrBatch a;
            int sc;
            synchronized (this) {
                n = local ? name : null;
                k = kind;
                st = startNanos;
                a = attrs;
                sc = startCount;
                if (n != null) {
                    local = false;
                    name = null;
                    attrs = null;
                }
            }
            if (n != null) {
                emit(n, k, st, epochNanos, a, sc);
                return;
            }
        }
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

    private void emit(String n, int k, long st, long endNanos, AttrBatch a, int sc) {
        if (tracer.provider.isClosed()) {
            return;
        }
        try {
            if (a == null) {
                Native.spanEmit(tracer.handle, n, k, st, endNanos, null, null, null, null, 0, 0);
            } else {
                Native.spanEmit(tracer.handle, n, k, st, endNanos, a.keys, a.types, a.prims, a.objs, a.size, sc);
            }
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
        if (local) {
            return false;
        }
        return handle == 0;
    }

    /** Now, in nanoseconds since the Unix epoch (the system's realtime clock, as the library's). */
    static long nowNanos() {
        return epochNanos(Instant.now());
    }

    static long epochNanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }
}
