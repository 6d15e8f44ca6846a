/*
 * test_api.c - exercises the whole libotlp_ffi C API, one scenario per run.
 *
 *   test_api <scenario> [args...]
 *
 * The exporter endpoint comes from $OTLP_TEST_ENDPOINT (default
 * http://localhost:4318).  Each scenario checks return codes itself (CHECK*
 * macros print "FAIL <scenario> file:line: ..." with otlp_get_last_error() and
 * exit 1) and prints machine-readable lines that tests/test_c_api.py
 * cross-checks against what the OTLP receiver decoded:
 *
 *   SPAN <label> <traceparent>      the injected traceparent of a span
 *   TRACESTATE <label> [<value>]    the injected tracestate of a span
 *   STATS <label> started=N ended=N exported=N dropped=N failures=N
 *   RC <label> <code>               a return code the Python side judges
 *   ELAPSED_MS <label> <ms>         wall time of a call (CLOCK_MONOTONIC)
 *   TIME <label> <unix-ns>          CLOCK_REALTIME at a point of the run
 *   VALUE <label> <text>
 *   OK <scenario>                   last line of a successful run
 *
 * Scenarios: see the table at the end of this file (or run without arguments).
 */
#define _POSIX_C_SOURCE 200809L

#include "otlp_ffi.h"
#include "code_name.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------ */
/* checking helpers                                                          */
/* ------------------------------------------------------------------------ */

static const char *g_scenario = "?";

static const char *last_error(void) {
    const char *e = otlp_get_last_error();
    return e ? e : "(otlp_get_last_error returned NULL)";
}

#define FAIL(...)                                                              \
    do {                                                                       \
        printf("FAIL %s %s:%d: ", g_scenario, __FILE__, __LINE__);             \
        printf(__VA_ARGS__);                                                   \
        printf(" [last_error=\"%s\"]\n", last_error());                        \
        fflush(stdout);                                                        \
        exit(1);                                                               \
    } while (0)

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) FAIL("CHECK(%s) failed", #cond);                          \
    } while (0)

#define CHECK_RC(expected, call)                                               \
    do {                                                                       \
        int rc_ = (int)(call);                                                 \
        if (rc_ != (int)(expected))                                            \
            FAIL("%s returned %d %s, expected %d %s", #call, rc_,              \
                 code_name(rc_), (int)(expected), code_name((int)(expected))); \
    } while (0)

#define CHECK_OK(call) CHECK_RC(OTLP_OK, call)
#define CHECK_NULLPTR(call) CHECK_RC(OTLP_ERROR_NULL_POINTER, call)
#define CHECK_INVALID(call) CHECK_RC(OTLP_ERROR_INVALID_ARGUMENT, call)
#define CHECK_HANDLE(call) CHECK_RC(OTLP_ERROR_INVALID_HANDLE, call)

/* The last error message must mention `needle` (e.g. the argument's name). */
#define CHECK_MSG(needle)                                                      \
    do {                                                                       \
        if (strstr(last_error(), (needle)) == NULL)                            \
            FAIL("last error does not mention \"%s\"", (needle));              \
    } while (0)

