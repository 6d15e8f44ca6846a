package dev.otlpffi.examples;

import dev.otlpffi.OtlpFFI.Span;
import dev.otlpffi.OtlpFFI.Tracer;
import dev.otlpffi.OtlpFFI.TracerProvider;

/** The design document's main (section 9.1) with only its package and import lines changed. */
public class SeedMain {
    // 使用示例
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
