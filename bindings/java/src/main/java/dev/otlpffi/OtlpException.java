package dev.otlpffi;

/**
 * A failure reported by the library: {@link #errno()} is the otlp_error_t value and
 * {@link #code()} its name (e.g. {@code OTLP_ERROR_INVALID_ARGUMENT}); the message is the
 * library's own (read in the same native call, on the same thread).
 */
public class OtlpException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int OK = 0;
    public static final int INVALID_ARGUMENT = -1;
    public static final int NULL_POINTER = -2;
    public static final int INITIALIZATION_FAILED = -3;
    public static final int EXPORT_FAILED = -4;
    public static final int OUT_OF_MEMORY = -5;
    public static final int INVALID_HANDLE = -6;
    public static final int TIMEOUT = -7;
    public static final int INTERNAL = -99;

    private final int errno;

    /** Called by the JNI shim (cached constructor). */
    public OtlpException(int errno, String message) {
        super(message == null || message.isEmpty() ? codeName(errno) : message);
        this.errno = errno;
    }

    /** The otlp_error_t value (negative). */
    public int errno() {
        return errno;
    }

    /** The otlp_error_t name, e.g. {@code OTLP_ERROR_TIMEOUT}. */
    public String code() {
        return codeName(errno);
    }

    /** Maps an otlp_error_t value to its name in include/otlp_ffi.h. */
    public static String codeName(int errno) {
        switch (errno) {
            case OK: return "OTLP_OK";
            case INVALID_ARGUMENT: return "OTLP_ERROR_INVALID_ARGUMENT";
            case NULL_POINTER: return "OTLP_ERROR_NULL_POINTER";
            case INITIALIZATION_FAILED: return "OTLP_ERROR_INITIALIZATION_FAILED";
            case EXPORT_FAILED: return "OTLP_ERROR_EXPORT_FAILED";
            case OUT_OF_MEMORY: return "OTLP_ERROR_OUT_OF_MEMORY";
            case INVALID_HANDLE: return "OTLP_ERROR_INVALID_HANDLE";
            case TIMEOUT: return "OTLP_ERROR_TIMEOUT";
            case INTERNAL: return "OTLP_ERROR_INTERNAL";
            default: return "OTLP_ERROR_UNKNOWN(" + errno + ")";
        }
    }
}
