/*
 * otlp_jni.c - the JNI shim of the otlp-ffi Java binding (class dev.otlpffi.Native).
 *
 * Every function converts its arguments, calls the C API of include/otlp_ffi.h and, when the
 * call fails, reads otlp_get_last_error() in the same native call and throws
 * dev.otlpffi.OtlpException(errno, message). Handles travel as jlong.
 *
 * Strings: JNI's GetStringUTFChars yields *modified* UTF-8 (U+0000 as C0 80, non-BMP characters
 * as two 3-byte surrogates), which the library rejects. We copy the UTF-16 code units with
 * GetStringRegion and encode real UTF-8 here: surrogate pairs become 4 bytes; a lone surrogate
 * or U+0000 throws IllegalArgumentException naming the argument. Strings coming back (ids,
 * traceparent, baggage) are decoded from UTF-8 to UTF-16 and built with NewString.
 *
 * No local reference outlives its call; no global state besides cached classes/method ids.
 */
#include <jni.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_ffi.h"

/* Attribute type tags shared with dev.otlpffi.AttrBatch: the header's otlp_attribute_type_t. */

static jclass g_otlp_exception;   /* dev/otlpffi/OtlpException */
static jmethodID g_otlp_exception_ctor;
static jclass g_iae;              /* java/lang/IllegalArgumentException */
static jclass g_npe;              /* java/lang/NullPointerException */
static jclass g_oom;              /* java/lang/OutOfMemoryError */

static jclass global_class(JNIEnv *env, const char *name) {
    jclass local = (*env)->FindClass(env, name);
    if (local == NULL) return NULL;
    jclass global = (jclass)(*env)->NewGlobalRef(env, local);
    (*env)->DeleteLocalRef(env, local);
    return global;
}

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved) {
    (void)reserved;
    JNIEnv *env;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK) return JNI_ERR;
    g_otlp_exception = global_class(env, "dev/otlpffi/OtlpException");
    if (g_otlp_exception == NULL) return JNI_ERR;
    g_otlp_exception_ctor =
        (*env)->GetMethodID(env, g_otlp_exception, "<init>", "(ILjava/lang/String;)V");
    if (g_otlp_exception_ctor == NULL) return JNI_ERR;
    g_iae = global_class(env, "java/lang/IllegalArgumentException");
    g_npe = global_class(env, "java/lang/NullPointerException");
    g_oom = global_class(env, "java/lang/OutOfMemoryError");
    if (g_iae == NULL || g_npe == NULL || g_oom == NULL) return JNI_ERR;
    return JNI_VERSION_1_8;
}

/* ---------------------------------------------------------------- UTF-8 -> UTF-16 (out) -- */

/* Decodes NUL-terminated UTF-8 into a new java.lang.String (invalid bytes become U+FFFD). */
static jstring new_string_utf8(JNIEnv *env, const char *s) {
    size_t n = 0;
    int ascii = 1;
    for (; s[n] != '\0'; n++) ascii &= ((unsigned char)s[n] < 0x80);
    /* ASCII reads the same in modified UTF-8 (ids, traceparent, most messages). */
    if (ascii) return (*env)->NewStringUTF(env, s);
    jchar stackbuf[256] = {0};
    jchar *u = n <= 256 ? stackbuf : (jchar *)calloc(n, sizeof(jchar));
    if (u == NULL) {
        (*env)->ThrowNew(env, g_oom, "otlp_jni: decoding a string");
        return NULL;
    }
    size_t len = 0;
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + n;
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            u[len++] = (jchar)c;
            p++;
            continue;
        }
        unsigned cp;
        int extra;
        if ((c & 0xE0) == 0xC0) { cp = c & 0x1F; extra = 1; }
        else if ((c & 0xF0) == 0xE0) { cp = c & 0x0F; extra = 2; }
        else if ((c & 0xF8) == 0xF0) { cp = c & 0x07; extra = 3; }
        else { u[len++] = 0xFFFD; p++; continue; }
        if (end - p <= extra) { u[len++] = 0xFFFD; p++; continue; }
        int ok = 1;
        for (int i = 1; i <= extra; i++) {
            if ((p[i] & 0xC0) != 0x80) { ok = 0; break; }
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (!ok) { u[len++] = 0xFFFD; p++; continue; }
        p += extra + 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            u[len++] = (jchar)(0xD800 + (cp >> 10));
            u[len++] = (jchar)(0xDC00 + (cp & 0x3FF));
        } else {
            u[len++] = (jchar)cp;
        }
    }
    jstring out = (*env)->NewString(env, u, (jsize)len);
    if (u != stackbuf) free(u);
    return out;
}

/* ---------------------------------------------------------------- UTF-16 -> UTF-8 (in) --- */

#define CSTR_STACK 384

typedef struct {
    char *p;                /* NULL for a null Java string (nullable arguments only) */
    char buf[CSTR_STACK];
} cstr_t;

static void cstr_free(cstr_t *s) {
    if (s->p != NULL && s->p != s->buf) free(s->p);
    s->p = NULL;
}

/*
 * Converts `js` into real UTF-8 in `dst` (which holds at least 3 * units + 1 bytes).
 * Returns 0, or -1 with an IllegalArgumentException pending.
 */
