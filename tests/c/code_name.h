/* code_name(rc): the otlp_error_t constant's name of a return code, for the C tests' failure
 * messages (tests/c/test_api.c, tests/sweep/sweep_rt.h). */
#ifndef OTLP_FFI_TESTS_CODE_NAME_H
#define OTLP_FFI_TESTS_CODE_NAME_H

#include "otlp_ffi.h"

static inline const char *code_name(int rc) {
    switch (rc) {
    case OTLP_OK: return "OTLP_OK";
    case OTLP_ERROR_INVALID_ARGUMENT: return "OTLP_ERROR_INVALID_ARGUMENT";
    case OTLP_ERROR_NULL_POINTER: return "OTLP_ERROR_NULL_POINTER";
    case OTLP_ERROR_INITIALIZATION_FAILED: return "OTLP_ERROR_INITIALIZATION_FAILED";
    case OTLP_ERROR_EXPORT_FAILED: return "OTLP_ERROR_EXPORT_FAILED";
    case OTLP_ERROR_OUT_OF_MEMORY: return "OTLP_ERROR_OUT_OF_MEMORY";
    case OTLP_ERROR_INVALID_HANDLE: return "OTLP_ERROR_INVALID_HANDLE";
    case OTLP_ERROR_TIMEOUT: return "OTLP_ERROR_TIMEOUT";
    case OTLP_ERROR_INTERNAL: return "OTLP_ERROR_INTERNAL";
    default: return "(unknown code)";
    }
}

#endif
