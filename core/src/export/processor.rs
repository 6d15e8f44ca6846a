//! The span processor: a bounded queue per provider drained by a task on the shared runtime.
//!
//! `span_ended` (the only part on the caller's thread) is a counter bump and a push under a
//! short lock; a full queue drops the span and counts it. The worker exports a batch when one
//! is full, when the schedule delay passes, or when a flush asks; a batch that fails is kept
//! (as its encoded request) for a later attempt while the queue has room, so a collector that
//! is down for a while loses nothing that fits. Flush and shutdown wait with a timeout.

use crate::config::Settings;
use crate::data::{SpanData, SpanLimits};
use crate::error::{Error, Result};
use crate::export::encode;
use crate::export::exporter::{ExportError, Exporter};
use crate::export::stats::{Stats, StatsSnapshot};
use crate::pool;
use crate::util::lock;
use bytes::Bytes;
use opentelemetry_proto::tonic::resource::v1::Resource;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use tokio::runtime::Handle;
use tokio::sync::Notify;

/// Pause after a failed export before the next attempt (unless a flush asks sooner).
const RETRY_PAUSE: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Queue {
    spans: VecDeque<Box<SpanData>>,
    /// Encoded requests that failed, with their span counts, oldest first.
    retry: VecDeque<(Bytes, u64)>,
    retry_spans: usize,
}

impl Queue {
    fn len(&self) -> usize {
        self.spans.len() + self.retry_spans
    }
}

#[derive(Default)]
struct Control {
    flush_requested: u64,
    flush_completed: u64,
    last_outcome: Option<Error>,
}

pub struct Pipeline {
    queue: Mutex<Queue>,
    capacity: usize,
    batch_size: usize,
    schedule_delay: Duration,
    export_wait: Duration,
    wake: Notify,
    shut_down: AtomicBool,
    stop: AtomicBool,
    control: Mutex<Control>,
    flushed: Condvar,
    stats: Stats,
    /// OTEL_TRACES_EXPORTER=none: ended spans are dropped (counted) instead of queued.
    discard: bool,
    /// Limits applied while spans of this pipeline record.
    pub limits: SpanLimits,
}

impl Pipeline {
    /// Creates the pipeline and spawns its worker on `runtime`.
    pub fn start(settings: &Settings, runtime: &Handle, exporter: Exporter, resource: Resource) -> Arc<Self> {
        let pipeline = Arc::new(Self {
            queue: Mutex::new(Queue::default()),
            capacity: settings.max_queue_size,
            batch_size: settings.max_export_batch_size,
            schedule_delay: settings.schedule_delay,
            export_wait: settings.bsp_export_timeout,
            wake: Notify::new(),
            shut_down: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            control: Mutex::new(Control::default()),
            flushed: Condvar::new(),
            stats: Stats::default(),
            discard: exporter.discards(),
            limits: settings.limits,
        });
        runtime.spawn(pipeline.clone().run(exporter, resource));
        pipeline
    }