static int encode_utf8(JNIEnv *env, const jchar *u, jsize n, char *dst, const char *arg) {
    char *o = dst;
    for (jsize i = 0; i < n; i++) {
        unsigned c = u[i];
        if (c != 0 && c < 0x80) {
            *o++ = (char)c;
        } else if (c == 0) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s contains U+0000 at index %d (C strings cannot carry it)",
                     arg, (int)i);
            (*env)->ThrowNew(env, g_iae, msg);
            return -1;
        } else if (c < 0x800) {
            *o++ = (char)(0xC0 | (c >> 6));
            *o++ = (char)(0x80 | (c & 0x3F));
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            if (c <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
                unsigned cp = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00);
                *o++ = (char)(0xF0 | (cp >> 18));
                *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (char)(0x80 | (cp & 0x3F));
                i++;
            } else {
                char msg[160];
                snprintf(msg, sizeof msg, "%s contains a lone surrogate U+%04X at index %d",
                         arg, c, (int)i);
                (*env)->ThrowNew(env, g_iae, msg);
                return -1;
            }
        } else {
            *o++ = (char)(0xE0 | (c >> 12));
            *o++ = (char)(0x80 | ((c >> 6) & 0x3F));
            *o++ = (char)(0x80 | (c & 0x3F));
        }
    }
    *o = '\0';
    return 0;
}

/* Returns 0 on success, -1 with a Java exception pending. */
static int cstr_get(JNIEnv *env, jstring js, cstr_t *s, const char *arg, int nullable) {
    s->p = NULL;
    if (js == NULL) {
        if (nullable) return 0;
        (*env)->ThrowNew(env, g_npe, arg);
        return -1;
    }
    jsize n = (*env)->GetStringLength(env, js);
    size_t need = (size_t)n * 3 + 1;
    jchar ustack[CSTR_STACK / 3];
    jchar *u = (size_t)n <= sizeof ustack / sizeof ustack[0] ? ustack
                                                            : (jchar *)malloc((size_t)n * sizeof(jchar));
    char *dst = need <= sizeof s->buf ? s->buf : (char *)malloc(need);
    if (u == NULL || dst == NULL) {
        if (u != NULL && u != ustack) free(u);
        if (dst != NULL && dst != s->buf) free(dst);
        (*env)->ThrowNew(env, g_oom, "otlp_jni: converting a string");
        return -1;
    }
    (*env)->GetStringRegion(env, js, 0, n, u);
    int rc = encode_utf8(env, u, n, dst, arg);
    if (u != ustack) free(u);
    if (rc != 0) {
        if (dst != s->buf) free(dst);
        return -1;
    }
    s->p = dst;
    return 0;
}

/* A malloc'd UTF-8 copy (for strings kept in attribute arrays); NULL with an exception pending. */
static char *dup_utf8(JNIEnv *env, jstring js, const char *arg) {
    cstr_t s;
    if (cstr_get(env, js, &s, arg, 0) != 0) return NULL;
    if (s.p != s.buf) return s.p;
    size_t len = strlen(s.buf) + 1;
    char *copy = (char *)malloc(len);
    if (copy != NULL) memcpy(copy, s.buf, len);
    if (copy == NULL) (*env)->ThrowNew(env, g_oom, "otlp_jni: copying a string");
    return copy;
}

/* ---------------------------------------------------------------- errors ---------------- */

static void throw_otlp(JNIEnv *env, otlp_error_t rc) {
    const char *msg = otlp_get_last_error();
    jstring jmsg = new_string_utf8(env, msg != NULL ? msg : "");
    if (jmsg == NULL) return; /* OutOfMemoryError pending */
    jobject ex = (*env)->NewObject(env, g_otlp_exception, g_otlp_exception_ctor, (jint)rc, jmsg);
    (*env)->DeleteLocalRef(env, jmsg);
    if (ex != NULL) {
        (*env)->Throw(env, (jthrowable)ex);
        (*env)->DeleteLocalRef(env, ex);
    }
}

#define CHECK(rc_expr)                    \
    do {                                  \
        otlp_error_t rc_ = (rc_expr);     \
        if (rc_ != OTLP_OK) {             \
            throw_otlp(env, rc_);         \
            goto done;                    \
        }                                 \
    } while (0)

#define H(T, j) ((T *)(uintptr_t)(j))
#define J(p) ((jlong)(uintptr_t)(p))

/* ---------------------------------------------------------------- attribute batches ------ */

/*
 * A batch of typed attributes as dev.otlpffi.AttrBatch carries it: parallel arrays keys[],
 * types[] (otlp_attribute_type_t), prims[] (long value, bool as 0/1, double as raw bits) and
 * objs[] (String, String[], boolean[], long[], double[]). Converted into otlp_attribute_t
 * entries whose memory is released by attrs_free.
 */
typedef struct {
    otlp_attribute_t *attrs;
    void **owned;       /* every malloc'd block */
    size_t owned_len, owned_cap;
    size_t count;
} attrs_t;

static int attrs_own(JNIEnv *env, attrs_t *a, void *p) {
    if (p == NULL) return -1;
    if (a->owned_len == a->owned_cap) {
        size_t cap = a->owned_cap ? a->owned_cap * 2 : 16;
        void **n = (void **)realloc(a->owned, cap * sizeof(void *));
        if (n == NULL) {
            free(p);
            (*env)->ThrowNew(env, g_oom, "otlp_jni: attributes");
            return -1;
        }
        a->owned = n;
        a->owned_cap = cap;
    }
    a->owned[a->owned_len++] = p;
    return 0;
}

static void attrs_free(attrs_t *a) {
    for (size_t i = 0; i < a->owned_len; i++) free(a->owned[i]);
    free(a->owned);
    free(a->attrs);
    memset(a, 0, sizeof *a);
}

