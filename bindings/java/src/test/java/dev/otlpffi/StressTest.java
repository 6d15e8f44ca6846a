package dev.otlpffi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class StressTest {
    static final int THREADS = 16;
    static final int SPANS = 10_000;

    @Test
    void sixteenThreadsReconcileExactly() throws Exception {
        try (Receiver rx = new Receiver(0, false)) {
            TracerProvider p = TracerProvider.builder().endpoint(rx.endpoint()).serviceName("java-stress")
                    .maxQueueSize(200_000).maxExportBatchSize(2048).scheduleDelay(Duration.ofMillis(200)).build();
            Tracer t = p.getTracer();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                final int id = i;
                Thread th = new Thread(() -> {
                    try {
                        for (int n = 0; n < SPANS; n++) {
                            Span s = t.startSpan("stress");
                            s.setAttribute("thread", id);
                            s.setAttribute("n", n);
                            s.end();
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                });
                th.start();
                threads.add(th);
            }
            for (Thread th : threads) {
                th.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            p.forceFlush(Duration.ofSeconds(60));
            Stats st = p.getStats();
            long total = (long) THREADS * SPANS;
            assertEquals(total, st.spansStarted());
            assertEquals(total, st.spansEnded());
            assertEquals(0, st.spansDropped());
            assertEquals(st.spansEnded(), st.spansExported());
            assertEquals(total, rx.awaitCount(total, 60_000));
            p.close();
            Thread.sleep(200);
            assertEquals(total, rx.count());
        }
    }
}