    pub fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Acquire)
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    pub fn span_started(&self) {
        self.stats.span_started();
    }

    /// Queues an ended span; never blocks on export.
    pub fn span_ended(&self, span: Box<SpanData>) {
        self.stats.span_ended();
        if self.discard || self.is_shut_down() {
            self.stats.dropped(1);
            pool::recycle(span);
            return;
        }
        let len = {
            let mut q = lock(&self.queue);
            if q.len() >= self.capacity {
                drop(q);
                self.stats.dropped(1);
                pool::recycle(span);
                return;
            }
            q.spans.push_back(span);
            q.spans.len()
        };
        if len == self.batch_size {
            self.wake.notify_one();
        }
    }

    async fn run(self: Arc<Self>, exporter: Exporter, resource: Resource) {
        loop {
            if self.stop.load(Ordering::Acquire) {
                break;
            }
            let pending_flush = {
                let c = lock(&self.control);
                c.flush_requested > c.flush_completed
            };
            if !pending_flush && lock(&self.queue).spans.len() < self.batch_size {
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(self.schedule_delay) => {}
                }
                if self.stop.load(Ordering::Acquire) {
                    break;
                }
            }
            let target = lock(&self.control).flush_requested;
            let outcome = self.drain(&exporter, &resource).await;
            let failed = outcome.is_err();
            {
                let mut c = lock(&self.control);
                if target > c.flush_completed {
                    c.flush_completed = target;
                    c.last_outcome = outcome.err();
                    self.flushed.notify_all();
                }
            }
            if failed && !self.stop.load(Ordering::Acquire) {
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(RETRY_PAUSE) => {}
                }
            }
        }
    }

    /// Exports what is queued now, in batches, stopping at the first failure.
    async fn drain(&self, exporter: &Exporter, resource: &Resource) -> Result<()> {
        let mut budget = lock(&self.queue).len();
        while budget > 0 {
            let (body, count) = {
                let mut q = lock(&self.queue);
                if let Some((body, count)) = q.retry.pop_front() {
                    q.retry_spans -= count as usize;
                    (body, count)
                } else {
                    let n = self.batch_size.min(q.spans.len()).min(budget);
                    if n == 0 {
                        break;
                    }
                    let batch: Vec<Box<SpanData>> = q.spans.drain(..n).collect();
                    drop(q);
                    let request = encode::request(batch.iter().map(|b| &**b), resource);
                    pool::recycle_all(batch);
                    match exporter.encode(request) {
                        Ok(body) => (body, n as u64),
                        Err(e) => {
                            // Cannot happen with well-formed spans; never loop on it.
                            self.stats.export_failure();
                            self.stats.dropped(n as u64);
                            return Err(Error::from(e));
                        }
                    }
                }
            };
            budget = budget.saturating_sub(count as usize);
            let result = match tokio::time::timeout(self.export_wait, exporter.export(body.clone(), &self.stats)).await
            {
                Ok(r) => r,
                Err(_) => Err(ExportError {
                    message: format!("export did not finish within OTEL_BSP_EXPORT_TIMEOUT ({:?})", self.export_wait),
                    retryable: true,
                }),
            };
            match result {
                Ok(rejected) => {
                    let rejected = rejected.min(count);
                    self.stats.exported(count - rejected);
                    self.stats.dropped(rejected);
                }
                Err(e) => {
                    // Retryable failures keep the data for a later attempt; an answer the
                    // OTLP spec forbids retrying (e.g. HTTP 400) drops it, counted.
                    if e.retryable {
                        self.keep_for_retry(body, count);
                    } else {
                        self.stats.dropped(count);
                    }
                    return Err(Error::from(e));
                }
            }
        }
        Ok(())
    }

    /// Keeps a failed request for a later attempt if the queue has room; otherwise drops it.
    fn keep_for_retry(&self, body: Bytes, count: u64) {
        if !self.is_shut_down() {
            let mut q = lock(&self.queue);
            if q.len() + count as usize <= self.capacity {
                q.retry.push_front((body, count));
                q.retry_spans += count as usize;
                return;
            }
        }
        self.stats.dropped(count);
    }

    /// Asks the worker to export everything queued and waits up to `timeout`.
    /// After shutdown there is nothing left to flush: OK at once.
    pub fn force_flush(&self, timeout: Duration) -> Result<()> {
        if self.is_shut_down() {
            return Ok(());
        }
        self.flush_and_wait(timeout)
    }

    fn flush_and_wait(&self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let mut c = lock(&self.control);
        c.flush_requested += 1;
        let ticket = c.flush_requested;
        self.wake.notify_one();
        while c.flush_completed < ticket {
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::timeout(format!("flush did not complete within {} ms", timeout.as_millis())));
            }
            c = self.flushed.wait_timeout(c, deadline - now).map_or_else(|e| e.into_inner().0, |(g, _)| g);
        }
        match &c.last_outcome {
            None => Ok(()),
            Some(e) => Err(e.clone()),
        }
    }

    /// Flushes within `timeout`, then stops the worker. Spans ended later are dropped (and
    /// counted); spans still queued when the timeout expires are dropped too. A second call
    /// returns OK and does nothing.
    pub fn shutdown(&self, timeout: Duration) -> Result<()> {
        if self.shut_down.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let outcome = self.flush_and_wait(timeout);
        self.stop.store(true, Ordering::Release);
        self.wake.notify_one();
        let left = {
            let mut q = lock(&self.queue);
            let n = q.len();
            q.spans.clear();
            q.retry.clear();
            q.retry_spans = 0;
            n
        };
        self.stats.dropped(left as u64);
        outcome
    }
}