#define CHECK_STREQ(actual, expected)                                          \
    do {                                                                       \
        const char *a_ = (actual), *e_ = (expected);                           \
        if (strcmp(a_, e_) != 0)                                               \
            FAIL("%s is \"%s\", expected \"%s\"", #actual, a_, e_);            \
    } while (0)

/* Put a known, different message in the last-error slot (a NULL pointer
 * failure), so a later check proves that a void call set its own message. */
static void prime_last_error(void) {
    CHECK_NULLPTR(otlp_span_add_event(NULL, "prime"));
    CHECK(strstr(last_error(), "OTLP_ERROR_INVALID_HANDLE") == NULL);
}

/* After a void call given a stale/forged handle: the error names the code. */
#define CHECK_VOID_SET_INVALID_HANDLE(call)                                    \
    do {                                                                       \
        prime_last_error();                                                    \
        call;                                                                  \
        if (strncmp(last_error(), "OTLP_ERROR_INVALID_HANDLE", 25) != 0)       \
            FAIL("%s: last error should start with "                          \
                 "OTLP_ERROR_INVALID_HANDLE", #call);                          \
    } while (0)

/* Out-parameters are written only on success: failures must leave this. */
#define SENTINEL_ADDR ((uintptr_t)0x5e5e5e50u)
#define SENTINEL(type) ((type *)SENTINEL_ADDR)
#define CHECK_UNTOUCHED(ptr) CHECK((uintptr_t)(ptr) == SENTINEL_ADDR)

#define VALID_TRACE_ID "4bf92f3577b34da6a3ce929d0e0e4736"
#define VALID_SPAN_ID "00f067aa0ba902b7"
#define VALID_TP "00-" VALID_TRACE_ID "-" VALID_SPAN_ID "-01"

static uint64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t real_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *endpoint(void) {
    const char *e = getenv("OTLP_TEST_ENDPOINT");
    return e ? e : "http://localhost:4318";
}

static otlp_tracer_provider_t *provider_for(const char *service) {
    otlp_tracer_provider_t *p = NULL;
    CHECK_OK(otlp_init(endpoint(), service, &p));
    CHECK(p != NULL);
    return p;
}

static otlp_tracer_t *tracer_of(otlp_tracer_provider_t *p) {
    otlp_tracer_t *t = NULL;
    CHECK_OK(otlp_get_tracer(p, &t));
    CHECK(t != NULL);
    return t;
}

static otlp_span_t *start(otlp_tracer_t *t, const char *name, otlp_span_kind_t kind,
                          const otlp_context_t *parent) {
    otlp_span_t *s = NULL;
    CHECK_OK(otlp_span_start(t, name, kind, parent, &s));
    CHECK(s != NULL);
    return s;
}

static otlp_context_t *context_of(const otlp_span_t *s) {
    otlp_context_t *c = NULL;
    CHECK_OK(otlp_span_get_context(s, &c));
    CHECK(c != NULL);
    return c;
}

static otlp_context_t *extract(const char *tp, const char *ts) {
    otlp_context_t *c = NULL;
    if (ts == NULL)
        CHECK_OK(otlp_context_extract(tp, &c));
    else
        CHECK_OK(otlp_context_extract_with_state(tp, ts, &c));
    CHECK(c != NULL);
    return c;
}

static int is_lower_hex(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return 0;
    }
    return 1;
}

/* Inject a span's traceparent into buf (>= 56 bytes), checking its shape. */
static void inject(otlp_span_t *s, char *buf, size_t len) {
    CHECK(len >= 56);
    memset(buf, 'Z', len);
    CHECK_OK(otlp_context_inject(s, buf, len));
    if (strlen(buf) != 55) FAIL("traceparent \"%s\" is not 55 chars", buf);
    if (!(buf[2] == '-' && buf[35] == '-' && buf[52] == '-' && is_lower_hex(buf, 2) &&
          is_lower_hex(buf + 3, 32) && is_lower_hex(buf + 36, 16) && is_lower_hex(buf + 53, 2)))
        FAIL("traceparent \"%s\" is malformed", buf);
    CHECK(strncmp(buf, "00-", 3) == 0);
}

static void print_span(const char *label, otlp_span_t *s) {
    char buf[64];
    inject(s, buf, sizeof buf);
    printf("SPAN %s %s\n", label, buf);
}

static void tracestate_of(otlp_span_t *s, char *buf, size_t len) {
    memset(buf, 'Z', len);
    CHECK_OK(otlp_context_inject_tracestate(s, buf, len));
    CHECK(memchr(buf, '\0', len) != NULL);
}

static otlp_stats_t get_stats(otlp_tracer_provider_t *p) {
    otlp_stats_t st;
    memset(&st, 0xA5, sizeof st);
    CHECK_OK(otlp_tracer_provider_get_stats(p, &st));
    return st;
}

static otlp_stats_t print_stats(const char *label, otlp_tracer_provider_t *p) {
    otlp_stats_t st = get_stats(p);
    printf("STATS %s started=%" PRIu64 " ended=%" PRIu64 " exported=%" PRIu64 " dropped=%" PRIu64
           " failures=%" PRIu64 "\n",
           label, st.spans_started, st.spans_ended, st.spans_exported, st.spans_dropped,
           st.export_failures);
    return st;
}

static void check_invariant(const otlp_stats_t *st) {
    if (st->spans_ended != st->spans_exported + st->spans_dropped)
        FAIL("stats invariant: ended=%" PRIu64 " != exported=%" PRIu64 " + dropped=%" PRIu64,
             st->spans_ended, st->spans_exported, st->spans_dropped);
}

/* ------------------------------------------------------------------------ */
/* scenario: fresh - state of a process that has made no failing call        */
/* ------------------------------------------------------------------------ */

static void scenario_fresh(void) {
    const char *e = otlp_get_last_error();
    CHECK(e != NULL);
    CHECK_STREQ(e, "");
    const char *v = otlp_version();
    CHECK(v != NULL);
    unsigned major, minor, patch;
    CHECK(sscanf(v, "%u.%u.%u", &major, &minor, &patch) == 3);
    printf("VALUE version %s\n", v);
    /* successful calls leave an empty message empty */
    otlp_tracer_provider_t *p = provider_for("fresh-app");
    otlp_tracer_t *t = tracer_of(p);
    otlp_span_t *s = start(t, "fresh_span", OTLP_SPAN_KIND_INTERNAL, NULL);
    otlp_span_end(s);
    CHECK_STREQ(otlp_get_last_error(), "");
    otlp_tracer_provider_free(p);
    CHECK_STREQ(otlp_get_last_error(), "");
}

/* ------------------------------------------------------------------------ */
/* scenario: null_pointers - NULL for every pointer argument                 */
/* ------------------------------------------------------------------------ */

static void scenario_null_pointers(void) {
    otlp_tracer_provider_t *p_out = SENTINEL(otlp_tracer_provider_t);
    otlp_tracer_t *t_out = SENTINEL(otlp_tracer_t);
    otlp_span_t *s_out = SENTINEL(otlp_span_t);
    otlp_context_t *c_out = SENTINEL(otlp_context_t);
    otlp_config_t *cfg_out = SENTINEL(otlp_config_t);
    char buf[128];

    /* otlp_init */
    /* endpoint and service_name are optional (NULL = not given): tests/c/test_hostile.c */
    CHECK_NULLPTR(otlp_init(endpoint(), "svc", NULL));
    CHECK_MSG("provider");
    CHECK_NULLPTR(otlp_init(NULL, NULL, NULL));
    CHECK_MSG("provider");

    otlp_tracer_provider_t *p = provider_for("null-pointers");

    /* otlp_get_tracer */
    CHECK_NULLPTR(otlp_get_tracer(NULL, &t_out));
    CHECK_UNTOUCHED(t_out);
    CHECK_NULLPTR(otlp_get_tracer(p, NULL));
    otlp_tracer_t *t = tracer_of(p);

    /* otlp_span_create / otlp_span_start */
    CHECK_NULLPTR(otlp_span_create(NULL, "x", &s_out));
    CHECK_UNTOUCHED(s_out);
    CHECK_NULLPTR(otlp_span_create(t, NULL, &s_out));
    CHECK_MSG("name");
    CHECK_UNTOUCHED(s_out);
    CHECK_NULLPTR(otlp_span_create(t, "x", NULL));
    CHECK_NULLPTR(otlp_span_start(NULL, "x", OTLP_SPAN_KIND_INTERNAL, NULL, &s_out));
    CHECK_UNTOUCHED(s_out);
    CHECK_NULLPTR(otlp_span_start(t, NULL, OTLP_SPAN_KIND_INTERNAL, NULL, &s_out));
    CHECK_MSG("name");
    CHECK_UNTOUCHED(s_out);
    CHECK_NULLPTR(otlp_span_start(t, "x", OTLP_SPAN_KIND_INTERNAL, NULL, NULL));

    /* the probe span: every failing call below must leave it untouched */
    otlp_span_t *s = start(t, "null_probe", OTLP_SPAN_KIND_INTERNAL, NULL);

    CHECK_NULLPTR(otlp_span_set_attribute_string(NULL, "k", "v"));
    CHECK_MSG("span");
    CHECK_NULLPTR(otlp_span_set_attribute_string(s, NULL, "v"));
    CHECK_MSG("key");
    CHECK_NULLPTR(otlp_span_set_attribute_string(s, "k", NULL));
    CHECK_MSG("value");
    CHECK_NULLPTR(otlp_span_set_attribute_int(NULL, "k", 1));
    CHECK_NULLPTR(otlp_span_set_attribute_int(s, NULL, 1));
    CHECK_MSG("key");
    CHECK_NULLPTR(otlp_span_set_attribute_bool(NULL, "k", true));
    CHECK_NULLPTR(otlp_span_set_attribute_bool(s, NULL, true));
    CHECK_MSG("key");
    CHECK_NULLPTR(otlp_span_set_attribute_double(NULL, "k", 1.5));
    CHECK_NULLPTR(otlp_span_set_attribute_double(s, NULL, 1.5));
    CHECK_MSG("key");
    CHECK_NULLPTR(otlp_span_record_error(NULL, "m"));
    CHECK_NULLPTR(otlp_span_record_error(s, NULL));
    CHECK_MSG("message");
    CHECK_NULLPTR(otlp_span_add_event(NULL, "e"));
    CHECK_NULLPTR(otlp_span_add_event(s, NULL));
    CHECK_MSG("name");
    CHECK_NULLPTR(otlp_span_set_status(NULL, OTLP_STATUS_OK, ""));
    CHECK_NULLPTR(otlp_span_set_status(NULL, OTLP_STATUS_ERROR, NULL));
    CHECK_MSG("span");
    CHECK_NULLPTR(otlp_span_get_context(NULL, &c_out));
    CHECK_UNTOUCHED(c_out);
    CHECK_NULLPTR(otlp_span_get_context(s, NULL));

    /* injection */
    CHECK_NULLPTR(otlp_context_inject(NULL, buf, sizeof buf));
    CHECK_NULLPTR(otlp_context_inject(s, NULL, sizeof buf));
    CHECK_NULLPTR(otlp_context_inject_tracestate(NULL, buf, sizeof buf));
    CHECK_NULLPTR(otlp_context_inject_tracestate(s, NULL, sizeof buf));

    /* extraction */
    CHECK_NULLPTR(otlp_context_extract(NULL, &c_out));
    CHECK_MSG("traceparent");
    CHECK_UNTOUCHED(c_out);
    CHECK_NULLPTR(otlp_context_extract(VALID_TP, NULL));
    CHECK_NULLPTR(otlp_context_extract_with_state(NULL, "a=1", &c_out));
    CHECK_MSG("traceparent");
    CHECK_UNTOUCHED(c_out);
    CHECK_NULLPTR(otlp_context_extract_with_state(VALID_TP, "a=1", NULL));
    /* tracestate is the one pointer that may be NULL */
    otlp_context_t *c = NULL;
    CHECK_OK(otlp_context_extract_with_state(VALID_TP, NULL, &c));
    CHECK(c != NULL);
    otlp_context_free(c);

    /* provider operations */
    otlp_stats_t st;
    CHECK_NULLPTR(otlp_tracer_provider_force_flush(NULL, 100));
    CHECK_NULLPTR(otlp_tracer_provider_shutdown(NULL, 100));
    CHECK_NULLPTR(otlp_tracer_provider_get_stats(NULL, &st));
    CHECK_NULLPTR(otlp_tracer_provider_get_stats(p, NULL));

    /* config */
    CHECK_NULLPTR(otlp_config_new(NULL));
    otlp_config_t *cfg = NULL;
    CHECK_OK(otlp_config_new(&cfg));
    CHECK(cfg != NULL);
    CHECK_NULLPTR(otlp_config_set(NULL, "OTEL_SERVICE_NAME", "x"));
    CHECK_NULLPTR(otlp_config_set(cfg, NULL, "x"));
    CHECK_MSG("key");
    CHECK_NULLPTR(otlp_config_set(cfg, "OTEL_SERVICE_NAME", NULL));
    CHECK_MSG("value");
    CHECK_NULLPTR(otlp_init_with_config(NULL, &p_out));
    CHECK_UNTOUCHED(p_out);
    CHECK_NULLPTR(otlp_init_with_config(cfg, NULL));
    (void)cfg_out;

    /* void functions: NULL is a no-op */
    otlp_span_end(NULL);
    otlp_context_free(NULL);
    otlp_config_free(NULL);
    otlp_tracer_provider_free(NULL);

    CHECK(otlp_get_last_error() != NULL);
    CHECK(otlp_version() != NULL);

    otlp_config_free(cfg);
    otlp_span_end(s);
    otlp_tracer_provider_free(p);
}

/* ------------------------------------------------------------------------ */
/* scenario: invalid_handles - ended, freed, forged and mistyped handles     */
/* ------------------------------------------------------------------------ */

static void expect_span_invalid(otlp_span_t *s, const char *what) {
    char buf[128];
    otlp_context_t *c_out = SENTINEL(otlp_context_t);
    printf("VALUE checking_span_handle %s\n", what);
    fflush(stdout);
    CHECK_HANDLE(otlp_span_set_attribute_string(s, "k", "v"));
    CHECK(strncmp(last_error(), "OTLP_ERROR_INVALID_HANDLE", 25) == 0);
    CHECK_HANDLE(otlp_span_set_attribute_int(s, "k", 1));
    CHECK_HANDLE(otlp_span_set_attribute_bool(s, "k", true));
    CHECK_HANDLE(otlp_span_set_attribute_double(s, "k", 2.5));
    CHECK_HANDLE(otlp_span_record_error(s, "boom"));
    CHECK_HANDLE(otlp_span_add_event(s, "evt"));
    CHECK_HANDLE(otlp_span_set_status(s, OTLP_STATUS_ERROR, "bad"));
    CHECK_HANDLE(otlp_span_get_context(s, &c_out));
    CHECK_UNTOUCHED(c_out);
    memset(buf, 'Z', sizeof buf);
    CHECK_HANDLE(otlp_context_inject(s, buf, sizeof buf));
    CHECK(buf[0] == 'Z');
    CHECK_HANDLE(otlp_context_inject_tracestate(s, buf, sizeof buf));
    CHECK(buf[0] == 'Z');
    CHECK_VOID_SET_INVALID_HANDLE(otlp_span_end(s));
}

static void expect_tracer_invalid(otlp_tracer_t *t, const char *what) {
    otlp_span_t *s_out = SENTINEL(otlp_span_t);
    printf("VALUE checking_tracer_handle %s\n", what);
    fflush(stdout);
    CHECK_HANDLE(otlp_span_create(t, "x", &s_out));
    CHECK_UNTOUCHED(s_out);
    CHECK_HANDLE(otlp_span_start(t, "x", OTLP_SPAN_KIND_INTERNAL, NULL, &s_out));
    CHECK_UNTOUCHED(s_out);
}

static void expect_context_invalid(otlp_tracer_t *good, otlp_context_t *c, const char *what) {
    otlp_span_t *s_out = SENTINEL(otlp_span_t);
    printf("VALUE checking_context_handle %s\n", what);
    fflush(stdout);
    CHECK_HANDLE(otlp_span_start(good, "x", OTLP_SPAN_KIND_INTERNAL, c, &s_out));
    CHECK_UNTOUCHED(s_out);
    CHECK_VOID_SET_INVALID_HANDLE(otlp_context_free(c));
}

static void expect_config_invalid(otlp_config_t *cfg, const char *what) {
    otlp_tracer_provider_t *p_out = SENTINEL(otlp_tracer_provider_t);
    printf("VALUE checking_config_handle %s\n", what);
    fflush(stdout);
    CHECK_HANDLE(otlp_config_set(cfg, "OTEL_SERVICE_NAME", "x"));
    CHECK_HANDLE(otlp_init_with_config(cfg, &p_out));
    CHECK_UNTOUCHED(p_out);
    CHECK_VOID_SET_INVALID_HANDLE(otlp_config_free(cfg));
}

static void expect_provider_invalid(otlp_tracer_provider_t *p, const char *what) {
    otlp_tracer_t *t_out = SENTINEL(otlp_tracer_t);
    otlp_stats_t st;
    printf("VALUE checking_provider_handle %s\n", what);
    fflush(stdout);
    CHECK_HANDLE(otlp_get_tracer(p, &t_out));
    CHECK_UNTOUCHED(t_out);
    CHECK_HANDLE(otlp_tracer_provider_force_flush(p, 100));
    CHECK_HANDLE(otlp_tracer_provider_shutdown(p, 100));
    CHECK_HANDLE(otlp_tracer_provider_get_stats(p, &st));
    CHECK_VOID_SET_INVALID_HANDLE(otlp_tracer_provider_free(p));
}

static void scenario_invalid_handles(void) {
    otlp_tracer_provider_t *p = provider_for("invalid-handles");
    otlp_tracer_t *t = tracer_of(p);

    /* garbage that is not a handle: a small integer, zeroed and 0xAB-filled
     * heap blocks, and handles of another type */
    void *forged_small = (void *)(uintptr_t)0x1234;
    void *zeros = calloc(1, 512);
    void *junk = malloc(512);
    CHECK(zeros != NULL && junk != NULL);
    memset(junk, 0xAB, 512);

    /* an ended span */
    otlp_span_t *ended = start(t, "ended_span", OTLP_SPAN_KIND_INTERNAL, NULL);
    CHECK_OK(otlp_span_set_attribute_int(ended, "before_end", 1));
    print_span("ended_span", ended);
    otlp_span_end(ended);
    expect_span_invalid(ended, "ended");
    expect_span_invalid(ended, "ended twice"); /* a third end: still only an error */

    /* the live span keeps working through all of the abuse below */
    otlp_span_t *live = start(t, "live_span", OTLP_SPAN_KIND_INTERNAL, NULL);
    print_span("live_span", live);

    expect_span_invalid((otlp_span_t *)forged_small, "forged 0x1234");
    expect_span_invalid((otlp_span_t *)zeros, "zeroed heap block");
    expect_span_invalid((otlp_span_t *)junk, "0xAB heap block");
    expect_span_invalid((otlp_span_t *)p, "provider as span");
    expect_span_invalid((otlp_span_t *)t, "tracer as span");

    /* tracers */
    expect_tracer_invalid((otlp_tracer_t *)forged_small, "forged 0x1234");
    expect_tracer_invalid((otlp_tracer_t *)zeros, "zeroed heap block");
    expect_tracer_invalid((otlp_tracer_t *)junk, "0xAB heap block");
    expect_tracer_invalid((otlp_tracer_t *)live, "span as tracer");
    expect_tracer_invalid((otlp_tracer_t *)p, "provider as tracer");

    /* contexts: freed, forged, a span cast to a context */
    otlp_context_t *freed = extract(VALID_TP, NULL);
    otlp_context_free(freed);
    expect_context_invalid(t, freed, "freed");
    expect_context_invalid(t, (otlp_context_t *)forged_small, "forged 0x1234");
    expect_context_invalid(t, (otlp_context_t *)zeros, "zeroed heap block");
    expect_context_invalid(t, (otlp_context_t *)junk, "0xAB heap block");
    expect_context_invalid(t, (otlp_context_t *)live, "span as context");
    expect_context_invalid(t, (otlp_context_t *)t, "tracer as context");
    /* a context given where a span is expected */
    otlp_context_t *live_ctx = context_of(live);
    expect_span_invalid((otlp_span_t *)live_ctx, "context as span");

    /* configs */
    otlp_config_t *cfg = NULL;
    CHECK_OK(otlp_config_new(&cfg));
    otlp_config_free(cfg);
    expect_config_invalid(cfg, "freed");
    expect_config_invalid((otlp_config_t *)forged_small, "forged 0x1234");
    expect_config_invalid((otlp_config_t *)zeros, "zeroed heap block");
    expect_config_invalid((otlp_config_t *)live, "span as config");
    expect_config_invalid((otlp_config_t *)p, "provider as config");

    /* providers */
    otlp_tracer_provider_t *gone = provider_for("freed-provider");
    otlp_tracer_provider_free(gone);
    expect_provider_invalid(gone, "freed");
    expect_provider_invalid((otlp_tracer_provider_t *)forged_small, "forged 0x1234");
    expect_provider_invalid((otlp_tracer_provider_t *)zeros, "zeroed heap block");
    expect_provider_invalid((otlp_tracer_provider_t *)junk, "0xAB heap block");
    expect_provider_invalid((otlp_tracer_provider_t *)live, "span as provider");
    expect_provider_invalid((otlp_tracer_provider_t *)t, "tracer as provider");

    /* everything real still works */
    otlp_span_t *child = start(t, "live_child", OTLP_SPAN_KIND_INTERNAL, live_ctx);
    otlp_context_free(live_ctx);
    print_span("live_child", child);
    CHECK_OK(otlp_span_set_attribute_bool(live, "survived", true));
    otlp_span_end(child);
    otlp_span_end(live);
    CHECK_OK(otlp_tracer_provider_force_flush(p, 10000));
    otlp_stats_t st = print_stats("invalid_handles", p);
    check_invariant(&st);
    otlp_tracer_provider_free(p);
    free(zeros);
    free(junk);
}

/* ------------------------------------------------------------------------ */
/* scenario: provider_free_invalidates - handles derived from a freed one    */
/* ------------------------------------------------------------------------ */

static void scenario_provider_free_invalidates(void) {
    otlp_tracer_provider_t *p = provider_for("freed-provider-app");
    otlp_tracer_t *t = tracer_of(p);
    otlp_span_t *done = start(t, "ended_before_free", OTLP_SPAN_KIND_INTERNAL, NULL);
    print_span("ended_before_free", done);
    otlp_span_end(done);
    otlp_tracer_provider_free(p);

    expect_provider_invalid(p, "freed provider");
    expect_tracer_invalid(t, "tracer of a freed provider");

    /* a new provider must not make the stale handles valid again, unless it
     * was handed out at the very same address (then it is that provider) */
    otlp_tracer_provider_t *p2 = provider_for("second-provider-app");
    otlp_tracer_t *t2 = tracer_of(p2);
    if ((void *)p2 != (void *)p) expect_provider_invalid(p, "freed provider after a new init");
    if ((void *)t2 != (void *)t) expect_tracer_invalid(t, "stale tracer after a new init");
    otlp_span_t *s2 = start(t2, "after_new_init", OTLP_SPAN_KIND_INTERNAL, NULL);
    print_span("after_new_init", s2);
    otlp_span_end(s2);
    otlp_tracer_provider_free(p2);
}

/* an open span whose provider is freed becomes invalid (API-NOTES Lifecycle) */
static void scenario_open_span_after_free(void) {
    otlp_tracer_provider_t *p = provider_for("open-span-app");
    otlp_tracer_t *t = tracer_of(p);
    otlp_span_t *open = start(t, "open_at_free", OTLP_SPAN_KIND_INTERNAL, NULL);
    otlp_tracer_provider_free(p);
    expect_span_invalid(open, "open span of a freed provider");
}

/* ------------------------------------------------------------------------ */
/* scenario: last_error_threads - the message is thread-local                */
/* ------------------------------------------------------------------------ */

struct thread_result {
    int initially_empty;
    int rc;
    char message[512];
    int rounds_ok;
};

static void *last_error_thread(void *arg) {
    struct thread_result *r = arg;
    const char *e = otlp_get_last_error();
    r->initially_empty = (e != NULL && e[0] == '\0');
    otlp_context_t *c = SENTINEL(otlp_context_t);
    r->rc = otlp_context_extract("not-a-traceparent", &c);
    snprintf(r->message, sizeof r->message, "%s", last_error());
    /* hammer the slot: the main thread's message must not change */
    r->rounds_ok = 1;
    for (int i = 0; i < 2000; i++) {
        if (otlp_span_set_attribute_int(NULL, "k", i) != OTLP_ERROR_NULL_POINTER) r->rounds_ok = 0;
        if (otlp_get_last_error() == NULL) r->rounds_ok = 0;
    }
    return NULL;
}

static void scenario_last_error_threads(void) {
    otlp_tracer_provider_t *p = provider_for("last-error-app");
    otlp_tracer_t *t = tracer_of(p);
    otlp_span_t *s = start(t, "last_error_span", OTLP_SPAN_KIND_INTERNAL, NULL);

    CHECK_INVALID(otlp_span_set_attribute_string(s, "", "v")); /* empty key */
    CHECK(last_error()[0] != '\0');
    CHECK_MSG("key");
    char mine[512];
    snprintf(mine, sizeof mine, "%s", last_error());
    const char *mine_ptr = otlp_get_last_error();

    struct thread_result r[2];
    memset(r, 0, sizeof r);
    pthread_t th[2];
    for (int i = 0; i < 2; i++) CHECK(pthread_create(&th[i], NULL, last_error_thread, &r[i]) == 0);
    for (int i = 0; i < 2; i++) CHECK(pthread_join(th[i], NULL) == 0);

    for (int i = 0; i < 2; i++) {
        CHECK(r[i].initially_empty);
        CHECK_RC(OTLP_ERROR_INVALID_ARGUMENT, r[i].rc);
        CHECK(r[i].message[0] != '\0');
        CHECK(strstr(r[i].message, "traceparent") != NULL);
        CHECK(r[i].rounds_ok);
        printf("VALUE thread_message %s\n", r[i].message);
    }
    /* this thread's message and the pointer it handed out are unchanged */
    CHECK_STREQ(last_error(), mine);
    CHECK_STREQ(mine_ptr, mine);
    printf("VALUE main_message %s\n", mine);
    otlp_span_end(s);
    otlp_tracer_provider_free(p);
}

/* ------------------------------------------------------------------------ */
/* scenario: inject_extract - parents local and remote, buffer rules, kinds  */
/* ------------------------------------------------------------------------ */

static void scenario_inject_extract(void) {
    otlp_tracer_provider_t *p = provider_for("propagation-app");
    otlp_tracer_t *t = tracer_of(p);
    char buf[128], tp_root[64], tp[64];

    printf("TIME start %" PRIu64 "\n", real_ns());
    otlp_span_t *root = start(t, "server_root", OTLP_SPAN_KIND_SERVER, NULL);
    inject(root, tp_root, sizeof tp_root);
    printf("SPAN server_root %s\n", tp_root);

    /* buffer rules: 55 chars + NUL, nothing written when too small */
    memset(buf, 'Z', sizeof buf);
    CHECK_INVALID(otlp_context_inject(root, buf, 55));
    CHECK_MSG("56");
    for (size_t i = 0; i < sizeof buf; i++) CHECK(buf[i] == 'Z');
    CHECK_INVALID(otlp_context_inject(root, buf, 0));
    for (size_t i = 0; i < sizeof buf; i++) CHECK(buf[i] == 'Z');
    CHECK_INVALID(otlp_context_inject(root, buf, 1));
    for (size_t i = 0; i < sizeof buf; i++) CHECK(buf[i] == 'Z');
    CHECK_OK(otlp_context_inject(root, buf, 56));
    CHECK(strlen(buf) == 55);
    CHECK_STREQ(buf, tp_root);
    for (size_t i = 56; i < sizeof buf; i++) CHECK(buf[i] == 'Z');
    /* tracestate of a span without one: "" needs exactly one byte */
    memset(buf, 'Z', sizeof buf);
    CHECK_INVALID(otlp_context_inject_tracestate(root, buf, 0));
    CHECK(buf[0] == 'Z');
    CHECK_OK(otlp_context_inject_tracestate(root, buf, 1));
    CHECK(buf[0] == '\0');
    CHECK(buf[1] == 'Z');

    /* injecting twice gives the same answer */
    inject(root, buf, sizeof buf);
    CHECK_STREQ(buf, tp_root);

    /* local parent: otlp_span_get_context */
    otlp_context_t *lctx = context_of(root);
    otlp_span_t *local_child = start(t, "local_child", OTLP_SPAN_KIND_INTERNAL, lctx);
    otlp_context_free(lctx); /* the child does not depend on the context object */
    print_span("local_child", local_child);
    otlp_context_t *lctx2 = context_of(local_child);
    otlp_span_t *grandchild = start(t, "grandchild", OTLP_SPAN_KIND_CLIENT, lctx2);
    print_span("grandchild", grandchild);
    /* one context can parent several children */
    otlp_span_t *sibling = start(t, "grandchild_sibling", OTLP_SPAN_KIND_PRODUCER, lctx2);
    print_span("grandchild_sibling", sibling);
    otlp_context_free(lctx2);

    /* remote parent: what another process would do with our header */
    otlp_context_t *rctx = extract(tp_root, NULL);
    otlp_span_t *remote_child = start(t, "remote_child", OTLP_SPAN_KIND_SERVER, rctx);
    otlp_context_free(rctx);
    print_span("remote_child", remote_child);
    inject(remote_child, tp, sizeof tp);
    CHECK(strncmp(tp, tp_root, 35) == 0);      /* same version + trace id */
    CHECK(strncmp(tp + 36, tp_root + 36, 16) != 0); /* a new span id */

    /* an external traceparent */
    otlp_context_t *ectx = extract(VALID_TP, NULL);
    otlp_span_t *ext_child = start(t, "external_child", OTLP_SPAN_KIND_CONSUMER, ectx);
    otlp_context_free(ectx);
    print_span("external_child", ext_child);
    inject(ext_child, tp, sizeof tp);
    CHECK(strncmp(tp, "00-" VALID_TRACE_ID "-", 36) == 0);
    CHECK(strncmp(tp + 36, VALID_SPAN_ID, 16) != 0);
    CHECK(strcmp(tp + 52, "-01") == 0);

    /* otlp_span_create: a root of its own trace, kind INTERNAL */
    otlp_span_t *created = NULL;
    CHECK_OK(otlp_span_create(t, "created_root", &created));
    print_span("created_root", created);
    inject(created, tp, sizeof tp);
    CHECK(strncmp(tp + 3, tp_root + 3, 32) != 0);

    otlp_span_end(ext_child);
    otlp_span_end(remote_child);
    otlp_span_end(sibling);
    otlp_span_end(grandchild);
    otlp_span_end(local_child);
    otlp_span_end(created);
    otlp_span_end(root);
    printf("TIME end %" PRIu64 "\n", real_ns());
    CHECK_OK(otlp_tracer_provider_force_flush(p, 10000));
    otlp_stats_t st = print_stats("inject_extract", p);
    check_invariant(&st);
    CHECK(st.spans_started == 7 && st.spans_ended == 7);
    otlp_tracer_provider_free(p);
}

/* ------------------------------------------------------------------------ */
/* scenario: traceparent - W3C Trace Context level 1 validation              */
/* ------------------------------------------------------------------------ */

#define T32 VALID_TRACE_ID
#define S16 VALID_SPAN_ID

static const char *const INVALID_TRACEPARENTS[][2] = {
    {"empty", ""},
    {"spaces_only", "   "},
    {"missing_flags", "00-" T32 "-" S16},
    {"missing_flags_dash", "00-" T32 "-" S16 "-"},
    {"trace_id_31", "00-4bf92f3577b34da6a3ce929d0e0e473-" S16 "-01"},
    {"trace_id_33", "00-4bf92f3577b34da6a3ce929d0e0e47366-" S16 "-01"},
    {"span_id_15", "00-" T32 "-00f067aa0ba902b-01"},
    {"span_id_17", "00-" T32 "-00f067aa0ba902b77-01"},
    {"version_1_char", "0-" T32 "-" S16 "-01"},
    {"version_3_chars", "000-" T32 "-" S16 "-01"},
    {"flags_1_char", "00-" T32 "-" S16 "-1"},
    {"flags_3_chars", "00-" T32 "-" S16 "-011"},
    {"uppercase_trace_id", "00-4BF92F3577B34DA6A3CE929D0E0E4736-" S16 "-01"},
    {"uppercase_span_id", "00-" T32 "-00F067AA0BA902B7-01"},
    {"uppercase_flags", "00-" T32 "-" S16 "-0A"},
    {"uppercase_version", "0A-" T32 "-" S16 "-01"},
    {"zero_trace_id", "00-00000000000000000000000000000000-" S16 "-01"},
    {"zero_span_id", "00-" T32 "-0000000000000000-01"},
    {"version_ff", "ff-" T32 "-" S16 "-01"},
    {"nonhex_version", "0g-" T32 "-" S16 "-01"},
    {"nonhex_trace_id", "00-4bf92f3577b34da6a3ce929d0e0e473g-" S16 "-01"},
    {"nonhex_span_id", "00-" T32 "-00f067aa0ba902bx-01"},
    {"nonhex_flags", "00-" T32 "-" S16 "-0x"},
    {"underscore_separators", "00_" T32 "_" S16 "_01"},
    {"colon_separator", "00-" T32 ":" S16 "-01"},
    {"no_separators", "00" T32 S16 "01"},
    {"v00_trailing_data", "00-" T32 "-" S16 "-01-extra"},
    {"v00_trailing_dash", "00-" T32 "-" S16 "-01-"},
    {"v00_trailing_char", "00-" T32 "-" S16 "-01x"},
    {"future_version_short", "cc-" T32 "-" S16 "-0"},
    {"inner_space", "00-" T32 "- " S16 "-01"},
    {"garbage", "not-a-traceparent"},
};

struct valid_tp {
    const char *label;
    const char *input;
    const char *trace_id;
    const char *parent_span_id;
    const char *flags; /* expected flags of the child's traceparent */
};

static const struct valid_tp VALID_TRACEPARENTS[] = {
    {"sampled", "00-" T32 "-" S16 "-01", T32, S16, "01"},
    {"not_sampled", "00-" T32 "-" S16 "-00", T32, S16, "00"},
    {"flags_03", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03",
     "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "03"},
    {"flags_02_not_sampled", "00-0af7651916cd43dd8448eb211c80319d-b7ad6b7169203332-02",
     "0af7651916cd43dd8448eb211c80319d", "b7ad6b7169203332", "02"},
    {"leading_spaces", "  00-1af7651916cd43dd8448eb211c80319c-c7ad6b7169203331-01",
     "1af7651916cd43dd8448eb211c80319c", "c7ad6b7169203331", "01"},
    {"trailing_tab", "00-2af7651916cd43dd8448eb211c80319c-d7ad6b7169203331-01\t",
     "2af7651916cd43dd8448eb211c80319c", "d7ad6b7169203331", "01"},
    {"both_ows", " \t00-3af7651916cd43dd8448eb211c80319c-e7ad6b7169203331-01 \t ",
     "3af7651916cd43dd8448eb211c80319c", "e7ad6b7169203331", "01"},
    {"future_version_extra", "cc-4af7651916cd43dd8448eb211c80319c-f7ad6b7169203331-01-extra",
     "4af7651916cd43dd8448eb211c80319c", "f7ad6b7169203331", "01"},
    {"future_version_exact", "01-5af7651916cd43dd8448eb211c80319c-a7ad6b7169203331-01",
     "5af7651916cd43dd8448eb211c80319c", "a7ad6b7169203331", "01"},
    {"max_ids", "00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01",
     "ffffffffffffffffffffffffffffffff", "ffffffffffffffff", "01"},
};

static void scenario_traceparent(void) {
    otlp_tracer_provider_t *p = provider_for("traceparent-app");
    otlp_tracer_t *t = tracer_of(p);
    char tp[64], label[128];
    size_t n_invalid = sizeof INVALID_TRACEPARENTS / sizeof INVALID_TRACEPARENTS[0];
    for (size_t i = 0; i < n_invalid; i++) {
        const char *name = INVALID_TRACEPARENTS[i][0], *in = INVALID_TRACEPARENTS[i][1];
        otlp_context_t *c = SENTINEL(otlp_context_t);
        int rc = otlp_context_extract(in, &c);
        if (rc != OTLP_ERROR_INVALID_ARGUMENT)
            FAIL("extract(%s: \"%s\") returned %d %s, expected OTLP_ERROR_INVALID_ARGUMENT", name, in, rc,
                 code_name(rc));
        CHECK_UNTOUCHED(c);
        CHECK(last_error()[0] != '\0');
        rc = otlp_context_extract_with_state(in, "a=1", &c);
        if (rc != OTLP_ERROR_INVALID_ARGUMENT)
            FAIL("extract_with_state(%s: \"%s\") returned %d %s, expected OTLP_ERROR_INVALID_ARGUMENT", name,
                 in, rc, code_name(rc));
        CHECK_UNTOUCHED(c);
        printf("REJECTED %s\n", name);
    }

    size_t n_valid = sizeof VALID_TRACEPARENTS / sizeof VALID_TRACEPARENTS[0];
    for (size_t i = 0; i < n_valid; i++) {
        const struct valid_tp *v = &VALID_TRACEPARENTS[i];
        otlp_context_t *c = NULL;
        int rc = otlp_context_extract(v->input, &c);
        if (rc != OTLP_OK)
            FAIL("extract(%s: \"%s\") returned %d %s, expected OTLP_OK", v->label, v->input, rc, code_name(rc));
        snprintf(label, sizeof label, "tp_%s", v->label);
        otlp_span_t *child = start(t, label, OTLP_SPAN_KIND_SERVER, c);
        otlp_context_free(c);
        CHECK_OK(otlp_span_set_attribute_string(child, "case", v->label));
        inject(child, tp, sizeof tp);
        printf("SPAN %s %s\n", label, tp);
        if (strncmp(tp + 3, v->trace_id, 32) != 0) FAIL("%s: child traceparent %s keeps no trace id", v->label, tp);
        if (strncmp(tp + 36, v->parent_span_id, 16) == 0) FAIL("%s: child reuses the parent's span id", v->label);
        if (strcmp(tp + 53, v->flags) != 0)
            FAIL("%s: child traceparent %s has flags %s, expected %s", v->label, tp, tp + 53, v->flags);
        /* and a grandchild (local parent) keeps the flags too */
        otlp_context_t *lc = context_of(child);
        snprintf(label, sizeof label, "tp_%s_grandchild", v->label);
        otlp_span_t *gc = start(t, label, OTLP_SPAN_KIND_INTERNAL, lc);
        otlp_context_free(lc);
        inject(gc, tp, sizeof tp);
        printf("SPAN %s %s\n", label, tp);
        if (strcmp(tp + 53, v->flags) != 0)
            FAIL("%s: grandchild traceparent %s has flags %s, expected %s", v->label, tp, tp + 53, v->flags);
        otlp_span_end(gc);
        otlp_span_end(child);
    }
    CHECK_OK(otlp_tracer_provider_force_flush(p, 10000));
    otlp_stats_t st = print_stats("traceparent", p);
    check_invariant(&st);
    otlp_tracer_provider_free(p);
}

/* ------------------------------------------------------------------------ */
/* scenario: tracestate - W3C tracestate carried, normalized, validated      */
/* ------------------------------------------------------------------------ */

static char *repeat_members(int n) {
    size_t cap = (size_t)n * 16 + 1;
    char *s = malloc(cap);
    CHECK(s != NULL);
    s[0] = '\0';
    for (int i = 0; i < n; i++) {
        char m[32];
        snprintf(m, sizeof m, "%sk%d=v%d", i ? "," : "", i, i);
        strcat(s, m);
    }
    return s;
}

static char *long_key_state(size_t key_len) {
    char *s = malloc(key_len + 8);
    CHECK(s != NULL);
    memset(s, 'k', key_len);
    strcpy(s + key_len, "=v");
    return s;
}

static char *long_value_state(size_t value_len) {
    char *s = malloc(value_len + 8);
    CHECK(s != NULL);
    strcpy(s, "k=");
    memset(s + 2, 'v', value_len);
    s[2 + value_len] = '\0';
    return s;
}

struct ts_case {
    const char *label;
    const char *input; /* NULL -> passed as NULL */
    const char *expected;
};

static void run_ts_case(otlp_tracer_t *t, const char *label, const char *input, const char *expected, int idx) {
    char tp_in[64], name[96], got[1200], tp[64];
    snprintf(tp_in, sizeof tp_in, "00-%032x-%016x-01", 0x7000 + idx, 0x9000 + idx);
    otlp_context_t *c = NULL;
    int rc = otlp_context_extract_with_state(tp_in, input, &c);
    if (rc != OTLP_OK) FAIL("extract_with_state(%s) returned %d %s, expected OTLP_OK", label, rc, code_name(rc));
    snprintf(name, sizeof name, "ts_%s", label);
    otlp_span_t *child = start(t, name, OTLP_SPAN_KIND_SERVER, c);
    otlp_context_free(c);
    inject(child, tp, sizeof tp);
    printf("SPAN %s %s\n", name, tp);
    tracestate_of(child, got, sizeof got);
    printf("TRACESTATE %s [%s]\n", name, got);
    if (strcmp(got, expected) != 0) FAIL("%s: injected tracestate \"%s\", expected \"%s\"", label, got, expected);
    /* a local grandchild carries the same tracestate */
    otlp_context_t *lc = context_of(child);
    snprintf(name, sizeof name, "ts_%s_grandchild", label);
    otlp_span_t *gc = start(t, name, OTLP_SPAN_KIND_INTERNAL, lc);
    otlp_context_free(lc);
    tracestate_of(gc, got, sizeof got);
    printf("TRACESTATE %s [%s]\n", name, got);
    if (strcmp(got, expected) != 0)
        FAIL("%s: grandchild tracestate \"%s\", expected \"%s\"", label, got, expected);
    otlp_span_end(gc);
    otlp_span_end(child);
}

static void scenario_tracestate(void) {
    otlp_tracer_provider_t *p = provider_for("tracestate-app");
    otlp_tracer_t *t = tracer_of(p);
    char *m32 = repeat_members(32), *m33 = repeat_members(33);
    char *key256 = long_key_state(256), *key257 = long_key_state(257);
    char *val256 = long_value_state(256), *val257 = long_value_state(257);

    const struct ts_case cases[] = {
        {"simple", "congo=t61rcWkgMzE", "congo=t61rcWkgMzE"},
        {"two_members", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"},
        {"ows_normalized", "a=1 , b=2", "a=1,b=2"},
        {"ows_tabs", "\ta=1,\tb=2\t", "a=1,b=2"},
        {"multi_tenant_key", "tenant1@vendor=x,fw529a3039@dt=FIXED", "tenant1@vendor=x,fw529a3039@dt=FIXED"},
        {"key_charset", "a_b-c*d/e=1", "a_b-c*d/e=1"},
        {"value_inner_space", "k=a b", "k=a b"},
        {"value_punctuation", "k=!#$%&'()*+-./:;<>?@[]^_`{|}~", "k=!#$%&'()*+-./:;<>?@[]^_`{|}~"},
        {"members_32", m32, m32},
        {"key_256", key256, key256},
        {"value_256", val256, val256},
        {"null", NULL, ""},
        {"empty", "", ""},
        /* W3C Trace Context level 2: '@' anywhere in a key but first; a repeated key: first wins */
        {"at_sign_keys", "foo@=1,foo@@bar=2,foo@bar@baz=3,t@vvvvvvvvvvvvvvv=4",
         "foo@=1,foo@@bar=2,foo@bar@baz=3,t@vvvvvvvvvvvvvvv=4"},
        {"duplicate_key", "a=1,b=2,a=3", "a=1,b=2"},
        /* invalid: dropped, extract still OK */
        {"members_33", m33, ""},
        {"key_leading_at", "@foo=1,bar=2", ""},
        {"uppercase_key", "Abc=1", ""},
        {"no_equals", "a=1,b", ""},
        {"empty_value", "a=", ""},
        {"equals_in_value", "a=b=c", ""},
        {"empty_key", "=1", ""},
        {"key_257", key257, ""},
        {"value_257", val257, ""},
        {"space_in_key", "a b=1", ""},
        {"non_ascii_value", "k=caf\xc3\xa9", ""},
        {"trailing_space_value_ok", "k=v ", "k=v"},
    };
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) run_ts_case(t, cases[i].label, cases[i].input, cases[i].expected, (int)i);

    /* across a process boundary: inject both headers, extract them again */
    {
        char tp[64], ts[256], got[256];
        otlp_context_t *c = extract("00-" T32 "-" S16 "-01", "vendor1=abc,vendor2=def");
        otlp_span_t *hop1 = start(t, "ts_hop1", OTLP_SPAN_KIND_CLIENT, c);
        otlp_context_free(c);
        inject(hop1, tp, sizeof tp);
        tracestate_of(hop1, ts, sizeof ts);
        printf("SPAN ts_hop1 %s\n", tp);
        CHECK_STREQ(ts, "vendor1=abc,vendor2=def");
        otlp_context_t *c2 = extract(tp, ts);
        otlp_span_t *hop2 = start(t, "ts_hop2", OTLP_SPAN_KIND_SERVER, c2);
        otlp_context_free(c2);
        print_span("ts_hop2", hop2);
        tracestate_of(hop2, got, sizeof got);
        CHECK_STREQ(got, "vendor1=abc,vendor2=def");
        /* buffer rules: 23 chars need 24 bytes */
        char small[64];
        memset(small, 'Z', sizeof small);
        CHECK_INVALID(otlp_context_inject_tracestate(hop2, small, 23));
        for (size_t i = 0; i < sizeof small; i++) CHECK(small[i] == 'Z');
        CHECK_OK(otlp_context_inject_tracestate(hop2, small, 24));
        CHECK_STREQ(small, "vendor1=abc,vendor2=def");
        for (size_t i = 24; i < sizeof small; i++) CHECK(small[i] == 'Z');
        otlp_span_end(hop2);
        otlp_span_end(hop1);
    }
    /* an invalid traceparent fails even with a valid tracestate */
    otlp_context_t *bad = SENTINEL(otlp_context_t);
    CHECK_INVALID(otlp_context_extract_with_state("00-" T32 "-" S16, "a=1", &bad));
    CHECK_UNTOUCHED(bad);
    /* a root span has no tracestate */
    otlp_span_t *root = start(t, "ts_root", OTLP_SPAN_KIND_INTERNAL, NULL);
    char got[16];
    tracestate_of(root, got, sizeof got);
    CHECK_STREQ(got, "");
    otlp_span_end(root);

    CHECK_OK(otlp_tracer_provider_force_flush(p, 10000));
    otlp_stats_t st = print_stats("tracestate", p);
    check_invariant(&st);
    otlp_tracer_provider_free(p);
    free(m32);
    free(m33);
    free(key256);
    free(key257);
    free(val256);
    free(val257);
}

/* ------------------------------------------------------------------------ */
/* scenario: span_data - kinds, typed attributes, status, events, errors     */
/* ------------------------------------------------------------------------ */

static void scenario_span_data(void) {
    otlp_tracer_provider_t *p = provider_for("span-data-app");
    otlp_tracer_t *t = tracer_of(p);
    printf("TIME start %" PRIu64 "\n", real_ns());

    /* kinds */
    static const char *const kind_names[] = {"", "kind_internal", "kind_server", "kind_client", "kind_producer",
                                             "kind_consumer"};
    for (int k = 1; k <= 5; k++) {
        otlp_span_t *s = start(t, kind_names[k], (otlp_span_kind_t)k, NULL);
        print_span(kind_names[k], s);
        otlp_span_end(s);
    }
    static const int bad_kinds[] = {0, 6, -1, 100};
    for (size_t i = 0; i < sizeof bad_kinds / sizeof bad_kinds[0]; i++) {
        otlp_span_t *s_out = SENTINEL(otlp_span_t);
        CHECK_INVALID(otlp_span_start(t, "bad_kind", (otlp_span_kind_t)bad_kinds[i], NULL, &s_out));
        CHECK_UNTOUCHED(s_out);
        CHECK_MSG("kind");
    }

    /* typed attributes */
    otlp_span_t *a = start(t, "typed_attrs", OTLP_SPAN_KIND_INTERNAL, NULL);
    CHECK_OK(otlp_span_set_attribute_string(a, "str", "text"));
    CHECK_OK(otlp_span_set_attribute_string(a, "str.empty", ""));
    CHECK_OK(otlp_span_set_attribute_string(a, "str.utf8", "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac"));
    CHECK_OK(otlp_span_set_attribute_int(a, "int", 42));
    CHECK_OK(otlp_span_set_attribute_int(a, "int.neg", -7));
    CHECK_OK(otlp_span_set_attribute_int(a, "int.min", INT64_MIN));
    CHECK_OK(otlp_span_set_attribute_int(a, "int.max", INT64_MAX));
    CHECK_OK(otlp_span_set_attribute_bool(a, "bool.true", true));
    CHECK_OK(otlp_span_set_attribute_bool(a, "bool.false", false));
    CHECK_OK(otlp_span_set_attribute_double(a, "double", 1.5));
    CHECK_OK(otlp_span_set_attribute_double(a, "double.neg", -0.25));
    CHECK_OK(otlp_span_set_attribute_double(a, "double.big", 1e300));
    CHECK_OK(otlp_span_set_attribute_double(a, "double.whole", 3.0));
    CHECK_OK(otlp_span_set_attribute_double(a, "double.tiny", 5e-324));
    {
        char *long_value = malloc(10001);
        CHECK(long_value != NULL);
        memset(long_value, 'x', 10000);
        long_value[10000] = '\0';
        CHECK_OK(otlp_span_set_attribute_string(a, "str.long", long_value));
        free(long_value);
    }
    /* invalid keys and values are refused and leave nothing behind */
    CHECK_INVALID(otlp_span_set_attribute_string(a, "", "v"));
    CHECK_MSG("key");
    CHECK_INVALID(otlp_span_set_attribute_int(a, "", 1));
    CHECK_INVALID(otlp_span_set_attribute_bool(a, "", true));
    CHECK_INVALID(otlp_span_set_attribute_double(a, "", 1.0));
    CHECK_INVALID(otlp_span_set_attribute_string(a, "bad\xff" "key", "v"));
    CHECK_MSG("key");
    CHECK_INVALID(otlp_span_set_attribute_string(a, "bad.value", "v\xc3\x28"));
    CHECK_MSG("value");
    print_span("typed_attrs", a);
    otlp_span_end(a);

    /* invalid UTF-8 span name */
    {
        otlp_span_t *s_out = SENTINEL(otlp_span_t);
        CHECK_INVALID(otlp_span_create(t, "bad\xfe\xff", &s_out));
        CHECK_MSG("name");
        CHECK_UNTOUCHED(s_out);
        CHECK_INVALID(otlp_span_start(t, "bad\xc3", OTLP_SPAN_KIND_SERVER, NULL, &s_out));
        CHECK_UNTOUCHED(s_out);
    }
    /* a UTF-8 span name arrives intact */
    otlp_span_t *u = start(t, "unicod\xc3\xa9-\xe5\x90\x8d\xe5\x89\x8d", OTLP_SPAN_KIND_INTERNAL, NULL);
    print_span("unicode_name", u);
    otlp_span_end(u);

    /* setting a key twice keeps the last value (OTel spec: overwrite) */
    otlp_span_t *ow = start(t, "overwrite_attr", OTLP_SPAN_KIND_INTERNAL, NULL);
    CHECK_OK(otlp_span_set_attribute_int(ow, "dup", 1));
    CHECK_OK(otlp_span_set_attribute_string(ow, "dup", "two"));
    print_span("overwrite_attr", ow);
    otlp_span_end(ow);

    /* limits: 128 attributes and 128 events per span, the rest counted as dropped */
    {
        otlp_span_t *m = start(t, "many_attrs", OTLP_SPAN_KIND_INTERNAL, NULL);
        for (int i = 0; i < 200; i++) {
            char key[32];
            snprintf(key, sizeof key, "k%03d", i);
            CHECK_OK(otlp_span_set_attribute_int(m, key, i));
            CHECK_OK(otlp_span_add_event(m, key));
        }
        print_span("many_attrs", m);
        otlp_span_end(m);
    }

    /* status */
    otlp_span_t *s;
    s = start(t, "status_unset", OTLP_SPAN_KIND_INTERNAL, NULL);
    print_span("status_unset", s);
    otlp_span_end(s);

    s = start(t, "status_ok", OTLP_SPAN_KIND_INTERNAL, NULL);
    CHECK_OK(otlp_span_set_status(s, OTLP_STATUS_OK, "")); /* OK is final */
    CHECK_OK(otlp_span_set_status(s, OTLP_STATUS_ERROR, "too late"));
    CHECK_OK(otlp_span_set_status(s, OTLP_STATUS_UNSET, ""));
    print_span("status_ok", s);
    otlp_span_end(s);

    s = start(t, "status_error", OTLP_SPAN_KIND_INTERNAL, NULL);
    CHECK_OK(otlp_span_set_status(s, OTLP_STATUS_ERROR, "boom"));
    print_span("status_error", s);
    otlp_span_end(s);

    s = start(t, "status_error_then_unset", OTLP_SPAN_KIND_INTERNAL, NULL);
    CHECK_OK(otlp_span_set_status(s, OTLP_STATUS_ERROR, "kept"));
    CHECK_OK(otlp_span_set_status(s, OTLP_STATUS_UNSET, "")); /* Unset is ignored */
    print_span("status_error_then_unset", s);
    otlp_span_end(s);

    s = start(t, "status_error_twice", OTLP_SPAN_KIND_INTERNAL, NULL);
    CHECK_OK(otlp_span_set_status(s, OTLP_STATUS_ERROR, "first"));
    CHECK_OK(otlp_span_set_status(s, OTLP_STATUS_ERROR, "second"));
    print_span("status_error_twice", s);
    otlp_span_end(s);

    s = start(t, "status_error_then_ok", OTLP_SPAN_KIND_INTERNAL, NULL);
    CHECK_OK(otlp_span_set_status(s, OTLP_STATUS_ERROR, "transient"));
    CHECK_OK(otlp_span_set_status(s, OTLP_STATUS_OK, ""));
    print_span("status_error_then_ok", s);
    otlp_span_end(s);

    s = start(t, "status_bad_code", OTLP_SPAN_KIND_INTERNAL, NULL);
    CHECK_INVALID(otlp_span_set_status(s, (otlp_status_code_t)3, "x"));
    CHECK_INVALID(otlp_span_set_status(s, (otlp_status_code_t)-1, "x"));
    print_span("status_bad_code", s);
    otlp_span_end(s);

    /* events */
    s = start(t, "with_events", OTLP_SPAN_KIND_INTERNAL, NULL);
    CHECK_OK(otlp_span_add_event(s, "first"));
    CHECK_OK(otlp_span_add_event(s, "second"));
    CHECK_OK(otlp_span_add_event(s, "third \xe2\x9c\x93"));
    print_span("with_events", s);
    otlp_span_end(s);

    /* record_error: status ERROR + an "exception" event */
    s = start(t, "recorded_error", OTLP_SPAN_KIND_CLIENT, NULL);
    CHECK_OK(otlp_span_set_attribute_int(s, "attempt", 3));
    CHECK_OK(otlp_span_record_error(s, "disk full"));
    print_span("recorded_error", s);
    otlp_span_end(s);

    printf("TIME end %" PRIu64 "\n", real_ns());
    CHECK_OK(otlp_tracer_provider_force_flush(p, 10000));
    otlp_stats_t st = print_stats("span_data", p);
    check_invariant(&st);
    otlp_tracer_provider_free(p);
}

/* ------------------------------------------------------------------------ */
/* scenario: stats                                                           */
/* ------------------------------------------------------------------------ */

static void scenario_stats(void) {
    otlp_tracer_provider_t *p = provider_for("stats-app");
    otlp_tracer_t *t = tracer_of(p);
    otlp_stats_t st = print_stats("initial", p);
    CHECK(st.spans_started == 0 && st.spans_ended == 0 && st.spans_exported == 0 && st.spans_dropped == 0 &&
          st.export_failures == 0);

    for (int i = 0; i < 5; i++) {
        otlp_span_t *s = start(t, "stats_span", OTLP_SPAN_KIND_INTERNAL, NULL);
        CHECK_OK(otlp_span_set_attribute_int(s, "i", i));
        otlp_span_end(s);
    }
    otlp_span_t *open = start(t, "stats_open", OTLP_SPAN_KIND_INTERNAL, NULL);
    st = print_stats("started6_ended5", p);
    CHECK(st.spans_started == 6);
    CHECK(st.spans_ended == 5);

    /* non-sampled spans are not counted */
    otlp_context_t *ns = extract("00-" T32 "-" S16 "-00", NULL);
    otlp_span_t *unsampled = start(t, "stats_unsampled", OTLP_SPAN_KIND_SERVER, ns);
    otlp_context_free(ns);
    CHECK_OK(otlp_span_set_attribute_int(unsampled, "ignored", 1));
    otlp_span_end(unsampled);

    CHECK_OK(otlp_tracer_provider_force_flush(p, 10000));
    st = print_stats("after_flush", p);
    CHECK(st.spans_started == 6);
    CHECK(st.spans_ended == 5);
    check_invariant(&st);

    otlp_span_end(open);
    CHECK_OK(otlp_tracer_provider_force_flush(p, 10000));
    st = print_stats("final", p);
    CHECK(st.spans_started == 6);
    CHECK(st.spans_ended == 6);
    check_invariant(&st);
    otlp_tracer_provider_free(p);
}

/* ------------------------------------------------------------------------ */
/* config helpers                                                            */
/* ------------------------------------------------------------------------ */

/* argv entries "KEY=VALUE" -> otlp_config_set(cfg, KEY, VALUE) */
static void apply_config_args(otlp_config_t *cfg, int argc, const char *const *argv) {
    for (int i = 0; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (eq == NULL) FAIL("config argument \"%s\" is not KEY=VALUE", argv[i]);
        char key[256];
        size_t klen = (size_t)(eq - argv[i]);
        CHECK(klen < sizeof key);
        memcpy(key, argv[i], klen);
        key[klen] = '\0';
        int rc = otlp_config_set(cfg, key, eq + 1);
        if (rc != OTLP_OK) FAIL("otlp_config_set(%s, %s) returned %d %s", key, eq + 1, rc, code_name(rc));
    }
}

static otlp_tracer_provider_t *provider_from_config_args(int argc, const char *const *argv) {
    otlp_config_t *cfg = NULL;
    CHECK_OK(otlp_config_new(&cfg));
    apply_config_args(cfg, argc, argv);
    otlp_tracer_provider_t *p = NULL;
    CHECK_OK(otlp_init_with_config(cfg, &p));
    CHECK(p != NULL);
    otlp_config_free(cfg); /* the provider does not need the config object */
    return p;
}

/* a span carrying an attribute, then flush and print the stats */
static void emit_one(otlp_tracer_provider_t *p, const char *span_name) {
    otlp_tracer_t *t = tracer_of(p);
    otlp_span_t *s = start(t, span_name, OTLP_SPAN_KIND_INTERNAL, NULL);
    CHECK_OK(otlp_span_set_attribute_string(s, "emitted.by", g_scenario));
    print_span(span_name, s);
    otlp_span_end(s);
    int rc = otlp_tracer_provider_force_flush(p, 10000);
    printf("RC force_flush %d\n", rc);
    print_stats(span_name, p);
}

/* emit <endpoint> <service_name> <span_name>: otlp_init with explicit args */
static void scenario_emit(int argc, char **argv) {
    if (argc != 3) FAIL("usage: emit <endpoint> <service_name> <span_name>");
    otlp_tracer_provider_t *p = NULL;
    CHECK_OK(otlp_init(argv[0], argv[1], &p));
    emit_one(p, argv[2]);
    otlp_tracer_provider_free(p);
}

/* emit_config <span_name> KEY=VALUE...: otlp_init_with_config */
static void scenario_emit_config(int argc, char **argv) {
    if (argc < 1) FAIL("usage: emit_config <span_name> [KEY=VALUE...]");
    otlp_tracer_provider_t *p = provider_from_config_args(argc - 1, (const char *const *)(argv + 1));
    emit_one(p, argv[0]);
    otlp_tracer_provider_free(p);
}

static void scenario_config_errors(void) {
    otlp_config_t *cfg = NULL;
    CHECK_OK(otlp_config_new(&cfg));
    /* every supported key with a valid value */
    static const char *const good[][2] = {
        {"OTEL_SERVICE_NAME", "cfg-svc"},
        {"OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test,team=core"},
        {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"},
        {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:4318/v1/traces"},
        {"OTEL_EXPORTER_OTLP_HEADERS", "x-a=1,x-b=two%20words"},
        {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-c=3"},
        {"OTEL_EXPORTER_OTLP_TIMEOUT", "5000"},
        {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "4000"},
        {"OTEL_BSP_MAX_QUEUE_SIZE", "2048"},
        {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "512"},
        {"OTEL_BSP_SCHEDULE_DELAY", "200"},
        {"OTEL_BSP_EXPORT_TIMEOUT", "3000"},
        {"OTEL_SDK_DISABLED", "false"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int rc = otlp_config_set(cfg, good[i][0], good[i][1]);
        if (rc != OTLP_OK) FAIL("otlp_config_set(%s, %s) returned %d %s", good[i][0], good[i][1], rc, code_name(rc));
    }
    /* setting a key again replaces it */
    CHECK_OK(otlp_config_set(cfg, "OTEL_SERVICE_NAME", "cfg-svc-2"));

    /* unknown keys name the key */
    static const char *const unknown[] = {"OTEL_NOT_A_REAL_KEY", "SERVICE_NAME", "", "OTEL_TRACES_EXPORTER_X"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        int rc = otlp_config_set(cfg, unknown[i], "x");
        if (rc != OTLP_ERROR_INVALID_ARGUMENT)
            FAIL("otlp_config_set(\"%s\") returned %d %s, expected OTLP_ERROR_INVALID_ARGUMENT", unknown[i], rc,
                 code_name(rc));
        if (unknown[i][0] != '\0') CHECK_MSG(unknown[i]);
    }
    /* unparsable values name the key */
    static const char *const bad[][2] = {
        {"OTEL_BSP_MAX_QUEUE_SIZE", "abc"},
        {"OTEL_BSP_MAX_QUEUE_SIZE", "-5"},
        {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "12x"},
        {"OTEL_BSP_SCHEDULE_DELAY", "soon"},
        {"OTEL_BSP_EXPORT_TIMEOUT", "1.5.2"},
        {"OTEL_EXPORTER_OTLP_TIMEOUT", "ten"},
        {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = otlp_config_set(cfg, bad[i][0], bad[i][1]);
        if (rc != OTLP_ERROR_INVALID_ARGUMENT)
            FAIL("otlp_config_set(%s, \"%s\") returned %d %s, expected OTLP_ERROR_INVALID_ARGUMENT", bad[i][0],
                 bad[i][1], rc, code_name(rc));
        CHECK_MSG(bad[i][0]);
        printf("VALUE config_error %s\n", last_error());
    }
    otlp_config_free(cfg);
}

/* ------------------------------------------------------------------------ */
/* scenario: flush_once <span_name> [timeout_ms] - for retry tests            */
/* ------------------------------------------------------------------------ */

static void scenario_flush_once(int argc, char **argv) {
    if (argc < 1) FAIL("usage: flush_once <span_name> [timeout_ms] [KEY=VALUE...]");
    uint32_t timeout = argc >= 2 ? (uint32_t)strtoul(argv[1], NULL, 10) : 30000u;
    otlp_tracer_provider_t *p = argc > 2 ? provider_from_config_args(argc - 2, (const char *const *)(argv + 2)) : provider_for("retry-app");
    otlp_tracer_t *t = tracer_of(p);
    otlp_span_t *s = start(t, argv[0], OTLP_SPAN_KIND_INTERNAL, NULL);
    print_span(argv[0], s);
    otlp_span_end(s);
    uint64_t t0 = mono_ms();
    int rc = otlp_tracer_provider_force_flush(p, timeout);
    printf("RC force_flush %d\n", rc);
    printf("ELAPSED_MS force_flush %" PRIu64 "\n", mono_ms() - t0);
    print_stats("after_flush", p);
    otlp_tracer_provider_free(p);
}

/* ------------------------------------------------------------------------ */
/* scenario: overflow - a bounded queue drops instead of blocking            */
/* ------------------------------------------------------------------------ */

static void scenario_overflow(void) {
    const char *args[] = {"OTEL_BSP_MAX_QUEUE_SIZE=10", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE=5", "OTEL_BSP_SCHEDULE_DELAY=50",
                    "OTEL_SERVICE_NAME=overflow-app", NULL};
    char ep[512];
    snprintf(ep, sizeof ep, "OTEL_EXPORTER_OTLP_ENDPOINT=%s", endpoint());
    args[4] = ep;
    otlp_tracer_provider_t *p = provider_from_config_args(5, args);
    otlp_tracer_t *t = tracer_of(p);
    uint64_t t0 = mono_ms();
    for (int i = 0; i < 1000; i++) {
        otlp_span_t *s = start(t, "flood", OTLP_SPAN_KIND_INTERNAL, NULL);
        CHECK_OK(otlp_span_set_attribute_int(s, "i", i));
        otlp_span_end(s);
    }
    printf("ELAPSED_MS flood_loop %" PRIu64 "\n", mono_ms() - t0);
    print_stats("before_flush", p);
    uint64_t t1 = mono_ms();
    int rc = otlp_tracer_provider_force_flush(p, 60000);
    printf("ELAPSED_MS force_flush %" PRIu64 "\n", mono_ms() - t1);
    printf("RC force_flush %d\n", rc);
    CHECK_OK(rc);
    otlp_stats_t st = print_stats("after_flush", p);
    check_invariant(&st);
    CHECK(st.spans_ended == 1000);
    CHECK(st.spans_dropped > 0);
    otlp_tracer_provider_free(p);
}

/* ------------------------------------------------------------------------ */
/* scenario: shutdown_bounded <timeout_ms> - dead or silent collector         */
/* ------------------------------------------------------------------------ */

static void scenario_shutdown_bounded(int argc, char **argv) {
    if (argc < 1) FAIL("usage: shutdown_bounded <timeout_ms> [flush_first]");
    uint32_t timeout = (uint32_t)strtoul(argv[0], NULL, 10);
    int flush_first = argc >= 2 && strcmp(argv[1], "flush_first") == 0;
    otlp_tracer_provider_t *p = provider_for("shutdown-app");
    otlp_tracer_t *t = tracer_of(p);
    otlp_span_t *s = start(t, "unreachable_span", OTLP_SPAN_KIND_INTERNAL, NULL);
    print_span("unreachable_span", s);
    otlp_span_end(s);

    if (flush_first) {
        uint64_t f0 = mono_ms();
        int frc = otlp_tracer_provider_force_flush(p, timeout);
        uint64_t fel = mono_ms() - f0;
        printf("RC force_flush %d\n", frc);
        printf("ELAPSED_MS force_flush %" PRIu64 "\n", fel);
        if (frc != OTLP_ERROR_TIMEOUT && frc != OTLP_ERROR_EXPORT_FAILED)
            FAIL("force_flush against an unreachable collector returned %d %s", frc, code_name(frc));
        if (fel > (uint64_t)timeout + 1000u) FAIL("force_flush(%u ms) took %" PRIu64 " ms", timeout, fel);
    }

    uint64_t t0 = mono_ms();
    int rc = otlp_tracer_provider_shutdown(p, timeout);
    uint64_t elapsed = mono_ms() - t0;
    printf("RC shutdown %d\n", rc);
    printf("ELAPSED_MS shutdown %" PRIu64 "\n", elapsed);
    if (rc != OTLP_ERROR_TIMEOUT && rc != OTLP_ERROR_EXPORT_FAILED)
        FAIL("shutdown against an unreachable collector returned %d %s", rc, code_name(rc));
    if (elapsed > (uint64_t)timeout + 1000u) FAIL("shutdown(%u ms) took %" PRIu64 " ms", timeout, elapsed);
    otlp_stats_t st = print_stats("after_shutdown", p);
    CHECK(st.spans_ended == 1);
    CHECK(st.spans_exported == 0);

    /* after shutdown: spans can still be started, nothing is exported */
    otlp_span_t *late = NULL;
    CHECK_OK(otlp_span_create(t, "after_failed_shutdown", &late));
    CHECK_OK(otlp_span_set_attribute_int(late, "k", 1));
    otlp_span_end(late);

    uint64_t t1 = mono_ms();
    CHECK_OK(otlp_tracer_provider_shutdown(p, timeout)); /* second shutdown: OK, nothing to do */
    uint64_t e2 = mono_ms() - t1;
    printf("ELAPSED_MS second_shutdown %" PRIu64 "\n", e2);
    CHECK(e2 < 1000);
    uint64_t t2 = mono_ms();
    otlp_tracer_provider_free(p);
    uint64_t e3 = mono_ms() - t2;
    printf("ELAPSED_MS free %" PRIu64 "\n", e3);
    CHECK(e3 < 1000);
}

/* free_bounded: otlp_tracer_provider_free alone against an unreachable
 * collector returns within OTEL_EXPORTER_OTLP_TIMEOUT (given in the env) */
static void scenario_free_bounded(int argc, char **argv) {
    if (argc < 1) FAIL("usage: free_bounded <bound_ms>");
    uint64_t bound = strtoull(argv[0], NULL, 10);
    otlp_tracer_provider_t *p = provider_for("free-bounded-app");
    otlp_tracer_t *t = tracer_of(p);
    otlp_span_t *s = start(t, "free_unreachable_span", OTLP_SPAN_KIND_INTERNAL, NULL);
    otlp_span_end(s);
    uint64_t t0 = mono_ms();
    otlp_tracer_provider_free(p);
    uint64_t elapsed = mono_ms() - t0;
    printf("ELAPSED_MS free %" PRIu64 "\n", elapsed);
    if (elapsed > bound + 1000u) FAIL("otlp_tracer_provider_free took %" PRIu64 " ms (bound %" PRIu64 " ms)", elapsed, bound);
}

/* ------------------------------------------------------------------------ */
/* scenario: after_shutdown - a healthy collector                            */
/* ------------------------------------------------------------------------ */

static void scenario_after_shutdown(void) {
    otlp_tracer_provider_t *p = provider_for("after-shutdown-app");
    otlp_tracer_t *t = tracer_of(p);
    otlp_span_t *s = start(t, "before_shutdown", OTLP_SPAN_KIND_INTERNAL, NULL);
    print_span("before_shutdown", s);
    otlp_span_end(s);
    CHECK_OK(otlp_tracer_provider_shutdown(p, 10000));
    otlp_stats_t st = print_stats("after_shutdown", p);
    CHECK(st.spans_started == 1 && st.spans_ended == 1 && st.spans_exported == 1);
    check_invariant(&st);

    /* non-recording spans: every call succeeds, nothing is exported */
    otlp_tracer_t *t2 = tracer_of(p);
    otlp_span_t *late = start(t2, "after_shutdown_span", OTLP_SPAN_KIND_SERVER, NULL);
    CHECK_OK(otlp_span_set_attribute_string(late, "k", "v"));
    CHECK_OK(otlp_span_set_attribute_int(late, "i", 1));
    CHECK_OK(otlp_span_set_attribute_bool(late, "b", true));
    CHECK_OK(otlp_span_set_attribute_double(late, "d", 0.5));
    CHECK_OK(otlp_span_add_event(late, "e"));
    CHECK_OK(otlp_span_set_status(late, OTLP_STATUS_ERROR, "x"));
    CHECK_OK(otlp_span_record_error(late, "y"));
    char buf[64];
    inject(late, buf, sizeof buf);
    printf("SPAN after_shutdown_span %s\n", buf);
    otlp_context_t *c = context_of(late);
    otlp_span_t *late_child = start(t, "after_shutdown_child", OTLP_SPAN_KIND_INTERNAL, c);
    otlp_context_free(c);
    otlp_span_end(late_child);
    otlp_span_end(late);
    otlp_span_t *late2 = NULL;
    CHECK_OK(otlp_span_create(t, "after_shutdown_created", &late2));
    otlp_span_end(late2);

    st = print_stats("after_late_spans", p);
    CHECK(st.spans_started == 1 && st.spans_ended == 1 && st.spans_exported == 1);
    CHECK_OK(otlp_tracer_provider_shutdown(p, 10000));
    otlp_tracer_provider_free(p);
}

/* ------------------------------------------------------------------------ */
/* scenario: threads - shared provider, shared span, many spans              */
/* ------------------------------------------------------------------------ */

#define N_THREADS 8
#define SPANS_PER_THREAD 50
#define ATTRS_PER_THREAD 10

static otlp_tracer_provider_t *g_provider;
static otlp_span_t *g_shared_span;

static void *threads_worker(void *arg) {
    int id = (int)(intptr_t)arg;
    otlp_tracer_t *t = NULL;
    if (otlp_get_tracer(g_provider, &t) != OTLP_OK) return (void *)1;
    for (int i = 0; i < ATTRS_PER_THREAD; i++) {
        char key[64], ev[64];
        snprintf(key, sizeof key, "t%d.a%d", id, i);
        snprintf(ev, sizeof ev, "t%d.e%d", id, i);
        if (otlp_span_set_attribute_int(g_shared_span, key, id * 1000 + i) != OTLP_OK) return (void *)2;
        if (otlp_span_add_event(g_shared_span, ev) != OTLP_OK) return (void *)3;
    }
    for (int i = 0; i < SPANS_PER_THREAD; i++) {
        otlp_span_t *s = NULL;
        if (otlp_span_start(t, "mt_span", OTLP_SPAN_KIND_INTERNAL, NULL, &s) != OTLP_OK) return (void *)4;
        if (otlp_span_set_attribute_int(s, "thread", id) != OTLP_OK) return (void *)5;
        if (otlp_span_set_attribute_int(s, "i", i) != OTLP_OK) return (void *)6;
        char tp[64];
        if (otlp_context_inject(s, tp, sizeof tp) != OTLP_OK) return (void *)7;
        otlp_context_t *c = NULL;
        if (otlp_context_extract(tp, &c) != OTLP_OK) return (void *)8;
        otlp_span_t *child = NULL;
        if (otlp_span_start(t, "mt_child", OTLP_SPAN_KIND_CLIENT, c, &child) != OTLP_OK) return (void *)9;
        otlp_context_free(c);
        if (otlp_span_set_attribute_int(child, "thread", id) != OTLP_OK) return (void *)10;
        if (otlp_span_set_attribute_int(child, "i", i) != OTLP_OK) return (void *)11;
        otlp_span_end(child);
        otlp_span_end(s);
    }
    return NULL;
}

static void scenario_threads(void) {
    g_provider = provider_for("threads-app");
    otlp_tracer_t *t = tracer_of(g_provider);
    g_shared_span = start(t, "shared_span", OTLP_SPAN_KIND_INTERNAL, NULL);
    pthread_t th[N_THREADS];
    for (int i = 0; i < N_THREADS; i++)
        CHECK(pthread_create(&th[i], NULL, threads_worker, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < N_THREADS; i++) {
        void *ret = NULL;
        CHECK(pthread_join(th[i], &ret) == 0);
        if (ret != NULL) FAIL("worker %d failed at step %d", i, (int)(intptr_t)ret);
    }
    print_span("shared_span", g_shared_span);
    otlp_span_end(g_shared_span);
    CHECK_OK(otlp_tracer_provider_force_flush(g_provider, 20000));
    otlp_stats_t st = print_stats("threads", g_provider);
    check_invariant(&st);
    CHECK(st.spans_ended == 1 + 2 * N_THREADS * SPANS_PER_THREAD);
    otlp_tracer_provider_free(g_provider);
}

/* ------------------------------------------------------------------------ */
/* scenario: lifecycle - several providers, tracers owned by the provider    */
/* ------------------------------------------------------------------------ */

static void scenario_lifecycle(void) {
    otlp_tracer_provider_t *a = provider_for("svc-a");
    otlp_tracer_provider_t *b = provider_for("svc-b");
    /* many otlp_get_tracer calls: nothing to free, nothing leaks (valgrind) */
    otlp_tracer_t *ta = NULL;
    for (int i = 0; i < 100; i++) ta = tracer_of(a);
    otlp_tracer_t *tb = tracer_of(b);
    otlp_span_t *sa = start(ta, "from_a", OTLP_SPAN_KIND_INTERNAL, NULL);
    otlp_span_t *sb = start(tb, "from_b", OTLP_SPAN_KIND_INTERNAL, NULL);
    print_span("from_a", sa);
    print_span("from_b", sb);
    otlp_span_end(sa);
    otlp_span_end(sb);
    otlp_tracer_provider_free(b);
    otlp_tracer_provider_free(a);
    /* a provider after all others were freed still exports */
    otlp_tracer_provider_t *c = provider_for("svc-c");
    otlp_span_t *sc = start(tracer_of(c), "from_c", OTLP_SPAN_KIND_INTERNAL, NULL);
    print_span("from_c", sc);
    otlp_span_end(sc);
    /* otlp_tracer_provider_free without shutdown or flush delivers the span */
    otlp_tracer_provider_free(c);
    /* an unused provider, shut down and freed */
    otlp_tracer_provider_t *d = provider_for("svc-d");
    CHECK_OK(otlp_tracer_provider_shutdown(d, 5000));
    otlp_tracer_provider_free(d);
}

/* ------------------------------------------------------------------------ */
/* scenario: end_race - threads use a span while another thread ends it      */
/* ------------------------------------------------------------------------ */

#define RACE_THREADS 4
/* workers stop after 1000 INVALID_HANDLE answers, or give up after this long */
#define RACE_LIMIT_MS 60000u

static otlp_span_t *volatile g_race_span;
static otlp_tracer_t *volatile g_race_tracer;

struct race_result {
    int id;
    long ok, invalid, other, last_other_rc;
    int saw_invalid;
};

static void *end_race_worker(void *arg) {
    struct race_result *r = arg;
    char key[16];
    snprintf(key, sizeof key, "t%d", r->id);
    uint64_t t0 = mono_ms();
    for (long i = 0; r->invalid < 1000; i++) {
        if ((i & 1023) == 0 && mono_ms() - t0 > RACE_LIMIT_MS) break;
        int rc = otlp_span_set_attribute_int(g_race_span, key, i);
        if (rc == OTLP_OK) r->ok++;
        else if (rc == OTLP_ERROR_INVALID_HANDLE) r->invalid++;
        else { r->other++; r->last_other_rc = rc; }
        if ((i & 7) == 0) {
            char tp[64];
            rc = otlp_context_inject(g_race_span, tp, sizeof tp);
            if (rc != OTLP_OK && rc != OTLP_ERROR_INVALID_HANDLE) { r->other++; r->last_other_rc = rc; }
        }
    }
    r->saw_invalid = r->invalid > 0;
    return NULL;
}

static void scenario_end_race(void) {
    otlp_tracer_provider_t *p = provider_for("race-app");
    otlp_tracer_t *t = tracer_of(p);
    g_race_span = start(t, "raced_span", OTLP_SPAN_KIND_INTERNAL, NULL);
    print_span("raced_span", g_race_span);
    struct race_result r[RACE_THREADS];
    pthread_t th[RACE_THREADS];
    memset(r, 0, sizeof r);
    for (int i = 0; i < RACE_THREADS; i++) {
        r[i].id = i;
        CHECK(pthread_create(&th[i], NULL, end_race_worker, &r[i]) == 0);
    }
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    otlp_span_end(g_race_span); /* while the workers are using it */
    for (int i = 0; i < RACE_THREADS; i++) CHECK(pthread_join(th[i], NULL) == 0);
    for (int i = 0; i < RACE_THREADS; i++) {
        printf("VALUE race_worker t%d ok=%ld invalid=%ld other=%ld\n", i, r[i].ok, r[i].invalid, r[i].other);
        if (r[i].other) FAIL("worker %d got return code %ld", i, r[i].last_other_rc);
        CHECK(r[i].saw_invalid);
    }
    CHECK_OK(otlp_tracer_provider_force_flush(p, 10000));
    otlp_stats_t st = print_stats("end_race", p);
    CHECK(st.spans_ended == 1 && st.spans_exported == 1);
    otlp_tracer_provider_free(p);
}

/* free_race: threads start and end spans while the provider is freed */
static void *free_race_worker(void *arg) {
    struct race_result *r = arg;
    uint64_t t0 = mono_ms();
    for (long i = 0; r->invalid < 1000; i++) {
        if ((i & 255) == 0 && mono_ms() - t0 > RACE_LIMIT_MS) break;
        otlp_span_t *s = NULL;
        int rc = otlp_span_start(g_race_tracer, "free_race_span", OTLP_SPAN_KIND_INTERNAL, NULL, &s);
        if (rc == OTLP_OK) {
            r->ok++;
            rc = otlp_span_set_attribute_int(s, "i", i);
            if (rc != OTLP_OK && rc != OTLP_ERROR_INVALID_HANDLE) { r->other++; r->last_other_rc = rc; }
            otlp_span_end(s);
        } else if (rc == OTLP_ERROR_INVALID_HANDLE) {
            r->invalid++;
        } else {
            r->other++;
            r->last_other_rc = rc;
        }
    }
    r->saw_invalid = r->invalid > 0;
    return NULL;
}

static void scenario_free_race(void) {
    otlp_tracer_provider_t *p = provider_for("free-race-app");
    g_race_tracer = tracer_of(p);
    struct race_result r[RACE_THREADS];
    pthread_t th[RACE_THREADS];
    memset(r, 0, sizeof r);
    for (int i = 0; i < RACE_THREADS; i++) {
        r[i].id = i;
        CHECK(pthread_create(&th[i], NULL, free_race_worker, &r[i]) == 0);
    }
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    otlp_tracer_provider_free(p); /* while the workers are starting spans on its tracer */
    for (int i = 0; i < RACE_THREADS; i++) CHECK(pthread_join(th[i], NULL) == 0);
    for (int i = 0; i < RACE_THREADS; i++) {
        printf("VALUE race_worker t%d ok=%ld invalid=%ld other=%ld\n", i, r[i].ok, r[i].invalid, r[i].other);
        if (r[i].other) FAIL("worker %d got return code %ld", i, r[i].last_other_rc);
        CHECK(r[i].saw_invalid);
    }
}

/* ------------------------------------------------------------------------ */
/* scenario: straddle_shutdown - a span started before, ended after shutdown */
/* ------------------------------------------------------------------------ */

static void scenario_straddle_shutdown(void) {
    otlp_tracer_provider_t *p = provider_for("straddle-app");
    otlp_tracer_t *t = tracer_of(p);
    otlp_span_t *done = start(t, "ended_before_shutdown", OTLP_SPAN_KIND_INTERNAL, NULL);
    otlp_span_t *open = start(t, "ended_after_shutdown", OTLP_SPAN_KIND_INTERNAL, NULL);
    print_span("ended_before_shutdown", done);
    otlp_span_end(done);
    CHECK_OK(otlp_tracer_provider_shutdown(p, 10000));
    CHECK_OK(otlp_span_set_attribute_int(open, "late", 1));
    otlp_span_end(open);
    otlp_stats_t st = print_stats("straddle", p);
    CHECK(st.spans_started == 2 && st.spans_ended == 2);
    check_invariant(&st);
    /* force_flush after shutdown: documented to return OTLP_OK at once (judged by pytest) */
    uint64_t t0 = mono_ms();
    int rc = otlp_tracer_provider_force_flush(p, 2000);
    printf("RC flush_after_shutdown %d\n", rc);
    printf("ELAPSED_MS flush_after_shutdown %" PRIu64 "\n", mono_ms() - t0);
    st = print_stats("straddle_after_flush", p);
    CHECK(st.spans_started == 2 && st.spans_ended == 2);
    check_invariant(&st);
    otlp_tracer_provider_free(p);
}

/* ------------------------------------------------------------------------ */
/* scenario: background_export - ended spans leave without any flush         */
/* ------------------------------------------------------------------------ */

static void scenario_background_export(void) {
    char ep[512];
    snprintf(ep, sizeof ep, "OTEL_EXPORTER_OTLP_ENDPOINT=%s", endpoint());
    const char *args[] = {"OTEL_BSP_SCHEDULE_DELAY=200", "OTEL_SERVICE_NAME=background-app", ep};
    otlp_tracer_provider_t *p = provider_from_config_args(3, args);
    otlp_tracer_t *t = tracer_of(p);
    otlp_span_t *s = start(t, "background_span", OTLP_SPAN_KIND_INTERNAL, NULL);
    print_span("background_span", s);
    uint64_t t0 = mono_ms();
    otlp_span_end(s);
    otlp_stats_t st = get_stats(p);
    while (st.spans_exported == 0 && mono_ms() - t0 < 10000) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        st = get_stats(p);
    }
    printf("ELAPSED_MS until_exported %" PRIu64 "\n", mono_ms() - t0);
    print_stats("background", p);
    CHECK(st.spans_exported == 1);
    otlp_tracer_provider_free(p);
}

/* ------------------------------------------------------------------------ */
/* scenario: init_errors - otlp_init's own argument checks                   */
/* ------------------------------------------------------------------------ */

static void scenario_init_errors(void) {
    static const char *const bad_endpoints[] = {"not a url", "ftp://127.0.0.1:4318", "localhost:4318",
                                                "http://", "http://bad host:4318"};
    for (size_t i = 0; i < sizeof bad_endpoints / sizeof bad_endpoints[0]; i++) {
        otlp_tracer_provider_t *p = SENTINEL(otlp_tracer_provider_t);
        int rc = otlp_init(bad_endpoints[i], "svc", &p);
        if (rc != OTLP_ERROR_INVALID_ARGUMENT)
            FAIL("otlp_init(\"%s\") returned %d %s, expected OTLP_ERROR_INVALID_ARGUMENT", bad_endpoints[i], rc,
                 code_name(rc));
        CHECK_MSG("endpoint");
        CHECK_UNTOUCHED(p);
    }
    otlp_tracer_provider_t *p = SENTINEL(otlp_tracer_provider_t);
    CHECK_INVALID(otlp_init(endpoint(), "svc\xff", &p));
    CHECK_MSG("service_name");
    CHECK_UNTOUCHED(p);
    CHECK_INVALID(otlp_init("http://127.0.0.1:4318\xc3", "svc", &p));
    CHECK_UNTOUCHED(p);
}

/* ------------------------------------------------------------------------ */

struct scenario {
    const char *name;
    void (*fn0)(void);
    void (*fnv)(int, char **);
};

static const struct scenario SCENARIOS[] = {
    {"fresh", scenario_fresh, NULL},
    {"null_pointers", scenario_null_pointers, NULL},
    {"invalid_handles", scenario_invalid_handles, NULL},
    {"provider_free_invalidates", scenario_provider_free_invalidates, NULL},
    {"open_span_after_free", scenario_open_span_after_free, NULL},
    {"last_error_threads", scenario_last_error_threads, NULL},
    {"inject_extract", scenario_inject_extract, NULL},
    {"traceparent", scenario_traceparent, NULL},
    {"tracestate", scenario_tracestate, NULL},
    {"span_data", scenario_span_data, NULL},
    {"stats", scenario_stats, NULL},
    {"config_errors", scenario_config_errors, NULL},
    {"emit", NULL, scenario_emit},
    {"emit_config", NULL, scenario_emit_config},
    {"flush_once", NULL, scenario_flush_once},
    {"overflow", scenario_overflow, NULL},
    {"shutdown_bounded", NULL, scenario_shutdown_bounded},
    {"free_bounded", NULL, scenario_free_bounded},
    {"after_shutdown", scenario_after_shutdown, NULL},
    {"threads", scenario_threads, NULL},
    {"lifecycle", scenario_lifecycle, NULL},
    {"end_race", scenario_end_race, NULL},
    {"free_race", scenario_free_race, NULL},
    {"straddle_shutdown", scenario_straddle_shutdown, NULL},
    {"init_errors", scenario_init_errors, NULL},
    {"background_export", scenario_background_export, NULL},
};

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    size_t n = sizeof SCENARIOS / sizeof SCENARIOS[0];
    if (argc < 2) {
        fprintf(stderr, "usage: %s <scenario> [args...]\nscenarios:", argv[0]);
        for (size_t i = 0; i < n; i++) fprintf(stderr, " %s", SCENARIOS[i].name);
        fprintf(stderr, "\n");
        return 2;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(argv[1], SCENARIOS[i].name) == 0) {
            g_scenario = SCENARIOS[i].name;
            if (SCENARIOS[i].fn0) {
                if (argc != 2) FAIL("scenario %s takes no arguments", g_scenario);
                SCENARIOS[i].fn0();
            } else {
                SCENARIOS[i].fnv(argc - 2, argv + 2);
            }
            printf("OK %s\n", g_scenario);
            fflush(stdout);
            return 0;
        }
    }
    fprintf(stderr, "unknown scenario %s\n", argv[1]);
    return 2;
}