/* Converts entries [0, count) of the batch. Returns 0, or -1 with an exception pending. */
static int attrs_get(JNIEnv *env, jobjectArray keys, jintArray types, jlongArray prims,
                     jobjectArray objs, jint count, attrs_t *a) {
    memset(a, 0, sizeof *a);
    if (count <= 0) return 0;
    if (keys == NULL || types == NULL || prims == NULL || objs == NULL) {
        (*env)->ThrowNew(env, g_npe, "attributes");
        return -1;
    }
    a->attrs = (otlp_attribute_t *)calloc((size_t)count, sizeof(otlp_attribute_t));
    jint *t = (jint *)malloc((size_t)count * sizeof(jint));
    jlong *v = (jlong *)malloc((size_t)count * sizeof(jlong));
    if (a->attrs == NULL || t == NULL || v == NULL) {
        free(t);
        free(v);
        (*env)->ThrowNew(env, g_oom, "otlp_jni: attributes");
        return -1;
    }
    (*env)->GetIntArrayRegion(env, types, 0, count, t);
    (*env)->GetLongArrayRegion(env, prims, 0, count, v);
    int rc = -1;
    if ((*env)->ExceptionCheck(env)) goto out;
    for (jint i = 0; i < count; i++) {
        otlp_attribute_t *at = &a->attrs[i];
        jstring jk = (jstring)(*env)->GetObjectArrayElement(env, keys, i);
        char *k = dup_utf8(env, jk, "attribute key");
        if (jk != NULL) (*env)->DeleteLocalRef(env, jk);
        if (k == NULL || attrs_own(env, a, k) != 0) goto out;
        at->key = k;
        at->type = (otlp_attribute_type_t)t[i];
        jobject o = NULL;
        if (t[i] == OTLP_ATTRIBUTE_STRING || t[i] >= OTLP_ATTRIBUTE_STRING_ARRAY) {
            o = (*env)->GetObjectArrayElement(env, objs, i);
            if (o == NULL) {
                char msg[64];
                snprintf(msg, sizeof msg, "attribute value %d", (int)i);
                (*env)->ThrowNew(env, g_npe, msg);
                goto out;
            }
        }
        switch (t[i]) {
        case OTLP_ATTRIBUTE_STRING: {
            char *s = dup_utf8(env, (jstring)o, "attribute value");
            if (s == NULL || attrs_own(env, a, s) != 0) goto fail_o;
            at->value.string_value = s;
            break;
        }
        case OTLP_ATTRIBUTE_BOOL: at->value.bool_value = v[i] != 0; break;
        case OTLP_ATTRIBUTE_INT: at->value.int_value = v[i]; break;
        case OTLP_ATTRIBUTE_DOUBLE: {
            double d;
            memcpy(&d, &v[i], sizeof d);
            at->value.double_value = d;
            break;
        }
        case OTLP_ATTRIBUTE_STRING_ARRAY: {
            jsize n = (*env)->GetArrayLength(env, (jarray)o);
            const char **items = (const char **)calloc((size_t)n + 1, sizeof(char *));
            if (items == NULL || attrs_own(env, a, (void *)items) != 0) goto fail_o;
            for (jsize j = 0; j < n; j++) {
                jstring js = (jstring)(*env)->GetObjectArrayElement(env, (jobjectArray)o, j);
                char *s = dup_utf8(env, js, "attribute array element");
                if (js != NULL) (*env)->DeleteLocalRef(env, js);
                if (s == NULL || attrs_own(env, a, s) != 0) goto fail_o;
                items[j] = s;
            }
            at->value.array_value.items = n ? (const void *)items : NULL;
            at->value.array_value.len = (size_t)n;
            break;
        }
        case OTLP_ATTRIBUTE_BOOL_ARRAY: {
            jsize n = (*env)->GetArrayLength(env, (jarray)o);
            jboolean *jb = (jboolean *)malloc((size_t)n + 1);
            bool *items = (bool *)malloc(((size_t)n + 1) * sizeof(bool));
            if (jb == NULL || items == NULL || attrs_own(env, a, items) != 0) {
                free(jb);
                goto fail_o;
            }
            (*env)->GetBooleanArrayRegion(env, (jbooleanArray)o, 0, n, jb);
            for (jsize j = 0; j < n; j++) items[j] = jb[j] != 0;
            free(jb);
            at->value.array_value.items = n ? (const void *)items : NULL;
            at->value.array_value.len = (size_t)n;
            break;
        }
        case OTLP_ATTRIBUTE_INT_ARRAY: {
            jsize n = (*env)->GetArrayLength(env, (jarray)o);
            int64_t *items = (int64_t *)malloc(((size_t)n + 1) * sizeof(int64_t));
            if (items == NULL || attrs_own(env, a, items) != 0) goto fail_o;
            (*env)->GetLongArrayRegion(env, (jlongArray)o, 0, n, (jlong *)items);
            at->value.array_value.items = n ? (const void *)items : NULL;
            at->value.array_value.len = (size_t)n;
            break;
        }
        case OTLP_ATTRIBUTE_DOUBLE_ARRAY: {
            jsize n = (*env)->GetArrayLength(env, (jarray)o);
            double *items = (double *)malloc(((size_t)n + 1) * sizeof(double));
            if (items == NULL || attrs_own(env, a, items) != 0) goto fail_o;
            (*env)->GetDoubleArrayRegion(env, (jdoubleArray)o, 0, n, (jdouble *)items);
            at->value.array_value.items = n ? (const void *)items : NULL;
            at->value.array_value.len = (size_t)n;
            break;
        }
        default: {
            char msg[64];
            snprintf(msg, sizeof msg, "attribute type tag %d", (int)t[i]);
            (*env)->ThrowNew(env, g_iae, msg);
            goto fail_o;
        }
        }
        if (o != NULL) (*env)->DeleteLocalRef(env, o);
        a->count = (size_t)i + 1;
        continue;
    fail_o:
        if (o != NULL) (*env)->DeleteLocalRef(env, o);
        if (!(*env)->ExceptionCheck(env)) (*env)->ThrowNew(env, g_oom, "otlp_jni: attributes");
        goto out;
    }
    rc = 0;
out:
    free(t);
    free(v);
    if (rc != 0) attrs_free(a);
    return rc;
}


