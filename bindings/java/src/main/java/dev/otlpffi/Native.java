package dev.otlpffi;

/**
 * Every native method of the binding (implemented in src/main/c/otlp_jni.c). Handles are the
 * library's opaque pointers carried as {@code long}. A method whose C call fails throws
 * {@link OtlpException} with the library's code and thread-local message.
 */
final class Native {
    private Native() {}

    static {
        NativeLibrary.load();
    }

    /** Makes sure the native library is loaded (class initialization does it). */
    static void ensureLoaded() {}

    static native String version();

    static native long init(String endpoint, String serviceName);

    static native long configNew();

    static native void configSet(long config, String key, String value, boolean resourceAttribute);

    static native void configFree(long config);

    static native long initWithConfig(long config);

    static native void providerForceFlush(long provider, int timeoutMs);

    static native void providerShutdown(long provider, int timeoutMs);

    static native void providerFree(long provider);

    static native void providerStats(long provider, long[] out5);

    /** name null: the provider's default tracer. */
    static native long getTracer(long provider, String name, String version, String schemaUrl);

    static native long spanStart(long tracer, String name, int kind, long parentContext, long startNanos);

    static native long spanStartWithOptions(long tracer, String name, int kind, long parentContext,
            long startNanos, String[] keys, int[] types, long[] prims, Object[] objs, int count,
            int startCount, long[] linkContexts, int[] linkOffsets);

    static native void spanSetString(long span, String key, String value);

    static native void spanSetLong(long span, String key, long value);

    static native void spanSetBool(long span, String key, boolean value);

    static native void spanSetDouble(long span, String key, double value);

    static native void spanSetAttributes(long span, String[] keys, int[] types, long[] prims,
            Object[] objs, int count);

    static native void spanAddEvent(long span, String name, long timeNanos, String[] keys,
            int[] types, long[] prims, Object[] objs, int count);

    static native void spanSetStatus(long span, int code, String description);

    static native void spanRecordException(long span, String type, String message, String stacktrace);

    static native void spanUpdateName(long span, String name);

    static native boolean spanIsRecording(long span);

    static final int TRACE_ID = 0;
    static final int SPAN_ID = 1;
    static final int TRACEPARENT = 2;
    static final int TRACESTATE = 3;

    static native String spanString(long span, int which);

    static native long spanGetContext(long span);

    static native void spanEnd(long span, long endNanos);

    /**
     * Records a whole span kept on the Java side (otlp_span_emit): entries [0, startCount) of
     * the batch are its start attributes, the rest those set while it ran.
     */
    static native void spanEmit(long tracer, String name, int kind, long startNanos, long endNanos,
            String[] keys, int[] types, long[] prims, Object[] objs, int count, int startCount);

    static native long contextExtract(String traceparent, String tracestate);

    static native void contextFree(long context);

    /** header null: an empty baggage; otherwise the parsed W3C baggage header. */
    static native long baggageNew(String header);

    /** value null removes the key. */
    static native void baggageSet(long baggage, String key, String value);

    static native String baggageGet(long baggage, String key);

    static native String baggageInject(long baggage);

    static native void baggageFree(long baggage);
}
