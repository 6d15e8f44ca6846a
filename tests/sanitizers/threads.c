/* The span path under concurrency, for ThreadSanitizer (tests/sanitizers/tsan.sh).
 *
 * Several threads start and end spans on one shared tracer, set attributes on one shared span
 * at the same time, read its context and inject it, while another thread force_flushes in a
 * loop; the main thread joins the span threads, ends the shared span and frees the provider
 * while the flusher is still running (the flusher then sees INVALID_HANDLE, never a crash).
 * Exits 0 and prints "OK threads" when every call returned what the contract says. */
#include <otlp_ffi.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 6
#define SPANS_PER_THREAD 300

#define CHECK(call, want)                                                                   \
    do {                                                                                    \
        otlp_error_t rc_ = (call);                                                          \
        if (rc_ != (want)) {                                                                \
            fprintf(stderr, "%s:%d: %s returned %d, expected %d: %s\n", __FILE__, __LINE__, \
                    #call, (int)rc_, (int)(want), otlp_get_last_error());                   \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

static otlp_tracer_provider_t *provider;
static otlp_tracer_t *tracer;
static otlp_span_t *shared_span;
static atomic_int stop_flusher;
static atomic_int flushes_after_free;

static void *span_worker(void *arg) {
    long id = (long)arg;
    char key[32];
    for (int i = 0; i < SPANS_PER_THREAD; i++) {
        otlp_context_t *parent = NULL;
        CHECK(otlp_span_get_context(shared_span, &parent), OTLP_OK);
        otlp_span_t *span = NULL;
        CHECK(otlp_span_start(tracer, "worker", OTLP_SPAN_KIND_INTERNAL, (i % 2) ? parent : NULL, &span), OTLP_OK);
        CHECK(otlp_span_set_attribute_int(span, "i", i), OTLP_OK);
        CHECK(otlp_span_set_attribute_string(span, "thread", "worker"), OTLP_OK);
        snprintf(key, sizeof key, "t%ld.k%d", id, i % 8);
        CHECK(otlp_span_set_attribute_int(shared_span, key, i), OTLP_OK);
        CHECK(otlp_span_set_attribute_string(shared_span, "shared", key), OTLP_OK);
        if (i % 16 == 0) CHECK(otlp_span_add_event(shared_span, "tick"), OTLP_OK);
        char tp[128];
        CHECK(otlp_context_inject(span, tp, sizeof tp), OTLP_OK);
        otlp_context_t *extracted = NULL;
        CHECK(otlp_context_extract(tp, &extracted), OTLP_OK);
        otlp_context_free(extracted);
        otlp_context_free(parent);
        otlp_span_end(span);
    }
    return NULL;
}

static void *flusher(void *arg) {
    (void)arg;
    while (!atomic_load(&stop_flusher)) {
        otlp_error_t rc = otlp_tracer_provider_force_flush(provider, 2000);
        if (rc == OTLP_ERROR_INVALID_HANDLE) {
            atomic_fetch_add(&flushes_after_free, 1);
        } else if (rc != OTLP_OK) {
            fprintf(stderr, "force_flush returned %d: %s\n", (int)rc, otlp_get_last_error());
            exit(1);
        }
    }
    return NULL;
}

int main(void) {
    otlp_config_t *cfg = NULL;
    CHECK(otlp_config_new(&cfg), OTLP_OK);
    CHECK(otlp_config_set(cfg, "OTEL_TRACES_EXPORTER", "none"), OTLP_OK);
    CHECK(otlp_config_set(cfg, "OTEL_SERVICE_NAME", "tsan-threads"), OTLP_OK);
    CHECK(otlp_init_with_config(cfg, &provider), OTLP_OK);
    otlp_config_free(cfg);
    CHECK(otlp_get_tracer(provider, &tracer), OTLP_OK);
    CHECK(otlp_span_start(tracer, "shared", OTLP_SPAN_KIND_SERVER, NULL, &shared_span), OTLP_OK);

    pthread_t workers[THREADS], flush_thread;
    if (pthread_create(&flush_thread, NULL, flusher, NULL) != 0) return 2;
    for (long t = 0; t < THREADS; t++)
        if (pthread_create(&workers[t], NULL, span_worker, (void *)t) != 0) return 2;
    for (int t = 0; t < THREADS; t++) pthread_join(workers[t], NULL);

    otlp_span_end(shared_span);
    otlp_stats_t stats;
    CHECK(otlp_tracer_provider_get_stats(provider, &stats), OTLP_OK);
    unsigned long long want = THREADS * SPANS_PER_THREAD + 1;
    if (stats.spans_started != want || stats.spans_ended != want) {
        fprintf(stderr, "stats: started %llu ended %llu, expected %llu\n", (unsigned long long)stats.spans_started,
                (unsigned long long)stats.spans_ended, want);
        return 1;
    }
    /* Free while the flusher still runs: its later calls must see INVALID_HANDLE. */
    otlp_tracer_provider_free(provider);
    while (atomic_load(&flushes_after_free) == 0) {
    }
    atomic_store(&stop_flusher, 1);
    pthread_join(flush_thread, NULL);
    otlp_span_t *late = NULL;
    CHECK(otlp_span_start(tracer, "late", OTLP_SPAN_KIND_INTERNAL, NULL, &late), OTLP_ERROR_INVALID_HANDLE);
    printf("OK threads\n");
    return 0;
}
