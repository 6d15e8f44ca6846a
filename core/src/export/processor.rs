//! The span processor: a bounded queue per provider drained by a task on the shared runtime.
//!
//! `span_ended` (the only part on the caller's thread) pushes onto the lane of the thread that
//! started the span (`lanes`: per-thread buffers behind their own locks, with their own
//! counters; queue capacity handed to lanes in chunks); a full queue drops the span and counts
//! it. The worker exports a batch when one is full, when the schedule delay passes, or when a
//! flush asks, with up to `MAX_IN_FLIGHT` requests in flight (each its own task on the
//! runtime): while one is sent, the next batch is encoded. A batch that fails is kept (as its
//! encoded request) for a later attempt while the queue has room, so a collector that is down
//! for a while loses nothing that fits. Flush and shutdown wait with a timeout, for the exports
//! in flight too; every span ended is counted once, as exported or dropped.

use crate::config::Settings;
use crate::data::{SpanData, SpanLimits};
use crate::error::{Error, Result};
use crate::export::encode::Encoder;
use crate::export::exporter::{ExportError, Exporter};
use crate::export::lanes::{LaneShared, Lanes, Spans};
use crate::export::stats::{Stats, StatsSnapshot};
use crate::util::lock;
use crate::{fork, pool};
use bytes::Bytes;
use opentelemetry_proto::tonic::resource::v1::Resource;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use tokio::runtime::Handle;
use tokio::sync::Notify;
use tokio::task::{Id, JoinError, JoinSet};

/// Pause after a failed export before the next attempt (unless a flush asks sooner).
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// Export requests in flight at once: the worker encodes the next batch while these are sent.
/// More than two, so that a collector's answer time (a network round trip, or a receiver that
/// shares the CPUs) does not hold the worker up: measured on a 2-core machine with an
/// in-process receiver, the worker waited for a free slot 20-40% of its time with 2, 5-15%
/// with 4. Each holds one encoded batch (about 140 bytes a span of a typical shape) beyond the
/// queue's capacity.
const MAX_IN_FLIGHT: usize = 4;

/// What a drain exports.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Drain {
    /// Full batches only (woken because a batch filled up).
    FullBatches,
    /// Everything queued (the schedule delay passed).
    All,
    /// Everything queued, then wait for every export in flight (a flush or shutdown asked).
    Flush,
}

/// The worker's own state: the exporter, the encoder with its buffers, the exports in flight
/// and their span counts (by task, so that even a failed task's spans are counted).
struct Worker {
    exporter: Arc<Exporter>,
    encoder: Encoder,
    in_flight: JoinSet<Done>,
    counts: Vec<(Id, u64)>,
}

/// A finished export: its body (kept for a retry, or its buffer reused), its span count and
/// how it went.
struct Done {
    body: Bytes,
    count: u64,
    result: std::result::Result<u64, ExportError>,
}

struct Queue {
    spans: Spans,
    /// Encoded requests waiting to be sent, with their span counts, first to go first: those
    /// that failed (kept for another attempt) and the further requests of a batch split by
    /// size.
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
    /// The producer side of `queue.spans`, reached without the queue lock.
    lanes: Arc<Lanes>,
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
    /// The id of the provider it exports for.
    pub(crate) owner: u64,
    /// The fork generation it was started in: in a forked child it has no worker, and its
    /// locks may be held by threads that do not exist there (see crate::fork), so nothing
    /// touches them.
    pub(crate) generation: u64,
}

impl Pipeline {
    /// Creates the pipeline and spawns its worker on `runtime`.
    pub fn start(
        owner: u64,
        settings: &Settings,
        runtime: &Handle,
        exporter: Exporter,
        resource: Resource,
    ) -> Arc<Self> {
        let lanes = Lanes::new(settings.max_queue_size);
        let queue = Queue { spans: Spans::new(lanes.clone()), retry: VecDeque::new(), retry_spans: 0 };
        let pipeline = Arc::new(Self {
            queue: Mutex::new(queue),
            lanes,
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
            owner,
            generation: fork::generation(),
        });
        runtime.spawn(pipeline.clone().run(exporter, resource));
        pipeline
    }

