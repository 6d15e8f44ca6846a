/*
 * test_hostile.c - hostile or unusual input at the C API, one scenario per run:
 *
 *   test_hostile header_secrets <token>   header values with <token> in every malformed shape:
 *                                         otlp_config_set fails without echoing it; otlp_init
 *                                         then reads $OTEL_EXPORTER_OTLP_HEADERS (set by the
 *                                         test) and warns on stderr
 *   test_hostile baggage_nul              a percent-decoded NUL in a baggage value
 *   test_hostile optional_strings         NULL optional strings mean absent
 *   test_hostile recording_after_shutdown is_recording is false once the provider shut down
 *
 * The exporter endpoint comes from $OTLP_TEST_ENDPOINT (default http://localhost:4318). Lines
 * for tests/test_hostile_input.py: "MSG <text>" (an error message), "RC <label> <code>",
 * "STATS <label> started=N ended=N exported=N dropped=N", "OK <scenario>" last.
 */
#define _POSIX_C_SOURCE 200809L

#include "otlp_ffi.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *g_scenario = "?";

#define FAIL(...)                                                                                    \
    do {                                                                                             \
        printf("FAIL %s %s:%d: ", g_scenario, __FILE__, __LINE__);                                   \
        printf(__VA_ARGS__);                                                                         \
        printf(" [last_error=\"%s\"]\n", otlp_get_last_error());                                     \
        fflush(stdout);                                                                              \
        exit(1);                                                                                     \
    } while (0)

#define CHECK(cond)                                                                                  \
    do {                                                                                             \
        if (!(cond)) FAIL("CHECK(%s) failed", #cond);                                                \
    } while (0)

#define CHECK_RC(expected, call)                                                                     \
    do {                                                                                             \
        int rc_ = (int)(call);                                                                       \
        if (rc_ != (int)(expected)) FAIL("%s returned %d, expected %d", #call, rc_, (int)(expected)); \
    } while (0)

#define CHECK_OK(call) CHECK_RC(OTLP_OK, call)

static const char *endpoint(void) {
    const char *e = getenv("OTLP_TEST_ENDPOINT");
    return e && *e ? e : "http://localhost:4318";
}

static otlp_tracer_provider_t *provider_for(const char *service) {
    otlp_tracer_provider_t *p = NULL;
    CHECK_OK(otlp_init(endpoint(), service, &p));
    return p;
}

static otlp_tracer_t *tracer_of(otlp_tracer_provider_t *p) {
    otlp_tracer_t *t = NULL;
    CHECK_OK(otlp_get_tracer(p, &t));
    return t;
}

static otlp_span_t *start(otlp_tracer_t *t, const char *name) {
    otlp_span_t *s = NULL;
    CHECK_OK(otlp_span_start(t, name, OTLP_SPAN_KIND_INTERNAL, NULL, &s));
    return s;
}

static bool recording(otlp_span_t *s) {
    bool r = false;
    CHECK_OK(otlp_span_is_recording(s, &r));
    return r;
}

static void print_stats(const char *label, otlp_tracer_provider_t *p) {
    otlp_stats_t st;
    CHECK_OK(otlp_tracer_provider_get_stats(p, &st));
    printf("STATS %s started=%" PRIu64 " ended=%" PRIu64 " exported=%" PRIu64 " dropped=%" PRIu64 "\n", label,
           st.spans_started, st.spans_ended, st.spans_exported, st.spans_dropped);
}

/* ------------------------------------------------------------------------ */

static void scenario_header_secrets(int argc, char **argv) {
    if (argc != 1 || strlen(argv[0]) < 8) FAIL("usage: header_secrets <token of 8+ characters>");
    const char *token = argv[0];
    /* Every shape of a bad value, the token where a user would paste it. */
    static const char *const shapes[] = {
        "Authorization: Bearer %s",          /* ':' instead of '=' */
        "x-team=blue,%s",                    /* an entry without '=' */
        "Authorization Bearer %s=x",         /* the token inside an invalid name */
        "x-api-key=%s%%0A",                  /* a value that is not a header value */
        "x-api-key=%s%%ZZ",                  /* a bad escape after the token */
        "=%s",                               /* no name */
    };
    static const char *const keys[] = {"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"};
    otlp_config_t *cfg = NULL;
    CHECK_OK(otlp_config_new(&cfg));
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
            char value[512];
            snprintf(value, sizeof value, shapes[i], token);
            CHECK_RC(OTLP_ERROR_INVALID_ARGUMENT, otlp_config_set(cfg, keys[k], value));
            const char *msg = otlp_get_last_error();
            printf("MSG %s\n", msg);
            if (strstr(msg, token)) FAIL("the message of shape %zu echoes the token", i);
            if (!strstr(msg, keys[k])) FAIL("the message of shape %zu does not name %s", i, keys[k]);
        }
    }
    /* A valid value is accepted (and its token is sent, not shown). */
    char good[256];
    snprintf(good, sizeof good, "authorization=Bearer%%20%s", token);
    CHECK_OK(otlp_config_set(cfg, "OTEL_EXPORTER_OTLP_HEADERS", good));
    otlp_config_free(cfg);
    /* The environment's value (set by the test): a bad one makes otlp_init warn on stderr and
     * carry on without it; a good one goes to the collector with the span. */
    otlp_tracer_provider_t *p = provider_for("header-secrets");
    otlp_span_end(start(tracer_of(p), "secret_probe"));
    CHECK_OK(otlp_tracer_provider_force_flush(p, 10000));
    otlp_tracer_provider_free(p);
}

