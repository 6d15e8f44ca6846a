// 示例：正确的内存管理
#include "otlp_ffi.h"
#include <stdio.h>

int main() {
    otlp_tracer_provider_t* provider = NULL;
    otlp_tracer_t* tracer = NULL;
    otlp_span_t* span = NULL;

    // 1. 初始化 (分配)
    if (otlp_init("http://localhost:4318", "my-service", &provider) != OTLP_OK) {
        fprintf(stderr, "Init failed: %s\n", otlp_get_last_error());
        return 1;
    }

    // 2. 获取 Tracer (分配)
    if (otlp_get_tracer(provider, &tracer) != OTLP_OK) {
        fprintf(stderr, "Get tracer failed\n");
        otlp_tracer_provider_free(provider);
        return 1;
    }

    // 3. 创建 Span (分配)
    if (otlp_span_create(tracer, "my_operation", &span) != OTLP_OK) {
        fprintf(stderr, "Create span failed\n");
        // 注意：tracer 不需要手动释放 (由 provider 管理)
        otlp_tracer_provider_free(provider);
        return 1;
    }

    // 4. 使用 Span
    otlp_span_set_attribute_string(span, "key", "value");

    // 5. 结束 Span (自动释放)
    otlp_span_end(span);  // span 指针失效

    // 6. 清理 (释放)
    otlp_tracer_provider_free(provider);  // 同时释放 tracer

    return 0;
}
