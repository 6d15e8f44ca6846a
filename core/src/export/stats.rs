//! Pipeline counters.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Counters of a provider's pipeline, all since it was created.
///
/// After a force_flush or shutdown that succeeded:
/// `spans_ended == spans_exported + spans_dropped`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
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
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            spans_started: self.started.load(Relaxed),
            spans_ended: self.ended.load(Relaxed),
            spans_exported: self.exported.load(Relaxed),
            spans_dropped: self.dropped.load(Relaxed),
            export_failures: self.export_failures.load(Relaxed),
        }
    }
}
