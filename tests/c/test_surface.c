/*
 * test_surface.c - the tracing surface beyond the seed API, one scenario per argv[1]:
 *   options   span options (kind, typed scalar and array attributes, a link with attributes,
 *             explicit start/end times), a scoped tracer, events with attributes and time,
 *             record_exception, rename, is_recording, ids as hex
 *   limits    span limits from the environment (counts and value length)
 *   sampler   traceidratio 0.25 over 10000 root spans (OTEL_TRACES_SAMPLER from the env)
 *   baggage   W3C baggage extract / edit / inject
 *   resource  resource attributes from the config object, and process.pid
 *   emit      whole spans in one call (otlp_span_emit): remote parent, start attributes and
 *             later ones (a key set again), a link, explicit and default times, clamping
 * Prints "KEY value" lines for tests/test_c_surface.py, which checks what the receiver decoded,
 * and "OK <scenario>" at the end. Any failed call exits 1 with the library's message.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include "otlp_ffi.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(call)                                                                                    \
    do {                                                                                               \
        otlp_error_t rc_ = (call);                                                                     \
        if (rc_ != OTLP_OK) {                                                                          \
            fprintf(stderr, "%s:%d: %s -> %d: %s\n", __FILE__, __LINE__, #call, rc_, otlp_get_last_error()); \
            exit(1);                                                                                   \
        }                                                                                              \
    } while (0)

#define EXPECT(cond)                                                             \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: expectation failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

static otlp_attribute_t str_attr(const char *k, const char *v) {
    otlp_attribute_t a;
    memset(&a, 0, sizeof a);
    a.key = k;
    a.type = OTLP_ATTRIBUTE_STRING;
    a.value.string_value = v;
    return a;
}

static otlp_attribute_t int_attr(const char *k, int64_t v) {
    otlp_attribute_t a;
    memset(&a, 0, sizeof a);
    a.key = k;
    a.type = OTLP_ATTRIBUTE_INT;
    a.value.int_value = v;
    return a;
}

static otlp_attribute_t array_attr(const char *k, otlp_attribute_type_t t, const void *items, size_t len) {
    otlp_attribute_t a;
    memset(&a, 0, sizeof a);
    a.key = k;
    a.type = t;
    a.value.array_value.items = items;
    a.value.array_value.len = len;
    return a;
}

static void finish(otlp_tracer_provider_t *p) {
    CHECK(otlp_tracer_provider_force_flush(p, 10000));
    otlp_stats_t st;
    CHECK(otlp_tracer_provider_get_stats(p, &st));
    printf("STATS %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", st.spans_started, st.spans_ended,
           st.spans_exported, st.spans_dropped);
    otlp_tracer_provider_free(p);
}

static void scenario_options(void) {
    otlp_tracer_provider_t *p = NULL;
    otlp_tracer_t *t = NULL, *t2 = NULL;
    CHECK(otlp_init("", "surface-options", &p));
    CHECK(otlp_get_tracer_with_scope(p, "checkout-lib", "2.1.0", "https://opentelemetry.io/schemas/1.26.0", &t));
    CHECK(otlp_get_tracer_with_scope(p, "checkout-lib", "2.1.0", "https://opentelemetry.io/schemas/1.26.0", &t2));
    EXPECT(t == t2);

    otlp_context_t *linked = NULL;
    CHECK(otlp_context_extract_with_state("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "vendor=x",
                                          &linked));
    const char *tags[] = {"a", "b", "c"};
    const bool flags[] = {true, false};
    const int64_t sizes[] = {1, 2, 3, 5};
    const double ratios[] = {0.5, 1.25};
    otlp_attribute_t attrs[8];
    attrs[0] = str_attr("s", "text");
    attrs[1].key = "b";
    attrs[1].type = OTLP_ATTRIBUTE_BOOL;
    attrs[1].value.bool_value = true;
    attrs[2] = int_attr("i", -42);
    attrs[3].key = "d";
    attrs[3].type = OTLP_ATTRIBUTE_DOUBLE;
    attrs[3].value.double_value = 2.5;
    attrs[4] = array_attr("tags", OTLP_ATTRIBUTE_STRING_ARRAY, tags, 3);
    attrs[5] = array_attr("flags", OTLP_ATTRIBUTE_BOOL_ARRAY, flags, 2);
    attrs[6] = array_attr("sizes", OTLP_ATTRIBUTE_INT_ARRAY, sizes, 4);
    attrs[7] = array_attr("ratios", OTLP_ATTRIBUTE_DOUBLE_ARRAY, ratios, 2);
    otlp_attribute_t link_attrs[1] = {str_attr("link.kind", "follows")};
    otlp_link_t link = {linked, link_attrs, 1};

    otlp_span_options_t opts;
    memset(&opts, 0, sizeof opts);
    opts.struct_size = sizeof opts;
    opts.kind = OTLP_SPAN_KIND_PRODUCER;
    opts.attributes = attrs;
    opts.attribute_count = 8;
    opts.links = &link;
    opts.link_count = 1;
    opts.start_time_unix_nano = 1700000000000000000ULL;
    otlp_span_t *s = NULL;
    CHECK(otlp_span_start_with_options(t, "publish", &opts, &s));
    otlp_context_free(linked);

    otlp_attribute_t ev[2] = {int_attr("attempt", 3), str_attr("cache", "miss")};
    CHECK(otlp_span_add_event_with_attributes(s, "retrying", 1700000000500000000ULL, ev, 2));
    CHECK(otlp_span_record_exception(s, "ValueError", "bad input", "at handler.c:42"));
    CHECK(otlp_span_update_name(s, "publish orders"));
    bool recording = false;
    CHECK(otlp_span_is_recording(s, &recording));
    EXPECT(recording);
    char trace_id[33], span_id[17];
    CHECK(otlp_span_get_trace_id(s, trace_id, sizeof trace_id));
    CHECK(otlp_span_get_span_id(s, span_id, sizeof span_id));
    printf("IDS %s %s\n", trace_id, span_id);
    CHECK(otlp_span_end_with_timestamp(s, 1700000001000000000ULL));
    EXPECT(otlp_span_end_with_timestamp(s, 0) == OTLP_ERROR_INVALID_HANDLE);

    /* A root span from the options defaults (NULL options). */
    otlp_span_t *d = NULL;
    CHECK(otlp_span_start_with_options(t, "defaults", NULL, &d));
    otlp_span_end(d);
    finish(p);
}

