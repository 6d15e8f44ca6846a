// multi_threaded.c
#include "otlp_ffi.h"
#include <pthread.h>
#include <stdio.h>

// 全局 TracerProvider (线程安全)
static otlp_tracer_provider_t* g_provider = NULL;

void* worker_thread(void* arg) {
    int thread_id = *(int*)arg;

    // 获取 Tracer (线程安全)
    otlp_tracer_t* tracer = NULL;
    if (otlp_get_tracer(g_provider, &tracer) != OTLP_OK) {
        return NULL;
    }

    // 创建 Span (每个线程独立)
    otlp_span_t* span = NULL;
    char span_name[64];
    snprintf(span_name, sizeof(span_name), "thread_%d_work", thread_id);

    if (otlp_span_create(tracer, span_name, &span) != OTLP_OK) {
        return NULL;
    }

    otlp_span_set_attribute_int(span, "thread.id", thread_id);

    // 模拟工作
    for (int i = 0; i < 1000; i++) {
        // 执行任务...
    }

    otlp_span_end(span);

    return NULL;
}

int main() {
    // 初始化 (仅一次)
    if (otlp_init("http://localhost:4318", "multi-threaded-app", &g_provider) != OTLP_OK) {
        fprintf(stderr, "Init failed\n");
        return 1;
    }

    // 启动 10 个线程
    pthread_t threads[10];
    int thread_ids[10];

    for (int i = 0; i < 10; i++) {
        thread_ids[i] = i;
        pthread_create(&threads[i], NULL, worker_thread, &thread_ids[i]);
    }

    // 等待线程完成
    for (int i = 0; i < 10; i++) {
        pthread_join(threads[i], NULL);
    }

    // 清理
    otlp_tracer_provider_free(g_provider);

    return 0;
}
