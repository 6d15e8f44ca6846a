package dev.otlpffi;

/** The role of a span (otlp_span_kind_t; OTLP's values). */
public enum SpanKind {
    INTERNAL(1), SERVER(2), CLIENT(3), PRODUCER(4), CONSUMER(5);

    final int value;

    SpanKind(int value) {
        this.value = value;
    }

    /** The otlp_span_kind_t value. */
    public int value() {
        return value;
    }
}