static void scenario_limits(void) {
    otlp_tracer_provider_t *p = NULL;
    otlp_tracer_t *t = NULL;
    CHECK(otlp_init("", "surface-limits", &p));
    CHECK(otlp_get_tracer(p, &t));
    otlp_span_t *s = NULL;
    CHECK(otlp_span_create(t, "limited", &s));
    CHECK(otlp_span_set_attribute_string(s, "first", "abcdefgh"));
    CHECK(otlp_span_set_attribute_int(s, "second", 2));
    CHECK(otlp_span_set_attribute_int(s, "third", 3));
    CHECK(otlp_span_add_event(s, "e1"));
    CHECK(otlp_span_add_event(s, "e2"));
    otlp_span_end(s);

    otlp_context_t *c = NULL;
    CHECK(otlp_context_extract("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", &c));
    otlp_link_t links[2] = {{c, NULL, 0}, {c, NULL, 0}};
    otlp_span_options_t opts;
    memset(&opts, 0, sizeof opts);
    opts.struct_size = sizeof opts;
    opts.links = links;
    opts.link_count = 2;
    CHECK(otlp_span_start_with_options(t, "linked", &opts, &s));
    otlp_span_end(s);
    otlp_context_free(c);
    finish(p);
}

static void scenario_sampler(void) {
    otlp_tracer_provider_t *p = NULL;
    otlp_tracer_t *t = NULL;
    CHECK(otlp_init("", "surface-sampler", &p));
    CHECK(otlp_get_tracer(p, &t));
    int recorded = 0;
    for (int i = 0; i < 10000; i++) {
        otlp_span_t *s = NULL;
        CHECK(otlp_span_create(t, "sampled", &s));
        bool rec = false;
        CHECK(otlp_span_is_recording(s, &rec));
        char tp[56];
        CHECK(otlp_context_inject(s, tp, sizeof tp));
        EXPECT(rec == (strcmp(tp + 53, "01") == 0)); /* an unsampled span still propagates, flags 00 */
        recorded += rec;
        otlp_span_end(s);
    }
    printf("RECORDED %d\n", recorded);
    finish(p);
}

static void scenario_baggage(void) {
    otlp_baggage_t *b = NULL;
    CHECK(otlp_baggage_extract("userId=alice, serverNode=DF%2028;ttl=60, bad key=1", &b));
    char buf[256];
    bool found = false;
    CHECK(otlp_baggage_get(b, "serverNode", buf, sizeof buf, &found));
    EXPECT(found && strcmp(buf, "DF 28") == 0);
    CHECK(otlp_baggage_get(b, "bad key", buf, sizeof buf, &found));
    EXPECT(!found);
    CHECK(otlp_baggage_set(b, "cart", "3 items, 1 coupon"));
    CHECK(otlp_baggage_remove(b, "userId"));
    CHECK(otlp_baggage_inject(b, buf, sizeof buf));
    printf("BAGGAGE %s\n", buf);
    EXPECT(otlp_baggage_inject(b, buf, 4) == OTLP_ERROR_INVALID_ARGUMENT);
    otlp_baggage_free(b);
}