/* ---------------------------------------------------------------- library --------------- */

#define FN(name) Java_dev_otlpffi_Native_##name

JNIEXPORT jstring JNICALL FN(version)(JNIEnv *env, jclass cls) {
    (void)cls;
    return new_string_utf8(env, otlp_version());
}

JNIEXPORT jlong JNICALL FN(init)(JNIEnv *env, jclass cls, jstring endpoint, jstring service) {
    (void)cls;
    cstr_t e, s;
    otlp_tracer_provider_t *p = NULL;
    if (cstr_get(env, endpoint, &e, "endpoint", 0) != 0) return 0;
    if (cstr_get(env, service, &s, "serviceName", 0) != 0) { cstr_free(&e); return 0; }
    CHECK(otlp_init(e.p, s.p, &p));
done:
    cstr_free(&e);
    cstr_free(&s);
    return J(p);
}

JNIEXPORT jlong JNICALL FN(configNew)(JNIEnv *env, jclass cls) {
    (void)cls;
    otlp_config_t *c = NULL;
    CHECK(otlp_config_new(&c));
done:
    return J(c);
}

JNIEXPORT void JNICALL FN(configSet)(JNIEnv *env, jclass cls, jlong cfg, jstring key, jstring value,
                                     jboolean resource) {
    (void)cls;
    cstr_t k, v;
    if (cstr_get(env, key, &k, "key", 0) != 0) return;
    if (cstr_get(env, value, &v, "value", 0) != 0) { cstr_free(&k); return; }
    if (resource)
        CHECK(otlp_config_add_resource_attribute(H(otlp_config_t, cfg), k.p, v.p));
    else
        CHECK(otlp_config_set(H(otlp_config_t, cfg), k.p, v.p));
done:
    cstr_free(&k);
    cstr_free(&v);
}

JNIEXPORT void JNICALL FN(configFree)(JNIEnv *env, jclass cls, jlong cfg) {
    (void)env;
    (void)cls;
    otlp_config_free(H(otlp_config_t, cfg));
}

JNIEXPORT jlong JNICALL FN(initWithConfig)(JNIEnv *env, jclass cls, jlong cfg) {
    (void)cls;
    otlp_tracer_provider_t *p = NULL;
    CHECK(otlp_init_with_config(H(otlp_config_t, cfg), &p));
done:
    return J(p);
}

JNIEXPORT void JNICALL FN(providerForceFlush)(JNIEnv *env, jclass cls, jlong p, jint timeout_ms) {
    (void)cls;
    CHECK(otlp_tracer_provider_force_flush(H(otlp_tracer_provider_t, p), (uint32_t)timeout_ms));
done:;
}

JNIEXPORT void JNICALL FN(providerShutdown)(JNIEnv *env, jclass cls, jlong p, jint timeout_ms) {
    (void)cls;
    CHECK(otlp_tracer_provider_shutdown(H(otlp_tracer_provider_t, p), (uint32_t)timeout_ms));
done:;
}

JNIEXPORT void JNICALL FN(providerFree)(JNIEnv *env, jclass cls, jlong p) {
    (void)env;
    (void)cls;
    otlp_tracer_provider_free(H(otlp_tracer_provider_t, p));
}

JNIEXPORT void JNICALL FN(providerStats)(JNIEnv *env, jclass cls, jlong p, jlongArray out) {
    (void)cls;
    otlp_stats_t st;
    CHECK(otlp_tracer_provider_get_stats(H(otlp_tracer_provider_t, p), &st));
    jlong v[5] = {(jlong)st.spans_started, (jlong)st.spans_ended, (jlong)st.spans_exported,
                  (jlong)st.spans_dropped, (jlong)st.export_failures};
    (*env)->SetLongArrayRegion(env, out, 0, 5, v);
done:;
}

JNIEXPORT jlong JNICALL FN(getTracer)(JNIEnv *env, jclass cls, jlong p, jstring name,
                                      jstring version, jstring schema) {
    (void)cls;
    otlp_tracer_t *t = NULL;
    if (name == NULL) {
        CHECK(otlp_get_tracer(H(otlp_tracer_provider_t, p), &t));
        return J(t);
    }
    cstr_t n, v, s;
    if (cstr_get(env, name, &n, "name", 0) != 0) return 0;
    if (cstr_get(env, version, &v, "version", 1) != 0) { cstr_free(&n); return 0; }
    if (cstr_get(env, schema, &s, "schemaUrl", 1) != 0) { cstr_free(&n); cstr_free(&v); return 0; }
    {
        otlp_error_t rc = otlp_get_tracer_with_scope(H(otlp_tracer_provider_t, p), n.p, v.p, s.p, &t);
        if (rc != OTLP_OK) throw_otlp(env, rc);
    }
    cstr_free(&n);
    cstr_free(&v);
    cstr_free(&s);
done:
    return J(t);
}

/* ---------------------------------------------------------------- spans ----------------- */

