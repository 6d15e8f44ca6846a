//! Spans: start, attributes, events, status, end — and the `otlp_span_t` handle.
//!
//! A span lives in the span slab from start to end. Ending it removes it from the slab (so a
//! second end, or any later call, sees an invalid handle) and hands its data to the provider's
//! pipeline; nothing on this path touches the network.

use crate::attributes::{Attributes, Text, Value};
use crate::context::{self, SAMPLED, SpanContext, otlp_context_t};
use crate::error::{Error, Result, otlp_error_t};
use crate::export::{encode, processor::Pipeline};
use crate::ffi::boundary::{arg_str, check_ptr};
use crate::ffi::handle::Slab;
use crate::tracer::{self, Scope, otlp_tracer_t};
use opentelemetry_proto::tonic::common::v1::KeyValue;
use std::cell::Cell;
use std::ffi::c_char;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Opaque span handle from `otlp_span_start` / `otlp_span_create`.
///
/// Valid until `otlp_span_end` (which also frees it) or until its provider is freed; every
/// later use returns OTLP_ERROR_INVALID_HANDLE. Calls on one span from several threads are
/// serialized by the library.
pub struct otlp_span_t {
    _private: [u8; 0],
}

/// The role of a span in a trace (OpenTelemetry SpanKind); values match OTLP's.
#[repr(C)]
#[allow(non_camel_case_types, dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum otlp_span_kind_t {
    /// An internal operation (the default).
    OTLP_SPAN_KIND_INTERNAL = 1,
    /// Handles a remote request (e.g. an HTTP server handler).
    OTLP_SPAN_KIND_SERVER = 2,
    /// Makes a remote request (e.g. an HTTP client call).
    OTLP_SPAN_KIND_CLIENT = 3,
    /// Sends a message to a broker.
    OTLP_SPAN_KIND_PRODUCER = 4,
    /// Receives a message from a broker.
    OTLP_SPAN_KIND_CONSUMER = 5,
}

/// Span status (OpenTelemetry StatusCode); values match OTLP's.
#[repr(C)]
#[allow(non_camel_case_types, dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum otlp_status_code_t {
    /// No status set (the default).
    OTLP_STATUS_UNSET = 0,
    /// The operation succeeded; final once set.
    OTLP_STATUS_OK = 1,
    /// The operation failed.
    OTLP_STATUS_ERROR = 2,
}

/// How C passes an `otlp_span_kind_t` / `otlp_status_code_t`: as the plain integer an enum
/// is, so an out-of-range value is an error code, never an invalid Rust enum.
#[allow(non_camel_case_types)]
pub type otlp_span_kind_arg = i32;
#[allow(non_camel_case_types)]
pub type otlp_status_code_arg = i32;

/// The type tag of an `otlp_attribute_t`.
#[repr(C)]
#[allow(non_camel_case_types, dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum otlp_attribute_type_t {
    /// `value.string_value`: a NUL-terminated UTF-8 string (copied).
    OTLP_ATTRIBUTE_STRING = 1,
    /// `value.bool_value`.
    OTLP_ATTRIBUTE_BOOL = 2,
    /// `value.int_value`: a signed 64-bit integer.
    OTLP_ATTRIBUTE_INT = 3,
    /// `value.double_value`.
    OTLP_ATTRIBUTE_DOUBLE = 4,
}

#[allow(non_camel_case_types)]
pub type otlp_attribute_type_arg = i32;

/// The value of an `otlp_attribute_t`; which member is read is chosen by its `type`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union otlp_attribute_value_t {
    pub string_value: *const c_char,
    pub bool_value: bool,
    pub int_value: i64,
    pub double_value: f64,
}

/// One typed attribute, for setting several in one call (`otlp_span_set_attributes`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct otlp_attribute_t {
    /// NUL-terminated UTF-8 key, not empty.
    pub key: *const c_char,
    /// Which member of `value` holds the value (an otlp_attribute_type_t).
    pub r#type: otlp_attribute_type_arg,
    pub value: otlp_attribute_value_t,
}

/// Most attributes (and events) a span keeps; the rest are counted as dropped, as OTLP says.
pub(crate) const MAX_ATTRIBUTES: usize = 128;
pub(crate) const MAX_EVENTS: usize = 128;

/// One event of a span.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    pub time_ns: u64,
    pub attributes: Vec<KeyValue>,
}

