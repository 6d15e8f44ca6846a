/* fork() with a provider created before it (driven by tests/test_fork.py).
 *
 *   test_fork children ENDPOINT N M Q
 *       The parent queues Q spans ("parent-queued", not flushed), then forks N children; each
 *       child records M spans ("child-<i>") on the parent's provider, checks its own stats and
 *       frees the provider (which delivers them). The parent then records "parent-after" and
 *       frees its provider. Every span must arrive exactly once.
 *   test_fork inflight ENDPOINT
 *       Forks while an export is in flight (the receiver is slow) and while another thread
 *       loops otlp_init / otlp_tracer_provider_free, 40 times; each child records a span on the
 *       pre-fork provider and on a provider of its own and frees both, under alarm(): a
 *       deadlock kills the child with SIGALRM.
 *
 * Exit code 0 on success; otherwise a message on stderr names the failed check.
 */
#define _DEFAULT_SOURCE
#include <otlp_ffi.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(cond, ...)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "[pid %d] %s:%d: check failed: %s: ", (int)getpid(), __FILE__,       \
                    __LINE__, #cond);                                                             \
            fprintf(stderr, __VA_ARGS__);                                                         \
            fprintf(stderr, " (last error: %s)\n", otlp_get_last_error());                        \
            _exit(3);                                                                             \
        }                                                                                         \
    } while (0)

static void spans(otlp_tracer_t *t, const char *name, int n) {
    for (int i = 0; i < n; i++) {
        otlp_span_t *s = NULL;
        CHECK(otlp_span_create(t, name, &s) == OTLP_OK, "span %d of %s", i, name);
        bool rec = false;
        CHECK(otlp_span_is_recording(s, &rec) == OTLP_OK && rec, "span %s does not record", name);
        CHECK(otlp_span_set_attribute_int(s, "i", i) == OTLP_OK, "attribute");
        otlp_span_end(s);
    }
}

/* Waits for `pid`; returns its exit code, or 100 + signal. */
static int wait_child(pid_t pid) {
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    if (WIFSIGNALED(status))
        return 100 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

static int children(const char *endpoint, int n, int m, int q) {
    otlp_tracer_provider_t *p = NULL;
    CHECK(otlp_init(endpoint, "fork-test", &p) == OTLP_OK, "otlp_init");
    otlp_tracer_t *t = NULL;
    CHECK(otlp_get_tracer(p, &t) == OTLP_OK, "otlp_get_tracer");
    spans(t, "parent-queued", q); /* queued (long schedule delay): the parent's to export */

    pid_t pids[64];
    CHECK(n <= 64, "at most 64 children");
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0) {
            alarm(60);
            char name[32];
            snprintf(name, sizeof name, "child-%d", i);
            spans(t, name, m);
            otlp_stats_t st;
            CHECK(otlp_tracer_provider_force_flush(p, 20000) == OTLP_OK, "child flush");
            CHECK(otlp_tracer_provider_get_stats(p, &st) == OTLP_OK, "child stats");
            /* The child's own counts: its M spans, none of the parent's queue. */
            CHECK(st.spans_started == (uint64_t)m && st.spans_ended == (uint64_t)m &&
                      st.spans_exported == (uint64_t)m && st.spans_dropped == 0,
                  "child stats started %llu ended %llu exported %llu dropped %llu",
                  (unsigned long long)st.spans_started, (unsigned long long)st.spans_ended,
                  (unsigned long long)st.spans_exported, (unsigned long long)st.spans_dropped);
            otlp_tracer_provider_free(p);
            _exit(0);
        }
        pids[i] = pid;
    }
    int failed = 0;
    for (int i = 0; i < n; i++) {
        int code = wait_child(pids[i]);
        if (code != 0) {
            fprintf(stderr, "child %d exited with %d\n", i, code);
            failed = 1;
        }
    }
    CHECK(!failed, "children failed");
    spans(t, "parent-after", 1);
    otlp_stats_t st;
    CHECK(otlp_tracer_provider_force_flush(p, 20000) == OTLP_OK, "parent flush");
    CHECK(otlp_tracer_provider_get_stats(p, &st) == OTLP_OK, "parent stats");
    CHECK(st.spans_exported == (uint64_t)q + 1, "parent exported %llu", (unsigned long long)st.spans_exported);
    otlp_tracer_provider_free(p);
    return 0;
}

static atomic_int stop_looping;
static atomic_int loops;

/* Creates and frees providers (their spans go to a closed port: only the locks matter here). */
static void *init_free_loop(void *unused) {
    (void)unused;
    while (!atomic_load(&stop_looping)) {
        otlp_tracer_provider_t *p = NULL;
        if (otlp_init("http://127.0.0.1:9", "fork-loop", &p) == OTLP_OK) {
            otlp_tracer_t *t = NULL;
            otlp_span_t *s = NULL;
            if (otlp_get_tracer(p, &t) == OTLP_OK && otlp_span_create(t, "loop", &s) == OTLP_OK)
                otlp_span_end(s);
            otlp_tracer_provider_shutdown(p, 0);
            otlp_tracer_provider_free(p);
        }
        atomic_fetch_add(&loops, 1);
    }
    return NULL;
}

static int inflight(const char *endpoint) {
    otlp_tracer_provider_t *p = NULL;
    CHECK(otlp_init(endpoint, "fork-inflight", &p) == OTLP_OK, "otlp_init");
    otlp_tracer_t *t = NULL;
    CHECK(otlp_get_tracer(p, &t) == OTLP_OK, "otlp_get_tracer");
    pthread_t looper;
    CHECK(pthread_create(&looper, NULL, init_free_loop, NULL) == 0, "pthread_create");
    for (int round = 0; round < 40; round++) {
        spans(t, "inflight-parent", 50);
        /* Starts an export the slow receiver holds: returns TIMEOUT with it in flight. */
        otlp_error_t rc = otlp_tracer_provider_force_flush(p, 20);
        CHECK(rc == OTLP_ERROR_TIMEOUT || rc == OTLP_OK, "flush rc %d", rc);
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0) {
            alarm(30);
            spans(t, "inflight-child", 5);
            otlp_tracer_provider_t *own = NULL;
            CHECK(otlp_init(endpoint, "fork-inflight-own", &own) == OTLP_OK, "otlp_init in child");
            otlp_tracer_t *ot = NULL;
            CHECK(otlp_get_tracer(own, &ot) == OTLP_OK, "tracer in child");
            spans(ot, "inflight-own", 1);
            otlp_tracer_provider_free(own);
            otlp_tracer_provider_free(p);
            _exit(0);
        }
        int code = wait_child(pid);
        CHECK(code == 0, "child of round %d exited with %d (%d: SIGALRM, a deadlock)", round, code,
              100 + SIGALRM);
    }
    atomic_store(&stop_looping, 1);
    pthread_join(looper, NULL);
    CHECK(atomic_load(&loops) > 0, "the init/free loop never ran");
    fprintf(stderr, "init/free loops: %d\n", atomic_load(&loops));
    otlp_tracer_provider_free(p);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "children") == 0)
        return children(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    if (argc == 3 && strcmp(argv[1], "inflight") == 0)
        return inflight(argv[2]);
    fprintf(stderr, "usage: %s children ENDPOINT N M Q | inflight ENDPOINT\n", argv[0]);
    return 2;
}
