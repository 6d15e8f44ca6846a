/*
 * sweep_rt.h - the runtime of the generated hostile-input sweep (tests/sweep/gen_sweep.py
 * writes sweep.c, which includes this file): live, stale and forged handles of every type,
 * the checks each case makes, and the driver loop.
 *
 * A case prints "BEGIN <id> <function> <position> <fault>" before it runs (flushed, so a crash
 * names the case) and "FAIL <id> ... : <why>" for every check that does not hold; the program
 * ends with "SUMMARY cases=N failures=M". `sweep [first_case] [seed]` starts at `first_case`
 * (the test restarts after a crash) and derives the "random" forged handles from `seed`.
 */
#ifndef SWEEP_RT_H
#define SWEEP_RT_H

#define _POSIX_C_SOURCE 200809L

#include "otlp_ffi.h"
#include "../c/code_name.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ case bookkeeping */

static int g_case_id;
static const char *g_case_fn, *g_case_pos, *g_case_fault;
static int g_case_failed, g_failures;
static uint64_t g_seed = 1;

static void case_begin(int id, const char *fn, const char *pos, const char *fault) {
    g_case_id = id;
    g_case_fn = fn;
    g_case_pos = pos;
    g_case_fault = fault;
    g_case_failed = 0;
    printf("BEGIN %d %s %s %s\n", id, fn, pos, fault);
    fflush(stdout);
}

#define CFAIL(...)                                                                                   \
    do {                                                                                             \
        printf("FAIL %d %s %s %s: ", g_case_id, g_case_fn, g_case_pos, g_case_fault);                \
        printf(__VA_ARGS__);                                                                         \
        printf("\n");                                                                                \
        fflush(stdout);                                                                              \
        g_case_failed = 1;                                                                           \
    } while (0)

