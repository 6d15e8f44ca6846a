//! Pipeline counters and `otlp_tracer_provider_get_stats`.

use crate::error::otlp_error_t;
use crate::ffi::boundary::check_ptr;
use crate::provider::{self, otlp_tracer_provider_t};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Counters of a provider's pipeline, all since `otlp_init*`.
///
/// After a force_flush or shutdown that returned OTLP_OK:
/// `spans_ended == spans_exported + spans_dropped`.
#[repr(C)]
#[allow(non_camel_case_types)]
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

#[derive(Debug, Default)]
pub struct Stats {
    started: AtomicU64,
    ended: AtomicU64,
    exported: AtomicU64,
    dropped: AtomicU64,
    export_failures: AtomicU64,
}

impl Stats {
    pub fn span_started(&self) {
        self.started.fetch_add(1, Relaxed);
    }
    pub fn span_ended(&self) {
        self.ended.fetch_add(1, Relaxed);
    }
    pub fn exported(&self, n: u64) {
        self.exported.fetch_add(n, Relaxed);
    }
    pub fn dropped(&self, n: u64) {
        self.dropped.fetch_add(n, Relaxed);
    }
    pub fn export_failure(&self) {
        self.export_failures.fetch_add(1, Relaxed);
    }
    pub fn snapshot(&self) -> otlp_stats_t {
        otlp_stats_t {
            spans_started: self.started.load(Relaxed),
            spans_ended: self.ended.load(Relaxed),
            spans_exported: self.exported.load(Relaxed),
            spans_dropped: self.dropped.load(Relaxed),
            export_failures: self.export_failures.load(Relaxed),
        }
    }
}

/// Copies the provider's counters into `*stats`.
///
/// All zero for a provider created with OTEL_SDK_DISABLED=true. Thread-safe; the counters
/// are read one by one, so a snapshot taken while spans end may be a few spans apart.
///
/// Errors: OTLP_ERROR_NULL_POINTER (provider, stats), OTLP_ERROR_INVALID_HANDLE (provider freed
/// or forged).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_tracer_provider_get_stats(
    provider: *mut otlp_tracer_provider_t,
    stats: *mut otlp_stats_t,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(provider, "provider")?;
        check_ptr(stats, "stats")?;
        let snapshot = provider::lookup(provider)?.stats();
        // SAFETY: checked non-NULL; writable per the API contract.
        unsafe { stats.write(snapshot) };
        Ok(())
    })
}
