//! Tracer providers: the configuration, the export pipeline and the lifecycle (flush,
//! shutdown) that every tracer and span of the provider shares.

use crate::config::Settings;
use crate::data::Scope;
use crate::error::Result;
use crate::export::pipelines::{self, Pipelines};
use crate::export::runtime::RuntimeRef;
use crate::export::stats::StatsSnapshot;
use crate::tracer::Tracer;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A tracer provider: resolved settings, the export pipeline (a bounded queue drained by a task
/// on the shared background runtime) and the tracers handing out spans into it.
///
/// Dropping it shuts it down (bounded by [`Settings::shutdown_bound`]); [`close`](Self::close)
/// does the same and says how it went. Its tracers outlive it: they then hand out
/// non-recording spans.
pub struct TracerProvider {
    id: u64,
    settings: Settings,
    pipelines: Option<Arc<Pipelines>>,
    default_tracer: Tracer,
    // Declared last: the runtime outlives the pipeline handle above.
    _runtime: Option<RuntimeRef>,
}

impl TracerProvider {
    /// Builds a provider from resolved settings. No network traffic happens here: creating a
    /// provider succeeds when no collector is listening. The first provider starts the
    /// background export runtime; the last one dropped stops it.
    ///
    /// fork(): in a child, a provider made before the fork keeps recording: it starts an
    /// export pipeline of the child's own on first use, and leaves what the parent had queued
    /// to the parent (see `export::pipelines`).
    pub fn new(settings: Settings) -> Result<Self> {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let (pipelines, runtime) = if settings.sdk_disabled {
            (None, None)
        } else {
            let runtime = RuntimeRef::acquire()?;
            let first = pipelines::start(id, &settings, &runtime)?;
            (Some(Arc::new(Pipelines::new(id, &settings, first))), Some(runtime))
        };
        let default_tracer = Tracer::new(id, Scope::library(), settings.sampler.clone(), pipelines.clone());
        Ok(Self { id, settings, pipelines, default_tracer, _runtime: runtime })
    }

    /// A process-unique id; every tracer and span of this provider carries it.
    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The provider's tracer (instrumentation scope "otlp-ffi", the library version).
    pub fn tracer(&self) -> Tracer {
        self.default_tracer.clone()
    }

    /// A tracer whose spans are exported under `scope`.
    pub fn tracer_with_scope(&self, scope: Scope) -> Tracer {
        Tracer::new(self.id, scope, self.settings.sampler.clone(), self.pipelines.clone())
    }

    /// The pipeline's counters (all zero when the SDK is disabled). In a fork()ed child, the
    /// child's own counts (from zero at the fork).
    pub fn stats(&self) -> StatsSnapshot {
        self.pipelines.as_ref().map(|p| p.stats()).unwrap_or_default()
    }

    /// Exports every span ended so far and waits up to `timeout` for the collector to
    /// acknowledge them. Errors: Timeout (export goes on in the background), ExportFailed.
    pub fn force_flush(&self, timeout: Duration) -> Result<()> {
        self.pipelines.as_ref().map_or(Ok(()), |p| p.force_flush(timeout))
    }

    /// Flushes (bounded by `timeout`) and stops exporting; later spans do not record. A second
    /// shutdown returns Ok and does nothing.
    pub fn shutdown(&self, timeout: Duration) -> Result<()> {
        self.pipelines.as_ref().map_or(Ok(()), |p| p.shutdown(timeout))
    }

    /// Shuts down, bounded by [`Settings::shutdown_bound`] (what dropping the provider does,
    /// with the outcome).
    pub fn close(&self) -> Result<()> {
        self.shutdown(self.settings.shutdown_bound())
    }
}

impl Drop for TracerProvider {
    fn drop(&mut self) {
        // A second shutdown is a no-op: after close() this does nothing.
        let _ = self.close();
        if let Some(p) = &self.pipelines {
            p.release_child_runtime();
        }
    }
}
