//! Tracer providers: configuration, the export pipeline and the lifecycle (init, flush,
//! shutdown, free) of `otlp_tracer_provider_t`.

use crate::config::{self, Config, Settings, otlp_config_t};
use crate::error::{Error, Result, otlp_error_t};
use crate::export::{http::HttpExporter, processor::Pipeline, runtime::RuntimeRef};
use crate::ffi::boundary::{arg_str, check_ptr};
use crate::ffi::handle::Slab;
use crate::stats::otlp_stats_t;
use crate::tracer::{self, Scope, TRACERS, Tracer};
use std::collections::HashMap;
use std::ffi::c_char;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Opaque tracer provider: the configuration, the export pipeline and the tracers.
///
/// Created by `otlp_init` / `otlp_init_with_config`; freed by `otlp_tracer_provider_free`,
/// which also invalidates its tracers and any span still open. Shared freely across threads.
pub struct otlp_tracer_provider_t {
    _private: [u8; 0],
}

pub struct Provider {
    pub id: u64,
    pub default_tracer: usize,
    pub settings: Settings,
    pipeline: Option<Arc<Pipeline>>,
    /// Fork generation at creation (see crate::fork).
    generation: u64,
    /// Tracers handed out by `otlp_get_tracer_with_scope`, one per distinct scope.
    scoped: Mutex<HashMap<Scope, usize>>,
    // Declared last: the runtime outlives the pipeline handle above.
    _runtime: Option<RuntimeRef>,
}

impl Provider {
    pub fn stats(&self) -> otlp_stats_t {
        self.pipeline.as_ref().map(|p| p.stats()).unwrap_or_default()
    }

    fn check_not_forked(&self) -> Result<()> {
        if self.generation == crate::fork::generation() {
            return Ok(());
        }
        Err(Error::new(
            otlp_error_t::OTLP_ERROR_EXPORT_FAILED,
            "this provider was created before fork(): its export thread lives in the parent \
             process, so nothing recorded here can be exported; create a new provider in the child",
        ))
    }

    pub fn force_flush(&self, timeout: Duration) -> Result<()> {
        self.check_not_forked()?;
        self.pipeline.as_ref().map_or(Ok(()), |p| p.force_flush(timeout))
    }

    pub fn shutdown(&self, timeout: Duration) -> Result<()> {
        self.check_not_forked()?;
        self.pipeline.as_ref().map_or(Ok(()), |p| p.shutdown(timeout))
    }

    /// The tracer of `scope`, created on first use and reused after (so asking per request
    /// costs a lookup and leaks nothing).
    pub fn tracer_for(&self, scope: Scope) -> Result<usize> {
        let mut scoped = self.scoped.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(h) = scoped.get(&scope) {
            return Ok(*h);
        }
        let tracer = Tracer::new(self.id, scope.clone(), self.settings.sampler.clone(), self.pipeline.clone());
        let handle = TRACERS.insert(Arc::new(tracer))?;
        scoped.insert(scope, handle);
        Ok(handle)
    }
}

static PROVIDERS: Slab<Arc<Provider>> = Slab::new(0x9D, "provider");
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub fn lookup(provider: *const otlp_tracer_provider_t) -> Result<Arc<Provider>> {
    PROVIDERS.with(provider as usize, |p| p.clone())
}

/// Builds a provider from resolved settings and returns its handle.
pub fn create(settings: Settings) -> Result<usize> {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let (pipeline, runtime) = if settings.sdk_disabled {
        (None, None)
    } else {
        let runtime = RuntimeRef::acquire()?;
        let exporter = {
            let _entered = runtime.handle().enter();
            HttpExporter::new(&settings)?
        };
        let resource = crate::resource::build(&settings);
        let pipeline = Pipeline::start(&settings, runtime.handle(), exporter, resource);
        (Some(pipeline), Some(runtime))
    };
    let default_tracer = TRACERS.insert(Arc::new(Tracer::new(
        id,
        tracer::default_scope(),
        settings.sampler.clone(),
        pipeline.clone(),
    )))?;
    let provider = Provider {
        id,
        default_tracer,
        settings,
        pipeline,
        generation: crate::fork::generation(),
        scoped: Mutex::default(),
        _runtime: runtime,
    };
    PROVIDERS.insert(Arc::new(provider)).inspect_err(|_| {
        let _ = TRACERS.remove(default_tracer);
    })
}