static void scenario_resource(void) {
    otlp_config_t *cfg = NULL;
    otlp_tracer_provider_t *p = NULL;
    otlp_tracer_t *t = NULL;
    CHECK(otlp_config_new(&cfg));
    CHECK(otlp_config_set(cfg, "OTEL_SERVICE_NAME", "surface-resource"));
    CHECK(otlp_config_set(cfg, "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=staging,team=a%20b"));
    CHECK(otlp_config_add_resource_attribute(cfg, "telemetry.sdk.language", "cpp"));
    CHECK(otlp_config_add_resource_attribute(cfg, "team", "payments"));
    CHECK(otlp_init_with_config(cfg, &p));
    otlp_config_free(cfg);
    CHECK(otlp_get_tracer(p, &t));
    otlp_span_t *s = NULL;
    CHECK(otlp_span_create(t, "with-resource", &s));
    otlp_span_end(s);
    printf("PID %ld\n", (long)getpid());
    finish(p);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void scenario_emit(void) {
    otlp_tracer_provider_t *p = NULL;
    otlp_tracer_t *t = NULL;
    CHECK(otlp_init("", "surface-emit", &p));
    CHECK(otlp_get_tracer(p, &t));
    otlp_context_t *remote = NULL, *other = NULL;
    CHECK(otlp_context_extract_with_state("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=y",
                                          &remote));
    CHECK(otlp_context_extract("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", &other));
    otlp_attribute_t start_attrs[2] = {str_attr("http.route", "/orders/{id}"), int_attr("attempt", 1)};
    const char *tags[] = {"x", "y"};
    otlp_attribute_t later[3];
    later[0] = int_attr("attempt", 2); /* replaces the start value */
    later[1].key = "ok";
    later[1].type = OTLP_ATTRIBUTE_BOOL;
    later[1].value.bool_value = true;
    later[2] = array_attr("tags", OTLP_ATTRIBUTE_STRING_ARRAY, tags, 2);
    otlp_link_t link = {other, NULL, 0};

    otlp_finished_span_t f;
    memset(&f, 0, sizeof f);
    f.struct_size = sizeof f;
    f.name = "GET /orders/{id}";
    f.kind = OTLP_SPAN_KIND_SERVER;
    f.parent = remote;
    f.start_attributes = start_attrs;
    f.start_attribute_count = 2;
    f.links = &link;
    f.link_count = 1;
    f.start_time_unix_nano = 1700000002000000000ULL;
    f.attributes = later;
    f.attribute_count = 3;
    f.end_time_unix_nano = 1700000003000000000ULL;
    CHECK(otlp_span_emit(t, &f));
    otlp_context_free(remote);
    otlp_context_free(other);

    /* An end before the start is clamped to the start. */
    otlp_finished_span_t c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    c.name = "clamped";
    c.start_time_unix_nano = 1700000005000000000ULL;
    c.end_time_unix_nano = 1700000004000000000ULL;
    CHECK(otlp_span_emit(t, &c));

    /* All defaults: a root INTERNAL span starting and ending now. */
    otlp_finished_span_t d;
    memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    d.name = "now";
    uint64_t before = now_ns();
    CHECK(otlp_span_emit(t, &d));
    printf("WINDOW %" PRIu64 " %" PRIu64 "\n", before, now_ns());

    /* Invalid input records nothing. */
    d.name = NULL;
    EXPECT(otlp_span_emit(t, &d) == OTLP_ERROR_NULL_POINTER);
    finish(p);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s options|limits|sampler|baggage|resource\n", argv[0]);
        return 2;
    }
    const char *s = argv[1];
    if (!strcmp(s, "options")) scenario_options();
    else if (!strcmp(s, "limits")) scenario_limits();
    else if (!strcmp(s, "sampler")) scenario_sampler();
    else if (!strcmp(s, "baggage")) scenario_baggage();
    else if (!strcmp(s, "resource")) scenario_resource();
    else if (!strcmp(s, "emit")) scenario_emit();
    else {
        fprintf(stderr, "unknown scenario %s\n", s);
        return 2;
    }
    printf("OK %s\n", s);
    return 0;
}