/// Everything exported about one span.
#[derive(Debug, Clone)]
pub struct SpanData {
    pub ctx: SpanContext,
    pub parent_span_id: Option<[u8; 8]>,
    pub parent_is_remote: bool,
    /// The span name, in the attribute arena.
    pub name: Text,
    pub kind: i32,
    pub start_ns: u64,
    pub end_ns: u64,
    pub attributes: Attributes,
    pub events: Vec<Event>,
    pub dropped_events: u32,
    pub status_code: i32,
    pub status_message: String,
    pub scope: Arc<Scope>,
}

impl SpanData {
    fn set_attribute(&mut self, key: &str, value: Value<'_>) {
        self.attributes.set(key, value, MAX_ATTRIBUTES);
    }

    pub fn name(&self) -> &str {
        self.attributes.get(self.name)
    }

    fn add_event(&mut self, event: Event) {
        if self.events.len() < MAX_EVENTS {
            self.events.push(event);
        } else {
            self.dropped_events = self.dropped_events.saturating_add(1);
        }
    }

    fn set_status(&mut self, code: i32, description: &str) {
        // OpenTelemetry: Ok is final, Unset is ignored, the description only goes with Error.
        if self.status_code == otlp_status_code_t::OTLP_STATUS_OK as i32
            || code == otlp_status_code_t::OTLP_STATUS_UNSET as i32
        {
            return;
        }
        self.status_code = code;
        self.status_message = if code == otlp_status_code_t::OTLP_STATUS_ERROR as i32 {
            description.to_owned()
        } else {
            String::new()
        };
    }
}

/// A live span: its identity always, its data only while it records.
pub struct SpanState {
    pub provider_id: u64,
    pub data: SpanData,
    pipeline: Option<Arc<Pipeline>>,
}

pub(crate) static SPANS: Slab<SpanState> = Slab::new(0x5A, "span");

pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

thread_local! {
    static RNG: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // std seeds RandomState from the OS RNG; mix in time so every thread differs.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(now_ns());
    h.finish()
}

/// splitmix64: fast, full-period, good enough for random trace and span ids.
fn next_u64() -> u64 {
    RNG.with(|s| {
        let mut z = s.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        s.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

fn new_span_id() -> [u8; 8] {
    loop {
        let v = next_u64();
        if v != 0 {
            return v.to_be_bytes();
        }
    }
}

fn new_trace_id() -> [u8; 16] {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&next_u64().to_be_bytes());
    id[8..].copy_from_slice(&new_span_id());
    id
}

fn check_kind(kind: otlp_span_kind_arg) -> Result<i32> {
    if (1..=5).contains(&kind) {
        Ok(kind)
    } else {
        Err(Error::invalid_argument(format!(
            "argument `kind` is {kind}, not an otlp_span_kind_t (1..=5)"
        )))
    }
}

/// Starts a span of `tracer`; the safe core of `otlp_span_start`.
pub fn start(
    tracer: &tracer::Tracer,
    name: &str,
    kind: i32,
    parent: Option<SpanContext>,
) -> Result<usize> {
    let span_id = new_span_id();
    let (ctx, parent_span_id, parent_is_remote) = match parent {
        Some(p) => (
            SpanContext {
                span_id,
                is_remote: false,
                ..p.clone()
            },
            Some(p.span_id),
            p.is_remote,
        ),
        None => (
            SpanContext {
                trace_id: new_trace_id(),
                span_id,
                flags: SAMPLED,
                trace_state: None,
                is_remote: false,
            },
            None,
            false,
        ),
    };
    // Sampler: parent-based, always-on for roots. A span that is not sampled does not record
    // but keeps its identity for propagation.
    let pipeline = if ctx.is_sampled() {
        tracer.pipeline().cloned()
    } else {
        None
    };
    let start_ns = now_ns();
    if let Some(p) = &pipeline {
        p.span_started();
    }
    let (attributes, name) = if pipeline.is_some() {
        Attributes::with_name(name)
    } else {
        (Attributes::default(), Text::default())
    };
    let state = SpanState {
        provider_id: tracer.provider_id,
        data: SpanData {
            ctx,
            parent_span_id,
            parent_is_remote,
            name,
            kind,
            start_ns,
            end_ns: 0,
            attributes,
            events: Vec::new(),
            dropped_events: 0,
            status_code: 0,
            status_message: String::new(),
            scope: tracer.scope.clone(),
        },
        pipeline,
    };
    SPANS.insert(state)
}

/// Runs `f` on a recording span's data; a non-recording span accepts and ignores the call.
fn with_data(span: *mut otlp_span_t, f: impl FnOnce(&mut SpanData)) -> Result<()> {
    SPANS.with(span as usize, |s| {
        if s.pipeline.is_some() {
            f(&mut s.data)
        }
    })
}

/// The span's context (for inject and `otlp_span_get_context`).
pub fn context_of(span: *const otlp_span_t) -> Result<SpanContext> {
    SPANS.with(span as usize, |s| s.data.ctx.clone())
}

/// Ends a span: removes it from the slab and queues its data for export.
pub fn end(span: *mut otlp_span_t) -> Result<()> {
    let state = SPANS.remove(span as usize)?;
    if let Some(pipeline) = state.pipeline {
        let mut data = state.data;
        data.end_ns = now_ns().max(data.start_ns);
        pipeline.span_ended(data);
    }
    Ok(())
}

/// Drops every live span of a freed provider without exporting it.
pub fn forget_provider(provider_id: u64) {
    drop(SPANS.remove_where(|s| s.provider_id == provider_id));
}

fn set_attr(span: *mut otlp_span_t, key: *const c_char, value: Value<'_>) -> Result<()> {
    check_ptr(span, "span")?;
    let key = unsafe { arg_str(key, "key") }?;
    if key.is_empty() {
        return Err(Error::invalid_argument("argument `key` is empty"));
    }
    with_data(span, |d| d.set_attribute(key, value))
}

/// Starts a span; the general form of `otlp_span_create`.
///
/// `kind` is one of otlp_span_kind_t (an out-of-range value returns
/// OTLP_ERROR_INVALID_ARGUMENT). `parent` NULL starts a new trace (a root span); otherwise it is
/// a context from `otlp_context_extract*` (remote parent: the span joins the caller's trace and
/// inherits its flags and tracestate) or from `otlp_span_get_context` (local parent). A parent
/// whose sampled flag is 0 yields a span that does not record or export, but still propagates.
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
        let kind = check_kind(kind)?;
        let tracer = tracer::lookup(tracer)?;
        let parent = if parent.is_null() {
            None
        } else {
            Some(context::lookup(parent)?)
        };
        let handle = start(&tracer, name, kind, parent)?;
        // SAFETY: checked non-NULL; writable per the API contract.
        unsafe { span.write(handle as *mut otlp_span_t) };
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
    unsafe {
        otlp_span_start(
            tracer,
            name,
            otlp_span_kind_t::OTLP_SPAN_KIND_INTERNAL as i32,
            std::ptr::null(),
            span,
        )
    }
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
        unsafe { context::publish(ctx, context) }
    })
}

