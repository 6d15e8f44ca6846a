// error_handling.c
#include "otlp_ffi.h"
#include <stdio.h>
#include <stdlib.h>

// 宏：检查错误
#define CHECK_OTLP(call) \
    do { \
        otlp_error_t err = (call); \
        if (err != OTLP_OK) { \
            fprintf(stderr, "OTLP Error at %s:%d: %s (code: %d)\n", \
                    __FILE__, __LINE__, otlp_get_last_error(), err); \
            goto cleanup; \
        } \
    } while (0)

int main() {
    otlp_tracer_provider_t* provider = NULL;
    otlp_tracer_t* tracer = NULL;
    otlp_span_t* span = NULL;
    int exit_code = 1;

    // 使用错误检查宏
    CHECK_OTLP(otlp_init("http://localhost:4318", "my-service", &provider));
    CHECK_OTLP(otlp_get_tracer(provider, &tracer));
    CHECK_OTLP(otlp_span_create(tracer, "operation", &span));

    // 业务逻辑...
    CHECK_OTLP(otlp_span_set_attribute_int(span, "count", 42));

    otlp_span_end(span);
    exit_code = 0;

cleanup:
    if (provider) {
        otlp_tracer_provider_free(provider);
    }

    return exit_code;
}
