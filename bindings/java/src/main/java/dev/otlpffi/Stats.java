package dev.otlpffi;

/**
 * A provider's pipeline counters (otlp_stats_t). After a successful forceFlush or shutdown,
 * {@code spansEnded == spansExported + spansDropped}.
 */
public record Stats(long spansStarted, long spansEnded, long spansExported, long spansDropped,
        long exportFailures) {}
