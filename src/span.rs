//! Spans (header section "spans"): start, attributes, events, status, end of `otlp_span_t`.
//!
//! A span lives in the span registry from start to end. Ending it removes it (so a second end,
//! or any later call, sees an invalid handle) and hands it to the core, which queues it for
//! export; nothing on this path touches the network.

use crate::boundary::{arg_opt_str, arg_str, check_ptr, write_c_string, write_out};
use crate::convert;
use crate::error::{Error, Result};
use crate::handles::{self, CONTEXTS, SPANS};
use crate::types::{
    otlp_attribute_t, otlp_context_t, otlp_error_t, otlp_finished_span_t, otlp_span_kind_arg, otlp_span_kind_t,
    otlp_span_options_t, otlp_span_t, otlp_status_code_arg, otlp_tracer_t,
};
use otlp_ffi_core::util::to_hex;
use otlp_ffi_core::{Span, SpanContext, StartOptions, Value};
use std::ffi::c_char;

/// Runs `f` on a live span (holding its slot's lock, so calls on one span serialize).
#[inline(always)]
fn with_span(span: *const otlp_span_t, f: impl FnOnce(&mut Span)) -> Result<()> {
    SPANS.with(span as usize, f)
}

/// The span's context (for inject, the id getters and `otlp_span_get_context`).
pub(crate) fn context_of(span: *const otlp_span_t) -> Result<SpanContext> {
    SPANS.with(span as usize, |s| s.context())
}

#[inline(always)]
fn set_attr(span: *mut otlp_span_t, key: *const c_char, value: Value<'_>) -> Result<()> {
    // Only an array owns memory; the scalar and string setters (every call on the hot path)
    // skip Value's drop glue, which the compiler does not elide (~19 instructions a call).
    let value = std::mem::ManuallyDrop::new(value);
    let result = set_attr_ref(span, key, &value);
    if matches!(*value, Value::Array(_)) {
        drop(std::mem::ManuallyDrop::into_inner(value));
    }
    result
}

#[inline(always)]
fn set_attr_ref(span: *mut otlp_span_t, key: *const c_char, value: &Value<'_>) -> Result<()> {
    check_ptr(span, "span")?;
    let key = unsafe { arg_str(key, "key") }?;
    if key.is_empty() {
        return Err(Error::invalid_argument("argument `key` is empty"));
    }
    with_span(span, |s| s.set_attribute_ref(key, value))
}

/// Ends a span: removes it from the registry and hands it to the core for export.
fn end(span: *mut otlp_span_t, end_ns: Option<u64>) -> Result<()> {
    let span = handles::remove_span(span as usize)?;
    match end_ns {
        Some(ns) => span.end_at(ns),
        None => span.end(),
    }
    Ok(())
}

/// Writes text derived from a live span's context into a caller buffer (NUL-terminated);
/// the shared body of the inject and id functions.
///
/// # Safety
/// `buf` is NULL or valid for `buf_len` bytes of writes.
pub(crate) unsafe fn write_from_context(
    span: *const otlp_span_t,
    buf: *mut c_char,
    buf_len: usize,
    buf_name: &str,
    text: impl FnOnce(&SpanContext) -> String,
) -> Result<()> {
    check_ptr(span, "span")?;
    check_ptr(buf, buf_name)?;
    let value = text(&context_of(span)?);
    // SAFETY: non-NULL; the caller provides `buf_len` writable bytes.
    unsafe { write_c_string(buf, buf_len, &value, buf_name) }
}

