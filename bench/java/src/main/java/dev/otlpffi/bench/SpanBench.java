package dev.otlpffi.bench;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * start + 3 attributes + end, and start + end, through the otlp-ffi binding and through the
 * OpenTelemetry Java SDK (BatchSpanProcessor with OTLP/HTTP to the same sink, or a discarding
 * exporter). Each trial prints what was exported and dropped. crossingVersion is one call into
 * the library (otlp_version() through JNI, the String conversion included).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SpanBench {
    static final AttributeKey<Long> USER_ID = AttributeKey.longKey("user.id");
    static final AttributeKey<String> ACTION = AttributeKey.stringKey("action");
    static final AttributeKey<Boolean> OK = AttributeKey.booleanKey("ok");

    @State(Scope.Benchmark)
    public static class Binding {
        Sink sink;
        dev.otlpffi.TracerProvider provider;
        dev.otlpffi.Tracer tracer;
        String service;

        @Setup(Level.Trial)
        public void setup(BenchmarkParams params) throws Exception {
            sink = new Sink();
            service = "binding-" + params.getBenchmark().replaceAll(".*\\.", "");
            provider = dev.otlpffi.TracerProvider.builder().endpoint(sink.endpoint()).serviceName(service).build();
            tracer = provider.getTracer();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            try {
                provider.forceFlush(Duration.ofSeconds(30));
            } catch (RuntimeException e) {
                System.out.println("flush: " + e);
            }
            dev.otlpffi.Stats st = provider.getStats();
            Thread.sleep(300);
            System.out.printf("%n[%s] ended=%d exported=%d dropped=%d receiver=%d%n", service, st.spansEnded(),
                    st.spansExported(), st.spansDropped(), sink.count(service));
            provider.close();
            sink.close();
        }
    }

    @State(Scope.Benchmark)
    public static class Sdk {
        @Param({"otlp", "discard"})
        public String exporter;

        Sink sink;
        SdkTracerProvider provider;
        io.opentelemetry.api.trace.Tracer tracer;
        final AtomicLong discarded = new AtomicLong();
        String service;

        @Setup(Level.Trial)
        public void setup(BenchmarkParams params) throws Exception {
            sink = new Sink();
            service = "sdk-" + exporter + "-" + params.getBenchmark().replaceAll(".*\\.", "");
            SpanExporter ex = exporter.equals("otlp")
                    ? OtlpHttpSpanExporter.builder().setEndpoint(sink.endpoint() + "/v1/traces").build()
                    : new SpanExporter() {
                        @Override
                        public CompletableResultCode export(Collection<SpanData> spans) {
                            discarded.addAndGet(spans.size());
                            return CompletableResultCode.ofSuccess();
                        }

                        @Override
                        public CompletableResultCode flush() {
                            return CompletableResultCode.ofSuccess();
                        }

                        @Override
                        public CompletableResultCode shutdown() {
                            return CompletableResultCode.ofSuccess();
                        }
                    };
            provider = SdkTracerProvider.builder()
                    .setResource(Resource.getDefault().toBuilder().put("service.name", service).build())
                    .addSpanProcessor(BatchSpanProcessor.builder(ex).build()).build();
            tracer = provider.get("bench");
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            provider.forceFlush().join(30, TimeUnit.SECONDS);
            Thread.sleep(300);
            long got = exporter.equals("otlp") ? sink.count(service) : discarded.get();
            System.out.printf("%n[%s] exported=%d (dropped = spans run - exported)%n", service, got);
            provider.shutdown().join(10, TimeUnit.SECONDS);
            sink.close();
        }
    }

    @Benchmark
    public void bindingSpan3Attrs(Binding b) {
        dev.otlpffi.Span s = b.tracer.startSpan("operation");
        s.setAttribute("user.id", 12345L);
        s.setAttribute("action", "purchase");
        s.setAttribute("ok", true);
        s.end();
    }

    @Benchmark
    public void bindingStartEnd(Binding b) {
        b.tracer.startSpan("operation").end();
    }

    /** One JNI crossing: otlp_version() (a getter returning a static string) as a Java String. */
    @Benchmark
    public String crossingVersion() {
        return dev.otlpffi.OtlpFFI.version();
    }

    @Benchmark
    public void sdkSpan3Attrs(Sdk b) {
        io.opentelemetry.api.trace.Span s = b.tracer.spanBuilder("operation").startSpan();
        s.setAttribute(USER_ID, 12345L);
        s.setAttribute(ACTION, "purchase");
        s.setAttribute(OK, true);
        s.end();
    }

    @Benchmark
    public void sdkStartEnd(Sdk b) {
        b.tracer.spanBuilder("operation").startSpan().end();
    }
}