    pub fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Acquire)
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.lanes.add_counts(self.stats.snapshot())
    }

    pub(crate) fn lanes(&self) -> &Lanes {
        &self.lanes
    }

    /// Queues an ended span on `lane` (the lane of the thread that started it); never blocks
    /// on export. Touches only the lane's lock and counters, except once per `lanes.chunk`
    /// spans when the lane asks the queue for capacity.
    pub(crate) fn span_ended(&self, lane: &LaneShared, span: Box<SpanData>) {
        if self.generation != fork::generation() {
            // A span started before fork(), ended in the child: it belongs to the parent
            // (which ends and exports its own copy); this copy is let go.
            pool::recycle(span);
            return;
        }
        let mut b = lock(&lane.buf);
        b.ended += 1;
        if b.quota == 0 && !self.discard && !self.is_shut_down() {
            let epoch = self.lanes.freed.load(Ordering::Acquire);
            if b.full_at != Some(epoch) {
                drop(b);
                let granted = self.reserve();
                b = lock(&lane.buf);
                b.quota += granted;
                b.full_at = (b.quota == 0).then_some(epoch);
            }
        }
        // Checked under the lane lock: shutdown clears lanes under their locks after setting
        // the flag, so a span pushed here is either cleared (and counted) or sees the flag.
        if b.quota == 0 || self.discard || self.is_shut_down() {
            b.dropped += 1;
            drop(b);
            pool::recycle(span);
            return;
        }
        b.quota -= 1;
        b.spans.push_back(span);
        let len = b.spans.len();
        lane.len.store(len, Ordering::Release);
        drop(b);
        if len == self.batch_size {
            self.wake.notify_one();
        }
    }

    /// Capacity for a lane (up to `lanes.chunk` spans; 0 when the queue is full). Wakes the
    /// worker when the lanes together hold a batch.
    #[cold]
    fn reserve(&self) -> usize {
        let (granted, queued) = {
            let mut q = lock(&self.queue);
            let in_use = q.retry_spans;
            let granted = q.spans.grant(self.lanes.chunk, self.capacity, in_use);
            (granted, q.spans.queued())
        };
        if queued >= self.batch_size {
            self.wake.notify_one();
        }
        granted
    }

    async fn run(self: Arc<Self>, exporter: Exporter, resource: Resource) {
        let mut w = Worker {
            exporter: Arc::new(exporter),
            encoder: Encoder::new(resource),
            in_flight: JoinSet::new(),
            counts: Vec::with_capacity(MAX_IN_FLIGHT),
        };
        loop {
            if self.stop.load(Ordering::Acquire) {
                break;
            }
            let pending_flush = {
                let c = lock(&self.control);
                c.flush_requested > c.flush_completed
            };
            let mut mode = Drain::FullBatches;
            if !pending_flush && lock(&self.queue).spans.len() < self.batch_size {
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(self.schedule_delay) => mode = Drain::All,
                    Some(done) = w.in_flight.join_next_with_id(), if !w.in_flight.is_empty() => {
                        if self.settle(&mut w, done).is_err() {
                            self.pause_after_failure().await;
                        }
                        continue;
                    }
                }
                if self.stop.load(Ordering::Acquire) {
                    break;
                }
            }
            let target = lock(&self.control).flush_requested;
            let flushing = target > lock(&self.control).flush_completed;
            if flushing {
                mode = Drain::Flush;
            }
            let outcome = self.drain(&mut w, mode).await;
            let failed = outcome.is_err();
            {
                let mut c = lock(&self.control);
                if flushing && target > c.flush_completed {
                    c.flush_completed = target;
                    c.last_outcome = outcome.err();
                    self.flushed.notify_all();
                }
            }
            if failed {
                self.pause_after_failure().await;
            }
        }
        // Exports still in flight finish (each bounded by OTEL_BSP_EXPORT_TIMEOUT) and are
        // counted; what fails now is dropped (the pipeline is shut down).
        while let Some(done) = w.in_flight.join_next_with_id().await {
            let _ = self.settle(&mut w, done);
        }
    }

    /// After a failed export: wait a while before the next attempt (unless woken sooner).
    async fn pause_after_failure(&self) {
        if !self.stop.load(Ordering::Acquire) {
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(RETRY_PAUSE) => {}
            }
        }
    }

    /// Exports what is queued now (`Drain::FullBatches`: only full batches), in batches, up to
    /// `MAX_IN_FLIGHT` at once; stops starting exports at the first failure. Returns once the
    /// last batch is on its way, except that `Drain::Flush` and a failure wait for every
    /// export in flight (so a flush covers the exports started before it).
    async fn drain(self: &Arc<Self>, w: &mut Worker, mode: Drain) -> Result<()> {
        let mut budget = lock(&self.queue).len();
        let mut outcome = Ok(());
        while budget > 0 {
            // The batch leaves the queue (making room) and is encoded before waiting for a slot.
            let (body, count) = {
                let mut q = lock(&self.queue);
                if let Some((body, count)) = q.retry.pop_front() {
                    q.retry_spans -= count as usize;
                    (body, count)
                } else {
                    let n = self.batch_size.min(q.spans.len()).min(budget);
                    if n == 0 || (mode == Drain::FullBatches && n < self.batch_size) {
                        break;
                    }
                    let batch: Vec<Box<SpanData>> = q.spans.take(n);
                    drop(q);
                    let encoded = w.exporter.encode(&batch, &mut w.encoder);
                    pool::recycle_all(batch);
                    match encoded {
                        Ok(encoded) => {
                            if encoded.too_big > 0 {
                                self.stats.dropped(encoded.too_big);
                                budget = budget.saturating_sub(encoded.too_big as usize);
                            }
                            let mut bodies = encoded.bodies.into_iter();
                            let Some(first) = bodies.next() else { continue };
                            // A batch split by size: the other requests go next, in order,
                            // ahead of the queue (where requests kept for retry wait).
                            let rest: Vec<_> = bodies.collect();
                            if !rest.is_empty() {
                                let mut q = lock(&self.queue);
                                for (body, count) in rest.into_iter().rev() {
                                    q.retry_spans += count as usize;
                                    q.retry.push_front((body, count));
                                }
                            }
                            first
                        }
                        Err(e) => {
                            // Cannot happen with well-formed spans; never loop on it.
                            self.stats.export_failure();
                            self.stats.dropped(n as u64);
                            outcome = Err(Error::from(e));
                            break;
                        }
                    }
                }
            };
            budget = budget.saturating_sub(count as usize);
            while w.in_flight.len() >= MAX_IN_FLIGHT {
                if let Some(done) = w.in_flight.join_next_with_id().await {
                    if let Err(e) = self.settle(w, done) {
                        outcome = outcome.and(Err(e));
                    }
                }
            }
            if outcome.is_err() {
                // Not sent: back to the front of the queue, for the next attempt.
                self.put_back(body, count);
                break;
            }
            let (exporter, this, wait) = (w.exporter.clone(), self.clone(), self.export_wait);
            let task = w.in_flight.spawn(async move {
                let result = match tokio::time::timeout(wait, exporter.export(body.clone(), &this.stats)).await {
                    Ok(r) => r,
                    Err(_) => Err(ExportError {
                        message: format!("export did not finish within OTEL_BSP_EXPORT_TIMEOUT ({wait:?})"),
                        retryable: true,
                    }),
                };
                Done { body, count, result }
            });
            w.counts.push((task.id(), count));
        }
        if mode == Drain::Flush || outcome.is_err() {
            while let Some(done) = w.in_flight.join_next_with_id().await {
                if let Err(e) = self.settle(w, done) {
                    outcome = outcome.and(Err(e));
                }
            }
        }
        outcome
    }

    /// Counts a finished export: exported (less what the receiver rejected), kept for a retry,
    /// or dropped.
    fn settle(&self, w: &mut Worker, done: std::result::Result<(Id, Done), JoinError>) -> Result<()> {
        let id = match &done {
            Ok((id, _)) => *id,
            Err(e) => e.id(),
        };
        let count = match w.counts.iter().position(|(i, _)| *i == id) {
            Some(i) => w.counts.swap_remove(i).1,
            None => 0,
        };
        let Done { body, count, result } = match done {
            Ok((_, done)) => done,
            Err(e) => {
                // The export task panicked (or was cancelled): its spans are lost, counted.
                self.stats.dropped(count);
                return Err(Error::export_failed(format!("the export task failed: {e}")));
            }
        };
        match result {
            Ok(rejected) => {
                let rejected = rejected.min(count);
                self.stats.exported(count - rejected);
                self.stats.dropped(rejected);
                w.encoder.recycle(body);
                Ok(())
            }
            Err(e) => {
                // Retryable failures keep the data for a later attempt; an answer the
                // OTLP spec forbids retrying (e.g. HTTP 400) drops it, counted.
                if e.retryable {
                    self.keep_for_retry(body, count);
                } else {
                    self.stats.dropped(count);
                }
                Err(Error::from(e))
            }
        }
    }

    /// Returns a request that was taken from the queue but not sent to the front of the queue
    /// (room was made for it when it was taken: it may exceed the capacity by one batch until
    /// then); after shutdown, drops it.
    fn put_back(&self, body: Bytes, count: u64) {
        if !self.is_shut_down() {
            let mut q = lock(&self.queue);
            q.retry.push_front((body, count));
            q.retry_spans += count as usize;
            return;
        }
        self.stats.dropped(count);
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

    /// Nothing queued, kept for retry or in flight: every span ended so far is exported or
    /// dropped.
    fn nothing_pending(&self) -> bool {
        let s = self.stats();
        s.spans_ended == s.spans_exported + s.spans_dropped
    }

    /// With nothing pending, Ok at once, whatever `timeout` (0 ms included: "do not wait").
    fn flush_and_wait(&self, timeout: Duration) -> Result<()> {
        if self.nothing_pending() {
            return Ok(());
        }
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