/// Starts a span; the general form of `otlp_span_create`.
///
/// `kind` is one of otlp_span_kind_t (an out-of-range value returns
/// OTLP_ERROR_INVALID_ARGUMENT). `parent` NULL starts a new trace (a root span); otherwise it is
/// a context from `otlp_context_extract*` (remote parent: the span joins the caller's trace and
/// inherits its flags and tracestate) or from `otlp_span_get_context` (local parent). The
/// sampler (OTEL_TRACES_SAMPLER, default parent-based always-on) decides whether it records;
/// a span that is not sampled does not record or export but still propagates (flags 00).
/// `parent` is only read: the caller still owns and frees it.
///
/// On success `*span` receives a new span that the caller must end with `otlp_span_end`
/// (which frees it). `name` is copied. Threads: any thread, concurrently.
///
/// Errors: OTLP_ERROR_NULL_POINTER (tracer, name, span), OTLP_ERROR_INVALID_HANDLE (tracer or
/// parent not live), OTLP_ERROR_INVALID_ARGUMENT (name not UTF-8, kind out of range).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_start(
    tracer: *mut otlp_tracer_t,
    name: *const c_char,
    kind: otlp_span_kind_arg,
    parent: *const otlp_context_t,
    span: *mut *mut otlp_span_t,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(tracer, "tracer")?;
        let name = unsafe { arg_str(name, "name") }?;
        check_ptr(span, "span")?;
        let kind = convert::span_kind(kind)?;
        let parent = convert::parent(parent)?;
        let started =
            handles::with_tracer(tracer, |t| t.start(name, StartOptions { kind, parent, ..Default::default() }))?;
        let handle = handles::insert_span(tracer as usize, started)?;
        unsafe { write_out(span, handle as *mut otlp_span_t) };
        Ok(())
    })
}

/// Starts a root span of kind INTERNAL: `otlp_span_start(tracer, name,
/// OTLP_SPAN_KIND_INTERNAL, NULL, span)`.
///
/// Ownership, threading and errors as for `otlp_span_start`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_create(
    tracer: *mut otlp_tracer_t,
    name: *const c_char,
    span: *mut *mut otlp_span_t,
) -> otlp_error_t {
    unsafe { otlp_span_start(tracer, name, otlp_span_kind_t::OTLP_SPAN_KIND_INTERNAL as i32, std::ptr::null(), span) }
}

/// Starts a span with everything known at start in one call: kind, parent, attributes,
/// links and an explicit start time (see otlp_span_options_t). `options` NULL means all
/// defaults. Bindings use it to cross the boundary once per span start.
///
/// All inputs are validated before the span starts; an invalid entry fails the call and its
/// message names it (e.g. `options.attributes[1].key`, `options.links[0].context`).
///
/// Errors: OTLP_ERROR_NULL_POINTER (tracer, name, span, an array with a count but no
/// pointer), OTLP_ERROR_INVALID_HANDLE (tracer, parent or a link context not live),
/// OTLP_ERROR_INVALID_ARGUMENT (struct_size smaller than the first version of the struct,
/// kind out of range, invalid attribute). Ownership and threading as for otlp_span_start.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_start_with_options(
    tracer: *mut otlp_tracer_t,
    name: *const c_char,
    options: *const otlp_span_options_t,
    span: *mut *mut otlp_span_t,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(tracer, "tracer")?;
        let name = unsafe { arg_str(name, "name") }?;
        check_ptr(span, "span")?;
        let opts = unsafe { convert::read_options(options) }?;
        let started = handles::with_tracer(tracer, |t| t.start(name, opts))?;
        let handle = handles::insert_span(tracer as usize, started)?;
        unsafe { write_out(span, handle as *mut otlp_span_t) };
        Ok(())
    })
}

/// Records a whole span in one call: starts it as otlp_span_start_with_options would, sets
/// `span->attributes` as otlp_span_set_attributes would (after the sampler's decision, which
/// sees only `span->start_attributes`), ends it at `span->end_time_unix_nano` and queues it
/// for export.
///
/// For bindings that keep a span on their side while it runs (its start time, the attributes
/// set on it) and cross the boundary once, when it ends. No handle is created; the span's ids
/// are generated here, so a span whose context is needed while it runs is started with
/// otlp_span_start* instead. `span` is only read during the call.
///
/// Everything is validated before the span is created: if any input is invalid, nothing is
/// recorded and the message names the field (`span.name`, `span.start_attributes[0].key`,
/// `span.attributes[2].value.string_value`, `span.struct_size`). Never blocks on the network
/// (a full queue drops the span and counts it). Threads: any thread, concurrently.
///
/// Errors: OTLP_ERROR_NULL_POINTER (tracer, span, span->name, an array with a count but no
/// pointer), OTLP_ERROR_INVALID_HANDLE (tracer, parent or a link context not live),
/// OTLP_ERROR_INVALID_ARGUMENT (struct_size smaller than the first version of the struct, kind
/// out of range, name not UTF-8, invalid attribute).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_emit(tracer: *mut otlp_tracer_t, span: *const otlp_finished_span_t) -> otlp_error_t {
    ffi_result!({
        check_ptr(tracer, "tracer")?;
        check_ptr(span, "span")?;
        let f = unsafe { convert::read_finished(span) }?;
        handles::with_tracer(tracer, |t| t.emit(f.name, f.start, &f.attributes, f.end_ns))?;
        Ok(())
    })
}

