// The rich trace of tests/test_collector.py through the Java binding (bindings/java, the
// packaged jar). Exporter settings come from the OTEL_* environment; rich.config is a resource
// attribute given to the provider. Prints "SPAN <label> <trace-id> <span-id>", "STATS ..." and
// "OK".

import dev.otlpffi.Attributes;
import dev.otlpffi.Span;
import dev.otlpffi.SpanContext;
import dev.otlpffi.SpanKind;
import dev.otlpffi.Stats;
import dev.otlpffi.StatusCode;
import dev.otlpffi.Tracer;
import dev.otlpffi.TracerProvider;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/** An exception type named as in the other languages' programs. */
class ValueError extends RuntimeException {
    ValueError(String message) {
        super(message);
    }
}

public final class RichTrace {
    static final String TEXT = "Grüße, 世界 🚀";
    static final long T0 = 1700000000123456789L;
    static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    static final String TRACESTATE = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";

    static void show(String label, Span span) {
        System.out.println("SPAN " + label + " " + span.getTraceId() + " " + span.getSpanId());
    }

    public static void main(String[] args) throws Exception {
        TracerProvider provider = TracerProvider.builder().resourceAttribute("rich.config", TEXT).build();
        Tracer alpha = provider.getTracer("rich.scope.alpha", "1.2.3", "https://opentelemetry.io/schemas/1.26.0");
        Tracer beta = provider.getTracer("rich.scope.beta ✓", "2.0.0-β", "https://example.com/schemas/beta");
        SpanContext remote = SpanContext.fromTraceparent(TRACEPARENT, TRACESTATE);

        Span server = alpha.spanBuilder("GET /grüße/🚀")
                .setKind(SpanKind.SERVER).setParent(remote).setStartTimestamp(T0)
                .setAttribute("rich.string", TEXT).setAttribute("rich.bool", true)
                .setAttribute("rich.int", -42L).setAttribute("rich.double", 3.14159)
                .startSpan();
        server.setAttribute("rich.bool.false", false);
        server.setAttribute("rich.int.big", 9007199254740993L);
        server.setAttribute("rich.double.small", 2.5e-8);
        server.setAttribute("rich.string.ascii", "plain");
        server.setAllAttributes(Attributes.builder()
                .put("rich.string_array", List.of("a", TEXT, "z"))
                .put("rich.bool_array", List.of(true, false, true))
                .put("rich.int_array", List.of(1L, -2L, Long.MAX_VALUE))
                .put("rich.double_array", List.of(0.5, -1.25, 1e10))
                .build());
        server.addEvent("cache.miss", Attributes.builder().put("cache.key", TEXT).put("cache.size", 7L).build(),
                T0 + 1000);
        server.addEvent("retry 🚀", Attributes.builder().put("retry.delays", List.of(0.5, 1.5))
                .put("retry.final", true).build(), T0 + 2000);
        server.setStatus(StatusCode.OK);
        show("server", server);

        Span client = beta.spanBuilder("SELECT grüße")
                .setKind(SpanKind.CLIENT).setParent(server).setAttribute("db.system", "postgresql")
                .addLink(remote, Attributes.builder().put("link.kind", "caller").put("link.index", 0L).build())
                .setStartTimestamp(T0 + 100_000)
                .startSpan();
        client.setStatus(StatusCode.ERROR, "query failed: Grüße");
        show("client", client);
        SpanContext clientCtx = client.getSpanContext();
        client.end(T0 + 900_000);

        Span producer = alpha.spanBuilder("publish")
                .setKind(SpanKind.PRODUCER).setParent(server).setStartTimestamp(T0 + 1_000_000)
                .startSpan();
        producer.recordException(new ValueError("bad value: 世界"));
        show("producer", producer);
        SpanContext producerCtx = producer.getSpanContext();
        producer.end(T0 + 1_500_000);

        Span consumer = beta.spanBuilder("consume")
                .setKind(SpanKind.CONSUMER).setParent(server)
                .addLink(clientCtx, Attributes.builder().put("link.note", TEXT).build())
                .addLink(producerCtx)
                .setStartTimestamp(T0 + 2_000_000)
                .startSpan();
        try {
            throw new TimeoutException("timeout ⏱");
        } catch (TimeoutException e) {
            consumer.recordException(e);
        }
        show("consumer", consumer);
        consumer.end(T0 + 3_000_000);
        server.end(T0 + 5_000_000);

        Span job = alpha.spanBuilder("background job").setStartTimestamp(T0 + 10_000_000).startSpan();
        job.addEvent("tick", Attributes.builder().build(), T0 + 15_000_000);
        show("job", job);
        job.end(T0 + 20_000_000);

        provider.forceFlush(Duration.ofSeconds(10));
        Stats s = provider.getStats();
        System.out.println("STATS started=" + s.spansStarted() + " ended=" + s.spansEnded() + " exported="
                + s.spansExported() + " dropped=" + s.spansDropped() + " failures=" + s.exportFailures());
        provider.shutdown(Duration.ofSeconds(10));
        provider.close();
        remote.close();
        clientCtx.close();
        producerCtx.close();
        System.out.println("OK");
    }
}