/// Sets a string attribute (`key` and `value` are copied; setting a key again replaces it).
///
/// At most 128 attributes are kept per span; more are counted in the exported
/// dropped_attributes_count. Thread-safe; calls on a span that is not sampled succeed and do
/// nothing.
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

/// Reads one tagged attribute from C memory.
///
/// # Safety
/// `a` points to a readable `otlp_attribute_t` whose pointers are NULL or valid C strings.
unsafe fn read_attribute<'a>(a: &otlp_attribute_t, i: usize) -> Result<(&'a str, Value<'a>)> {
    let key = unsafe { arg_str(a.key, &format!("attributes[{i}].key")) }?;
    if key.is_empty() {
        return Err(Error::invalid_argument(format!(
            "argument `attributes[{i}].key` is empty"
        )));
    }
    // SAFETY (each arm): the tag says which member the caller wrote; a bool is read as its
    // byte so that a malformed bool is never materialized as a Rust `bool`.
    let value = match a.r#type {
        1 => {
            let s = unsafe {
                arg_str(
                    a.value.string_value,
                    &format!("attributes[{i}].value.string_value"),
                )
            }?;
            Value::Str(s)
        }
        2 => {
            let byte = unsafe { std::ptr::addr_of!(a.value).cast::<u8>().read() };
            Value::Bool(byte != 0)
        }
        3 => Value::Int(unsafe { a.value.int_value }),
        4 => Value::Double(unsafe { a.value.double_value }),
        t => {
            return Err(Error::invalid_argument(format!(
                "argument `attributes[{i}].type` is {t}, not an otlp_attribute_type_t (1..=4)"
            )));
        }
    };
    Ok((key, value))
}

