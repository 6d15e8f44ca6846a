package dev.otlpffi;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A span context (otlp_context_t): trace id, span id, flags and tracestate, for parenting and
 * propagation. Immutable; stays valid after its span ends or its provider closes. Close it when
 * done (a Cleaner frees it otherwise); use after close throws IllegalStateException.
 */
public final class SpanContext implements AutoCloseable {
    private static final class Free implements Runnable {
        private final AtomicLong handle;

        Free(long handle) {
            this.handle = new AtomicLong(handle);
        }

        @Override
        public void run() {
            long h = handle.getAndSet(0);
            if (h != 0) {
                Native.contextFree(h);
            }
        }
    }

    private final Free free;
    private final Cleaner.Cleanable cleanable;
    private final String traceparent;
    private final String tracestate;
    private final boolean remote;

    SpanContext(long handle, String traceparent, String tracestate, boolean remote) {
        this.free = new Free(handle);
        this.cleanable = TracerProvider.CLEANER.register(this, free);
        this.traceparent = traceparent;
        this.tracestate = tracestate == null ? "" : tracestate;
        this.remote = remote;
    }

    /**
     * Parses W3C {@code traceparent} (and {@code tracestate}, may be null) into a remote
     * context.
     *
     * @throws OtlpException OTLP_ERROR_INVALID_ARGUMENT when the traceparent is malformed
     */
    public static SpanContext fromTraceparent(String traceparent, String tracestate) {
        long h = Native.contextExtract(traceparent, tracestate);
        return new SpanContext(h, traceparent, tracestate == null ? "" : tracestate.trim(), true);
    }

    long handle() {
        long h = free.handle.get();
        if (h == 0) {
            throw new IllegalStateException("SpanContext is closed");
        }
        return h;
    }

    private String field(int i) {
        String[] parts = traceparent.split("-");
        return parts[i];
    }

    /** 32 lowercase hex characters. */
    public String getTraceId() {
        return field(1);
    }

    /** 16 lowercase hex characters. */
    public String getSpanId() {
        return field(2);
    }

    /** The trace flags byte (bit 0: sampled). */
    public int getTraceFlags() {
        return Integer.parseInt(field(3).substring(0, 2), 16);
    }

    public boolean isSampled() {
        return (getTraceFlags() & 1) != 0;
    }

    /** The W3C traceparent header value. */
    public String getTraceparent() {
        return traceparent;
    }

    /** The W3C tracestate header value ("" when none). */
    public String getTracestate() {
        return tracestate;
    }

    /** True when extracted from a carrier, false for a local span's context. */
    public boolean isRemote() {
        return remote;
    }

    public boolean isClosed() {
        return free.handle.get() == 0;
    }

    /** Frees the native context; idempotent. */
    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return "SpanContext{" + traceparent + (tracestate.isEmpty() ? "" : ", " + tracestate) + "}";
    }
}
