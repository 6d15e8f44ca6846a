// demo-java: the last hop of the five-language demo (examples/run_demo.sh).
//
// A ledger service: POST /ledger continues the caller's trace (traceparent, tracestate and
// baggage from the request), records the baggage that travelled from the C client as span
// attributes (baggage.<key>), and writes a ledger entry whose id is a SHA-256 of the order.
// Exporting is configured by the OTEL_* environment, as with the OpenTelemetry Java SDK.
//
//   java -cp otlp-ffi.jar DemoService.java --port 0
// prints {"listening": PORT} once it accepts connections; SIGTERM flushes (shutdown hook), exits 0.

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.otlpffi.Baggage;
import dev.otlpffi.Propagation;
import dev.otlpffi.Span;
import dev.otlpffi.SpanContext;
import dev.otlpffi.SpanKind;
import dev.otlpffi.Tracer;
import dev.otlpffi.TracerProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.Executors;

public final class DemoService {
    private static final String[] BAGGAGE_KEYS = {"customer.id", "customer.tier"};

    public static void main(String[] args) throws IOException {
        int port = 0;
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--port")) {
                port = Integer.parseInt(args[i + 1]);
            }
        }
        TracerProvider provider = new TracerProvider("", ""); // OTEL_* variables decide
        Tracer tracer = provider.getTracer("demo.ledger", "1.0.0");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/ledger", exchange -> handle(tracer, exchange));
        server.start();
        // The provider's shutdown hook flushes on SIGTERM; stop the server first.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0)));
        System.out.println("{\"listening\": " + server.getAddress().getPort() + "}");
        System.out.flush();
    }

    private static void handle(Tracer tracer, HttpExchange exchange) throws IOException {
        var headers = exchange.getRequestHeaders();
        SpanContext parent = Propagation.extract(headers, (h, name) -> h.getFirst(name));
        Span span = tracer.spanBuilder("POST /ledger")
                .setKind(SpanKind.SERVER)
                .setParent(parent)
                .setAttribute("http.request.method", exchange.getRequestMethod())
                .setAttribute("url.path", exchange.getRequestURI().getPath())
                .setAttribute("demo.language", "Java")
                .startSpan();
        if (parent != null) {
            parent.close();
        }
        int status = 200;
        byte[] out;
        try (Baggage baggage = Propagation.extractBaggage(headers, (h, name) -> h.getFirst(name))) {
            for (String key : BAGGAGE_KEYS) {
                String value = baggage.get(key);
                if (value != null) {
                    span.setAttribute("baggage." + key, value);
                }
            }
            byte[] order = exchange.getRequestBody().readAllBytes();
            String entry = HexFormat.of().formatHex(sha256(order), 0, 8);
            span.setAttribute("demo.ledger.entry", entry);
            span.setAttribute("demo.ledger.bytes", order.length);
            span.addEvent("ledger.written");
            out = ("{\"entry\":\"" + entry + "\",\"customer\":\"" + baggage.get("customer.id") + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            span.recordException(e);
            status = 500;
            out = "{\"error\":\"ledger failed\"}".getBytes(StandardCharsets.UTF_8);
        }
        span.setAttribute("http.response.status_code", status);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, out.length);
        try (OutputStream body = exchange.getResponseBody()) {
            body.write(out);
        }
        span.end();
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private DemoService() {}
}
