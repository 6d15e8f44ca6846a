//! otlp-ffi-core: the safe core of otlp-ffi — OpenTelemetry tracing with OTLP export, as a Rust
//! API of owned types. The C boundary (the `otlp-ffi` crate at the repository root) is a thin
//! layer over it; Rust programs and benchmarks use it directly:
//!
//! ```no_run
//! use otlp_ffi_core::{Settings, StartOptions, TracerProvider, Value};
//!
//! let settings = Settings::from_env(Some("http://localhost:4318"), Some("rust-app")).unwrap();
//! let provider = TracerProvider::new(settings).unwrap();
//! let tracer = provider.tracer();
//! let mut span = tracer.start("my_operation", StartOptions::default());
//! span.set_attribute("user.id", Value::Int(12345));
//! span.set_attribute("action", Value::Str("purchase"));
//! span.end();
//! provider.shutdown(std::time::Duration::from_secs(5)).unwrap();
//! ```
//!
//! Modules are layered and every import points down this list (no module imports one above it):
//!
//! 1. shared helpers: `error`, `util` (clock, hex, locks, percent-decoding), `fork`, `ids`
//! 2. the model: `attributes`, `context` (W3C Trace Context), `baggage` (W3C Baggage),
//!    `sampler`, `resource`, `data` (span records, limits, status rules), `pool` (recycled
//!    records)
//! 3. configuration: `config` (OTEL_* keys and their resolution into `Settings`)
//! 4. the pipeline: `export` (stats, processor, encoding, OTLP transports, runtime)
//! 5. the API: `span` (a live span), `tracer`, `provider`
//! 6. `atfork`: the fork() handlers (they take locks of layers 1-4)

#![forbid(unsafe_code)]

pub mod error;
pub mod fork;
pub mod ids;
pub mod util;

pub mod attributes;
pub mod baggage;
pub mod context;
pub mod data;
pub mod pool;
pub mod resource;
pub mod sampler;

pub mod config;

pub mod export;

pub mod provider;
pub mod span;
pub mod tracer;

pub mod atfork;

pub use attributes::Value;
pub use baggage::Baggage;
pub use config::{Config, Settings};
pub use context::SpanContext;
pub use data::{Scope, SpanKind, SpanLimits, StatusCode};
pub use error::{Error, ErrorKind, Result};
pub use export::stats::StatsSnapshot;
pub use provider::TracerProvider;
pub use span::Span;
pub use tracer::{StartOptions, Tracer};

/// The library version (`major.minor.patch`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
