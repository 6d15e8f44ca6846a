/*
 * quickstart.c - an HTTP-handler-shaped trace through the C API.
 *
 * An incoming request carries W3C traceparent/tracestate headers: we continue that trace
 * with a SERVER span, do a CLIENT call whose headers we inject, record attributes, an event
 * and an error status, then flush and free. Spans go to the collector at argv[1]
 * (default http://localhost:4318, the OTLP/HTTP base URL; /v1/traces is appended).
 *
 *   cc quickstart.c $(pkg-config --cflags --libs otlp_ffi) -o quickstart
 */
#include "otlp_ffi.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECK(call)                                                                   \
    do {                                                                              \
        otlp_error_t err_ = (call);                                                   \
        if (err_ != OTLP_OK) {                                                        \
            fprintf(stderr, "%s:%d: %s -> %d: %s\n", __FILE__, __LINE__, #call, err_, \
                    otlp_get_last_error());                                           \
            exit(1);                                                                  \
        }                                                                             \
    } while (0)

int main(int argc, char **argv) {
    const char *endpoint = argc > 1 ? argv[1] : "http://localhost:4318";
    otlp_tracer_provider_t *provider = NULL;
    otlp_tracer_t *tracer = NULL;

    printf("otlp-ffi %s, exporting to %s\n", otlp_version(), endpoint);
    CHECK(otlp_init(endpoint, "quickstart-c", &provider));
    CHECK(otlp_get_tracer(provider, &tracer)); /* owned by the provider */

    /* 1. The incoming request's headers. */
    const char *incoming_traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const char *incoming_tracestate = "vendor=opaque-value";
    otlp_context_t *remote = NULL;
    CHECK(otlp_context_extract_with_state(incoming_traceparent, incoming_tracestate, &remote));

    /* 2. The handler's span continues the caller's trace. */
    otlp_span_t *server = NULL;
    CHECK(otlp_span_start(tracer, "GET /orders/{id}", OTLP_SPAN_KIND_SERVER, remote, &server));
    otlp_context_free(remote); /* the span keeps what it needs */
    CHECK(otlp_span_set_attribute_string(server, "http.request.method", "GET"));
    CHECK(otlp_span_set_attribute_int(server, "http.response.status_code", 200));
    CHECK(otlp_span_set_attribute_bool(server, "cache.hit", false));
    CHECK(otlp_span_set_attribute_double(server, "order.total", 42.5));

    /* 3. An outgoing call: a CLIENT child whose context goes into the request headers. */
    otlp_context_t *local = NULL;
    otlp_span_t *client = NULL;
    CHECK(otlp_span_get_context(server, &local));
    CHECK(otlp_span_start(tracer, "SELECT orders", OTLP_SPAN_KIND_CLIENT, local, &client));
    otlp_context_free(local);
    char traceparent[64], tracestate[512];
    CHECK(otlp_context_inject(client, traceparent, sizeof traceparent));
    CHECK(otlp_context_inject_tracestate(client, tracestate, sizeof tracestate));
    printf("outgoing headers: traceparent: %s, tracestate: %s\n", traceparent, tracestate);
    CHECK(otlp_span_add_event(client, "query sent"));
    CHECK(otlp_span_record_error(client, "connection reset by peer"));
    otlp_span_end(client);

    CHECK(otlp_span_set_status(server, OTLP_STATUS_OK, ""));
    otlp_span_end(server);

    /* 4. Deliver and report. */
    otlp_error_t flushed = otlp_tracer_provider_force_flush(provider, 5000);
    otlp_stats_t stats;
    CHECK(otlp_tracer_provider_get_stats(provider, &stats));
    printf("flush: %s; spans started %llu, ended %llu, exported %llu, dropped %llu, failed attempts %llu\n",
           flushed == OTLP_OK ? "ok" : otlp_get_last_error(), (unsigned long long)stats.spans_started,
           (unsigned long long)stats.spans_ended, (unsigned long long)stats.spans_exported,
           (unsigned long long)stats.spans_dropped, (unsigned long long)stats.export_failures);
    otlp_tracer_provider_free(provider);
    return flushed == OTLP_OK ? 0 : 2;
}
