/*
 * service.c - the test service of the W3C Trace Context test suite
 * (https://github.com/w3c/trace-context, test/), built on libotlp_ffi's C API.
 *
 * A minimal HTTP/1.1 server (POSIX sockets, one connection at a time, Connection: close).
 * For each POST it:
 *   1. extracts the incoming context: the `traceparent` header (exactly one; none or several
 *      means a new trace) and every `tracestate` header line joined with "," in order, through
 *      otlp_context_extract_with_state;
 *   2. starts a SERVER span with that parent (or a root span);
 *   3. for each {"url": ..., "arguments": ...} of the JSON body (an array, or one object),
 *      starts a CLIENT child span and POSTs `arguments` (JSON) to `url` with the span's
 *      traceparent and tracestate (otlp_context_inject / otlp_context_inject_tracestate);
 *   4. answers 200 with a JSON array of the callbacks' HTTP statuses (-1: not reached).
 *
 * Usage: service [PORT]   (default 0: any free port). It prints "LISTENING <port>" on stdout
 * once it accepts connections and runs until SIGTERM or SIGINT, then shuts its provider down
 * and exits 0. Export settings come from the OTEL_* environment (e.g.
 * OTEL_TRACES_EXPORTER=none, or OTEL_EXPORTER_OTLP_ENDPOINT to see the spans).
 *
 * JSON is read and written with jansson (Debian: libjansson-dev).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "otlp_ffi.h"

#define MAX_REQUEST (1024 * 1024)
#define IO_TIMEOUT_S 10

static volatile sig_atomic_t stopping = 0;

static void on_signal(int sig) {
    (void)sig;
    stopping = 1;
}

static void warn(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("w3c-service: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void warn_otlp(const char *call, otlp_error_t rc) {
    warn("%s returned %d: %s", call, (int)rc, otlp_get_last_error());
}

static void set_timeouts(int fd) {
    struct timeval tv = {IO_TIMEOUT_S, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int send_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A growable byte buffer, always NUL-terminated. */
typedef struct {
    char *data;
    size_t len, cap;
} buf_t;

static int buf_append(buf_t *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1) cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static void buf_free(buf_t *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Trims HTTP optional whitespace (SP / HTAB) from both ends, in place. */
static char *trim_ows(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
    return s;
}

/* ---------------------------------------------------------------------------------------- */
/* outgoing calls                                                                            */
/* ---------------------------------------------------------------------------------------- */

/* POSTs `body` to an http:// URL with the trace headers; returns the HTTP status or -1. */
static int http_post(const char *url, const char *traceparent, const char *tracestate, const char *body) {
    const char *prefix = "http://";
    if (strncmp(url, prefix, strlen(prefix)) != 0) {
        warn("callback url %s is not http://", url);
        return -1;
    }
    const char *authority = url + strlen(prefix);
    const char *path = strchr(authority, '/');
    size_t alen = path ? (size_t)(path - authority) : strlen(authority);
    if (!path) path = "/";
    char host[256], port[16] = "80";
    if (alen == 0 || alen >= sizeof host) {
        warn("callback url %s has no usable host", url);
        return -1;
    }
    memcpy(host, authority, alen);
    host[alen] = '\0';
    char *colon = strrchr(host, ':');
    if (colon) {
        snprintf(port, sizeof port, "%s", colon + 1);
        *colon = '\0';
    }

    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        warn("cannot resolve %s:%s: %s", host, port, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) continue;
        set_timeouts(fd);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        warn("cannot connect to %s:%s: %s", host, port, strerror(errno));
        return -1;
    }

    buf_t req = {0};
    char line[512];
    size_t body_len = strlen(body);
    snprintf(line, sizeof line,
             "POST %s HTTP/1.1\r\nHost: %s:%s\r\nAccept: application/json\r\n"
             "Content-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n",
             path, host, port, body_len);
    int bad = buf_append(&req, line, strlen(line));
    bad |= buf_append(&req, "traceparent: ", 13) | buf_append(&req, traceparent, strlen(traceparent)) |
           buf_append(&req, "\r\n", 2);
    if (tracestate[0] != '\0') {
        bad |= buf_append(&req, "tracestate: ", 12) | buf_append(&req, tracestate, strlen(tracestate)) |
               buf_append(&req, "\r\n", 2);
    }
    bad |= buf_append(&req, "\r\n", 2) | buf_append(&req, body, body_len);
    int status = -1;
    if (bad == 0 && send_all(fd, req.data, req.len) == 0) {
        /* The status line is all we need; read it and drain the rest until the peer closes. */
        buf_t resp = {0};
        char chunk[4096];
        ssize_t n;
        while ((n = recv(fd, chunk, sizeof chunk, 0)) > 0 || (n < 0 && errno == EINTR)) {
            if (n > 0 && resp.len < 65536 && buf_append(&resp, chunk, (size_t)n) != 0) break;
        }
        int code = 0;
        if (resp.data && sscanf(resp.data, "HTTP/%*d.%*d %d", &code) == 1) status = code;
        else warn("no HTTP status line from %s", url);
        buf_free(&resp);
    } else {
        warn("cannot send the request to %s", url);
    }
    buf_free(&req);
    close(fd);
    return status;
}

