/*
 * Faults seen from a C host (tests/test_faults.py runs each mode):
 *
 *   test_faults rss ENDPOINT SPANS
 *       SPANS spans with attributes while nobody listens at ENDPOINT; VmRSS from
 *       /proc/self/status is sampled every SPANS/20 spans. Prints
 *       "rss first_kib=.. max_kib=.. last_kib=.. worst_call_us=.. ended=.. dropped=.." and
 *       fails when RSS grows by more than 16 MiB after the first sample or a span call takes
 *       more than 80 ms (no call may wait for the network).
 *
 *   test_faults freed ENDPOINT
 *       A provider freed while 4 threads keep using its tracer and spans: every call after the
 *       free answers OTLP_ERROR_INVALID_HANDLE (run under valgrind by the test: no error, no
 *       leak).
 */
#define _GNU_SOURCE
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "otlp_ffi.h"

static uint64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

static void check(otlp_error_t code, const char *what) {
    if (code != OTLP_OK) {
        fprintf(stderr, "%s: %d %s\n", what, code, otlp_get_last_error());
        exit(1);
    }
}

static void one_span(otlp_tracer_t *tracer, long i) {
    otlp_span_t *span = NULL;
    check(otlp_span_create(tracer, "GET /orders/{id}", &span), "otlp_span_create");
    check(otlp_span_set_attribute_string(span, "http.request.method", "GET"), "set string");
    check(otlp_span_set_attribute_int(span, "order.id", i), "set int");
    check(otlp_span_set_attribute_bool(span, "cache.hit", i % 2 == 0), "set bool");
    check(otlp_span_set_attribute_double(span, "ratio", 0.25), "set double");
    otlp_span_end(span);
}

static int mode_rss(const char *endpoint, long spans) {
    otlp_tracer_provider_t *provider = NULL;
    otlp_tracer_t *tracer = NULL;
    check(otlp_init(endpoint, "faults-rss", &provider), "otlp_init");
    check(otlp_get_tracer(provider, &tracer), "otlp_get_tracer");
    long step = spans / 20 > 0 ? spans / 20 : 1;
    long first = -1, max = 0, last = 0;
    uint64_t worst = 0;
    for (long i = 0; i < spans; i++) {
        uint64_t t0 = now_us();
        one_span(tracer, i);
        uint64_t took = now_us() - t0;
        if (took > worst) worst = took;
        if ((i + 1) % step == 0) {
            last = rss_kib();
            if (first < 0) first = last;
            if (last > max) max = last;
        }
    }
    otlp_stats_t stats;
    check(otlp_tracer_provider_get_stats(provider, &stats), "get_stats");
    printf("rss first_kib=%ld max_kib=%ld last_kib=%ld worst_call_us=%llu ended=%llu dropped=%llu failures=%llu\n",
           first, max, last, (unsigned long long)worst, (unsigned long long)stats.spans_ended,
           (unsigned long long)stats.spans_dropped, (unsigned long long)stats.export_failures);
    otlp_error_t code = otlp_tracer_provider_shutdown(provider, 500);
    assert(code == OTLP_ERROR_TIMEOUT || code == OTLP_ERROR_EXPORT_FAILED);
    /* Exports still in flight at the shutdown settle within the export timeout (10 s). */
    for (int i = 0; i < 200; i++) {
        check(otlp_tracer_provider_get_stats(provider, &stats), "get_stats");
        if (stats.spans_ended == stats.spans_exported + stats.spans_dropped) break;
        usleep(50 * 1000);
    }
    printf("after_shutdown ended=%llu exported=%llu dropped=%llu\n", (unsigned long long)stats.spans_ended,
           (unsigned long long)stats.spans_exported, (unsigned long long)stats.spans_dropped);
    otlp_tracer_provider_free(provider);
    if (max - first > 16 * 1024) {
        fprintf(stderr, "RSS grew by %ld KiB while the collector was down\n", max - first);
        return 1;
    }
    if (worst > 80000) {
        fprintf(stderr, "a span call took %llu us while the collector was down\n", (unsigned long long)worst);
        return 1;
    }
    return 0;
}

/* ---- provider freed under threads ------------------------------------------------------- */

static otlp_tracer_t *shared_tracer;
static atomic_int freed;

static void *user(void *arg) {
    (void)arg;
    for (;;) {
        int was_freed = atomic_load(&freed);
        otlp_span_t *span = NULL;
        otlp_error_t code = otlp_span_create(shared_tracer, "w", &span);
        if (code == OTLP_ERROR_INVALID_HANDLE) break;
        assert(code == OTLP_OK && !was_freed);
        for (int i = 0; i < 10; i++) {
            code = otlp_span_set_attribute_int(span, "k", i);
            assert(code == OTLP_OK || code == OTLP_ERROR_INVALID_HANDLE);
        }
        otlp_span_end(span);
    }
    otlp_span_t *stale = NULL;
    assert(otlp_span_create(shared_tracer, "after", &stale) == OTLP_ERROR_INVALID_HANDLE);
    assert(stale == NULL);
    return NULL;
}

static int mode_freed(const char *endpoint) {
    otlp_tracer_provider_t *provider = NULL;
    check(otlp_init(endpoint, "faults-freed", &provider), "otlp_init");
    check(otlp_get_tracer(provider, &shared_tracer), "otlp_get_tracer");
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, user, NULL);
    usleep(200 * 1000);
    otlp_tracer_provider_free(provider);
    atomic_store(&freed, 1);
    for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
    otlp_stats_t stats;
    assert(otlp_tracer_provider_get_stats(provider, &stats) == OTLP_ERROR_INVALID_HANDLE);
    printf("freed ok\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "rss") == 0) return mode_rss(argv[2], atol(argv[3]));
    if (argc >= 3 && strcmp(argv[1], "freed") == 0) return mode_freed(argv[2]);
    fprintf(stderr, "usage: %s rss ENDPOINT SPANS | freed ENDPOINT\n", argv[0]);
    return 2;
}