static void scenario_baggage_nul(void) {
    otlp_baggage_t *b = NULL;
    CHECK_OK(otlp_baggage_extract("k=ab%00cd, j=ok, z=%00, y=a%2500b", &b));
    char buf[64];
    bool found = true;
    CHECK_OK(otlp_baggage_get(b, "k", buf, sizeof buf, &found));
    if (found) FAIL("k (\"ab%%00cd\") was kept and reads as \"%s\"", buf);
    CHECK_OK(otlp_baggage_get(b, "z", buf, sizeof buf, &found));
    CHECK(!found);
    CHECK_OK(otlp_baggage_get(b, "j", buf, sizeof buf, &found));
    CHECK(found && strcmp(buf, "ok") == 0);
    CHECK_OK(otlp_baggage_get(b, "y", buf, sizeof buf, &found));
    CHECK(found && strcmp(buf, "a%00b") == 0);
    CHECK_OK(otlp_baggage_inject(b, buf, sizeof buf));
    printf("MSG %s\n", buf);
    CHECK(strcmp(buf, "j=ok,y=a%2500b") == 0);
    otlp_baggage_free(b);
}

static void scenario_optional_strings(void) {
    /* otlp_init(NULL, NULL): endpoint and service name from the environment (set by the test) */
    otlp_tracer_provider_t *p = NULL;
    CHECK_OK(otlp_init(NULL, NULL, &p));
    otlp_tracer_t *t = tracer_of(p);
    otlp_span_t *s = start(t, "status_null_description");
    CHECK_OK(otlp_span_set_status(s, OTLP_STATUS_ERROR, NULL));
    otlp_span_end(s);
    s = start(t, "status_empty_description");
    CHECK_OK(otlp_span_set_status(s, OTLP_STATUS_ERROR, ""));
    otlp_span_end(s);
    /* an error set with a description, then again with NULL: the description goes */
    s = start(t, "status_description_cleared");
    CHECK_OK(otlp_span_set_status(s, OTLP_STATUS_ERROR, "first"));
    CHECK_OK(otlp_span_set_status(s, OTLP_STATUS_ERROR, NULL));
    otlp_span_end(s);
    s = start(t, "status_ok_null");
    CHECK_OK(otlp_span_set_status(s, OTLP_STATUS_OK, NULL));
    otlp_span_end(s);
    /* the other optional strings */
    s = start(t, "exception_nulls");
    CHECK_OK(otlp_span_record_exception(s, NULL, "boom", NULL));
    otlp_span_end(s);
    otlp_tracer_t *scoped = NULL;
    CHECK_OK(otlp_get_tracer_with_scope(p, "scope-null-version", NULL, NULL, &scoped));
    otlp_span_end(start(scoped, "scoped_nulls"));
    otlp_baggage_t *b = NULL;
    CHECK_OK(otlp_baggage_extract(NULL, &b));
    char buf[8] = "x";
    CHECK_OK(otlp_baggage_inject(b, buf, sizeof buf));
    CHECK(buf[0] == '\0');
    otlp_baggage_free(b);
    otlp_context_t *c = NULL;
    CHECK_OK(otlp_context_extract_with_state("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", NULL, &c));
    otlp_context_free(c);
    /* required strings stay required, and are named */
    CHECK_RC(OTLP_ERROR_NULL_POINTER, otlp_span_record_exception(NULL, NULL, "m", NULL));
    s = start(t, "required_probe");
    CHECK_RC(OTLP_ERROR_NULL_POINTER, otlp_span_record_exception(s, "T", NULL, NULL));
    CHECK(strstr(otlp_get_last_error(), "message") != NULL);
    CHECK_RC(OTLP_ERROR_NULL_POINTER, otlp_baggage_extract(NULL, NULL));
    CHECK(strstr(otlp_get_last_error(), "baggage") != NULL);
    CHECK_RC(OTLP_ERROR_NULL_POINTER, otlp_get_tracer_with_scope(p, NULL, NULL, NULL, &scoped));
    CHECK(strstr(otlp_get_last_error(), "name") != NULL);
    CHECK_RC(OTLP_ERROR_INVALID_ARGUMENT, otlp_span_set_status(s, OTLP_STATUS_ERROR, "bad \xff"));
    CHECK(strstr(otlp_get_last_error(), "description") != NULL);
    otlp_span_end(s);
    CHECK_OK(otlp_tracer_provider_force_flush(p, 10000));
    otlp_tracer_provider_free(p);
    /* otlp_init with an explicit endpoint and a NULL service name */
    CHECK_OK(otlp_init(endpoint(), NULL, &p));
    otlp_span_end(start(tracer_of(p), "endpoint_given_service_null"));
    otlp_tracer_provider_free(p);
}

