//! Pipeline counters (header section "stats"): `otlp_tracer_provider_get_stats`.

use crate::boundary::{check_ptr, write_out};
use crate::handles;
use crate::types::{otlp_error_t, otlp_stats_t, otlp_tracer_provider_t};
use otlp_ffi_core::StatsSnapshot;

impl From<StatsSnapshot> for otlp_stats_t {
    fn from(s: StatsSnapshot) -> Self {
        otlp_stats_t {
            spans_started: s.spans_started,
            spans_ended: s.spans_ended,
            spans_exported: s.spans_exported,
            spans_dropped: s.spans_dropped,
            export_failures: s.export_failures,
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
        let snapshot = handles::provider(provider)?.provider.stats();
        unsafe { write_out(stats, otlp_stats_t::from(snapshot)) };
        Ok(())
    })
}