JNIEXPORT jlong JNICALL FN(spanStart)(JNIEnv *env, jclass cls, jlong tracer, jstring name, jint kind,
                                      jlong parent, jlong start_nanos) {
    (void)cls;
    cstr_t n;
    otlp_span_t *sp = NULL;
    if (cstr_get(env, name, &n, "name", 0) != 0) return 0;
    if (start_nanos == 0) {
        CHECK(otlp_span_start(H(otlp_tracer_t, tracer), n.p, (otlp_span_kind_t)kind,
                              H(const otlp_context_t, parent), &sp));
    } else {
        otlp_span_options_t o;
        memset(&o, 0, sizeof o);
        o.struct_size = sizeof o;
        o.kind = (otlp_span_kind_t)kind;
        o.parent = H(const otlp_context_t, parent);
        o.start_time_unix_nano = (uint64_t)start_nanos;
        CHECK(otlp_span_start_with_options(H(otlp_tracer_t, tracer), n.p, &o, &sp));
    }
done:
    cstr_free(&n);
    return J(sp);
}

/*
 * The general start: entries [0, startCount) of the batch are the span's attributes; link i
 * (context linkCtx[i]) owns entries [linkOff[i], linkOff[i + 1]).
 */
JNIEXPORT jlong JNICALL FN(spanStartWithOptions)(JNIEnv *env, jclass cls, jlong tracer, jstring name,
                                                 jint kind, jlong parent, jlong start_nanos,
                                                 jobjectArray keys, jintArray types,
                                                 jlongArray prims, jobjectArray objs, jint count,
                                                 jint start_count, jlongArray link_ctx,
                                                 jintArray link_off) {
    (void)cls;
    cstr_t n;
    attrs_t a;
    otlp_span_t *sp = NULL;
    otlp_link_t *links = NULL;
    jlong *ctx = NULL;
    jint *off = NULL;
    jsize nlinks = link_ctx != NULL ? (*env)->GetArrayLength(env, link_ctx) : 0;
    if (cstr_get(env, name, &n, "name", 0) != 0) return 0;
    if (attrs_get(env, keys, types, prims, objs, count, &a) != 0) { cstr_free(&n); return 0; }
    if (nlinks > 0) {
        links = (otlp_link_t *)calloc((size_t)nlinks, sizeof *links);
        ctx = (jlong *)malloc((size_t)nlinks * sizeof(jlong));
        off = (jint *)malloc(((size_t)nlinks + 1) * sizeof(jint));
        if (links == NULL || ctx == NULL || off == NULL) {
            (*env)->ThrowNew(env, g_oom, "otlp_jni: links");
            goto done;
        }
        (*env)->GetLongArrayRegion(env, link_ctx, 0, nlinks, ctx);
        (*env)->GetIntArrayRegion(env, link_off, 0, nlinks + 1, off);
        if ((*env)->ExceptionCheck(env)) goto done;
        for (jsize i = 0; i < nlinks; i++) {
            if (off[i] < 0 || off[i + 1] < off[i] || off[i + 1] > count) {
                (*env)->ThrowNew(env, g_iae, "link attribute offsets");
                goto done;
            }
            links[i].context = H(const otlp_context_t, ctx[i]);
            links[i].attribute_count = (size_t)(off[i + 1] - off[i]);
            links[i].attributes = links[i].attribute_count ? a.attrs + off[i] : NULL;
        }
    }
    {
        otlp_span_options_t o;
        memset(&o, 0, sizeof o);
        o.struct_size = sizeof o;
        o.kind = (otlp_span_kind_t)kind;
        o.parent = H(const otlp_context_t, parent);
        o.attribute_count = (size_t)(start_count < count ? start_count : count);
        o.attributes = o.attribute_count ? a.attrs : NULL;
        o.links = nlinks ? links : NULL;
        o.link_count = (size_t)nlinks;
        o.start_time_unix_nano = (uint64_t)start_nanos;
        CHECK(otlp_span_start_with_options(H(otlp_tracer_t, tracer), n.p, &o, &sp));
    }
done:
    free(links);
    free(ctx);
    free(off);
    attrs_free(&a);
    cstr_free(&n);
    return J(sp);
}

JNIEXPORT void JNICALL FN(spanSetString)(JNIEnv *env, jclass cls, jlong span, jstring key, jstring value) {
    (void)cls;
    cstr_t k, v;
    if (cstr_get(env, key, &k, "key", 0) != 0) return;
    if (cstr_get(env, value, &v, "value", 0) != 0) { cstr_free(&k); return; }
    CHECK(otlp_span_set_attribute_string(H(otlp_span_t, span), k.p, v.p));
done:
    cstr_free(&k);
    cstr_free(&v);
}

JNIEXPORT void JNICALL FN(spanSetLong)(JNIEnv *env, jclass cls, jlong span, jstring key, jlong value) {
    (void)cls;
    cstr_t k;
    if (cstr_get(env, key, &k, "key", 0) != 0) return;
    CHECK(otlp_span_set_attribute_int(H(otlp_span_t, span), k.p, (int64_t)value));
done:
    cstr_free(&k);
}

JNIEXPORT void JNICALL FN(spanSetBool)(JNIEnv *env, jclass cls, jlong span, jstring key, jboolean value) {
    (void)cls;
    cstr_t k;
    if (cstr_get(env, key, &k, "key", 0) != 0) return;
    CHECK(otlp_span_set_attribute_bool(H(otlp_span_t, span), k.p, value != 0));
done:
    cstr_free(&k);
}

