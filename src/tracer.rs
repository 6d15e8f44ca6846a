//! Tracers: an instrumentation scope bound to a provider. Tracers belong to their provider:
//! the user never frees one, and freeing the provider invalidates them.

use crate::error::{Result, otlp_error_t};
use crate::export::processor::Pipeline;
use crate::ffi::boundary::{arg_opt_str, arg_str, check_ptr};
use crate::ffi::handle::Slab;
use crate::provider::{self, otlp_tracer_provider_t};
use crate::sampler::Sampler;
use std::ffi::c_char;
use std::sync::Arc;

/// Opaque tracer handle from `otlp_get_tracer`. Owned by its provider: never free it; it stays
/// valid until the provider is freed. Shared freely across threads.
pub struct otlp_tracer_t {
    _private: [u8; 0],
}

/// The instrumentation scope spans of a tracer are exported under.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    pub name: String,
    pub version: String,
    pub schema_url: String,
}

/// The scope of the seed API's `otlp_get_tracer`.
pub fn default_scope() -> Scope {
    Scope { name: "otlp-ffi".to_owned(), version: env!("CARGO_PKG_VERSION").to_owned(), schema_url: String::new() }
}

pub struct Tracer {
    pub provider_id: u64,
    pub scope: Arc<Scope>,
    pub sampler: Sampler,
    pipeline: Option<Arc<Pipeline>>,
    /// Fork generation of the provider: in a forked child the pipeline has no export thread.
    generation: u64,
}

impl Tracer {
    pub fn new(provider_id: u64, scope: Scope, sampler: Sampler, pipeline: Option<Arc<Pipeline>>) -> Self {
        Self { provider_id, scope: Arc::new(scope), sampler, pipeline, generation: crate::fork::generation() }
    }

    /// The pipeline new spans record into, or `None` once the provider is shut down, the SDK
    /// is disabled, or this is a forked child of the process that created the provider: spans
    /// are then non-recording (they still propagate).
    pub fn pipeline(&self) -> Option<&Arc<Pipeline>> {
        self.pipeline.as_ref().filter(|p| !p.is_shut_down() && self.generation == crate::fork::generation())
    }
}

pub(crate) static TRACERS: Slab<Arc<Tracer>> = Slab::new(0x7C, "tracer");

pub fn lookup(tracer: *const otlp_tracer_t) -> Result<Arc<Tracer>> {
    TRACERS.with(tracer as usize, |t| t.clone())
}

/// Returns the provider's tracer (instrumentation scope "otlp-ffi", the library version).
///
/// The tracer is owned by the provider: do not free it; it is valid until
/// `otlp_tracer_provider_free`. Every call returns the same tracer, so calling this per thread
/// or per request costs nothing and leaks nothing. Thread-safe.
///
/// Errors: OTLP_ERROR_NULL_POINTER (provider, tracer), OTLP_ERROR_INVALID_HANDLE (provider
/// freed or forged).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_get_tracer(
    provider: *mut otlp_tracer_provider_t,
    tracer: *mut *mut otlp_tracer_t,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(provider, "provider")?;
        check_ptr(tracer, "tracer")?;
        let handle = provider::lookup(provider)?.default_tracer;
        // SAFETY: checked non-NULL; writable per the API contract.
        unsafe { tracer.write(handle as *mut otlp_tracer_t) };
        Ok(())
    })
}

/// Returns the provider's tracer for an instrumentation scope: `name` (required, e.g. the
/// library being instrumented), `version` and `schema_url` (may be NULL). Spans of this tracer
/// are exported under that scope.
///
/// Owned by the provider like every tracer; the same scope returns the same tracer.
///
/// Errors: OTLP_ERROR_NULL_POINTER (provider, name, tracer), OTLP_ERROR_INVALID_HANDLE
/// (provider not live), OTLP_ERROR_INVALID_ARGUMENT (a string not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_get_tracer_with_scope(
    provider: *mut otlp_tracer_provider_t,
    name: *const c_char,
    version: *const c_char,
    schema_url: *const c_char,
    tracer: *mut *mut otlp_tracer_t,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(provider, "provider")?;
        let name = unsafe { arg_str(name, "name") }?;
        let version = unsafe { arg_opt_str(version, "version") }?.unwrap_or("");
        let schema_url = unsafe { arg_opt_str(schema_url, "schema_url") }?.unwrap_or("");
        check_ptr(tracer, "tracer")?;
        let scope = Scope { name: name.to_owned(), version: version.to_owned(), schema_url: schema_url.to_owned() };
        let handle = provider::lookup(provider)?.tracer_for(scope)?;
        // SAFETY: checked non-NULL; writable per the API contract.
        unsafe { tracer.write(handle as *mut otlp_tracer_t) };
        Ok(())
    })
}
