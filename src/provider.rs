//! Tracer providers (header section "provider"): `otlp_init*`, flush, shutdown and free of
//! `otlp_tracer_provider_t` over the core's `TracerProvider`.

use crate::boundary::{arg_opt_str, check_ptr};
use crate::error::Result;
use crate::handles;
use crate::types::{otlp_config_t, otlp_error_t, otlp_tracer_provider_t};
use otlp_ffi_core::config::process_env;
use otlp_ffi_core::{Settings, TracerProvider};
use std::ffi::c_char;
use std::time::Duration;

/// Builds a provider, registers it and writes its handle to `out` (checked non-NULL).
fn create(settings: Settings, out: *mut *mut otlp_tracer_provider_t) -> Result<()> {
    crate::fork::install();
    crate::pin::install();
    crate::clock::install();
    let handle = handles::register_provider(TracerProvider::new(settings)?)?;
    // SAFETY: every caller checked `out`; writable per the API contract.
    unsafe { crate::boundary::write_out(out, handle as *mut otlp_tracer_provider_t) };
    Ok(())
}

fn timeout_arg(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

/// Creates a tracer provider exporting over OTLP: HTTP with protobuf by default, or http/json
/// or grpc per OTEL_EXPORTER_OTLP_PROTOCOL (OTEL_TRACES_EXPORTER selects console or none).
///
/// `endpoint` is the collector's base URL, http:// or https:// (e.g. "http://localhost:4318"):
/// for HTTP `/v1/traces` is appended to its path unless already there; for grpc it is used as
/// given. `service_name` becomes the resource's
/// service.name. NULL or an empty string for either means "not given": the OTEL_* environment
/// variables (see README), then the defaults (http://localhost:4318, "unknown_service:<exe>") apply;
/// explicit arguments win over the environment. No network traffic happens here: the call
/// succeeds when no collector is listening. Exports run on a background thread started by the
/// first provider and stopped with the last one.
///
/// fork(): a provider may be created before fork() and used in the children with no call of
/// any kind: in a child it starts an export thread of the child's own on first use and exports
/// the child's spans (its stats count those only); spans the parent had queued are exported by
/// the parent only, and ending a span started before the fork exports nothing in the child.
/// Free (or flush) the provider before the child exits to deliver what it queued.
///
/// On success `*provider` receives a provider that must be freed with
/// `otlp_tracer_provider_free`. Thread-safe.
///
/// Errors: OTLP_ERROR_NULL_POINTER (provider),
/// OTLP_ERROR_INVALID_ARGUMENT (not UTF-8, endpoint not an http:// or https:// URL),
/// OTLP_ERROR_INITIALIZATION_FAILED (the export runtime or HTTP client could not start, a TLS
/// file of OTEL_EXPORTER_OTLP_CERTIFICATE / _CLIENT_KEY / _CLIENT_CERTIFICATE cannot be read or
/// holds no PEM certificate or key, or an https endpoint has no CA to verify it with).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_init(
    endpoint: *const c_char,
    service_name: *const c_char,
    provider: *mut *mut otlp_tracer_provider_t,
) -> otlp_error_t {
    ffi_result!({
        let endpoint = unsafe { arg_opt_str(endpoint, "endpoint") }?;
        let service_name = unsafe { arg_opt_str(service_name, "service_name") }?;
        check_ptr(provider, "provider")?;
        let settings = Settings::from_env(endpoint, service_name)?;
        create(settings, provider)
    })
}

/// Creates a tracer provider from a configuration object (settings it lacks come from the
/// environment, then the defaults). The config is only read; the caller still frees it.
///
/// Errors: OTLP_ERROR_NULL_POINTER (config, provider), OTLP_ERROR_INVALID_HANDLE (config not
/// live), otherwise as for `otlp_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_init_with_config(
    config: *const otlp_config_t,
    provider: *mut *mut otlp_tracer_provider_t,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(config, "config")?;
        check_ptr(provider, "provider")?;
        let cfg = handles::config(config)?;
        let settings = Settings::resolve(None, None, &cfg, &process_env)?;
        create(settings, provider)
    })
}

/// Exports every span ended so far and waits up to `timeout_ms` for the collector to
/// acknowledge them. Blocks the calling thread (never the span path of other threads).
///
/// Returns OTLP_OK when all were exported (or dropped and counted), OTLP_ERROR_TIMEOUT when
/// the time ran out (export continues in the background), OTLP_ERROR_EXPORT_FAILED when the
/// collector refused or could not be reached (spans are kept for a later attempt while the
/// queue has room). After shutdown it returns OTLP_OK at once. `timeout_ms` 0 means "do not
/// wait": OTLP_OK when nothing is pending (nothing queued or in flight), otherwise the export
/// is started and OTLP_ERROR_TIMEOUT returned at once.
///
/// Errors also: OTLP_ERROR_NULL_POINTER (provider), OTLP_ERROR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_tracer_provider_force_flush(
    provider: *mut otlp_tracer_provider_t,
    timeout_ms: u32,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(provider, "provider")?;
        Ok(handles::provider(provider)?.provider.force_flush(timeout_arg(timeout_ms))?)
    })
}

/// Flushes (bounded by `timeout_ms`) and stops exporting. Afterwards the provider's tracers
/// hand out non-recording spans (calls succeed, nothing is exported) until it is freed; spans
/// ended after shutdown are counted as dropped. A second shutdown returns OTLP_OK.
///
/// Returns OTLP_OK, OTLP_ERROR_TIMEOUT (spans still queued are dropped and counted) or
/// OTLP_ERROR_EXPORT_FAILED (the collector refused or was unreachable after retries; returned
/// as soon as the retries are exhausted). With `timeout_ms` 0 it does not wait: OTLP_OK when
/// nothing is pending, otherwise OTLP_ERROR_TIMEOUT at once (recording stops either way).
/// Errors also: OTLP_ERROR_NULL_POINTER, OTLP_ERROR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_tracer_provider_shutdown(
    provider: *mut otlp_tracer_provider_t,
    timeout_ms: u32,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(provider, "provider")?;
        Ok(handles::provider(provider)?.provider.shutdown(timeout_arg(timeout_ms))?)
    })
}

/// Shuts the provider down and frees it, its tracers, and any of its spans not yet ended.
///
/// The shutdown is bounded by the export timeout (OTEL_EXPORTER_OTLP_TIMEOUT, default 10 s,
/// at most 30 s) and delivers every span ended before it when the collector is up; against a
/// refused connection it returns once the retries are exhausted. If that shutdown fails, the
/// provider is still freed and the last error says why. NULL is a no-op; a freed or forged
/// handle is left alone and sets the last error (OTLP_ERROR_INVALID_HANDLE). Every handle
/// derived from the provider (tracers, open spans) is invalid afterwards; contexts stay valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_tracer_provider_free(provider: *mut otlp_tracer_provider_t) {
    if provider.is_null() {
        return;
    }
    ffi_void!({ Ok(handles::unregister_provider(provider as usize)?.provider.close()?) })
}