/// Sets `count` typed attributes in one call (one boundary crossing for many attributes, as
/// bindings want). All entries are validated first: if any is invalid, none is set and the
/// message names the entry (e.g. `attributes[2].key`). Keys and strings are copied.
/// `attributes` may be NULL only when `count` is 0. Limits as for
/// otlp_span_set_attribute_string.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, attributes, a key or string value),
/// OTLP_ERROR_INVALID_HANDLE, OTLP_ERROR_INVALID_ARGUMENT (bad type tag, empty key, not UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_set_attributes(
    span: *mut otlp_span_t,
    attributes: *const otlp_attribute_t,
    count: usize,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        if count == 0 {
            return SPANS.with(span as usize, |_| ());
        }
        check_ptr(attributes, "attributes")?;
        // SAFETY: the caller provides `count` readable entries.
        let entries = unsafe { std::slice::from_raw_parts(attributes, count) };
        let parsed = entries
            .iter()
            .enumerate()
            .map(|(i, a)| unsafe { read_attribute(a, i) })
            .collect::<Result<Vec<_>>>()?;
        with_data(span, |d| {
            for (key, value) in parsed {
                d.set_attribute(key, value);
            }
        })
    })
}

/// Adds an event named `name` (copied), timestamped now. At most 128 events are kept; more
/// are counted in dropped_events_count.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, name), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (name not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_add_event(
    span: *mut otlp_span_t,
    name: *const c_char,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let name = unsafe { arg_str(name, "name") }?;
        let event = Event {
            name: name.to_owned(),
            time_ns: now_ns(),
            attributes: Vec::new(),
        };
        with_data(span, |d| d.add_event(event))
    })
}

/// Sets the span status. `description` (copied; pass "" for none) is kept only with
/// OTLP_STATUS_ERROR. Per OpenTelemetry, OTLP_STATUS_OK is final and OTLP_STATUS_UNSET is
/// ignored.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, description), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (code out of range, description not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_set_status(
    span: *mut otlp_span_t,
    code: otlp_status_code_arg,
    description: *const c_char,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let description = unsafe { arg_str(description, "description") }?;
        if !(0..=2).contains(&code) {
            return Err(Error::invalid_argument(format!(
                "argument `code` is {code}, not an otlp_status_code_t (0..=2)"
            )));
        }
        with_data(span, |d| d.set_status(code, description))
    })
}

/// Records an error: adds an `exception` event with attribute `exception.message` = `message`
/// and sets the status to ERROR with `message` as its description (OpenTelemetry semantic
/// conventions). `message` is copied.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, message), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (message not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_record_error(
    span: *mut otlp_span_t,
    message: *const c_char,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let message = unsafe { arg_str(message, "message") }?;
        with_data(span, |d| {
            d.add_event(Event {
                name: "exception".to_owned(),
                time_ns: now_ns(),
                attributes: vec![encode::string_kv("exception.message", message)],
            });
            d.set_status(otlp_status_code_t::OTLP_STATUS_ERROR as i32, message);
        })
    })
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
    ffi_void!({ end(span) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_non_zero() {
        let a = new_trace_id();
        let b = new_trace_id();
        assert_ne!(a, b);
        assert_ne!(a, [0; 16]);
        let h = std::thread::spawn(new_trace_id).join().unwrap();
        assert_ne!(h, a);
    }

    fn data() -> SpanData {
        SpanData {
            ctx: SpanContext {
                trace_id: [1; 16],
                span_id: [2; 8],
                flags: 1,
                trace_state: None,
                is_remote: false,
            },
            parent_span_id: None,
            parent_is_remote: false,
            name: Text::default(),
            kind: 1,
            start_ns: 1,
            end_ns: 2,
            attributes: Attributes::default(),
            events: vec![],
            dropped_events: 0,
            status_code: 0,
            status_message: String::new(),
            scope: Arc::new(Scope::default()),
        }
    }

    #[test]
    fn attributes_replace_and_limit() {
        let mut d = data();
        d.set_attribute("k", Value::Int(1));
        d.set_attribute("k", Value::Int(2));
        assert_eq!(d.attributes.len(), 1);
        for i in 0..200 {
            d.set_attribute(&format!("a{i}"), Value::Bool(true));
        }
        assert_eq!(d.attributes.len(), MAX_ATTRIBUTES);
        assert_eq!(d.attributes.dropped, 200 - (MAX_ATTRIBUTES as u32 - 1));
    }

    #[test]
    fn status_rules() {
        let mut d = data();
        d.set_status(2, "boom");
        assert_eq!((d.status_code, d.status_message.as_str()), (2, "boom"));
        d.set_status(0, "");
        assert_eq!(d.status_code, 2, "unset is ignored");
        d.set_status(1, "ignored");
        assert_eq!((d.status_code, d.status_message.as_str()), (1, ""));
        d.set_status(2, "late");
        assert_eq!(d.status_code, 1, "ok is final");
    }

    #[test]
    fn kind_range() {
        assert!(check_kind(0).is_err());
        assert!(check_kind(6).is_err());
        assert_eq!(check_kind(5).unwrap(), 5);
    }
}