/* ---------------------------------------------------------------------------------------- */
/* incoming requests                                                                         */
/* ---------------------------------------------------------------------------------------- */

typedef struct {
    char method[16];
    char target[1024];
    char *traceparent;    /* points into the request buffer; NULL when absent */
    int traceparent_count;
    buf_t tracestate;     /* every tracestate line joined with "," */
    int tracestate_count;
    long content_length;
    int chunked;
} request_t;

/* Parses the request head (NUL-terminated, without the blank line). 0 on success. */
static int parse_head(char *head, request_t *r) {
    char *save = NULL;
    char *line = strtok_r(head, "\r\n", &save);
    if (!line || sscanf(line, "%15s %1023s", r->method, r->target) != 2) return -1;
    while ((line = strtok_r(NULL, "\r\n", &save)) != NULL) {
        char *colon = strchr(line, ':');
        if (!colon) continue;
        *colon = '\0';
        char *name = line, *value = trim_ows(colon + 1);
        if (strcasecmp(name, "traceparent") == 0) {
            r->traceparent = value;
            r->traceparent_count++;
        } else if (strcasecmp(name, "tracestate") == 0) {
            if (r->tracestate_count++ > 0 && buf_append(&r->tracestate, ",", 1) != 0) return -1;
            if (buf_append(&r->tracestate, value, strlen(value)) != 0) return -1;
        } else if (strcasecmp(name, "content-length") == 0) {
            char *end = NULL;
            r->content_length = strtol(value, &end, 10);
            if (end == value || *end != '\0' || r->content_length < 0) return -1;
        } else if (strcasecmp(name, "transfer-encoding") == 0) {
            r->chunked = strcasecmp(value, "identity") != 0;
        }
    }
    return 0;
}

static void respond(int fd, int status, const char *reason, const char *body) {
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     status, reason, strlen(body));
    if (send_all(fd, head, (size_t)n) == 0) send_all(fd, body, strlen(body));
}

/* Makes one callback under `server_span`; returns its HTTP status (-1: not reached). */
static int call_back(otlp_tracer_t *tracer, otlp_span_t *server_span, json_t *action) {
    json_t *url = json_object_get(action, "url");
    if (!json_is_string(url)) {
        warn("an action has no \"url\" string");
        return -1;
    }
    json_t *arguments = json_object_get(action, "arguments");
    char *body = (arguments && !json_is_null(arguments)) ? json_dumps(arguments, JSON_COMPACT | JSON_ENCODE_ANY)
                                                          : strdup("[]");
    if (!body) return -1;

    int status = -1;
    otlp_context_t *ctx = NULL;
    otlp_span_t *client = NULL;
    otlp_error_t rc = otlp_span_get_context(server_span, &ctx);
    if (rc != OTLP_OK) {
        warn_otlp("otlp_span_get_context", rc);
    } else if ((rc = otlp_span_start(tracer, "POST", OTLP_SPAN_KIND_CLIENT, ctx, &client)) != OTLP_OK) {
        warn_otlp("otlp_span_start(CLIENT)", rc);
    } else {
        char traceparent[64], tracestate[32768];
        if ((rc = otlp_context_inject(client, traceparent, sizeof traceparent)) != OTLP_OK) {
            warn_otlp("otlp_context_inject", rc);
        } else if ((rc = otlp_context_inject_tracestate(client, tracestate, sizeof tracestate)) != OTLP_OK) {
            warn_otlp("otlp_context_inject_tracestate", rc);
        } else {
            otlp_span_set_attribute_string(client, "url.full", json_string_value(url));
            status = http_post(json_string_value(url), traceparent, tracestate, body);
            otlp_span_set_attribute_int(client, "http.response.status_code", status);
            if (status < 200 || status > 299) otlp_span_set_status(client, OTLP_STATUS_ERROR, NULL);
        }
        otlp_span_end(client);
    }
    otlp_context_free(ctx);
    free(body);
    return status;
}

