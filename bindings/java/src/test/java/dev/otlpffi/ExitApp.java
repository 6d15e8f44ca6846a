package dev.otlpffi;

import java.time.Duration;

/**
 * Run in a child JVM by the tests: ends a span under a long schedule delay and exits without
 * closing the provider; the shutdown hook must export it.
 */
public final class ExitApp {
    private ExitApp() {}

    public static void main(String[] args) {
        TracerProvider p = TracerProvider.builder().endpoint(args[0]).serviceName("java-exit")
                .scheduleDelay(Duration.ofSeconds(60)).build();
        Span s = p.getTracer().startSpan("queued-at-exit");
        s.setAttribute("exit.marker", args.length > 1 ? args[1] : "x");
        s.end();
        System.out.println("ended " + p.getStats().spansEnded());
        // no close: the JVM's shutdown hook flushes
    }
}
