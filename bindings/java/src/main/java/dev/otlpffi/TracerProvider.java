package dev.otlpffi;

import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A tracer provider: configuration, export pipeline and tracers (otlp_tracer_provider_t).
 *
 * <p>Close it (try-with-resources) to flush and free it; close is idempotent. Calls on the
 * provider hold a read lock that {@link #close()} takes for writing, so close never frees the
 * handle under a call in flight. After close, every call throws IllegalStateException; its
 * spans' {@code end()} does nothing. A {@link Cleaner} frees a provider that became
 * unreachable without close, and a JVM shutdown hook shuts down every open provider (bounded
 * by {@code -Dotlpffi.shutdownTimeoutMs}, default 5000) so spans still queued are exported.
 */
public class TracerProvider implements AutoCloseable {
    static final Cleaner CLEANER = Cleaner.create();
    private static final Set<State> OPEN = ConcurrentHashMap.newKeySet();
    private static volatile boolean hookInstalled;

    /** The native handle and its lock; the Cleaner action (never refers to the wrapper). */
    static final class State implements Runnable {
        final long handle;
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        volatile boolean closed;

        State(long handle) {
            this.handle = handle;
        }

        /** Frees the provider exactly once (shutdown bounded by the export timeout). */
        @Override
        public void run() {
            lock.writeLock().lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                OPEN.remove(this);
                Native.providerFree(handle);
            } finally {
                lock.writeLock().unlock();
            }
        }

        void shutdownAtExit(int timeoutMs) {
            if (!lock.readLock().tryLock()) {
                return;
            }
            try {
                if (!closed) {
                    Native.providerShutdown(handle, timeoutMs);
                }
            } catch (RuntimeException ignored) {
                // best effort at exit: the stats record what was dropped
            } finally {
                lock.readLock().unlock();
            }
        }
    }

    final State state;
    private final Cleaner.Cleanable cleanable;
    private volatile Tracer defaultTracer;

    /**
     * Creates a provider exporting OTLP to {@code endpoint} (e.g. {@code http://localhost:4318};
     * "" means OTEL_EXPORTER_OTLP_ENDPOINT or the default) for service {@code serviceName}.
     */
    public TracerProvider(String endpoint, String serviceName) {
        this(builder().endpointOrDefault(Objects.requireNonNull(endpoint, "endpoint"))
                .serviceNameOrDefault(Objects.requireNonNull(serviceName, "serviceName")).createHandle());
    }

    TracerProvider(long handle) {
        this.state = new State(handle);
        OPEN.add(state);
        installHook();
        this.cleanable = CLEANER.register(this, state);
    }

    private static void installHook() {
        if (hookInstalled) {
            return;
        }
        synchronized (OPEN) {
            if (hookInstalled) {
                return;
            }
            int timeout = Integer.getInteger("otlpffi.shutdownTimeoutMs", 5000);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                for (State s : OPEN.toArray(new State[0])) {
                    s.shutdownAtExit(timeout);
                }
            }, "otlp-ffi-shutdown"));
            hookInstalled = true;
        }
    }

    /** A builder for a configured provider (settings map to OTEL_* keys). */
    public static Builder builder() {
        Native.ensureLoaded();
        return new Builder();
    }

    /** The library version ("major.minor.patch"). */
    public static String libraryVersion() {
        return Native.version();
    }

    void checkOpen() {
        if (state.closed) {
            throw new IllegalStateException("TracerProvider is closed");
        }
    }

    private void lockOpen() {
        state.lock.readLock().lock();
        if (state.closed) {
            state.lock.readLock().unlock();
            throw new IllegalStateException("TracerProvider is closed");
        }
    }

    private void unlock() {
        state.lock.readLock().unlock();
    }

    /** The provider's tracer (scope "otlp-ffi"); the same object every call. */
    public Tracer getTracer() {
        Tracer t = defaultTracer;
        if (t != null) {
            checkOpen();
            return t;
        }
        lockOpen();
        try {
            t = newTracer(Native.getTracer(state.handle, null, null, null));
            defaultTracer = t;
            return t;
        } finally {
            unlock();
        }
    }

    /** A tracer for an instrumentation scope. */
    public Tracer getTracer(String scopeName) {
        return getTracer(scopeName, null, null);
    }

    public Tracer getTracer(String scopeName, String scopeVersion) {
        return getTracer(scopeName, scopeVersion, null);
    }

    public Tracer getTracer(String scopeName, String scopeVersion, String schemaUrl) {
        Objects.requireNonNull(scopeName, "scopeName");
        lockOpen();
        try {
            return newTracer(Native.getTracer(state.handle, scopeName, scopeVersion, schemaUrl));
        } finally {
            unlock();
        }
    }

    Tracer newTracer(long handle) {
        return new Tracer(this, handle);
    }

    /**
     * Exports every span ended so far, waiting up to {@code timeout}.
     *
     * @throws OtlpException OTLP_ERROR_TIMEOUT or OTLP_ERROR_EXPORT_FAILED
     */
    public void forceFlush(Duration timeout) {
        int ms = millis(timeout);
        lockOpen();
        try {
            Native.providerForceFlush(state.handle, ms);
        } finally {
            unlock();
        }
    }

    /**
     * Flushes (bounded by {@code timeout}) and stops exporting; the provider stays open (its
     * tracers hand out non-recording spans) until {@link #close()}.
     *
     * @throws OtlpException OTLP_ERROR_TIMEOUT or OTLP_ERROR_EXPORT_FAILED
     */
    public void shutdown(Duration timeout) {
        int ms = millis(timeout);
        lockOpen();
        try {
            Native.providerShutdown(state.handle, ms);
        } finally {
            unlock();
        }
    }

    /** The pipeline's counters. */
    public Stats getStats() {
        long[] v = new long[5];
        lockOpen();
        try {
            Native.providerStats(state.handle, v);
        } finally {
            unlock();
        }
        return new Stats(v[0], v[1], v[2], v[3], v[4]);
    }

    public boolean isClosed() {
        return state.closed;
    }

    /**
     * Shuts down (bounded by the export timeout, OTEL_EXPORTER_OTLP_TIMEOUT) and frees the
     * provider, its tracers and its open spans. Idempotent; waits for calls in flight.
     */
    @Override
    public void close() {
        cleanable.clean();
    }

    static int millis(Duration d) {
        Objects.requireNonNull(d, "timeout");
        if (d.isNegative()) {
            throw new IllegalArgumentException("timeout is negative: " + d);
        }
        long ms = d.toMillis();
        return ms > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) ms;
    }

    /**
     * Settings for {@link TracerProvider}, each mapped to its OpenTelemetry environment
     * variable; settings given here win over the environment.
     */
    public static final class Builder {
        private final Map<String, String> settings = new LinkedHashMap<>();
        private final Map<String, String> resource = new LinkedHashMap<>();
        private final Map<String, String> headers = new LinkedHashMap<>();

        Builder() {
            resource.put("telemetry.sdk.language", "java");
        }

        Builder endpointOrDefault(String endpoint) {
            return endpoint.isEmpty() ? this : endpoint(endpoint);
        }

        Builder serviceNameOrDefault(String name) {
            return name.isEmpty() ? this : serviceName(name);
        }

        /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL. */
        public Builder endpoint(String endpoint) {
            return setting("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint);
        }

        /** OTEL_SERVICE_NAME. */
        public Builder serviceName(String serviceName) {
            return setting("OTEL_SERVICE_NAME", serviceName);
        }

        /** One OTEL_EXPORTER_OTLP_HEADERS entry (the value is percent-encoded). */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** OTEL_EXPORTER_OTLP_HEADERS. */
        public Builder headers(Map<String, String> h) {
            h.forEach(this::header);
            return this;
        }

        /** OTEL_EXPORTER_OTLP_TIMEOUT (milliseconds). */
        public Builder timeout(Duration timeout) {
            return setting("OTEL_EXPORTER_OTLP_TIMEOUT", Integer.toString(millis(timeout)));
        }

        /** OTEL_BSP_MAX_QUEUE_SIZE. */
        public Builder maxQueueSize(int n) {
            return setting("OTEL_BSP_MAX_QUEUE_SIZE", Integer.toString(n));
        }

        /** OTEL_BSP_MAX_EXPORT_BATCH_SIZE. */
        public Builder maxExportBatchSize(int n) {
            return setting("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", Integer.toString(n));
        }

        /** OTEL_BSP_SCHEDULE_DELAY (milliseconds). */
        public Builder scheduleDelay(Duration delay) {
            return setting("OTEL_BSP_SCHEDULE_DELAY", Integer.toString(millis(delay)));
        }

        /** OTEL_BSP_EXPORT_TIMEOUT (milliseconds). */
        public Builder exportTimeout(Duration timeout) {
            return setting("OTEL_BSP_EXPORT_TIMEOUT", Integer.toString(millis(timeout)));
        }

        /** OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf, http/json or grpc. */
        public Builder protocol(String protocol) {
            return setting("OTEL_EXPORTER_OTLP_PROTOCOL", protocol);
        }

        /** OTEL_EXPORTER_OTLP_COMPRESSION: gzip or none. */
        public Builder compression(String compression) {
            return setting("OTEL_EXPORTER_OTLP_COMPRESSION", compression);
        }

        /** OTEL_TRACES_SAMPLER, e.g. parentbased_always_on, traceidratio. */
        public Builder sampler(String sampler) {
            return setting("OTEL_TRACES_SAMPLER", sampler);
        }

        /** OTEL_TRACES_SAMPLER_ARG. */
        public Builder samplerArg(String arg) {
            return setting("OTEL_TRACES_SAMPLER_ARG", arg);
        }

        /** OTEL_TRACES_EXPORTER: otlp, console or none. */
        public Builder exporter(String exporter) {
            return setting("OTEL_TRACES_EXPORTER", exporter);
        }

        /** A resource attribute (wins over OTEL_RESOURCE_ATTRIBUTES). */
        public Builder resourceAttribute(String key, String value) {
            resource.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Any supported OTEL_* key (see the project README); the library validates it. */
        public Builder setting(String key, String value) {
            settings.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        long createHandle() {
            long cfg = Native.configNew();
            try {
                for (Map.Entry<String, String> e : settings.entrySet()) {
                    Native.configSet(cfg, e.getKey(), e.getValue(), false);
                }
                if (!headers.isEmpty()) {
                    StringBuilder sb = new StringBuilder();
                    for (Map.Entry<String, String> e : headers.entrySet()) {
                        if (sb.length() > 0) {
                            sb.append(',');
                        }
                        sb.append(e.getKey()).append('=').append(percentEncode(e.getValue()));
                    }
                    Native.configSet(cfg, "OTEL_EXPORTER_OTLP_HEADERS", sb.toString(), false);
                }
                for (Map.Entry<String, String> e : resource.entrySet()) {
                    Native.configSet(cfg, e.getKey(), e.getValue(), true);
                }
                return Native.initWithConfig(cfg);
            } finally {
                Native.configFree(cfg);
            }
        }

        /** Creates the provider. */
        public TracerProvider build() {
            return new TracerProvider(createHandle());
        }

        private static String percentEncode(String s) {
            return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
        }
    }
}