JNIEXPORT void JNICALL FN(spanSetDouble)(JNIEnv *env, jclass cls, jlong span, jstring key, jdouble value) {
    (void)cls;
    cstr_t k;
    if (cstr_get(env, key, &k, "key", 0) != 0) return;
    CHECK(otlp_span_set_attribute_double(H(otlp_span_t, span), k.p, (double)value));
done:
    cstr_free(&k);
}

JNIEXPORT void JNICALL FN(spanSetAttributes)(JNIEnv *env, jclass cls, jlong span, jobjectArray keys,
                                             jintArray types, jlongArray prims, jobjectArray objs,
                                             jint count) {
    (void)cls;
    attrs_t a;
    if (attrs_get(env, keys, types, prims, objs, count, &a) != 0) return;
    CHECK(otlp_span_set_attributes(H(otlp_span_t, span), a.attrs, a.count));
done:
    attrs_free(&a);
}

JNIEXPORT void JNICALL FN(spanAddEvent)(JNIEnv *env, jclass cls, jlong span, jstring name, jlong nanos,
                                        jobjectArray keys, jintArray types, jlongArray prims,
                                        jobjectArray objs, jint count) {
    (void)cls;
    cstr_t n;
    attrs_t a;
    if (cstr_get(env, name, &n, "name", 0) != 0) return;
    if (attrs_get(env, keys, types, prims, objs, count, &a) != 0) { cstr_free(&n); return; }
    CHECK(otlp_span_add_event_with_attributes(H(otlp_span_t, span), n.p, (uint64_t)nanos,
                                              a.count ? a.attrs : NULL, a.count));
done:
    attrs_free(&a);
    cstr_free(&n);
}

JNIEXPORT void JNICALL FN(spanSetStatus)(JNIEnv *env, jclass cls, jlong span, jint code, jstring desc) {
    (void)cls;
    cstr_t d;
    if (cstr_get(env, desc, &d, "description", 0) != 0) return;
    CHECK(otlp_span_set_status(H(otlp_span_t, span), (otlp_status_code_t)code, d.p));
done:
    cstr_free(&d);
}

JNIEXPORT void JNICALL FN(spanRecordException)(JNIEnv *env, jclass cls, jlong span, jstring type,
                                               jstring message, jstring stack) {
    (void)cls;
    cstr_t t, m, s;
    if (cstr_get(env, type, &t, "exception type", 1) != 0) return;
    if (cstr_get(env, message, &m, "message", 0) != 0) { cstr_free(&t); return; }
    if (cstr_get(env, stack, &s, "stacktrace", 1) != 0) { cstr_free(&t); cstr_free(&m); return; }
    CHECK(otlp_span_record_exception(H(otlp_span_t, span), t.p, m.p, s.p));
done:
    cstr_free(&t);
    cstr_free(&m);
    cstr_free(&s);
}

JNIEXPORT void JNICALL FN(spanUpdateName)(JNIEnv *env, jclass cls, jlong span, jstring name) {
    (void)cls;
    cstr_t n;
    if (cstr_get(env, name, &n, "name", 0) != 0) return;
    CHECK(otlp_span_update_name(H(otlp_span_t, span), n.p));
done:
    cstr_free(&n);
}

JNIEXPORT jboolean JNICALL FN(spanIsRecording)(JNIEnv *env, jclass cls, jlong span) {
    (void)cls;
    bool r = false;
    CHECK(otlp_span_is_recording(H(const otlp_span_t, span), &r));
done:
    return r ? JNI_TRUE : JNI_FALSE;
}

/* which: 0 trace id, 1 span id, 2 traceparent, 3 tracestate */
JNIEXPORT jstring JNICALL FN(spanString)(JNIEnv *env, jclass cls, jlong span, jint which) {
    (void)cls;
    char buf[1024];
    char *big = NULL;
    jstring out = NULL;
    switch (which) {
    case 0: CHECK(otlp_span_get_trace_id(H(const otlp_span_t, span), buf, sizeof buf)); break;
    case 1: CHECK(otlp_span_get_span_id(H(const otlp_span_t, span), buf, sizeof buf)); break;
    case 2: CHECK(otlp_context_inject(H(otlp_span_t, span), buf, sizeof buf)); break;
    default: {
        /* A tracestate holds at most 32 members of at most 256 + 1 + 256 bytes. */
        size_t cap = 32 * 520;
        big = (char *)malloc(cap);
        if (big == NULL) {
            (*env)->ThrowNew(env, g_oom, "otlp_jni: tracestate");
            goto done;
        }
        CHECK(otlp_context_inject_tracestate(H(otlp_span_t, span), big, cap));
        out = new_string_utf8(env, big);
        goto done;
    }
    }
    out = new_string_utf8(env, buf);
done:
    free(big);
    return out;
}

JNIEXPORT jlong JNICALL FN(spanGetContext)(JNIEnv *env, jclass cls, jlong span) {
    (void)cls;
    otlp_context_t *c = NULL;
    CHECK(otlp_span_get_context(H(const otlp_span_t, span), &c));
done:
    return J(c);
}

JNIEXPORT void JNICALL FN(spanEnd)(JNIEnv *env, jclass cls, jlong span, jlong end_nanos) {
    (void)cls;
    CHECK(otlp_span_end_with_timestamp(H(otlp_span_t, span), (uint64_t)end_nanos));
done:;
}

/*
 * A whole root span kept on the Java side while it ran (dev.otlpffi.Span, local mode), handed
 * over in one call to otlp_span_emit: entries [0, startCount) of the batch are its start
 * attributes, the rest the attributes set while it ran. Scalar batches (string, bool, int,
 * double; the usual case) convert every string into one reusable buffer (on the stack unless
 * large) and build the otlp_attribute_t array on the stack for small counts; a batch holding
 * arrays goes through attrs_get.
 */
