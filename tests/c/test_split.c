/* Export requests split by encoded size (driven by tests/test_export_split.py).
 *
 *   test_split ENDPOINT
 *       With OTEL_BSP_MAX_EXPORT_BYTES=65536 set through otlp_config_set, one batch of 30 spans
 *       of 6 KiB (about 3x the limit) and one span of 100 KiB: the 30 arrive (in several
 *       requests, checked by the test), the big one is dropped and counted. A limit of 0 is
 *       refused with OTLP_ERROR_INVALID_ARGUMENT naming the key.
 */
#include <otlp_ffi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static int spans(otlp_tracer_t *t, const char *name, int n, size_t bytes) {
    char *value = malloc(bytes + 1);
    CHECK(value != NULL, "malloc");
    memset(value, 'x', bytes);
    value[bytes] = '\0';
    for (int i = 0; i < n; i++) {
        otlp_span_t *s = NULL;
        CHECK(otlp_span_create(t, name, &s) == OTLP_OK, "span");
        CHECK(otlp_span_set_attribute_string(s, "payload", value) == OTLP_OK, "attribute");
        otlp_span_end(s);
    }
    free(value);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s ENDPOINT\n", argv[0]);
        return 2;
    }
    otlp_config_t *cfg = NULL;
    CHECK(otlp_config_new(&cfg) == OTLP_OK, "config");
    CHECK(otlp_config_set(cfg, "OTEL_BSP_MAX_EXPORT_BYTES", "0") == OTLP_ERROR_INVALID_ARGUMENT, "0 refused");
    CHECK(strstr(otlp_get_last_error(), "OTEL_BSP_MAX_EXPORT_BYTES") != NULL, "message names the key");
    CHECK(otlp_config_set(cfg, "OTEL_BSP_MAX_EXPORT_BYTES", "65536") == OTLP_OK, "limit");
    CHECK(otlp_config_set(cfg, "OTEL_EXPORTER_OTLP_ENDPOINT", argv[1]) == OTLP_OK, "endpoint");
    CHECK(otlp_config_set(cfg, "OTEL_BSP_SCHEDULE_DELAY", "60000") == OTLP_OK, "delay");
    otlp_tracer_provider_t *p = NULL;
    CHECK(otlp_init_with_config(cfg, &p) == OTLP_OK, "init");
    otlp_config_free(cfg);
    otlp_tracer_t *t = NULL;
    CHECK(otlp_get_tracer(p, &t) == OTLP_OK, "tracer");
    if (spans(t, "small", 15, 6 * 1024) || spans(t, "too-big", 1, 100 * 1024) || spans(t, "small", 15, 6 * 1024))
        return 3;
    CHECK(otlp_tracer_provider_force_flush(p, 20000) == OTLP_OK, "flush");
    otlp_stats_t st;
    CHECK(otlp_tracer_provider_get_stats(p, &st) == OTLP_OK, "stats");
    CHECK(st.spans_ended == 31 && st.spans_exported == 30 && st.spans_dropped == 1 && st.export_failures == 0,
          "stats ended %llu exported %llu dropped %llu failures %llu", (unsigned long long)st.spans_ended,
          (unsigned long long)st.spans_exported, (unsigned long long)st.spans_dropped,
          (unsigned long long)st.export_failures);
    otlp_tracer_provider_free(p);
    return 0;
}
