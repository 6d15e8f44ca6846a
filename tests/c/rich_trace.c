/*
 * rich_trace.c - sends the rich trace of tests/test_collector.py (every attribute type,
 * arrays, events and links with attributes and explicit times, OK / ERROR statuses,
 * record_error / record_exception, two instrumentation scopes, non-ASCII text, explicit start
 * and end times, all five span kinds, a remote parent with tracestate) through the C API.
 *
 * Exporter settings (endpoint, protocol, compression, service name, resource attributes) come
 * from the OTEL_* environment; the program adds one resource attribute through the config API
 * (rich.config). It prints, for the test to cross-check against what the Collector wrote:
 *
 *   SPAN <label> <trace-id> <span-id>
 *   STATS started=N ended=N exported=N dropped=N failures=N
 *   OK
 *
 * and exits 1 with "FAIL file:line: ..." on the first call that does not return OTLP_OK.
 */
#define _POSIX_C_SOURCE 200809L

#include "otlp_ffi.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(call)                                                                        \
    do {                                                                                   \
        otlp_error_t rc_ = (call);                                                         \
        if (rc_ != OTLP_OK) {                                                              \
            fprintf(stderr, "FAIL %s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #call, \
                    (int)rc_, otlp_get_last_error());                                      \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The values below are the test's expectations (tests/test_collector.py, RICH). */
static const char TEXT[] = "Gr\xc3\xbc\xc3\x9f" "e, \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x9a\x80";
static const uint64_t T0 = UINT64_C(1700000000123456789);
static const char TRACEPARENT[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
static const char TRACESTATE[] = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";

static otlp_attribute_t attr_str(const char *key, const char *v) {
    otlp_attribute_t a = {.key = key, .type = OTLP_ATTRIBUTE_STRING};
    a.value.string_value = v;
    return a;
}
static otlp_attribute_t attr_bool(const char *key, bool v) {
    otlp_attribute_t a = {.key = key, .type = OTLP_ATTRIBUTE_BOOL};
    a.value.bool_value = v;
    return a;
}
static otlp_attribute_t attr_int(const char *key, int64_t v) {
    otlp_attribute_t a = {.key = key, .type = OTLP_ATTRIBUTE_INT};
    a.value.int_value = v;
    return a;
}
static otlp_attribute_t attr_double(const char *key, double v) {
    otlp_attribute_t a = {.key = key, .type = OTLP_ATTRIBUTE_DOUBLE};
    a.value.double_value = v;
    return a;
}
static otlp_attribute_t attr_array(const char *key, otlp_attribute_type_t type, const void *items,
                                   size_t len) {
    otlp_attribute_t a = {.key = key, .type = type};
    a.value.array_value.items = items;
    a.value.array_value.len = len;
    return a;
}

static void print_span(const char *label, const otlp_span_t *span) {
    char trace_id[33], span_id[17];
    CHECK(otlp_span_get_trace_id(span, trace_id, sizeof trace_id));
    CHECK(otlp_span_get_span_id(span, span_id, sizeof span_id));
    printf("SPAN %s %s %s\n", label, trace_id, span_id);
}

int main(void) {
    otlp_config_t *config = NULL;
    CHECK(otlp_config_new(&config));
    CHECK(otlp_config_add_resource_attribute(config, "rich.config", TEXT));
    otlp_tracer_provider_t *provider = NULL;
    CHECK(otlp_init_with_config(config, &provider));
    otlp_config_free(config);

    otlp_tracer_t *alpha = NULL, *beta = NULL;
    CHECK(otlp_get_tracer_with_scope(provider, "rich.scope.alpha", "1.2.3",
                                     "https://opentelemetry.io/schemas/1.26.0", &alpha));
    CHECK(otlp_get_tracer_with_scope(provider, "rich.scope.beta \xe2\x9c\x93", "2.0.0-\xce\xb2",
                                     "https://example.com/schemas/beta", &beta));

    otlp_context_t *remote = NULL;
    CHECK(otlp_context_extract_with_state(TRACEPARENT, TRACESTATE, &remote));

    /* server: a remote parent, scalar attributes at start, the rest (scalars one by one and
     * the four array types in one call) while it runs, two events with attributes and
     * explicit times, status OK. */
    otlp_attribute_t start_attrs[] = {
        attr_str("rich.string", TEXT),
        attr_bool("rich.bool", true),
        attr_int("rich.int", -42),
        attr_double("rich.double", 3.14159),
    };
    otlp_span_options_t server_opts = {
        .struct_size = sizeof(otlp_span_options_t),
        .kind = OTLP_SPAN_KIND_SERVER,
        .parent = remote,
        .attributes = start_attrs,
        .attribute_count = COUNT(start_attrs),
        .start_time_unix_nano = T0,
    };
    otlp_span_t *server = NULL;
    CHECK(otlp_span_start_with_options(alpha, "GET /gr\xc3\xbc\xc3\x9f" "e/\xf0\x9f\x9a\x80",
                                       &server_opts, &server));
    CHECK(otlp_span_set_attribute_bool(server, "rich.bool.false", false));
    CHECK(otlp_span_set_attribute_int(server, "rich.int.big", INT64_C(9007199254740993)));
    CHECK(otlp_span_set_attribute_double(server, "rich.double.small", 2.5e-8));
    CHECK(otlp_span_set_attribute_string(server, "rich.string.ascii", "plain"));
    static const char *const strings[] = {"a", TEXT, "z"};
    static const bool bools[] = {true, false, true};
    static const int64_t ints[] = {1, -2, INT64_MAX};
    static const double doubles[] = {0.5, -1.25, 1e10};
    otlp_attribute_t arrays[] = {
        attr_array("rich.string_array", OTLP_ATTRIBUTE_STRING_ARRAY, strings, COUNT(strings)),
        attr_array("rich.bool_array", OTLP_ATTRIBUTE_BOOL_ARRAY, bools, COUNT(bools)),
        attr_array("rich.int_array", OTLP_ATTRIBUTE_INT_ARRAY, ints, COUNT(ints)),
        attr_array("rich.double_array", OTLP_ATTRIBUTE_DOUBLE_ARRAY, doubles, COUNT(doubles)),
    };
    CHECK(otlp_span_set_attributes(server, arrays, COUNT(arrays)));
    otlp_attribute_t miss_attrs[] = {attr_str("cache.key", TEXT), attr_int("cache.size", 7)};
    CHECK(otlp_span_add_event_with_attributes(server, "cache.miss", T0 + 1000, miss_attrs,
                                              COUNT(miss_attrs)));
    static const double delays[] = {0.5, 1.5};
    otlp_attribute_t retry_attrs[] = {
        attr_array("retry.delays", OTLP_ATTRIBUTE_DOUBLE_ARRAY, delays, COUNT(delays)),
        attr_bool("retry.final", true),
    };
    CHECK(otlp_span_add_event_with_attributes(server, "retry \xf0\x9f\x9a\x80", T0 + 2000,
                                              retry_attrs, COUNT(retry_attrs)));
    CHECK(otlp_span_set_status(server, OTLP_STATUS_OK, ""));
    print_span("server", server);
    otlp_context_t *server_ctx = NULL;
    CHECK(otlp_span_get_context(server, &server_ctx));

    /* client: second scope, a local parent, a link to the remote context with attributes,
     * status ERROR with a description. */
    otlp_attribute_t caller_link_attrs[] = {attr_str("link.kind", "caller"),
                                            attr_int("link.index", 0)};
    otlp_link_t client_links[] = {
        {.context = remote, .attributes = caller_link_attrs,
         .attribute_count = COUNT(caller_link_attrs)},
    };
    otlp_attribute_t client_attrs[] = {attr_str("db.system", "postgresql")};
    otlp_span_options_t client_opts = {
        .struct_size = sizeof(otlp_span_options_t),
        .kind = OTLP_SPAN_KIND_CLIENT,
        .parent = server_ctx,
        .attributes = client_attrs,
        .attribute_count = COUNT(client_attrs),
        .links = client_links,
        .link_count = COUNT(client_links),
        .start_time_unix_nano = T0 + 100000,
    };
    otlp_span_t *client = NULL;
    CHECK(otlp_span_start_with_options(beta, "SELECT gr\xc3\xbc\xc3\x9f" "e", &client_opts,
                                       &client));
    CHECK(otlp_span_set_status(client, OTLP_STATUS_ERROR, "query failed: Gr\xc3\xbc\xc3\x9f" "e"));
    print_span("client", client);
    otlp_context_t *client_ctx = NULL;
    CHECK(otlp_span_get_context(client, &client_ctx));
    CHECK(otlp_span_end_with_timestamp(client, T0 + 900000));

    /* producer: record_exception (type, message, stack trace). */
    otlp_span_options_t producer_opts = {
        .struct_size = sizeof(otlp_span_options_t),
        .kind = OTLP_SPAN_KIND_PRODUCER,
        .parent = server_ctx,
        .start_time_unix_nano = T0 + 1000000,
    };
    otlp_span_t *producer = NULL;
    CHECK(otlp_span_start_with_options(alpha, "publish", &producer_opts, &producer));
    CHECK(otlp_span_record_exception(producer, "ValueError", "bad value: \xe4\xb8\x96\xe7\x95\x8c",
                                     "Traceback:\n  at publish()"));
    print_span("producer", producer);
    otlp_context_t *producer_ctx = NULL;
    CHECK(otlp_span_get_context(producer, &producer_ctx));
    CHECK(otlp_span_end_with_timestamp(producer, T0 + 1500000));

    /* consumer: two links to local spans (one with attributes), record_error. */
    otlp_attribute_t note_attrs[] = {attr_str("link.note", TEXT)};
    otlp_link_t consumer_links[] = {
        {.context = client_ctx, .attributes = note_attrs, .attribute_count = COUNT(note_attrs)},
        {.context = producer_ctx, .attributes = NULL, .attribute_count = 0},
    };
    otlp_span_options_t consumer_opts = {
        .struct_size = sizeof(otlp_span_options_t),
        .kind = OTLP_SPAN_KIND_CONSUMER,
        .parent = server_ctx,
        .links = consumer_links,
        .link_count = COUNT(consumer_links),
        .start_time_unix_nano = T0 + 2000000,
    };
    otlp_span_t *consumer = NULL;
    CHECK(otlp_span_start_with_options(beta, "consume", &consumer_opts, &consumer));
    CHECK(otlp_span_record_error(consumer, "timeout \xe2\x8f\xb1"));
    print_span("consumer", consumer);
    CHECK(otlp_span_end_with_timestamp(consumer, T0 + 3000000));

    CHECK(otlp_span_end_with_timestamp(server, T0 + 5000000));

    /* job: a root span of kind INTERNAL (a new trace), an event without attributes, status
     * left UNSET. */
    otlp_span_options_t job_opts = {
        .struct_size = sizeof(otlp_span_options_t),
        .kind = OTLP_SPAN_KIND_INTERNAL,
        .start_time_unix_nano = T0 + 10000000,
    };
    otlp_span_t *job = NULL;
    CHECK(otlp_span_start_with_options(alpha, "background job", &job_opts, &job));
    CHECK(otlp_span_add_event_with_attributes(job, "tick", T0 + 15000000, NULL, 0));
    print_span("job", job);
    CHECK(otlp_span_end_with_timestamp(job, T0 + 20000000));

    otlp_context_free(remote);
    otlp_context_free(server_ctx);
    otlp_context_free(client_ctx);
    otlp_context_free(producer_ctx);

    CHECK(otlp_tracer_provider_force_flush(provider, 10000));
    otlp_stats_t stats = {0};
    CHECK(otlp_tracer_provider_get_stats(provider, &stats));
    printf("STATS started=%" PRIu64 " ended=%" PRIu64 " exported=%" PRIu64 " dropped=%" PRIu64
           " failures=%" PRIu64 "\n",
           stats.spans_started, stats.spans_ended, stats.spans_exported, stats.spans_dropped,
           stats.export_failures);
    CHECK(otlp_tracer_provider_shutdown(provider, 10000));
    otlp_tracer_provider_free(provider);
    printf("OK\n");
    return 0;
}
