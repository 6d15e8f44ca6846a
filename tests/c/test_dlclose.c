/*
 * dlclose() of libotlp_ffi.so from a host that loads it at run time (tests/test_faults.py):
 *
 *   test_dlclose LIBRARY clean|dirty
 *       A worker thread dlopen()s LIBRARY (RTLD_LOCAL), creates a provider, exports a few
 *       spans to a port nobody listens on, and (clean) shuts it down and frees it, or (dirty)
 *       leaves it alive; then the main thread dlclose()s the library and keeps running for a
 *       second (allocating, sleeping) before it exits 0. Prints "unloaded=yes|no" (whether
 *       the library was really unmapped, checked with RTLD_NOLOAD: "no", the library pins
 *       itself when its first provider starts, see src/pin.rs). Without that pin the dirty
 *       case crashed about one run in four (the export thread in unmapped code).
 *
 * Not linked with the library (it must be loadable and unloadable at run time).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "otlp_ffi.h"

typedef otlp_error_t (*init_fn)(const char *, const char *, otlp_tracer_provider_t **);
typedef otlp_error_t (*get_tracer_fn)(otlp_tracer_provider_t *, otlp_tracer_t **);
typedef otlp_error_t (*span_create_fn)(otlp_tracer_t *, const char *, otlp_span_t **);
typedef void (*span_end_fn)(otlp_span_t *);
typedef otlp_error_t (*shutdown_fn)(otlp_tracer_provider_t *, uint32_t);
typedef void (*free_fn)(otlp_tracer_provider_t *);

struct dl_job {
    const char *library;
    int clean;
    void *handle;
};

static void *sym(void *handle, const char *name) {
    void *p = dlsym(handle, name);
    if (!p) {
        fprintf(stderr, "dlsym %s: %s\n", name, dlerror());
        exit(1);
    }
    return p;
}

static void *dl_worker(void *arg) {
    struct dl_job *job = arg;
    void *h = dlopen(job->library, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        exit(1);
    }
    job->handle = h;
    init_fn init;
    get_tracer_fn get_tracer;
    span_create_fn span_create;
    span_end_fn span_end;
    shutdown_fn shutdown;
    free_fn provider_free;
    *(void **)&init = sym(h, "otlp_init");
    *(void **)&get_tracer = sym(h, "otlp_get_tracer");
    *(void **)&span_create = sym(h, "otlp_span_create");
    *(void **)&span_end = sym(h, "otlp_span_end");
    *(void **)&shutdown = sym(h, "otlp_tracer_provider_shutdown");
    *(void **)&provider_free = sym(h, "otlp_tracer_provider_free");
    otlp_tracer_provider_t *provider = NULL;
    otlp_tracer_t *tracer = NULL;
    if (init("http://127.0.0.1:9", "faults-dlclose", &provider) != OTLP_OK) exit(1);
    if (get_tracer(provider, &tracer) != OTLP_OK) exit(1);
    for (int i = 0; i < 100; i++) {
        otlp_span_t *span = NULL;
        if (span_create(tracer, "s", &span) != OTLP_OK) exit(1);
        span_end(span);
    }
    if (job->clean) {
        otlp_error_t code = shutdown(provider, 300);
        printf("shutdown=%d\n", code);
        provider_free(provider);
    }
    return NULL;
}

static int mode_dlclose(const char *library, const char *how) {
    struct dl_job job = {library, strcmp(how, "clean") == 0, NULL};
    pthread_t thread;
    if (pthread_create(&thread, NULL, dl_worker, &job) != 0) return 1;
    pthread_join(thread, NULL);
    if (dlclose(job.handle) != 0) {
        fprintf(stderr, "dlclose: %s\n", dlerror());
        return 1;
    }
    void *again = dlopen(library, RTLD_NOW | RTLD_NOLOAD);
    printf("unloaded=%s\n", again ? "no" : "yes");
    if (again) dlclose(again);
    /* Keep running: a live thread in unmapped code would crash the process here. */
    for (int i = 0; i < 20; i++) {
        void *block = malloc(4096 + (size_t)i * 512);
        memset(block, i, 4096);
        free(block);
        usleep(50 * 1000);
    }
    printf("alive\n");
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s LIBRARY clean|dirty\n", argv[0]);
        return 2;
    }
    return mode_dlclose(argv[1], argv[2]);
}