#define EMIT_ATTRS 16
#define EMIT_BYTES 2048
#define EMIT_UNITS 512

typedef struct {
    char *buf;          /* stack or heap; strings are recorded as offsets into it */
    size_t len, cap;
    char stack[EMIT_BYTES];
    jchar *u;           /* UTF-16 scratch */
    size_t ucap;
    jchar ustack[EMIT_UNITS];
} emitbuf_t;

/* Appends `js` as NUL-terminated UTF-8; returns its offset, or -1 with an exception pending. */
static long emit_str(JNIEnv *env, emitbuf_t *b, jstring js, const char *arg) {
    if (js == NULL) {
        (*env)->ThrowNew(env, g_npe, arg);
        return -1;
    }
    jsize n = (*env)->GetStringLength(env, js);
    size_t need = (size_t)n * 3 + 1;
    if (b->len + need > b->cap) {
        size_t cap = b->cap * 2;
        while (cap < b->len + need) cap *= 2;
        char *nb = (char *)malloc(cap);
        if (nb == NULL) {
            (*env)->ThrowNew(env, g_oom, "otlp_jni: converting a string");
            return -1;
        }
        memcpy(nb, b->buf, b->len);
        if (b->buf != b->stack) free(b->buf);
        b->buf = nb;
        b->cap = cap;
    }
    if ((size_t)n > b->ucap) {
        jchar *nu = (jchar *)malloc((size_t)n * sizeof(jchar));
        if (nu == NULL) {
            (*env)->ThrowNew(env, g_oom, "otlp_jni: converting a string");
            return -1;
        }
        if (b->u != b->ustack) free(b->u);
        b->u = nu;
        b->ucap = (size_t)n;
    }
    (*env)->GetStringRegion(env, js, 0, n, b->u);
    if ((*env)->ExceptionCheck(env)) return -1;
    char *dst = b->buf + b->len;
    if (encode_utf8(env, b->u, n, dst, arg) != 0) return -1;
    long off = (long)b->len;
    b->len += strlen(dst) + 1;
    return off;
}

/* The element `i` of `arr` as UTF-8 in `b` (offset), or -1 with an exception pending. */
static long emit_elem(JNIEnv *env, emitbuf_t *b, jobjectArray arr, jint i, const char *arg) {
    jstring js = (jstring)(*env)->GetObjectArrayElement(env, arr, i);
    if ((*env)->ExceptionCheck(env)) return -1;
    long off = emit_str(env, b, js, arg);
    if (js != NULL) (*env)->DeleteLocalRef(env, js);
    return off;
}

JNIEXPORT void JNICALL FN(spanEmit)(JNIEnv *env, jclass cls, jlong tracer, jstring name, jint kind,
                                    jlong start_nanos, jlong end_nanos, jobjectArray keys,
                                    jintArray types, jlongArray prims, jobjectArray objs,
                                    jint count, jint start_count) {
    (void)cls;
    emitbuf_t b;
    b.buf = b.stack;
    b.len = 0;
    b.cap = sizeof b.stack;
    b.u = b.ustack;
    b.ucap = EMIT_UNITS;
    otlp_attribute_t astack[EMIT_ATTRS];
    jint tstack[EMIT_ATTRS];
    jlong vstack[EMIT_ATTRS];
    otlp_attribute_t *at = astack;
    jint *t = tstack;
    jlong *v = vstack;
    attrs_t slow;
    int have_slow = 0;
    long name_off;
    if (count < 0 || start_count < 0 || start_count > count) {
        (*env)->ThrowNew(env, g_iae, "attribute count");
        return;
    }
    if (count > EMIT_ATTRS) {
        at = (otlp_attribute_t *)malloc((size_t)count * sizeof *at);
        t = (jint *)malloc((size_t)count * sizeof *t);
        v = (jlong *)malloc((size_t)count * sizeof *v);
        if (at == NULL || t == NULL || v == NULL) {
            (*env)->ThrowNew(env, g_oom, "otlp_jni: attributes");
            goto done;
        }
    }
    name_off = emit_str(env, &b, name, "name");
    if (name_off < 0) goto done;
    if (count > 0) {
        (*env)->GetIntArrayRegion(env, types, 0, count, t);
        (*env)->GetLongArrayRegion(env, prims, 0, count, v);
        if ((*env)->ExceptionCheck(env)) goto done;
    }
    int scalar = 1;
    for (jint i = 0; i < count; i++) {
        if (t[i] < OTLP_ATTRIBUTE_STRING || t[i] > OTLP_ATTRIBUTE_DOUBLE) scalar = 0;
    }
    if (!scalar) {
        if (attrs_get(env, keys, types, prims, objs, count, &slow) != 0) goto done;
        have_slow = 1;
    } else {
        /* keys and string values as offsets first: the buffer may move while it fills */
        for (jint i = 0; i < count; i++) {
            long k = emit_elem(env, &b, keys, i, "key");
            if (k < 0) goto done;
            at[i].key = (const char *)(uintptr_t)k;
            at[i].type = (otlp_attribute_type_t)t[i];
            switch (t[i]) {
            case OTLP_ATTRIBUTE_STRING: {
                long s = emit_elem(env, &b, objs, i, "value");
                if (s < 0) goto done;
                at[i].value.string_value = (const char *)(uintptr_t)s;
                break;
            }
            case OTLP_ATTRIBUTE_BOOL: at[i].value.bool_value = v[i] != 0; break;
            case OTLP_ATTRIBUTE_INT: at[i].value.int_value = v[i]; break;
            default: {
                double d;
                memcpy(&d, &v[i], sizeof d);
                at[i].value.double_value = d;
                break;
            }
            }
        }
        for (jint i = 0; i < count; i++) {
            at[i].key = b.buf + (uintptr_t)at[i].key;
            if (t[i] == OTLP_ATTRIBUTE_STRING)
                at[i].value.string_value = b.buf + (uintptr_t)at[i].value.string_value;
        }
    }
    {
        const otlp_attribute_t *all = have_slow ? slow.attrs : at;
        otlp_finished_span_t f;
        memset(&f, 0, sizeof f);
        f.struct_size = sizeof f;
        f.name = b.buf + name_off;
        f.kind = (otlp_span_kind_t)kind;
        f.start_attribute_count = (size_t)start_count;
        f.start_attributes = start_count ? all : NULL;
        f.attribute_count = (size_t)(count - start_count);
        f.attributes = f.attribute_count ? all + start_count : NULL;
        f.start_time_unix_nano = (uint64_t)start_nanos;
        f.end_time_unix_nano = (uint64_t)end_nanos;
        CHECK(otlp_span_emit(H(otlp_tracer_t, tracer), &f));
    }
done:
    if (have_slow) attrs_free(&slow);
    if (at != astack) free(at);
    if (t != tstack) free(t);
    if (v != vstack) free(v);
    if (b.buf != b.stack) free(b.buf);
    if (b.u != b.ustack) free(b.u);
}

