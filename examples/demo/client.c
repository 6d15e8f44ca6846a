/*
 * client.c - the first hop of the five-language demo (examples/run_demo.sh).
 *
 * A storefront in C starts the trace: a root "checkout" span, W3C baggage with the customer
 * and a tier, and a CLIENT span for the HTTP call to the next service (argv[1], a URL such as
 * http://127.0.0.1:8081/quote) whose traceparent, tracestate and baggage go into the request.
 * The call is a plain HTTP/1.1 POST over a loopback socket (no HTTP library needed for that).
 * Where spans go is the OTEL_* environment (endpoint, protocol, service name), as with any
 * OpenTelemetry SDK; main() frees the provider, which flushes.
 *
 *   client URL  ->  prints the response body; exit status 0 on HTTP 200
 */
#define _POSIX_C_SOURCE 200809L
#include "otlp_ffi.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(call)                                                                     \
    do {                                                                                \
        otlp_error_t err_ = (call);                                                     \
        if (err_ != OTLP_OK) {                                                          \
            fprintf(stderr, "demo-c: %s -> %d: %s\n", #call, err_, otlp_get_last_error()); \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)

/* "http://host:port/path" -> host, port, path (enough for the demo's loopback URLs). */
static int parse_url(const char *url, char *host, size_t host_len, char *port, size_t port_len,
                     const char **path) {
    const char *p = strncmp(url, "http://", 7) == 0 ? url + 7 : NULL;
    if (p == NULL) return -1;
    const char *colon = strchr(p, ':');
    const char *slash = strchr(p, '/');
    if (colon == NULL || slash == NULL || colon > slash) return -1;
    if ((size_t)(colon - p) >= host_len || (size_t)(slash - colon - 1) >= port_len) return -1;
    memcpy(host, p, (size_t)(colon - p));
    host[colon - p] = '\0';
    memcpy(port, colon + 1, (size_t)(slash - colon - 1));
    port[slash - colon - 1] = '\0';
    *path = slash;
    return 0;
}

/* POSTs body to url with the given extra header lines; returns the HTTP status, the response
 * body in resp (NUL-terminated), or -1. */
static int http_post(const char *url, const char *headers, const char *body, char *resp,
                     size_t resp_len) {
    char host[256], port[16];
    const char *path;
    if (parse_url(url, host, sizeof host, port, sizeof port, &path) != 0) return -1;
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &ai) != 0) return -1;
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        freeaddrinfo(ai);
        if (fd >= 0) close(fd);
        return -1;
    }
    freeaddrinfo(ai);
    char req[16384];
    int n = snprintf(req, sizeof req,
                     "POST %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n%s\r\n%s",
                     path, host, port, strlen(body), headers, body);
    if (n < 0 || (size_t)n >= sizeof req || write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    ssize_t r;
    while (got + 1 < resp_len && (r = read(fd, resp + got, resp_len - 1 - got)) > 0) got += (size_t)r;
    resp[got] = '\0';
    close(fd);
    int status = -1;
    if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1) return -1;
    char *start = strstr(resp, "\r\n\r\n");
    if (start != NULL) memmove(resp, start + 4, strlen(start + 4) + 1);
    return status;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s NEXT_URL\n", argv[0]);
        return 2;
    }
    const char *next = argv[1];
    otlp_tracer_provider_t *provider = NULL;
    otlp_tracer_t *tracer = NULL;
    /* "" = not given: OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_SERVICE_NAME decide. */
    CHECK(otlp_init("", "", &provider));
    CHECK(otlp_get_tracer_with_scope(provider, "demo.storefront", otlp_version(), NULL, &tracer));

    /* The root of the whole trace. */
    otlp_span_t *checkout = NULL;
    CHECK(otlp_span_start(tracer, "checkout", OTLP_SPAN_KIND_INTERNAL, NULL, &checkout));
    CHECK(otlp_span_set_attribute_string(checkout, "demo.customer", "alice"));
    CHECK(otlp_span_set_attribute_int(checkout, "demo.cart.items", 3));
    CHECK(otlp_span_set_attribute_string(checkout, "demo.language", "C"));

    /* Baggage travels with the request to every later hop. */
    otlp_baggage_t *baggage = NULL;
    CHECK(otlp_baggage_new(&baggage));
    CHECK(otlp_baggage_set(baggage, "customer.id", "alice"));
    CHECK(otlp_baggage_set(baggage, "customer.tier", "gold"));

    otlp_context_t *ctx = NULL;
    CHECK(otlp_span_get_context(checkout, &ctx));
    otlp_span_t *call = NULL;
    CHECK(otlp_span_start(tracer, "POST /quote", OTLP_SPAN_KIND_CLIENT, ctx, &call));
    otlp_context_free(ctx);
    CHECK(otlp_span_set_attribute_string(call, "http.request.method", "POST"));
    CHECK(otlp_span_set_attribute_string(call, "url.full", next));

    char traceparent[64], tracestate[1024], bag[8200];
    CHECK(otlp_context_inject(call, traceparent, sizeof traceparent));
    CHECK(otlp_context_inject_tracestate(call, tracestate, sizeof tracestate));
    CHECK(otlp_baggage_inject(baggage, bag, sizeof bag));
    char headers[10000];
    snprintf(headers, sizeof headers, "traceparent: %s\r\n%s%s%sbaggage: %s\r\n", traceparent,
             tracestate[0] ? "tracestate: " : "", tracestate, tracestate[0] ? "\r\n" : "", bag);

    const char *cart = "{\"customer\":\"alice\",\"items\":[{\"sku\":\"tea\",\"qty\":2},"
                       "{\"sku\":\"cup\",\"qty\":1},{\"sku\":\"pot\",\"qty\":1}]}";
    static char resp[65536];
    int status = http_post(next, headers, cart, resp, sizeof resp);
    if (status > 0) CHECK(otlp_span_set_attribute_int(call, "http.response.status_code", status));
    if (status != 200) {
        CHECK(otlp_span_set_status(call, OTLP_STATUS_ERROR, "the quote service failed"));
        CHECK(otlp_span_set_status(checkout, OTLP_STATUS_ERROR, "checkout failed"));
    }
    otlp_span_end(call);
    CHECK(otlp_span_add_event(checkout, "order.placed"));
    otlp_span_end(checkout);
    otlp_baggage_free(baggage);
    otlp_tracer_provider_free(provider); /* flushes */

    printf("demo-c: HTTP %d %s\n", status, resp);
    return status == 200 ? 0 : 1;
}
