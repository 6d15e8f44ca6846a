//! Every `#[repr(C)]` item of the C API: the error codes, the enums, the structs bindings fill
//! in, and the opaque handle types. Nothing here has behaviour; the section files (provider.rs,
//! span.rs, ...) use these types and convert.rs turns the structs into core values.

#![allow(non_camel_case_types)]

use std::ffi::c_char;

// ---- errors ----

/// Result codes returned by every fallible function of the library.
///
/// The numbers are part of the ABI and are never reused. `OTLP_OK` is zero; every error is
/// negative. After a negative return, `otlp_get_last_error()` describes the failure.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum otlp_error_t {
    /// The call succeeded.
    OTLP_OK = 0,
    /// An argument has a value the call cannot accept (bad UTF-8, out-of-range enum, malformed
    /// traceparent, unknown config key, buffer too small...). The message names the argument.
    OTLP_ERROR_INVALID_ARGUMENT = -1,
    /// A required pointer argument was NULL. The message names the argument.
    OTLP_ERROR_NULL_POINTER = -2,
    /// The provider could not be created (bad endpoint, exporter could not start).
    OTLP_ERROR_INITIALIZATION_FAILED = -3,
    /// Spans could not be delivered (the collector refused them or could not be reached).
    OTLP_ERROR_EXPORT_FAILED = -4,
    /// A resource limit was reached (e.g. too many live handles).
    OTLP_ERROR_OUT_OF_MEMORY = -5,
    /// The handle is not live: already ended or freed, owned by a freed provider, of another
    /// type, or never issued by this library.
    OTLP_ERROR_INVALID_HANDLE = -6,
    /// A flush or shutdown did not complete within its timeout.
    OTLP_ERROR_TIMEOUT = -7,
    /// A bug inside the library (a caught panic); the message has the details.
    OTLP_ERROR_INTERNAL = -99,
}

impl otlp_error_t {
    /// The enumerator's name, used as the first word of every error message.
    pub fn name(self) -> &'static str {
        match self {
            Self::OTLP_OK => "OTLP_OK",
            Self::OTLP_ERROR_INVALID_ARGUMENT => "OTLP_ERROR_INVALID_ARGUMENT",
            Self::OTLP_ERROR_NULL_POINTER => "OTLP_ERROR_NULL_POINTER",
            Self::OTLP_ERROR_INITIALIZATION_FAILED => "OTLP_ERROR_INITIALIZATION_FAILED",
            Self::OTLP_ERROR_EXPORT_FAILED => "OTLP_ERROR_EXPORT_FAILED",
            Self::OTLP_ERROR_OUT_OF_MEMORY => "OTLP_ERROR_OUT_OF_MEMORY",
            Self::OTLP_ERROR_INVALID_HANDLE => "OTLP_ERROR_INVALID_HANDLE",
            Self::OTLP_ERROR_TIMEOUT => "OTLP_ERROR_TIMEOUT",
            Self::OTLP_ERROR_INTERNAL => "OTLP_ERROR_INTERNAL",
        }
    }
}

// ---- opaque handles ----

/// Opaque tracer provider: the configuration, the export pipeline and the tracers.
///
/// Created by `otlp_init` / `otlp_init_with_config`; freed by `otlp_tracer_provider_free`,
/// which also invalidates its tracers and any span still open. Shared freely across threads.
pub struct otlp_tracer_provider_t {
    _private: [u8; 0],
}

/// Opaque tracer handle from `otlp_get_tracer`. Owned by its provider: never free it; it stays
/// valid until the provider is freed. Shared freely across threads.
pub struct otlp_tracer_t {
    _private: [u8; 0],
}

/// Opaque span handle from `otlp_span_start` / `otlp_span_create`.
///
/// Valid until `otlp_span_end` (which also frees it) or until its provider is freed; every
/// later use returns OTLP_ERROR_INVALID_HANDLE. Calls on one span from several threads are
/// serialized by the library.
pub struct otlp_span_t {
    _private: [u8; 0],
}

/// Opaque span context: trace id, span id, trace flags and tracestate of a parent.
///
/// Created by `otlp_context_extract*` (a remote parent) or `otlp_span_get_context` (a local
/// parent); freed with `otlp_context_free`. A context is an immutable value: it stays valid
/// after the span it came from ends or its provider is freed, and may be shared by threads.
pub struct otlp_context_t {
    _private: [u8; 0],
}

/// Opaque configuration object: a set of OTEL_* settings applied by `otlp_init_with_config`.
///
/// Created by `otlp_config_new`, freed by `otlp_config_free`. Not copied by
/// `otlp_init_with_config`'s provider: free it whenever convenient. Calls on one config from
/// several threads are serialized.
pub struct otlp_config_t {
    _private: [u8; 0],
}

/// Opaque set of baggage entries. Created by `otlp_baggage_new` / `otlp_baggage_extract`,
/// freed by `otlp_baggage_free`; calls on one baggage from several threads are serialized.
pub struct otlp_baggage_t {
    _private: [u8; 0],
}

// ---- span kinds and status codes ----

/// The role of a span in a trace (OpenTelemetry SpanKind); values match OTLP's.
#[repr(C)]
#[allow(dead_code)]
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
#[allow(dead_code)]
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
pub type otlp_span_kind_arg = i32;

pub type otlp_status_code_arg = i32;

// ---- attributes ----

