//! W3C Trace Context (header section "context"): inject a span's `traceparent` / `tracestate`,
//! extract an incoming one into an `otlp_context_t` handle, free it.

use crate::boundary::{arg_opt_str, arg_str, check_ptr};
use crate::handles::{self, CONTEXTS};
use crate::span;
use crate::types::{otlp_context_t, otlp_error_t, otlp_span_t};
use otlp_ffi_core::SpanContext;
use otlp_ffi_core::context::extract;
use std::ffi::c_char;

/// Writes the W3C `traceparent` of `span` into `headers` (NUL-terminated).
///
/// `headers` must hold at least 56 bytes (55 characters + NUL); a smaller `headers_len`
/// returns OTLP_ERROR_INVALID_ARGUMENT with the size needed in the message and writes nothing.
/// The flags are the span's own (all eight bits; `00` for a span that is not sampled), so a
/// non-sampled span still propagates its trace. Works on a span until it is ended.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, headers), OTLP_ERROR_INVALID_HANDLE (span ended,
/// freed or forged), OTLP_ERROR_INVALID_ARGUMENT (buffer too small). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_context_inject(
    span: *mut otlp_span_t,
    headers: *mut c_char,
    headers_len: usize,
) -> otlp_error_t {
    ffi_result!({
        unsafe { span::write_from_context(span, headers, headers_len, "headers", SpanContext::traceparent) }
    })
}

/// Writes the W3C `tracestate` of `span` into `buf` (NUL-terminated); `""` when it has none.
///
/// A span started under an extracted context carries that context's tracestate, normalized
/// (whitespace around members removed); it is also what the span is exported with. Buffer
/// rules as for `otlp_context_inject`: a buffer too small fails with
/// OTLP_ERROR_INVALID_ARGUMENT, writes nothing, and the message states the size needed.
///
/// Errors: OTLP_ERROR_NULL_POINTER, OTLP_ERROR_INVALID_HANDLE, OTLP_ERROR_INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_context_inject_tracestate(
    span: *mut otlp_span_t,
    buf: *mut c_char,
    buf_len: usize,
) -> otlp_error_t {
    ffi_result!({ unsafe { span::write_from_context(span, buf, buf_len, "buf", |c| c.tracestate().to_owned()) } })
}

/// Parses an incoming W3C `traceparent` into a remote parent context.
///
/// Validation follows W3C Trace Context: lowercase hex, exact field lengths, non-zero ids,
/// version `ff` rejected, version 00 exactly 55 characters, future versions read by their first
/// four fields. All eight flag bits are kept. On success `*context` receives a new context that
/// the caller frees with `otlp_context_free`; on failure nothing is written and the caller
/// should start a new trace.
///
/// Errors: OTLP_ERROR_NULL_POINTER (traceparent, context), OTLP_ERROR_INVALID_ARGUMENT
/// (malformed traceparent; the message says which field). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_context_extract(
    traceparent: *const c_char,
    context: *mut *mut otlp_context_t,
) -> otlp_error_t {
    ffi_result!({
        let tp = unsafe { arg_str(traceparent, "traceparent") }?;
        check_ptr(context, "context")?;
        unsafe { handles::publish(&CONTEXTS, extract(tp, None)?, context) }
    })
}

/// Like `otlp_context_extract`, also taking the incoming `tracestate` header (may be NULL).
///
/// A valid tracestate (W3C Trace Context level 2 grammar, at most 32 members; a key repeated
/// later in the list is dropped) is carried to every span started under this context and
/// injected by `otlp_context_inject_tracestate`; an invalid one is dropped and the call still
/// succeeds when the traceparent is valid. Several `tracestate` header lines are one value:
/// join them with "," before the call.
///
/// Errors: OTLP_ERROR_NULL_POINTER (traceparent, context), OTLP_ERROR_INVALID_ARGUMENT
/// (malformed traceparent, or tracestate not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_context_extract_with_state(
    traceparent: *const c_char,
    tracestate: *const c_char,
    context: *mut *mut otlp_context_t,
) -> otlp_error_t {
    ffi_result!({
        let tp = unsafe { arg_str(traceparent, "traceparent") }?;
        let ts = unsafe { arg_opt_str(tracestate, "tracestate") }?;
        check_ptr(context, "context")?;
        unsafe { handles::publish(&CONTEXTS, extract(tp, ts)?, context) }
    })
}

/// Frees a context from `otlp_context_extract*` or `otlp_span_get_context`.
///
/// NULL is a no-op. A context already freed, or a pointer this library did not hand out, is
/// left alone and sets the last error (OTLP_ERROR_INVALID_HANDLE) — never a double free.
/// Spans started with this context as parent are not affected.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_context_free(context: *mut otlp_context_t) {
    if context.is_null() {
        return;
    }
    ffi_void!({ CONTEXTS.remove(context as usize).map(drop) })
}