static void scenario_recording_after_shutdown(void) {
    otlp_tracer_provider_t *p = provider_for("recording-after-shutdown");
    otlp_tracer_t *t = tracer_of(p);
    otlp_span_t *before = start(t, "started_before_shutdown");
    otlp_context_t *ctx = NULL;
    CHECK_OK(otlp_span_get_context(before, &ctx));
    otlp_span_t *child = NULL;
    CHECK_OK(otlp_span_start(t, "child_before_shutdown", OTLP_SPAN_KIND_INTERNAL, ctx, &child));
    otlp_context_free(ctx);
    otlp_span_t *exported = start(t, "ended_before_shutdown");
    CHECK(recording(before) && recording(child) && recording(exported));
    otlp_span_end(exported);

    CHECK_OK(otlp_tracer_provider_shutdown(p, 10000));
    if (recording(before)) FAIL("a span started before shutdown still records after it");
    if (recording(child)) FAIL("a child started before shutdown still records after it");
    otlp_span_t *after = start(t, "started_after_shutdown");
    CHECK(!recording(after));
    /* calls on them still succeed and do nothing */
    CHECK_OK(otlp_span_set_attribute_int(before, "k", 1));
    CHECK_OK(otlp_span_add_event(before, "e"));
    otlp_span_end(after);
    otlp_span_end(child);
    otlp_span_end(before);
    print_stats("after_shutdown", p);
    otlp_tracer_provider_free(p);
}

/* ------------------------------------------------------------------------ */

struct scenario {
    const char *name;
    void (*fn0)(void);
    void (*fnv)(int, char **);
};

static const struct scenario SCENARIOS[] = {
    {"header_secrets", NULL, scenario_header_secrets},
    {"baggage_nul", scenario_baggage_nul, NULL},
    {"optional_strings", scenario_optional_strings, NULL},
    {"recording_after_shutdown", scenario_recording_after_shutdown, NULL},
};

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    size_t n = sizeof SCENARIOS / sizeof SCENARIOS[0];
    for (size_t i = 0; argc >= 2 && i < n; i++) {
        if (strcmp(argv[1], SCENARIOS[i].name) != 0) continue;
        g_scenario = SCENARIOS[i].name;
        if (SCENARIOS[i].fn0) {
            if (argc != 2) FAIL("scenario %s takes no arguments", g_scenario);
            SCENARIOS[i].fn0();
        } else {
            SCENARIOS[i].fnv(argc - 2, argv + 2);
        }
        printf("OK %s\n", g_scenario);
        return 0;
    }
    fprintf(stderr, "usage: %s <scenario> [args...]\nscenarios:", argv[0]);
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %s", SCENARIOS[i].name);
    fprintf(stderr, "\n");
    return 2;
}
