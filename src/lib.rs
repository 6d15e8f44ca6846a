//! otlp-ffi: OpenTelemetry tracing behind a C ABI — the C boundary over `otlp_ffi_core`.
//!
//! This crate is the only one that knows C. Every exported function is guards (NULL checks,
//! C strings, handle lookups) + one call into the safe core + the error mapped to an
//! `otlp_error_t`. Module map:
//!
//! - one file per header section: `provider` (`otlp_init*`, flush, shutdown, free), `tracer`
//!   (`otlp_get_tracer*`), `span` (start, attributes, events, status, end), `context` (W3C
//!   trace context inject / extract), `baggage`, `config`, `stats`, `error` (last error,
//!   version)
//! - `types`: every `#[repr(C)]` item of the header
//! - `boundary`: the panic boundary (`ffi_result!`) and argument guards
//! - `handles`: the one registry of validated handles
//! - `convert`: C structs (attributes, options, links, finished spans) to core values
//! - `fork`: the `pthread_atfork` hook
//! - `pin`: keeps the shared library mapped once its export thread runs (dlclose)
//! - `clock`: the span clock installed into the core

#![deny(unsafe_op_in_unsafe_fn)]
#![allow(non_camel_case_types)]
// The extern functions are the C API: their pointer contracts are stated in each doc comment
// (what may be NULL, buffer lengths), which is what cbindgen copies into the header.
#![allow(clippy::missing_safety_doc)]

#[macro_use]
pub mod boundary;
pub mod clock;
pub mod convert;
pub mod error;
pub mod fork;
pub mod handles;
pub mod pin;
pub mod types;

pub mod baggage;
pub mod config;
pub mod context;
pub mod provider;
pub mod span;
pub mod stats;
pub mod tracer;

pub use baggage::*;
pub use clock::otlp_now_unix_nano;
pub use config::*;
pub use context::*;
pub use error::{otlp_get_last_error, otlp_version};
pub use provider::*;
pub use span::*;
pub use stats::*;
pub use tracer::*;
pub use types::*;
