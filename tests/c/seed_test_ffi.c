// tests/test_ffi.c
#include "otlp_ffi.h"
#include <assert.h>
#include <stdio.h>

void test_init_and_free() {
    otlp_tracer_provider_t* provider = NULL;
    assert(otlp_init("http://localhost:4318", "test-app", &provider) == OTLP_OK);
    assert(provider != NULL);

    otlp_tracer_provider_free(provider);
    printf("✅ test_init_and_free passed\n");
}

void test_span_lifecycle() {
    otlp_tracer_provider_t* provider = NULL;
    otlp_tracer_t* tracer = NULL;
    otlp_span_t* span = NULL;

    assert(otlp_init("http://localhost:4318", "test-app", &provider) == OTLP_OK);
    assert(otlp_get_tracer(provider, &tracer) == OTLP_OK);
    assert(otlp_span_create(tracer, "test_span", &span) == OTLP_OK);

    assert(otlp_span_set_attribute_string(span, "key", "value") == OTLP_OK);
    assert(otlp_span_set_attribute_int(span, "count", 42) == OTLP_OK);

    otlp_span_end(span);
    otlp_tracer_provider_free(provider);

    printf("✅ test_span_lifecycle passed\n");
}

int main() {
    test_init_and_free();
    test_span_lifecycle();

    printf("🎉 All tests passed!\n");
    return 0;
}
