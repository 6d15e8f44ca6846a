package dev.otlpffi;

/**
 * The API of the design document (section 9): {@code OtlpFFI.TracerProvider(endpoint,
 * serviceName)}, {@code getTracer()}, {@code Tracer.startSpan(name)},
 * {@code Span.setAttribute(String, String | long)}, {@code end()}, {@code close()}. The nested
 * classes are the binding's {@link dev.otlpffi.TracerProvider}, {@link dev.otlpffi.Tracer} and
 * {@link dev.otlpffi.Span} (everything else they offer works too).
 */
public final class OtlpFFI {
    private OtlpFFI() {}

    /** The native library's version. */
    public static String version() {
        return Native.version();
    }

    public static class TracerProvider extends dev.otlpffi.TracerProvider {
        public TracerProvider(String endpoint, String serviceName) {
            super(endpoint, serviceName);
        }

        @Override
        public Tracer getTracer() {
            return (Tracer) super.getTracer();
        }

        @Override
        dev.otlpffi.Tracer newTracer(long handle) {
            return new Tracer(this, handle);
        }
    }

    public static class Tracer extends dev.otlpffi.Tracer {
        Tracer(dev.otlpffi.TracerProvider provider, long handle) {
            super(provider, handle);
        }

        @Override
        public Span startSpan(String name) {
            return (Span) super.startSpan(name);
        }

        @Override
        dev.otlpffi.Span newSpan(long h) {
            return new Span(this, h);
        }

        @Override
        dev.otlpffi.Span newLocalSpan(String name, int kind, long startNanos, AttrBatch startAttrs) {
            return new Span(this, name, kind, startNanos, startAttrs);
        }
    }

    public static class Span extends dev.otlpffi.Span {
        Span(dev.otlpffi.Tracer tracer, long handle) {
            super(tracer, handle);
        }

        Span(dev.otlpffi.Tracer tracer, String name, int kind, long startNanos, AttrBatch startAttrs) {
            super(tracer, name, kind, startNanos, startAttrs);
        }

        @Override
        public Span setAttribute(String key, String value) {
            super.setAttribute(key, value);
            return this;
        }

        @Override
        public Span setAttribute(String key, long value) {
            super.setAttribute(key, value);
            return this;
        }
    }

    // The document's usage example, unchanged.
    public static void main(String[] args) {
        try (TracerProvider provider = new TracerProvider("http://localhost:4318", "java-app")) {
            Tracer tracer = provider.getTracer();

            try (Span span = tracer.startSpan("my_operation")) {
                span.setAttribute("user.id", 12345L);
                span.setAttribute("action", "purchase");

                // 业务逻辑...
                System.out.println("Doing work...");
            }
        }
    }
}
