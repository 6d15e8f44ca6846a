//! otlp-ffi: OpenTelemetry tracing behind a C ABI.
//!
//! Module map (one file per concept; the `extern "C"` functions live with their concept):
//!
//! - `provider`: `otlp_init*`, flush, shutdown, free
//! - `tracer`: `otlp_get_tracer`
//! - `span`: span start, attributes, events, status, end
//! - `context`: W3C trace context inject / extract
//! - `config`: `otlp_config_*` and OTEL_* resolution
//! - `stats`: pipeline counters
//! - `export`: runtime, processor, OTLP encoding and transport
//! - `error`: codes, last error, version
//! - `ffi`: the panic boundary, argument guards and validated handles

#![deny(unsafe_op_in_unsafe_fn)]
#![allow(non_camel_case_types)]
// The extern functions are the C API: their pointer contracts are stated in each doc comment
// (what may be NULL, buffer lengths), which is what cbindgen copies into the header.
#![allow(clippy::missing_safety_doc)]

#[macro_use]
pub mod ffi;
pub mod attributes;
pub mod baggage;
pub mod config;
pub mod context;
pub mod error;
pub mod export;
pub mod fork;
pub mod provider;
pub mod resource;
pub mod sampler;
pub mod span;
pub mod stats;
pub mod tracer;

pub use attributes::{otlp_array_t, otlp_attribute_t, otlp_attribute_type_t, otlp_attribute_value_t};
pub use baggage::otlp_baggage_t;
pub use config::otlp_config_t;
pub use context::otlp_context_t;
pub use error::otlp_error_t;
pub use provider::otlp_tracer_provider_t;
pub use span::{otlp_link_t, otlp_span_kind_t, otlp_span_options_t, otlp_span_t, otlp_status_code_t};
pub use stats::otlp_stats_t;
pub use tracer::otlp_tracer_t;