static void handle(int fd, otlp_tracer_t *tracer) {
    set_timeouts(fd);
    buf_t in = {0};
    request_t r = {0};
    char chunk[8192];
    char *head_end = NULL;
    while (!head_end) {
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || buf_append(&in, chunk, (size_t)n) != 0 || in.len > MAX_REQUEST) goto done;
        head_end = strstr(in.data, "\r\n\r\n");
    }
    size_t head_len = (size_t)(head_end - in.data);
    size_t body_start = head_len + 4;
    *head_end = '\0';
    if (parse_head(in.data, &r) != 0) {
        respond(fd, 400, "Bad Request", "{\"error\":\"malformed request head\"}");
        goto done;
    }
    if (strcmp(r.method, "POST") != 0) {
        respond(fd, 405, "Method Not Allowed", "{\"error\":\"POST only\"}");
        goto done;
    }
    if (r.chunked || r.content_length > MAX_REQUEST) {
        respond(fd, 411, "Length Required", "{\"error\":\"a Content-Length body is required\"}");
        goto done;
    }
    while (in.len - body_start < (size_t)r.content_length) {
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || buf_append(&in, chunk, (size_t)n) != 0) goto done;
    }

    /* The remote parent: exactly one traceparent header; tracestate lines only with it. */
    otlp_context_t *parent = NULL;
    if (r.traceparent_count == 1) {
        otlp_error_t rc =
            otlp_context_extract_with_state(r.traceparent, r.tracestate_count ? r.tracestate.data : NULL, &parent);
        if (rc != OTLP_OK) parent = NULL; /* invalid: start a new trace */
    }
    char name[1100];
    snprintf(name, sizeof name, "POST %s", r.target);
    otlp_span_t *server = NULL;
    otlp_error_t rc = otlp_span_start(tracer, name, OTLP_SPAN_KIND_SERVER, parent, &server);
    otlp_context_free(parent);
    if (rc != OTLP_OK) {
        warn_otlp("otlp_span_start(SERVER)", rc);
        respond(fd, 500, "Internal Server Error", "{\"error\":\"span start failed\"}");
        goto done;
    }

    json_error_t jerr;
    json_t *root = json_loadb(in.data + body_start, (size_t)r.content_length, JSON_DECODE_ANY, &jerr);
    if (!root) {
        otlp_span_set_status(server, OTLP_STATUS_ERROR, "request body is not JSON");
        otlp_span_end(server);
        respond(fd, 400, "Bad Request", "{\"error\":\"body is not JSON\"}");
        goto done;
    }
    json_t *statuses = json_array();
    if (json_is_array(root)) {
        size_t i;
        json_t *action;
        json_array_foreach(root, i, action) {
            json_array_append_new(statuses, json_integer(call_back(tracer, server, action)));
        }
    } else if (json_is_object(root)) {
        json_array_append_new(statuses, json_integer(call_back(tracer, server, root)));
    }
    otlp_span_end(server);
    char *out = json_dumps(statuses, JSON_COMPACT);
    respond(fd, 200, "OK", out ? out : "[]");
    free(out);
    json_decref(statuses);
    json_decref(root);

done:
    buf_free(&r.tracestate);
    buf_free(&in);
}

int main(int argc, char **argv) {
    long port = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    if (argc > 2 || port < 0 || port > 65535) {
        fprintf(stderr, "usage: %s [PORT]\n", argv[0]);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: accept() returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    otlp_tracer_provider_t *provider = NULL;
    otlp_tracer_t *tracer = NULL;
    otlp_error_t rc = otlp_init("", "w3c-trace-context-service", &provider);
    if (rc != OTLP_OK) {
        warn_otlp("otlp_init", rc);
        return 1;
    }
    if ((rc = otlp_get_tracer(provider, &tracer)) != OTLP_OK) {
        warn_otlp("otlp_get_tracer", rc);
        otlp_tracer_provider_free(provider);
        return 1;
    }

    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)port);
    socklen_t alen = sizeof addr;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 64) != 0 ||
        getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0) {
        warn("cannot listen on 127.0.0.1:%ld: %s", port, strerror(errno));
        otlp_tracer_provider_free(provider);
        return 1;
    }
    printf("LISTENING %d\n", ntohs(addr.sin_port));
    fflush(stdout);

    while (!stopping) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno != EINTR) warn("accept: %s", strerror(errno));
            continue;
        }
        handle(fd, tracer);
        close(fd);
    }
    close(lfd);
    rc = otlp_tracer_provider_shutdown(provider, 5000);
    if (rc != OTLP_OK) warn_otlp("otlp_tracer_provider_shutdown", rc);
    otlp_tracer_provider_free(provider);
    return 0;
}