/* ---------------------------------------------------------------- contexts -------------- */

JNIEXPORT jlong JNICALL FN(contextExtract)(JNIEnv *env, jclass cls, jstring traceparent,
                                           jstring tracestate) {
    (void)cls;
    cstr_t tp, ts;
    otlp_context_t *c = NULL;
    if (cstr_get(env, traceparent, &tp, "traceparent", 0) != 0) return 0;
    if (cstr_get(env, tracestate, &ts, "tracestate", 1) != 0) { cstr_free(&tp); return 0; }
    CHECK(otlp_context_extract_with_state(tp.p, ts.p, &c));
done:
    cstr_free(&tp);
    cstr_free(&ts);
    return J(c);
}

JNIEXPORT void JNICALL FN(contextFree)(JNIEnv *env, jclass cls, jlong ctx) {
    (void)env;
    (void)cls;
    otlp_context_free(H(otlp_context_t, ctx));
}

/* ---------------------------------------------------------------- baggage --------------- */

JNIEXPORT jlong JNICALL FN(baggageNew)(JNIEnv *env, jclass cls, jstring header) {
    (void)cls;
    otlp_baggage_t *b = NULL;
    if (header == NULL) {
        CHECK(otlp_baggage_new(&b));
        return J(b);
    }
    cstr_t h;
    if (cstr_get(env, header, &h, "baggage header", 0) != 0) return 0;
    {
        otlp_error_t rc = otlp_baggage_extract(h.p, &b);
        if (rc != OTLP_OK) throw_otlp(env, rc);
    }
    cstr_free(&h);
done:
    return J(b);
}

JNIEXPORT void JNICALL FN(baggageSet)(JNIEnv *env, jclass cls, jlong b, jstring key, jstring value) {
    (void)cls;
    cstr_t k, v;
    if (cstr_get(env, key, &k, "key", 0) != 0) return;
    if (value == NULL) {
        CHECK(otlp_baggage_remove(H(otlp_baggage_t, b), k.p));
        cstr_free(&k);
        return;
    }
    if (cstr_get(env, value, &v, "value", 0) != 0) { cstr_free(&k); return; }
    {
        otlp_error_t rc = otlp_baggage_set(H(otlp_baggage_t, b), k.p, v.p);
        if (rc != OTLP_OK) throw_otlp(env, rc);
    }
    cstr_free(&v);
done:
    cstr_free(&k);
}

JNIEXPORT jstring JNICALL FN(baggageGet)(JNIEnv *env, jclass cls, jlong b, jstring key) {
    (void)cls;
    cstr_t k;
    bool found = false;
    char *buf = NULL;
    jstring out = NULL;
    if (cstr_get(env, key, &k, "key", 0) != 0) return NULL;
    /* inject never needs more than 8192 + 1 bytes, so no value is longer. */
    buf = (char *)malloc(8193);
    if (buf == NULL) {
        (*env)->ThrowNew(env, g_oom, "otlp_jni: baggage");
        goto done;
    }
    CHECK(otlp_baggage_get(H(const otlp_baggage_t, b), k.p, buf, 8193, &found));
    if (found) out = new_string_utf8(env, buf);
done:
    free(buf);
    cstr_free(&k);
    return out;
}

JNIEXPORT jstring JNICALL FN(baggageInject)(JNIEnv *env, jclass cls, jlong b) {
    (void)cls;
    char *buf = (char *)malloc(8193);
    jstring out = NULL;
    if (buf == NULL) {
        (*env)->ThrowNew(env, g_oom, "otlp_jni: baggage");
        return NULL;
    }
    CHECK(otlp_baggage_inject(H(const otlp_baggage_t, b), buf, 8193));
    out = new_string_utf8(env, buf);
done:
    free(buf);
    return out;
}

JNIEXPORT void JNICALL FN(baggageFree)(JNIEnv *env, jclass cls, jlong b) {
    (void)env;
    (void)cls;
    otlp_baggage_free(H(otlp_baggage_t, b));
}