/// Returns the context of `span`, to parent local children or to inject elsewhere.
///
/// `*context` receives a new context (trace id, span id, flags, tracestate) that the caller
/// frees with `otlp_context_free`; it stays valid after the span ends.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, context), OTLP_ERROR_INVALID_HANDLE (span not live).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_get_context(
    span: *const otlp_span_t,
    context: *mut *mut otlp_context_t,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        check_ptr(context, "context")?;
        let ctx = context_of(span)?;
        unsafe { handles::publish(&CONTEXTS, ctx, context) }
    })
}

/// Sets a string attribute (`key` and `value` are copied; setting a key again replaces it).
///
/// At most OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT (default 128) attributes are kept per span; more
/// are counted in the exported dropped_attributes_count; string values longer than
/// OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT characters are truncated. Thread-safe; calls on a span that
/// is not sampled succeed and do nothing.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, key, value), OTLP_ERROR_INVALID_HANDLE (span ended or
/// not live), OTLP_ERROR_INVALID_ARGUMENT (key empty, key or value not UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_set_attribute_string(
    span: *mut otlp_span_t,
    key: *const c_char,
    value: *const c_char,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        check_ptr(key, "key")?;
        let value = unsafe { arg_str(value, "value") }?;
        set_attr(span, key, Value::Str(value))
    })
}

/// Sets a 64-bit integer attribute. Rules and errors as for otlp_span_set_attribute_string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_set_attribute_int(
    span: *mut otlp_span_t,
    key: *const c_char,
    value: i64,
) -> otlp_error_t {
    ffi_result!({ set_attr(span, key, Value::Int(value)) })
}

/// Sets a boolean attribute. Rules and errors as for otlp_span_set_attribute_string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_set_attribute_bool(
    span: *mut otlp_span_t,
    key: *const c_char,
    value: bool,
) -> otlp_error_t {
    ffi_result!({ set_attr(span, key, Value::Bool(value)) })
}

/// Sets a double attribute. Rules and errors as for otlp_span_set_attribute_string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_set_attribute_double(
    span: *mut otlp_span_t,
    key: *const c_char,
    value: f64,
) -> otlp_error_t {
    ffi_result!({ set_attr(span, key, Value::Double(value)) })
}

/// Sets `count` typed attributes in one call (one boundary crossing for many attributes, as
/// bindings want), scalars or homogeneous arrays. All entries are validated first: if any is
/// invalid, none is set and the message names the entry (e.g. `attributes[2].key`). Keys and
/// strings are copied. `attributes` may be NULL only when `count` is 0. Limits as for
/// otlp_span_set_attribute_string.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, attributes, a key, string or array pointer),
/// OTLP_ERROR_INVALID_HANDLE, OTLP_ERROR_INVALID_ARGUMENT (bad type tag, empty key, not UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_set_attributes(
    span: *mut otlp_span_t,
    attributes: *const otlp_attribute_t,
    count: usize,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let parsed = unsafe { convert::read_c_attributes(attributes, count, "attributes") }?;
        with_span(span, |s| s.set_attributes(&parsed))
    })
}

/// Adds an event named `name` (copied), timestamped now. At most OTEL_SPAN_EVENT_COUNT_LIMIT
/// (default 128) events are kept; more are counted in dropped_events_count.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, name), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (name not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_add_event(span: *mut otlp_span_t, name: *const c_char) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let name = unsafe { arg_str(name, "name") }?;
        with_span(span, |s| s.add_event(name, None, &[]))
    })
}

/// Adds an event with attributes and an optional timestamp (`time_unix_nano` 0 = now).
/// `attributes` may be NULL when `count` is 0; an invalid entry fails the call and is named
/// (`attributes[i]`). At most OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT attributes per event are kept.
///
/// Errors: as for otlp_span_add_event and otlp_span_set_attributes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_add_event_with_attributes(
    span: *mut otlp_span_t,
    name: *const c_char,
    time_unix_nano: u64,
    attributes: *const otlp_attribute_t,
    count: usize,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let name = unsafe { arg_str(name, "name") }?;
        let parsed = unsafe { convert::read_c_attributes(attributes, count, "attributes") }?;
        let time = (time_unix_nano != 0).then_some(time_unix_nano);
        with_span(span, |s| s.add_event(name, time, &parsed))
    })
}

