package dev.otlpffi;

import java.lang.ref.Cleaner;
import java.util.Objects;

/**
 * W3C baggage (otlp_baggage_t): key/value entries propagated with a request. Close it when
 * done (a Cleaner frees it otherwise); calls are serialized and use after close throws
 * IllegalStateException.
 */
public final class Baggage implements AutoCloseable {
    private static final class Free implements Runnable {
        long handle;

        Free(long handle) {
            this.handle = handle;
        }

        @Override
        public void run() {
            long h;
            synchronized (this) {
                h = handle;
                handle = 0;
            }
            if (h != 0) {
                Native.baggageFree(h);
            }
        }
    }

    private final Free free;
    private final Cleaner.Cleanable cleanable;

    private Baggage(long handle) {
        this.free = new Free(handle);
        this.cleanable = TracerProvider.CLEANER.register(this, free);
    }

    /** An empty baggage. */
    public Baggage() {
        this(Native.baggageNew(null));
    }

    /** Parses a W3C {@code baggage} header value (invalid members are skipped). */
    public static Baggage fromHeader(String header) {
        return new Baggage(Native.baggageNew(Objects.requireNonNull(header, "header")));
    }

    private long h() {
        long h = free.handle;
        if (h == 0) {
            throw new IllegalStateException("Baggage is closed");
        }
        return h;
    }

    /** Sets {@code key} (an HTTP token) to {@code value} (any text; percent-encoded on inject). */
    public Baggage set(String key, String value) {
        Objects.requireNonNull(value, "value");
        synchronized (free) {
            Native.baggageSet(h(), key, value);
        }
        return this;
    }

    /** The value of {@code key}, or null. */
    public String get(String key) {
        synchronized (free) {
            return Native.baggageGet(h(), key);
        }
    }

    public Baggage remove(String key) {
        synchronized (free) {
            Native.baggageSet(h(), key, null);
        }
        return this;
    }

    /** The W3C {@code baggage} header value ("" when empty). */
    public String toHeader() {
        synchronized (free) {
            return Native.baggageInject(h());
        }
    }

    public boolean isClosed() {
        synchronized (free) {
            return free.handle == 0;
        }
    }

    /** Frees the native baggage; idempotent. */
    @Override
    public void close() {
        cleanable.clean();
    }
}
