package dev.otlpffi;

/** Span status (otlp_status_code_t; OTLP's values). */
public enum StatusCode {
    UNSET(0), OK(1), ERROR(2);

    final int value;

    StatusCode(int value) {
        this.value = value;
    }

    /** The otlp_status_code_t value. */
    public int value() {
        return value;
    }
}
