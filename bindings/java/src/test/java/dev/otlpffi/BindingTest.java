package dev.otlpffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BindingTest {
    static Receiver rx;
    static TracerProvider provider;
    static Tracer tracer;

    @BeforeAll
    static void start() throws IOException {
        rx = new Receiver();
        provider = TracerProvider.builder().endpoint(rx.endpoint()).serviceName("java-test")
                .scheduleDelay(Duration.ofMillis(100)).resourceAttribute("deployment.environment", "test")
                .build();
        tracer = provider.getTracer();
    }

    @AfterAll
    static void stop() throws Exception {
        provider.close();
        rx.close();
    }

    static JsonObject attr(JsonObject span, String key) {
        JsonObject a = span.getAsJsonObject("attributes").getAsJsonObject(key);
        assertNotNull(a, "attribute " + key + " missing in " + span);
        return a;
    }

    static void flush() {
        provider.forceFlush(Duration.ofSeconds(10));
    }

    @Test
    void everyAttributeType() throws Exception {
        Span s = tracer.startSpan("attr-types");
        s.setAttribute("s", "text").setAttribute("l", Long.MIN_VALUE).setAttribute("d", 2.5)
                .setAttribute("b", true).setAttribute("ls", List.of("a", "b"))
                .setAttribute("ll", List.of(1L, 2L, 3L)).setAttribute("ld", List.of(0.5, -1.0))
                .setAttribute("lb", List.of(true, false))
                .setAllAttributes(Attributes.builder().put("batch.s", "x").put("batch.l", 7).build());
        s.end();
        flush();
        JsonObject j = rx.awaitName("attr-types");
        assertEquals("string", attr(j, "s").get("type").getAsString());
        assertEquals("text", attr(j, "s").get("value").getAsString());
        assertEquals("int", attr(j, "l").get("type").getAsString());
        assertEquals(Long.toString(Long.MIN_VALUE), attr(j, "l").get("value").getAsString());
        assertEquals("double", attr(j, "d").get("type").getAsString());
        assertEquals(2.5, attr(j, "d").get("value").getAsDouble());
        assertEquals("bool", attr(j, "b").get("type").getAsString());
        assertTrue(attr(j, "b").get("value").getAsBoolean());
        JsonArray ls = attr(j, "ls").getAsJsonArray("value");
        assertEquals("array", attr(j, "ls").get("type").getAsString());
        assertEquals("a", ls.get(0).getAsJsonObject().get("value").getAsString());
        assertEquals("b", ls.get(1).getAsJsonObject().get("value").getAsString());
        JsonArray ll = attr(j, "ll").getAsJsonArray("value");
        assertEquals(3, ll.size());
        assertEquals("int", ll.get(2).getAsJsonObject().get("type").getAsString());
        assertEquals("3", ll.get(2).getAsJsonObject().get("value").getAsString());
        JsonArray ld = attr(j, "ld").getAsJsonArray("value");
        assertEquals(-1.0, ld.get(1).getAsJsonObject().get("value").getAsDouble());
        JsonArray lb = attr(j, "lb").getAsJsonArray("value");
        assertFalse(lb.get(1).getAsJsonObject().get("value").getAsBoolean());
        assertEquals("x", attr(j, "batch.s").get("value").getAsString());
        assertEquals("7", attr(j, "batch.l").get("value").getAsString());
        assertEquals("java-test", j.get("service_name").getAsString());
        assertTrue(j.getAsJsonObject("resource").get("telemetry.sdk.language").toString().contains("java"),
                j.getAsJsonObject("resource").toString());
        assertTrue(j.getAsJsonObject("resource").toString().contains("deployment.environment"));
    }

    @Test
    void nonBmpStringsArriveIntact() throws Exception {
        String text = "日本語 🎉";
        try (Baggage bg = new Baggage()) {
            bg.set("greeting", text);
            assertEquals(text, bg.get("greeting"));
            Baggage back = Baggage.fromHeader(bg.toHeader());
            assertEquals(text, back.get("greeting"));
            back.close();
        }
        Span s = tracer.startSpan("utf8 " + text);
        s.setAttribute("text", text);
        s.setAttribute(text, 1L);
        s.end();
        flush();
        JsonObject j = rx.awaitName("utf8 " + text);
        assertEquals(text, attr(j, "text").get("value").getAsString());
        assertEquals("1", attr(j, text).get("value").getAsString());
    }

    @Test
    void loneSurrogateAndNulAreRejectedNamingTheArgument() {
        Span s = tracer.startSpan("bad-strings");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.setAttribute("k", "x\ud83c"));
        assertTrue(e.getMessage().contains("value") && e.getMessage().contains("surrogate"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.setAttribute("a\u0000b", "v"));
        assertTrue(e.getMessage().contains("key") && e.getMessage().contains("U+0000"), e.getMessage());
        NullPointerException n = assertThrows(NullPointerException.class, () -> s.setAttribute(null, "v"));
        assertEquals("key", n.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.setAttribute("mixed", List.of(1L, "two")));
        s.end();
    }

    @Test
    void libraryErrorsCarryCodeAndMessage() {
        Span s = tracer.startSpan("errors");
        OtlpException e = assertThrows(OtlpException.class, () -> s.setAttribute("", "v"));
        assertEquals("OTLP_ERROR_INVALID_ARGUMENT", e.code());
        assertEquals(-1, e.errno());
        assertTrue(e.getMessage().startsWith("OTLP_ERROR_INVALID_ARGUMENT"), e.getMessage());
        s.end();
        OtlpException c = assertThrows(OtlpException.class,
                () -> TracerProvider.builder().setting("OTEL_NOT_A_KEY", "1").build());
        assertEquals("OTLP_ERROR_INVALID_ARGUMENT", c.code());
        assertTrue(c.getMessage().contains("OTEL_NOT_A_KEY"), c.getMessage());
        OtlpException i = assertThrows(OtlpException.class, () -> new TracerProvider("ftp://nowhere", "x"));
        assertEquals("OTLP_ERROR_INVALID_ARGUMENT", i.code());
    }

    @Test
    void parentsAcrossInjectExtract() throws Exception {
        Span client = tracer.startSpan("client", SpanKind.CLIENT);
        Map<String, String> headers = new HashMap<>();
        Baggage bg = new Baggage().set("user", "日本語 🎉");
        Propagation.inject(client, bg, headers);
        assertTrue(headers.get("traceparent").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), headers.toString());
        assertTrue(headers.containsKey("baggage"));
        bg.close();
        String clientTrace = client.getTraceId();
        String clientId = client.getSpanId();
        client.end();

        // a remote hop with tracestate, over a setter/getter carrier
        Map<String, String> incoming = new HashMap<>();
        incoming.put("Traceparent", headers.get("traceparent"));
        incoming.put("tracestate", "vendor=abc,other=1");
        incoming.put("baggage", headers.get("baggage"));
        SpanContext remote = Propagation.extract(incoming, (m, k) -> {
            for (Map.Entry<String, String> e : m.entrySet()) {
                if (e.getKey().equalsIgnoreCase(k)) {
                    return e.getValue();
                }
            }
            return null;
        });
        assertNotNull(remote);
        assertTrue(remote.isRemote());
        assertEquals(clientTrace, remote.getTraceId());
        assertEquals(clientId, remote.getSpanId());
        try (Baggage got = Propagation.extractBaggage(incoming)) {
            assertEquals("日本語 🎉", got.get("user"));
        }
        Span server = tracer.startSpan("server", SpanKind.SERVER, remote);
        assertEquals("vendor=abc,other=1", server.getTracestate());
        Span child = tracer.spanBuilder("child").setParent(server).setKind(SpanKind.PRODUCER).startSpan();
        Map<String, String> out = new HashMap<>();
        Propagation.inject(child, out);
        assertEquals("vendor=abc,other=1", out.get("tracestate"));
        String serverId = server.getSpanId();
        child.end();
        server.end();
        remote.close();
        remote.close();
        assertThrows(IllegalStateException.class, () -> tracer.startSpan("x", SpanKind.SERVER, remote));
        flush();

        JsonObject js = rx.awaitName("server");
        assertEquals(clientTrace, js.get("trace_id").getAsString());
        assertEquals(clientId, js.get("parent_span_id").getAsString());
        assertEquals("vendor=abc,other=1", js.get("trace_state").getAsString());
        assertEquals(2, js.get("kind").getAsInt());
        JsonObject jc = rx.awaitName("child");
        assertEquals(clientTrace, jc.get("trace_id").getAsString());
        assertEquals(serverId, jc.get("parent_span_id").getAsString());
        assertEquals(4, jc.get("kind").getAsInt());
        JsonObject jcl = rx.awaitName("client");
        assertEquals(3, jcl.get("kind").getAsInt());

        assertNull(Propagation.extract(Map.of("traceparent", "00-zz-bad-01")));
        assertNull(Propagation.extract(Map.of()));
    }

    @Test
    void builderLinksStartTimeAndAttributes() throws Exception {
        Span other = tracer.startSpan("linked-target");
        SpanContext target = other.getSpanContext();
        other.end();
        Instant start = Instant.parse("2024-01-02T03:04:05.123456789Z");
        Span s = tracer.spanBuilder("built").setKind(SpanKind.CONSUMER).setAttribute("at.start", "yes")
                .setAttribute("n", 3).addLink(target, Attributes.builder().put("link.why", "batch").build())
                .setStartTimestamp(start).startSpan();
        s.end(start.plusMillis(5));
        target.close();
        flush();
        JsonObject j = rx.awaitName("built");
        assertEquals(5, j.get("kind").getAsInt());
        assertEquals("yes", attr(j, "at.start").get("value").getAsString());
        assertEquals("1704164645123456789", j.get("start_time_unix_nano").getAsString());
        assertEquals("1704164645128456789", j.get("end_time_unix_nano").getAsString());
        JsonArray links = j.getAsJsonArray("links");
        assertEquals(1, links.size());
        JsonObject l = links.get(0).getAsJsonObject();
        assertEquals(target.getTraceId(), l.get("trace_id").getAsString());
        assertEquals(target.getSpanId(), l.get("span_id").getAsString());
        assertEquals("batch", l.getAsJsonObject("attributes").getAsJsonObject("link.why").get("value").getAsString());
        assertNotEquals(target.getTraceId(), j.get("trace_id").getAsString());
    }

    @Test
    void eventsStatusAndExceptions() throws Exception {
        Span s = tracer.startSpan("evented");
        s.addEvent("plain");
        s.addEvent("with-attrs", Attributes.builder().put("e.count", 2).put("e.ok", true).build(),
                Instant.ofEpochSecond(1_700_000_000L, 42));
        s.setStatus(StatusCode.ERROR, "it broke");
        s.end();
        Span e = tracer.startSpan("excepted");
        IllegalStateException boom = new IllegalStateException("kaboom 🎉");
        e.recordException(boom);
        e.updateName("excepted-renamed");
        e.end();
        Span ok = tracer.startSpan("ok-status");
        ok.setStatus(StatusCode.OK);
        ok.end();
        flush();
        JsonObject j = rx.awaitName("evented");
        JsonArray ev = j.getAsJsonArray("events");
        assertEquals(2, ev.size());
        assertEquals("plain", ev.get(0).getAsJsonObject().get("name").getAsString());
        JsonObject e2 = ev.get(1).getAsJsonObject();
        assertEquals("with-attrs", e2.get("name").getAsString());
        assertEquals("1700000000000000042", e2.get("time_unix_nano").getAsString());
        assertEquals("2", e2.getAsJsonObject("attributes").getAsJsonObject("e.count").get("value").getAsString());
        assertEquals(2, j.get("status_code").getAsInt());
        assertEquals("it broke", j.get("status_message").getAsString());

        JsonObject x = rx.awaitName("excepted-renamed");
        assertEquals(2, x.get("status_code").getAsInt());
        JsonObject exc = x.getAsJsonArray("events").get(0).getAsJsonObject();
        assertEquals("exception", exc.get("name").getAsString());
        JsonObject ea = exc.getAsJsonObject("attributes");
        assertEquals("java.lang.IllegalStateException", ea.getAsJsonObject("exception.type").get("value").getAsString());
        assertEquals("kaboom 🎉", ea.getAsJsonObject("exception.message").get("value").getAsString());
        String st = ea.getAsJsonObject("exception.stacktrace").get("value").getAsString();
        assertTrue(st.contains("eventsStatusAndExceptions") && st.startsWith("java.lang.IllegalStateException"), st);
        assertEquals(1, rx.awaitName("ok-status").get("status_code").getAsInt());
    }

    @Test
    void spanIdsAndRecording() {
        Span s = tracer.startSpan("ids");
        assertTrue(s.getTraceId().matches("[0-9a-f]{32}"));
        assertTrue(s.getSpanId().matches("[0-9a-f]{16}"));
        assertTrue(s.isRecording());
        assertEquals("00-" + s.getTraceId() + "-" + s.getSpanId() + "-01", s.getTraceparent());
        s.end();
        s.end();
        assertTrue(s.isEnded());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.setAttribute("k", "v"));
        assertEquals("Span is ended", e.getMessage());
        Tracer scoped = provider.getTracer("my.lib", "1.2.3");
        assertNotNull(scoped.startSpan("scoped"));
        assertTrue(TracerProvider.libraryVersion().matches("\\d+\\.\\d+\\.\\d+"));
    }

    @Test
    void scopedTracerExportsItsScope() throws Exception {
        Tracer scoped = provider.getTracer("scope.test", "9.9.9");
        scoped.startSpan("scoped-span").end();
        flush();
        JsonObject j = rx.awaitName("scoped-span");
        assertEquals("scope.test", j.get("scope_name").getAsString());
        assertEquals("9.9.9", j.get("scope_version").getAsString());
    }

    static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @Test
    void localRootSpanArrivesIntactThroughEmit() throws Exception {
        String text = "日本語 🎉";
        long startedBefore = provider.getStats().spansStarted();
        long before = nanos(Instant.now());
        // scalars only: the shim's one-buffer path
        Span s = tracer.startSpan("emit " + text, SpanKind.SERVER);
        s.setAttribute("s", text).setAttribute(text, -7L).setAttribute("d", -0.25).setAttribute("b", true)
                .setAttribute("b", false); // a key set again replaces the earlier value
        // every type, lists included: the general path
        Span all = tracer.spanBuilder("emit-all " + text).setAttribute("at.start", text).startSpan();
        all.setAttribute("s", text).setAttribute("l", Long.MAX_VALUE).setAttribute("d", 1e300)
                .setAttribute("b", true).setAttribute("ls", List.of(text, "b"))
                .setAttribute("ll", List.of(1L, -2L)).setAttribute("ld", List.of(0.5, -1.0))
                .setAttribute("lb", List.of(false, true))
                .setAllAttributes(Attributes.builder().put("batch.s", text).build());
        // kept on this side until it ends: nothing reached the library yet
        assertEquals(startedBefore, provider.getStats().spansStarted());
        assertFalse(s.isEnded());
        s.end();
        all.end();
        long after = nanos(Instant.now());
        assertTrue(s.isEnded());
        assertEquals(startedBefore + 2, provider.getStats().spansStarted());
        assertEquals("Span is ended",
                assertThrows(IllegalStateException.class, () -> s.setAttribute("k", "v")).getMessage());
        flush();
        JsonObject j = rx.awaitName("emit " + text);
        assertEquals(2, j.get("kind").getAsInt());
        assertEquals(text, attr(j, "s").get("value").getAsString());
        assertEquals("-7", attr(j, text).get("value").getAsString());
        assertEquals(-0.25, attr(j, "d").get("value").getAsDouble());
        assertFalse(attr(j, "b").get("value").getAsBoolean());
        long start = Long.parseLong(j.get("start_time_unix_nano").getAsString());
        long end = Long.parseLong(j.get("end_time_unix_nano").getAsString());
        assertTrue(before <= start && start <= end && end <= after, before + " " + start + " " + end + " " + after);
        assertTrue(j.get("trace_id").getAsString().matches("[0-9a-f]{32}"));

        JsonObject a = rx.awaitName("emit-all " + text);
        assertEquals(text, attr(a, "at.start").get("value").getAsString());
        assertEquals(text, attr(a, "s").get("value").getAsString());
        assertEquals(Long.toString(Long.MAX_VALUE), attr(a, "l").get("value").getAsString());
        assertEquals(1e300, attr(a, "d").get("value").getAsDouble());
        assertTrue(attr(a, "b").get("value").getAsBoolean());
        JsonArray ls = attr(a, "ls").getAsJsonArray("value");
        assertEquals(text, ls.get(0).getAsJsonObject().get("value").getAsString());
        assertEquals("-2", attr(a, "ll").getAsJsonArray("value").get(1).getAsJsonObject().get("value").getAsString());
        assertEquals(0.5, attr(a, "ld").getAsJsonArray("value").get(0).getAsJsonObject().get("value").getAsDouble());
        assertTrue(attr(a, "lb").getAsJsonArray("value").get(1).getAsJsonObject().get("value").getAsBoolean());
        assertEquals(text, attr(a, "batch.s").get("value").getAsString());
    }

    @Test
    void localSpanHandedOverKeepsStartTimeAndAttributes() throws Exception {
        long before = nanos(Instant.now());
        Span s = tracer.startSpan("handed-over");
        long after = nanos(Instant.now());
        s.setAttribute("early", "yes").setAttribute("n", 1L);
        s.updateName("handed-over-renamed");
        Thread.sleep(30);
        s.setStatus(StatusCode.ERROR, "late"); // needs the library's span: hands it over
        s.setAttribute("late", 2L).setAttribute("n", 3L);
        assertTrue(s.getTraceId().matches("[0-9a-f]{32}"));
        Span child = tracer.spanBuilder("handed-over-child").setParent(s).startSpan();
        child.end();
        s.end();
        // an explicit start time and a string the shim rejects (handed over, then the error)
        Instant t0 = Instant.parse("2024-05-06T07:08:09.000000123Z");
        Span b = tracer.spanBuilder("handed-over-built").setStartTimestamp(t0).startSpan();
        b.setAttribute("kept", true);
        assertThrows(IllegalArgumentException.class, () -> b.setAttribute("bad", "x\ud83c"));
        b.end(t0.plusNanos(1000));
        flush();
        JsonObject j = rx.awaitName("handed-over-renamed");
        long start = Long.parseLong(j.get("start_time_unix_nano").getAsString());
        assertTrue(before <= start && start <= after, before + " " + start + " " + after);
        assertEquals("yes", attr(j, "early").get("value").getAsString());
        assertEquals("3", attr(j, "n").get("value").getAsString());
        assertEquals("2", attr(j, "late").get("value").getAsString());
        assertEquals(2, j.get("status_code").getAsInt());
        assertEquals("late", j.get("status_message").getAsString());
        JsonObject c = rx.awaitName("handed-over-child");
        assertEquals(j.get("trace_id").getAsString(), c.get("trace_id").getAsString());
        assertEquals(j.get("span_id").getAsString(), c.get("parent_span_id").getAsString());
        JsonObject bj = rx.awaitName("handed-over-built");
        assertEquals("1714979289000000123", bj.get("start_time_unix_nano").getAsString());
        assertEquals("1714979289000001123", bj.get("end_time_unix_nano").getAsString());
        assertTrue(attr(bj, "kept").get("value").getAsBoolean());
    }

    @Test
    void localSpanSharedByThreadsKeepsEveryAttribute() throws Exception {
        for (int round = 0; round < 20; round++) {
            Span s = tracer.startSpan("shared-" + round);
            int threads = 4;
            int per = 20;
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<Thread> ts = new java.util.ArrayList<>();
            java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                boolean handOver = round % 2 == 0;
                Thread th = new Thread(() -> {
                    try {
                        go.await();
                        for (int k = 0; k < per; k++) {
                            s.setAttribute("t" + id + "." + k, (long) k);
                            if (id == 0 && k == per / 2 && handOver) {
                                assertTrue(s.getSpanId().matches("[0-9a-f]{16}")); // hands over midway
                            }
                        }
                    } catch (Throwable e) {
                        failed.set(e);
                    }
                });
                th.start();
                ts.add(th);
            }
            go.countDown();
            for (Thread th : ts) {
                th.join(10000);
            }
            if (failed.get() != null) {
                throw new AssertionError(failed.get());
            }
            s.end();
            flush();
            JsonObject j = rx.awaitName("shared-" + round);
            assertEquals(threads * per, j.getAsJsonObject("attributes").size(), j.toString());
        }
    }
}