/// The type tag of an `otlp_attribute_t`: which member of its `value` is set.
#[repr(C)]
#[allow(dead_code)]
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
    /// `value.array_value` of `const char *` (NUL-terminated UTF-8, none NULL).
    OTLP_ATTRIBUTE_STRING_ARRAY = 5,
    /// `value.array_value` of `bool`.
    OTLP_ATTRIBUTE_BOOL_ARRAY = 6,
    /// `value.array_value` of `int64_t`.
    OTLP_ATTRIBUTE_INT_ARRAY = 7,
    /// `value.array_value` of `double`.
    OTLP_ATTRIBUTE_DOUBLE_ARRAY = 8,
}

pub type otlp_attribute_type_arg = i32;

/// A homogeneous array: `items` points to `len` elements of the type the tag names
/// (`const char *const[]`, `bool[]`, `int64_t[]` or `double[]`); NULL only when `len` is 0.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct otlp_array_t {
    pub items: *const std::ffi::c_void,
    pub len: usize,
}

/// The value of an `otlp_attribute_t`; which member is read is chosen by its `type`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union otlp_attribute_value_t {
    pub string_value: *const c_char,
    pub bool_value: bool,
    pub int_value: i64,
    pub double_value: f64,
    pub array_value: otlp_array_t,
}

/// One typed attribute. Arrays of these set many attributes in one call
/// (`otlp_span_set_attributes`, span options, events, links).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct otlp_attribute_t {
    /// NUL-terminated UTF-8 key, not empty.
    pub key: *const c_char,
    /// Which member of `value` holds the value (an otlp_attribute_type_t).
    pub r#type: otlp_attribute_type_arg,
    pub value: otlp_attribute_value_t,
}

// ---- span start options, links, finished spans ----

/// Options of `otlp_span_start_with_options`. Size-prefixed so it can grow without breaking
/// the ABI: set `struct_size = sizeof(otlp_span_options_t)` and zero what you do not use (a
/// zeroed struct with only `struct_size` set means: INTERNAL, root, no attributes or links,
/// started now).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct otlp_span_options_t {
    /// `sizeof(otlp_span_options_t)` as the caller compiled it.
    pub struct_size: usize,
    /// An otlp_span_kind_t; 0 means OTLP_SPAN_KIND_INTERNAL.
    pub kind: otlp_span_kind_arg,
    /// Parent context (from `otlp_context_extract*` or `otlp_span_get_context`), or NULL for a
    /// root span. Only read; the caller still frees it.
    pub parent: *const otlp_context_t,
    /// Attributes set at start (visible to the sampler's decision); NULL when the count is 0.
    pub attributes: *const otlp_attribute_t,
    pub attribute_count: usize,
    /// Links to other spans' contexts; NULL when the count is 0.
    pub links: *const otlp_link_t,
    pub link_count: usize,
    /// Start time in nanoseconds since the Unix epoch; 0 means now.
    pub start_time_unix_nano: u64,
}

/// A link from a new span to another span's context, with attributes.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct otlp_link_t {
    /// The linked context (only read; the caller still frees it). Not NULL.
    pub context: *const otlp_context_t,
    /// NULL when `attribute_count` is 0.
    pub attributes: *const otlp_attribute_t,
    pub attribute_count: usize,
}

/// A span that already finished, described by value for `otlp_span_emit`: what
/// `otlp_span_start_with_options` takes, plus the attributes set while it ran and its end.
/// Size-prefixed like otlp_span_options_t: set `struct_size = sizeof(otlp_finished_span_t)` and
/// zero what you do not use.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct otlp_finished_span_t {
    /// `sizeof(otlp_finished_span_t)` as the caller compiled it.
    pub struct_size: usize,
    /// The span name (UTF-8, copied). Not NULL.
    pub name: *const c_char,
    /// An otlp_span_kind_t; 0 means OTLP_SPAN_KIND_INTERNAL.
    pub kind: otlp_span_kind_arg,
    /// Parent context, or NULL for a root span. Only read; the caller still frees it.
    pub parent: *const otlp_context_t,
    /// Attributes the span started with (visible to the sampler's decision); NULL when the
    /// count is 0.
    pub start_attributes: *const otlp_attribute_t,
    pub start_attribute_count: usize,
    /// Links to other spans' contexts; NULL when the count is 0.
    pub links: *const otlp_link_t,
    pub link_count: usize,
    /// Start time in nanoseconds since the Unix epoch; 0 means now.
    pub start_time_unix_nano: u64,
    /// Attributes set after the start, applied in order (a key set again replaces the earlier
    /// value, start attributes included); NULL when the count is 0.
    pub attributes: *const otlp_attribute_t,
    pub attribute_count: usize,
    /// End time in nanoseconds since the Unix epoch; 0 means now; clamped to the start.
    pub end_time_unix_nano: u64,
}

// ---- stats ----

/// Counters of a provider's pipeline, all since `otlp_init*`.
///
/// After a force_flush or shutdown that returned OTLP_OK:
/// `spans_ended == spans_exported + spans_dropped`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct otlp_stats_t {
    /// Recording (sampled) spans started.
    pub spans_started: u64,
    /// Recording spans ended (handed to the pipeline).
    pub spans_ended: u64,
    /// Spans in export requests the receiver acknowledged (HTTP 2xx / gRPC OK), less those it
    /// reported rejected; with OTEL_TRACES_EXPORTER=console, spans written to stderr.
    pub spans_exported: u64,
    /// Spans that will never be exported: queue full, ended after shutdown, rejected by the
    /// receiver, abandoned after retries, or still queued when shutdown timed out.
    pub spans_dropped: u64,
    /// Export attempts that failed (every attempt, retries included).
    pub export_failures: u64,
}
