/* CHECK(cond, fmt, ...) for the small single-scenario C tests driven by pytest
 * (test_split.c, test_zero_timeout.c): on failure prints the file, line, condition, the
 * formatted detail and the library's last error to stderr, and returns 3 from the calling
 * function (the tests' "check failed" exit code). */
#ifndef OTLP_FFI_TESTS_CHECK_H
#define OTLP_FFI_TESTS_CHECK_H

#include <otlp_ffi.h>
#include <stdio.h>

#define CHECK(cond, ...)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);              \
            fprintf(stderr, __VA_ARGS__);                                                         \
            fprintf(stderr, " (last error: %s)\n", otlp_get_last_error());                        \
            return 3;                                                                             \
        }                                                                                         \
    } while (0)

#endif