/// Sets the span status. `description` (copied; NULL or "" for none) is kept only with
/// OTLP_STATUS_ERROR. Per OpenTelemetry, OTLP_STATUS_OK is final and OTLP_STATUS_UNSET is
/// ignored.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (code out of range, description not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_set_status(
    span: *mut otlp_span_t,
    code: otlp_status_code_arg,
    description: *const c_char,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let description = unsafe { arg_opt_str(description, "description") }?.unwrap_or("");
        let code = convert::status_code(code)?;
        with_span(span, |s| s.set_status(code, description))
    })
}

/// Records an error: adds an `exception` event with attribute `exception.message` = `message`
/// and sets the status to ERROR with `message` as its description (OpenTelemetry semantic
/// conventions). `message` is copied.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, message), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (message not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_record_error(span: *mut otlp_span_t, message: *const c_char) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let message = unsafe { arg_str(message, "message") }?;
        with_span(span, |s| s.record_exception(None, message, None))
    })
}

/// Like otlp_span_record_error, with the exception's type (`exception.type`, e.g.
/// "ValueError") and stack trace (`exception.stacktrace`); both may be NULL.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, message), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (a string not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_record_exception(
    span: *mut otlp_span_t,
    exception_type: *const c_char,
    message: *const c_char,
    stacktrace: *const c_char,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let kind = unsafe { arg_opt_str(exception_type, "exception_type") }?;
        let message = unsafe { arg_str(message, "message") }?;
        let stack = unsafe { arg_opt_str(stacktrace, "stacktrace") }?;
        with_span(span, |s| s.record_exception(kind, message, stack))
    })
}

/// Renames the span (`name` copied).
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, name), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (name not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_update_name(span: *mut otlp_span_t, name: *const c_char) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let name = unsafe { arg_str(name, "name") }?;
        with_span(span, |s| s.update_name(name))
    })
}

/// Writes whether the span records (sampled, and its provider not shut down) to `*recording`.
/// A span that does not record accepts every call and exports nothing; skip expensive
/// attribute computation for it.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, recording), OTLP_ERROR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_is_recording(span: *const otlp_span_t, recording: *mut bool) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        check_ptr(recording, "recording")?;
        let r = SPANS.with(span as usize, |s| s.is_recording())?;
        unsafe { write_out(recording, r) };
        Ok(())
    })
}

/// Writes the span's trace id as 32 lowercase hex characters + NUL (`buf_len` >= 33), for
/// log correlation.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, buf), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (buffer too small; nothing written).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_get_trace_id(
    span: *const otlp_span_t,
    buf: *mut c_char,
    buf_len: usize,
) -> otlp_error_t {
    ffi_result!({ unsafe { write_from_context(span, buf, buf_len, "buf", |c| to_hex(&c.trace_id)) } })
}

/// Writes the span's id as 16 lowercase hex characters + NUL (`buf_len` >= 17).
///
/// Errors: as for otlp_span_get_trace_id.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_get_span_id(
    span: *const otlp_span_t,
    buf: *mut c_char,
    buf_len: usize,
) -> otlp_error_t {
    ffi_result!({ unsafe { write_from_context(span, buf, buf_len, "buf", |c| to_hex(&c.span_id)) } })
}

/// Ends the span, queues it for export and frees the handle.
///
/// Never blocks on the network: the span goes to a bounded queue (a full queue drops it and
/// counts it in spans_dropped). NULL is a no-op. Ending a span twice, or a handle that is not
/// live, does nothing and sets the last error (OTLP_ERROR_INVALID_HANDLE): the span is exported
/// once. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_end(span: *mut otlp_span_t) {
    if span.is_null() {
        return;
    }
    ffi_void!({ end(span, None) })
}

/// Ends the span at an explicit time (nanoseconds since the Unix epoch; 0 = now; a time
/// before the start is clamped to the start). Otherwise as otlp_span_end, but reports a span
/// that is not live as OTLP_ERROR_INVALID_HANDLE.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span), OTLP_ERROR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_end_with_timestamp(span: *mut otlp_span_t, end_time_unix_nano: u64) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        end(span, (end_time_unix_nano != 0).then_some(end_time_unix_nano))
    })
}
