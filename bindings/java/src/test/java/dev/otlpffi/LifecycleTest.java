package dev.otlpffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LifecycleTest {
    @Test
    void closeTwiceAndUseAfterClose() throws Exception {
        try (Receiver rx = new Receiver()) {
            TracerProvider p = new TracerProvider(rx.endpoint(), "java-close");
            Tracer t = p.getTracer();
            Span open = t.startSpan("open-at-close");
            t.startSpan("ended-before-close").end();
            p.close();
            p.close();
            assertTrue(p.isClosed());
            assertEquals("TracerProvider is closed",
                    assertThrows(IllegalStateException.class, () -> t.startSpan("x")).getMessage());
            assertThrows(IllegalStateException.class, p::getTracer);
            assertThrows(IllegalStateException.class, p::getStats);
            assertThrows(IllegalStateException.class, () -> p.forceFlush(Duration.ofSeconds(1)));
            assertThrows(IllegalStateException.class, () -> open.setAttribute("k", "v"));
            assertThrows(IllegalStateException.class, () -> t.spanBuilder("b").startSpan());
            open.end(); // a no-op
            JsonObject j = rx.awaitName("ended-before-close");
            assertEquals("java-close", j.get("service_name").getAsString());
        }
    }

    @Test
    void closeRacingSpansOnOtherThreadsNeverCrashes() throws Exception {
        for (int round = 0; round < 5; round++) {
            TracerProvider p = TracerProvider.builder().endpoint("http://127.0.0.1:9").exporter("none").build();
            Tracer t = p.getTracer();
            int threads = 8;
            CountDownLatch started = new CountDownLatch(threads);
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            AtomicLong made = new AtomicLong();
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Thread th = new Thread(() -> {
                    started.countDown();
                    try {
                        while (true) {
                            Span s = t.startSpan("race");
                            s.setAttribute("k", "v");
                            s.setAttribute("n", 1L);
                            s.end();
                            made.incrementAndGet();
                        }
                    } catch (IllegalStateException expected) {
                        // the provider was closed under us
                    } catch (Throwable e) {
                        unexpected.set(e);
                    }
                });
                th.start();
                ts.add(th);
            }
            started.await();
            Thread.sleep(50);
            p.close();
            for (Thread th : ts) {
                th.join(10000);
            }
            if (unexpected.get() != null) {
                throw new AssertionError("unexpected failure", unexpected.get());
            }
            assertTrue(made.get() > 0);
        }
    }

    @Test
    void forceFlushAndShutdownTimeOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // accept, never answer
                    }
                } catch (Exception ignored) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            TracerProvider p = TracerProvider.builder().endpoint("http://127.0.0.1:" + silent.getLocalPort())
                    .serviceName("java-timeout").timeout(Duration.ofSeconds(5)).build();
            p.getTracer().startSpan("stuck").end();
            long t0 = System.nanoTime();
            OtlpException e = assertThrows(OtlpException.class, () -> p.forceFlush(Duration.ofMillis(300)));
            assertEquals("OTLP_ERROR_TIMEOUT", e.code());
            assertEquals(OtlpException.TIMEOUT, e.errno());
            OtlpException s = assertThrows(OtlpException.class, () -> p.shutdown(Duration.ofMillis(300)));
            assertEquals("OTLP_ERROR_TIMEOUT", s.code());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4));
            Stats st = p.getStats();
            assertEquals(1, st.spansEnded());
            assertEquals(0, st.spansExported());
            p.close();
            for (Socket so : accepted) {
                so.close();
            }
        }
    }

    @Test
    void shutdownHookExportsQueuedSpansInChildJvm() throws Exception {
        try (Receiver rx = new Receiver()) {
            String java = System.getProperty("java.home") + "/bin/java";
            ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("otlpffi.testClasspath"),
                    "dev.otlpffi.ExitApp", rx.endpoint(), "child-jvm");
            pb.redirectErrorStream(true);
            Process child = pb.start();
            String out;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                out = r.readLine();
            }
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child JVM did not exit");
            assertEquals(0, child.exitValue(), out);
            assertEquals("ended 1", out);
            JsonObject j = rx.awaitName("queued-at-exit");
            assertEquals("java-exit", j.get("service_name").getAsString());
            assertEquals("child-jvm", j.getAsJsonObject("attributes").getAsJsonObject("exit.marker").get("value").getAsString());
        }
    }
}