/// Shuts a provider down and invalidates it with everything derived from it.
pub fn free(handle: usize) -> Result<()> {
    let provider = PROVIDERS.remove(handle)?;
    // In a forked child there is nothing to deliver with: free without waiting.
    let outcome = provider
        .shutdown(provider.settings.shutdown_bound())
        .or_else(|e| if provider.generation == crate::fork::generation() { Err(e) } else { Ok(()) });
    drop(TRACERS.remove_where(|t| t.provider_id == provider.id));
    crate::span::forget_provider(provider.id);
    drop(provider);
    outcome
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
/// service.name. An empty string for either means "not given": the OTEL_* environment
/// variables (see README), then the defaults (http://localhost:4318, "unknown_service:<exe>") apply;
/// explicit arguments win over the environment. No network traffic happens here: the call
/// succeeds when no collector is listening. Exports run on a background thread started by the
/// first provider and stopped with the last one.
///
/// On success `*provider` receives a provider that must be freed with
/// `otlp_tracer_provider_free`. Thread-safe.
///
/// Errors: OTLP_ERROR_NULL_POINTER (endpoint, service_name, provider),
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
        let endpoint = unsafe { arg_str(endpoint, "endpoint") }?;
        let service_name = unsafe { arg_str(service_name, "service_name") }?;
        check_ptr(provider, "provider")?;
        let settings = Settings::resolve(Some(endpoint), Some(service_name), &Config::default(), &config::process_env)?;
        let handle = create(settings)?;
        // SAFETY: checked non-NULL; writable per the API contract.
        unsafe { provider.write(handle as *mut otlp_tracer_provider_t) };
        Ok(())
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
        let cfg = config::lookup(config)?;
        let settings = Settings::resolve(None, None, &cfg, &config::process_env)?;
        let handle = create(settings)?;
        // SAFETY: checked non-NULL; writable per the API contract.
        unsafe { provider.write(handle as *mut otlp_tracer_provider_t) };
        Ok(())
    })
}

/// Exports every span ended so far and waits up to `timeout_ms` for the collector to
/// acknowledge them. Blocks the calling thread (never the span path of other threads).
///
/// Returns OTLP_OK when all were exported (or dropped and counted), OTLP_ERROR_TIMEOUT when
/// the time ran out (export continues in the background), OTLP_ERROR_EXPORT_FAILED when the
/// collector refused or could not be reached (spans are kept for a later attempt while the
/// queue has room). After shutdown it returns OTLP_OK at once.
///
/// Errors also: OTLP_ERROR_NULL_POINTER (provider), OTLP_ERROR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_tracer_provider_force_flush(
    provider: *mut otlp_tracer_provider_t,
    timeout_ms: u32,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(provider, "provider")?;
        lookup(provider)?.force_flush(timeout_arg(timeout_ms))
    })
}

/// Flushes (bounded by `timeout_ms`) and stops exporting. Afterwards the provider's tracers
/// hand out non-recording spans (calls succeed, nothing is exported) until it is freed; spans
/// ended after shutdown are counted as dropped. A second shutdown returns OTLP_OK.
///
/// Returns OTLP_OK, OTLP_ERROR_TIMEOUT (spans still queued are dropped and counted) or
/// OTLP_ERROR_EXPORT_FAILED (the collector refused or was unreachable after retries; returned
/// as soon as the retries are exhausted). Errors also: OTLP_ERROR_NULL_POINTER,
/// OTLP_ERROR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_tracer_provider_shutdown(
    provider: *mut otlp_tracer_provider_t,
    timeout_ms: u32,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(provider, "provider")?;
        lookup(provider)?.shutdown(timeout_arg(timeout_ms))
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
    ffi_void!({ free(provider as usize) })
}

impl From<std::convert::Infallible> for Error {
    fn from(e: std::convert::Infallible) -> Self {
        match e {}
    }
}
