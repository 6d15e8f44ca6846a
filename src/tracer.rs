//! Tracers (header section "tracer"): `otlp_get_tracer*`. Tracers belong to their provider:
//! the user never frees one, and freeing the provider invalidates them.

use crate::boundary::{arg_opt_str, arg_str, check_ptr, write_out};
use crate::handles;
use crate::types::{otlp_error_t, otlp_tracer_provider_t, otlp_tracer_t};
use otlp_ffi_core::Scope;
use std::ffi::c_char;

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
        let handle = handles::provider(provider)?.default_tracer;
        unsafe { write_out(tracer, handle as *mut otlp_tracer_t) };
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
        let handle = handles::provider(provider)?.tracer_for(provider as usize, scope)?;
        unsafe { write_out(tracer, handle as *mut otlp_tracer_t) };
        Ok(())
    })
}
