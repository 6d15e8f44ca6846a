/* force_flush / shutdown with 0 ms, "do not wait" (driven by tests/test_zero_timeout.py, whose
 * receiver answers after a delay): OTLP_OK with nothing pending, OTLP_ERROR_TIMEOUT at once
 * with work pending; shutdown stops recording either way.
 *
 *   test_zero_timeout ENDPOINT
 */
#define _POSIX_C_SOURCE 200809L
#include <otlp_ffi.h>

#include <stdio.h>
#include <time.h>

#include "check.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static otlp_tracer_provider_t *provider(const char *endpoint) {
    otlp_tracer_provider_t *p = NULL;
    if (otlp_init(endpoint, "zero-timeout", &p) != OTLP_OK)
        return NULL;
    return p;
}

static int span(otlp_tracer_provider_t *p, const char *name, bool want_recording) {
    otlp_tracer_t *t = NULL;
    otlp_span_t *s = NULL;
    CHECK(otlp_get_tracer(p, &t) == OTLP_OK && otlp_span_create(t, name, &s) == OTLP_OK, "span");
    bool rec = !want_recording;
    CHECK(otlp_span_is_recording(s, &rec) == OTLP_OK && rec == want_recording, "recording %d", rec);
    otlp_span_end(s);
    return 0;
}

int main(int argc, char **argv) {
    CHECK(argc == 2, "usage: test_zero_timeout ENDPOINT");
    const char *endpoint = argv[1];

    /* Nothing recorded: OK, for flush and for shutdown. */
    otlp_tracer_provider_t *p = provider(endpoint);
    CHECK(p != NULL, "init");
    CHECK(otlp_tracer_provider_force_flush(p, 0) == OTLP_OK, "flush(0) with nothing queued");
    CHECK(otlp_tracer_provider_shutdown(p, 0) == OTLP_OK, "shutdown(0) with nothing queued");
    if (span(p, "after-shutdown", false))
        return 3;
    otlp_tracer_provider_free(p);

    /* A span queued (long schedule delay): flush(0) times out at once and starts the export;
     * once it is delivered, flush(0) is OK again. */
    p = provider(endpoint);
    CHECK(p != NULL, "init");
    if (span(p, "queued", true))
        return 3;
    double t0 = now_ms();
    CHECK(otlp_tracer_provider_force_flush(p, 0) == OTLP_ERROR_TIMEOUT, "flush(0) with a span queued");
    CHECK(now_ms() - t0 < 100, "flush(0) waited %.0f ms", now_ms() - t0);
    CHECK(otlp_tracer_provider_force_flush(p, 20000) == OTLP_OK, "flush");
    CHECK(otlp_tracer_provider_force_flush(p, 0) == OTLP_OK, "flush(0) once everything is exported");
    otlp_stats_t st;
    CHECK(otlp_tracer_provider_get_stats(p, &st) == OTLP_OK && st.spans_exported == 1, "exported");

    /* Work pending at shutdown(0): TIMEOUT at once, recording stops, the span is counted. */
    if (span(p, "pending-at-shutdown", true))
        return 3;
    t0 = now_ms();
    CHECK(otlp_tracer_provider_shutdown(p, 0) == OTLP_ERROR_TIMEOUT, "shutdown(0) with a span queued");
    CHECK(now_ms() - t0 < 100, "shutdown(0) waited %.0f ms", now_ms() - t0);
    if (span(p, "after-shutdown", false))
        return 3;
    CHECK(otlp_tracer_provider_shutdown(p, 0) == OTLP_OK, "second shutdown");
    /* The span left pending by shutdown(0) is still being exported: it is counted (exported
     * or dropped) when that export ends, which can come after shutdown returned. */
    t0 = now_ms();
    do {
        CHECK(otlp_tracer_provider_get_stats(p, &st) == OTLP_OK, "stats");
        if (st.spans_exported + st.spans_dropped == 2)
            break;
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    } while (now_ms() - t0 < 15000);
    CHECK(st.spans_ended == 2 && st.spans_exported + st.spans_dropped == 2, "ended %llu exported %llu dropped %llu",
          (unsigned long long)st.spans_ended, (unsigned long long)st.spans_exported,
          (unsigned long long)st.spans_dropped);
    otlp_tracer_provider_free(p);
    return 0;
}