/* Setup that must work for the case to mean anything. */
#define SETUP_OK(call)                                                                               \
    do {                                                                                             \
        int rc_ = (int)(call);                                                                       \
        if (rc_ != OTLP_OK) {                                                                        \
            printf("SETUP-FAIL %d: %s returned %d [%s]\n", g_case_id, #call, rc_, otlp_get_last_error()); \
            fflush(stdout);                                                                          \
            exit(3);                                                                                 \
        }                                                                                            \
    } while (0)

/* ------------------------------------------------------------------ the last error */

static char g_primed[256];

/* Leaves a known message as this thread's last error, so that a call which must not touch it
 * (a no-op, a success) can be told from one that records a failure. */
static otlp_config_t *g_prime_config;
static void prime_last_error(void) {
    if (!g_prime_config && otlp_config_new(&g_prime_config) != OTLP_OK) exit(3);
    if (otlp_config_set(g_prime_config, "OTEL_SWEEP_PRIMED_KEY", "x") != OTLP_ERROR_INVALID_ARGUMENT) {
        printf("SETUP-FAIL %d: priming the last error failed\n", g_case_id);
        exit(3);
    }
    snprintf(g_primed, sizeof g_primed, "%s", otlp_get_last_error());
}

static int is_ident_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Whether `msg` mentions `name` as a whole word (so `key` is not found inside `keys`). */
static int names(const char *msg, const char *name) {
    size_t n = strlen(name);
    for (const char *p = strstr(msg, name); p; p = strstr(p + 1, name)) {
        int before = p == msg || !is_ident_char(p[-1]);
        int after = !is_ident_char(p[n]);
        if (before && after) return 1;
    }
    return 0;
}

/* A failing call's message: starts with its code's name and names the argument. */
static void expect_message(int rc, const char *argument) {
    const char *msg = otlp_get_last_error();
    if (!msg) {
        CFAIL("otlp_get_last_error() returned NULL");
        return;
    }
    if (strcmp(msg, g_primed) == 0) {
        CFAIL("the call failed with %s but left the last error as it was", code_name(rc));
        return;
    }
    if (strncmp(msg, code_name(rc), strlen(code_name(rc))) != 0)
        CFAIL("message does not start with %s: \"%.300s\"", code_name(rc), msg);
    if (argument && *argument && !names(msg, argument))
        CFAIL("message does not name `%s`: \"%.300s\"", argument, msg);
}

static void expect_rc(int rc, int expected, const char *argument) {
    if (rc != expected) {
        CFAIL("returned %d (%s), expected %d (%s) [last_error=\"%.300s\"]", rc, code_name(rc), expected,
              code_name(expected), otlp_get_last_error());
        return;
    }
    if (rc != OTLP_OK) expect_message(rc, argument);
}

/* A void function: NULL and successes leave the last error alone; a bad handle records
 * OTLP_ERROR_INVALID_HANDLE naming the argument. */
static void expect_void(int expected, const char *argument) {
    const char *msg = otlp_get_last_error();
    if (expected == OTLP_OK) {
        if (strcmp(msg, g_primed) != 0) CFAIL("a no-op or successful call set the last error: \"%.300s\"", msg);
        return;
    }
    expect_message(expected, argument);
}

/* ------------------------------------------------------------------ strings */

static const char BAD_UTF8_TAIL[] = "abc\xff";         /* a byte that never occurs in UTF-8 */
static const char BAD_UTF8_SURROGATE[] = "x\xed\xa0\x80"; /* an encoded UTF-16 surrogate */
static const char BAD_UTF8_TRUNCATED[] = "caf\xc3";      /* a sequence cut short by the NUL */
static char *g_big;                                       /* 1 MiB of 'a' */
#define BIG_LEN ((size_t)1 << 20)

static const char *big_string(void) {
    if (!g_big) {
        g_big = malloc(BIG_LEN + 1);
        if (!g_big) exit(3);
        memset(g_big, 'a', BIG_LEN);
        g_big[BIG_LEN] = 0;
    }
    return g_big;
}

/* ------------------------------------------------------------------ the arena */

#define ARENA_MAX 64
enum kind { K_BAGGAGE, K_CONFIG, K_CONTEXT, K_SPAN, K_PROVIDER };
static struct {
    int kind;
    void *h;
} g_arena[ARENA_MAX];
static int g_arena_len;

static void arena_add(int kind, void *h) {
    if (!h) return;
    if (g_arena_len == ARENA_MAX) exit(3);
    g_arena[g_arena_len].kind = kind;
    g_arena[g_arena_len].h = h;
    g_arena_len++;
}

/* Frees what the case created (handles already gone just set the last error). */
static void arena_cleanup(void) {
    for (int pass = 0; pass < 2; pass++) {
        for (int i = g_arena_len - 1; i >= 0; i--) {
            void *h = g_arena[i].h;
            if (!h) continue;
            int k = g_arena[i].kind;
            if (pass == 0 && k == K_PROVIDER) continue; /* providers last */
            if (pass == 1 && k != K_PROVIDER) continue;
            switch (k) {
            case K_BAGGAGE: otlp_baggage_free(h); break;
            case K_CONFIG: otlp_config_free(h); break;
            case K_CONTEXT: otlp_context_free(h); break;
            case K_SPAN: otlp_span_end(h); break;
            case K_PROVIDER: otlp_tracer_provider_free(h); break;
            }
            g_arena[i].h = NULL;
        }
    }
    g_arena_len = 0;
}

/* ------------------------------------------------------------------ live handles */

static otlp_tracer_provider_t *g_provider; /* shared by the cases that do not consume one */
static otlp_tracer_t *g_tracer;

static const char TRACEPARENT[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
static const char TRACESTATE[] = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";

static otlp_tracer_provider_t *live_tracer_provider(void) {
    otlp_tracer_provider_t *p = NULL;
    SETUP_OK(otlp_init(NULL, "sweep", &p));
    arena_add(K_PROVIDER, p);
    return p;
}

static otlp_tracer_t *live_tracer(void) { return g_tracer; }

static otlp_span_t *live_span(void) {
    otlp_span_t *s = NULL;
    SETUP_OK(otlp_span_create(g_tracer, "sweep-span", &s));
    arena_add(K_SPAN, s);
    return s;
}

static otlp_context_t *live_context(void) {
    otlp_context_t *c = NULL;
    SETUP_OK(otlp_context_extract_with_state(TRACEPARENT, TRACESTATE, &c));
    arena_add(K_CONTEXT, c);
    return c;
}

/* A span with a tracestate, so that otlp_context_inject_tracestate has something to write. */
static otlp_span_t *live_span_with_state(void) {
    otlp_span_t *s = NULL;
    SETUP_OK(otlp_span_start(g_tracer, "sweep-child", OTLP_SPAN_KIND_SERVER, live_context(), &s));
    arena_add(K_SPAN, s);
    return s;
}

static otlp_config_t *live_config(void) {
    otlp_config_t *c = NULL;
    SETUP_OK(otlp_config_new(&c));
    SETUP_OK(otlp_config_set(c, "OTEL_TRACES_EXPORTER", "none"));
    arena_add(K_CONFIG, c);
    return c;
}

static otlp_baggage_t *live_baggage(void) {
    otlp_baggage_t *b = NULL;
    SETUP_OK(otlp_baggage_new(&b));
    SETUP_OK(otlp_baggage_set(b, "k", "value-1234"));
    arena_add(K_BAGGAGE, b);
    return b;
}

/* Is the handle still live? (A wrong-type or stale call must not have freed or ended it.) */
static int alive_baggage(void *h) {
    char buf[64];
    return otlp_baggage_inject(h, buf, sizeof buf) == OTLP_OK;
}
static int alive_config(void *h) { return otlp_config_set(h, "OTEL_SERVICE_NAME", "alive") == OTLP_OK; }
static int alive_context(void *h) {
    otlp_span_t *s = NULL;
    if (otlp_span_start(g_tracer, "alive-probe", OTLP_SPAN_KIND_INTERNAL, h, &s) != OTLP_OK) return 0;
    otlp_span_end(s);
    return 1;
}
static int alive_span(void *h) {
    bool r;
    return otlp_span_is_recording(h, &r) == OTLP_OK;
}
static int alive_tracer(void *h) {
    otlp_span_t *s = NULL;
    if (otlp_span_create(h, "alive-probe", &s) != OTLP_OK) return 0;
    otlp_span_end(s);
    return 1;
}
static int alive_tracer_provider(void *h) {
    otlp_stats_t st;
    return otlp_tracer_provider_get_stats(h, &st) == OTLP_OK;
}

/* ------------------------------------------------------------------ dead and forged handles */

static otlp_baggage_t *stale_baggage(void) {
    otlp_baggage_t *b = NULL;
    SETUP_OK(otlp_baggage_new(&b));
    otlp_baggage_free(b);
    return b;
}
static otlp_config_t *stale_config(void) {
    otlp_config_t *c = NULL;
    SETUP_OK(otlp_config_new(&c));
    otlp_config_free(c);
    return c;
}
static otlp_context_t *stale_context(void) {
    otlp_context_t *c = NULL;
    SETUP_OK(otlp_context_extract(TRACEPARENT, &c));
    otlp_context_free(c);
    return c;
}
static otlp_span_t *stale_span(void) { /* ended */
    otlp_span_t *s = NULL;
    SETUP_OK(otlp_span_create(g_tracer, "stale", &s));
    otlp_span_end(s);
    return s;
}
static otlp_tracer_provider_t *stale_tracer_provider(void) {
    otlp_tracer_provider_t *p = NULL;
    SETUP_OK(otlp_init(NULL, "stale", &p));
    otlp_tracer_provider_free(p);
    return p;
}
static otlp_tracer_t *stale_tracer(void) { /* its provider freed */
    otlp_tracer_provider_t *p = NULL;
    otlp_tracer_t *t = NULL;
    SETUP_OK(otlp_init(NULL, "stale", &p));
    SETUP_OK(otlp_get_tracer(p, &t));
    otlp_tracer_provider_free(p);
    return t;
}

/* A span whose provider was freed before it ended. */
static otlp_span_t *orphan_span(void) {
    otlp_tracer_provider_t *p = NULL;
    otlp_tracer_t *t = NULL;
    otlp_span_t *s = NULL;
    SETUP_OK(otlp_init(NULL, "orphan", &p));
    SETUP_OK(otlp_get_tracer(p, &t));
    SETUP_OK(otlp_span_create(t, "orphan", &s));
    otlp_tracer_provider_free(p);
    return s;
}

/* Freed, then a new value of the same type created (it may take the freed one's place):
 * the old handle must not reach the new value. `*newer` is the new one, checked afterwards. */
#define DEFINE_REUSED(T, type_t, make)                                                              \
    static type_t *reused_##T(void **newer) {                                                       \
        type_t *old = stale_##T();                                                                   \
        *newer = make();                                                                             \
        return old;                                                                                  \
    }
DEFINE_REUSED(baggage, otlp_baggage_t, live_baggage)
DEFINE_REUSED(config, otlp_config_t, live_config)
DEFINE_REUSED(context, otlp_context_t, live_context)
DEFINE_REUSED(span, otlp_span_t, live_span)
DEFINE_REUSED(tracer_provider, otlp_tracer_provider_t, live_tracer_provider)

static otlp_tracer_t *reused_tracer(void **newer) {
    otlp_tracer_t *old = stale_tracer();
    otlp_tracer_t *t = NULL;
    SETUP_OK(otlp_get_tracer(live_tracer_provider(), &t));
    *newer = t;
    return old;
}

static uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* A "random" 64-bit handle value, fixed by the seed and the case. */
static void *forged_random(void) {
    uint64_t v = splitmix64(g_seed ^ ((uint64_t)g_case_id << 32));
    printf("NOTE %d forged value 0x%016" PRIx64 "\n", g_case_id, v);
    return (void *)(uintptr_t)v;
}

/* A pointer to real memory that this library never handed out (a pointer-based handle
 * scheme would read it). */
static unsigned char g_fake_object[256];
static void *forged_memory(void) {
    memset(g_fake_object, 0xff, sizeof g_fake_object);
    return g_fake_object + 16;
}

/* A live handle's value with one high bit flipped. */
static void *flip_bit(void *live, int bit) { return (void *)((uintptr_t)live ^ ((uintptr_t)1 << bit)); }

static void check_alive(int ok, const char *what) {
    if (!ok) CFAIL("%s is no longer live after the call", what);
}

static void check_dead(int alive, const char *what) {
    if (alive) CFAIL("%s is still live after the call that should end or free it", what);
}

/* ------------------------------------------------------------------ out-parameters and stats */

#define OUT_SENTINEL ((void *)(uintptr_t)0x5a5a5a5a5a5a5a5aULL)

static void check_out_untouched(void *out, const char *name) {
    if (out != OUT_SENTINEL) CFAIL("out-parameter `%s` was written by a failing call (%p)", name, out);
}

static void check_out_written(void *out, const char *name) {
    if (out == OUT_SENTINEL || out == NULL) CFAIL("out-parameter `%s` was not written by a successful call", name);
}

static int bool_untouched(const bool *b) {
    unsigned char c;
    memcpy(&c, b, 1);
    return c == 0x77;
}

static void stats_of_shared(otlp_stats_t *st) { SETUP_OK(otlp_tracer_provider_get_stats(g_provider, st)); }

/* A failing call must not have started or ended a span. */
static void check_stats_unchanged(const otlp_stats_t *before) {
    otlp_stats_t after;
    stats_of_shared(&after);
    if (after.spans_started != before->spans_started || after.spans_ended != before->spans_ended)
        CFAIL("a failing call changed the provider's counters: started %" PRIu64 " -> %" PRIu64
              ", ended %" PRIu64 " -> %" PRIu64,
              before->spans_started, after.spans_started, before->spans_ended, after.spans_ended);
}

/* ------------------------------------------------------------------ caller buffers */

#define CANARY 64
#define CANARY_BYTE 0xa5

static char *canary_buffer(size_t len) {
    char *b = malloc(len + CANARY);
    if (!b) exit(3);
    memset(b, CANARY_BYTE, len + CANARY);
    return b;
}

/* Nothing past `len`; with `untouched_too`, nothing at all. */
static void check_canary(const char *b, size_t len, int untouched_too) {
    size_t from = untouched_too ? 0 : len;
    for (size_t i = from; i < len + CANARY; i++) {
        if ((unsigned char)b[i] != CANARY_BYTE) {
            CFAIL("byte %zu of a %zu-byte buffer was written%s", i, len,
                  i >= len ? " (past the given length)" : " (by a failing call)");
            return;
        }
    }
}

/* The message of a too-small buffer states the size needed. */
static void check_size_stated(size_t needed) {
    char n[32];
    snprintf(n, sizeof n, "%zu", needed);
    if (!names(otlp_get_last_error(), n))
        CFAIL("message does not state the %zu bytes needed: \"%.300s\"", needed, otlp_get_last_error());
}

/* ------------------------------------------------------------------ documented results */

/* A baggage's header is `want` (an extract of NULL, "" or only invalid members is empty). */
static void check_baggage_header(otlp_baggage_t *b, const char *want) {
    char buf[256];
    if (otlp_baggage_inject(b, buf, sizeof buf) != OTLP_OK) CFAIL("inject after extract failed");
    else if (strcmp(buf, want)) CFAIL("the extracted baggage is \"%.100s\", expected \"%s\"", buf, want);
}

/* otlp_baggage_get: `want` found, or (NULL) absent: found false and "" written. */
static void check_baggage_value(const char *buf, bool found, const char *want) {
    if (want && (!found || strcmp(buf, want))) CFAIL("found=%d \"%.40s\", expected \"%s\"", found, buf, want);
    if (!want && (found || buf[0])) CFAIL("an absent key gave found=%d \"%.40s\", expected false and \"\"", found, buf);
}

/* The tracestate a span started under the context carries (an invalid one is dropped). */
static void check_tracestate_carried(otlp_context_t *c, const char *want) {
    otlp_span_t *s = NULL;
    char buf[1024];
    if (otlp_span_start(g_tracer, "ts-probe", OTLP_SPAN_KIND_SERVER, c, &s) != OTLP_OK) {
        CFAIL("a span under the extracted context did not start");
        return;
    }
    if (otlp_context_inject_tracestate(s, buf, sizeof buf) != OTLP_OK) CFAIL("inject_tracestate failed");
    else if (strcmp(buf, want)) CFAIL("tracestate \"%.100s\", expected \"%s\"", buf, want);
    otlp_span_end(s);
}

/* ------------------------------------------------------------------ attributes */

static const int64_t INTS[] = {1, -2, 3};
static const char *const STRS[] = {"a", "b"};
static const char *BAD_STRS[] = {"ok", BAD_UTF8_TAIL};

static void good_attributes(otlp_attribute_t a[2]) {
    memset(a, 0, 2 * sizeof *a);
    a[0].key = "sweep.str";
    a[0].type = OTLP_ATTRIBUTE_STRING;
    a[0].value.string_value = "v";
    a[1].key = "sweep.ints";
    a[1].type = OTLP_ATTRIBUTE_INT_ARRAY;
    a[1].value.array_value.items = INTS;
    a[1].value.array_value.len = 3;
}

/* Applies one attribute-entry fault to a[0] or a[1]; returns the field the message must name
 * (relative to the array, e.g. "[0].key") through `field`. */
static int attr_fault(otlp_attribute_t a[2], const char *fault, const char **field, int *expected) {
    good_attributes(a);
    *expected = OTLP_ERROR_INVALID_ARGUMENT;
    if (!strcmp(fault, "key_null")) { a[0].key = NULL; *field = "[0].key"; *expected = OTLP_ERROR_NULL_POINTER; }
    else if (!strcmp(fault, "key_not_utf8")) { a[0].key = BAD_UTF8_SURROGATE; *field = "[0].key"; }
    else if (!strcmp(fault, "key_empty")) { a[0].key = ""; *field = "[0].key"; }
    else if (!strcmp(fault, "string_null")) { a[0].value.string_value = NULL; *field = "[0].value.string_value"; *expected = OTLP_ERROR_NULL_POINTER; }
    else if (!strcmp(fault, "string_not_utf8")) { a[0].value.string_value = BAD_UTF8_TRUNCATED; *field = "[0].value.string_value"; }
    else if (!strcmp(fault, "type_zero")) { a[1].type = (otlp_attribute_type_t)0; *field = "[1].type"; }
    else if (!strcmp(fault, "type_nine")) { a[1].type = (otlp_attribute_type_t)9; *field = "[1].type"; }
    else if (!strcmp(fault, "items_null")) { a[1].value.array_value.items = NULL; *field = "[1].value.array_value.items"; *expected = OTLP_ERROR_NULL_POINTER; }
    else if (!strcmp(fault, "item_not_utf8")) {
        a[1].type = OTLP_ATTRIBUTE_STRING_ARRAY;
        a[1].value.array_value.items = BAD_STRS;
        a[1].value.array_value.len = 2;
        *field = "[1].value.array_value.items[1]";
    } else if (!strcmp(fault, "item_null")) {
        static const char *with_null[] = {"ok", NULL};
        a[1].type = OTLP_ATTRIBUTE_STRING_ARRAY;
        a[1].value.array_value.items = with_null;
        a[1].value.array_value.len = 2;
        *field = "[1].value.array_value.items[1]";
        *expected = OTLP_ERROR_NULL_POINTER;
    } else if (!strcmp(fault, "empty_array")) { a[1].value.array_value.items = NULL; a[1].value.array_value.len = 0; *expected = OTLP_OK; *field = ""; }
    else if (!strcmp(fault, "big_string")) { a[0].value.string_value = big_string(); *expected = OTLP_OK; *field = ""; }
    else return 0;
    (void)STRS;
    return 1;
}

/* ------------------------------------------------------------------ value functions */

static void *empty_error_thread(void *arg) {
    const char **out = arg;
    *out = otlp_get_last_error();
    return NULL;
}

static void sweep_value_functions(int id_base, int first) {
    /* otlp_get_last_error: never NULL, "" on a thread that has had no failure, per thread. */
    if (id_base >= first) {
        case_begin(id_base, "otlp_get_last_error", "-", "fresh_thread");
        pthread_t t;
        const char *seen = NULL;
        prime_last_error();
        if (pthread_create(&t, NULL, empty_error_thread, &seen) != 0) exit(3);
        pthread_join(t, NULL);
        if (!seen) CFAIL("NULL on a thread without failures");
        else if (*seen) CFAIL("\"%s\" on a thread without failures", seen);
        if (strcmp(otlp_get_last_error(), g_primed) != 0) CFAIL("another thread's call changed this thread's message");
        if (!g_case_failed) printf("PASS %d\n", id_base);
        else g_failures++;
    }
    /* otlp_version: static "major.minor.patch", the same pointer every time. */
    if (id_base + 1 >= first) {
        case_begin(id_base + 1, "otlp_version", "-", "value");
        const char *v = otlp_version();
        unsigned a, b, c;
        char end;
        if (!v) CFAIL("NULL");
        else if (sscanf(v, "%u.%u.%u%c", &a, &b, &c, &end) != 3) CFAIL("\"%s\" is not major.minor.patch", v);
        else if (v != otlp_version()) CFAIL("not a static string (a new pointer per call)");
        const char *want = getenv("SWEEP_EXPECT_VERSION");
        if (v && want && strcmp(v, want) != 0) CFAIL("\"%s\", the crate says \"%s\"", v, want);
        if (!g_case_failed) printf("PASS %d\n", id_base + 1);
        else g_failures++;
    }
    /* otlp_now_unix_nano: the system's real-time clock, in nanoseconds since the epoch. */
    if (id_base + 2 >= first) {
        case_begin(id_base + 2, "otlp_now_unix_nano", "-", "value");
        struct timespec a, b;
        clock_gettime(CLOCK_REALTIME, &a);
        uint64_t n = otlp_now_unix_nano();
        clock_gettime(CLOCK_REALTIME, &b);
        uint64_t lo = (uint64_t)a.tv_sec * 1000000000u + (uint64_t)a.tv_nsec;
        uint64_t hi = (uint64_t)b.tv_sec * 1000000000u + (uint64_t)b.tv_nsec;
        if (n < lo || n > hi) CFAIL("%llu outside the CLOCK_REALTIME readings around it [%llu, %llu]",
                                    (unsigned long long)n, (unsigned long long)lo, (unsigned long long)hi);
        if (!g_case_failed) printf("PASS %d\n", id_base + 2);
        else g_failures++;
    }
}

#endif /* SWEEP_RT_H */
