//! The producer side of a pipeline's queue: one lane per (thread, pipeline).
//!
//! A span ends into the lane of the thread that started it: a `VecDeque` behind the lane's
//! own mutex (uncontended unless another thread ends a span of this thread, or the export
//! thread is collecting from it), its counters (started, ended, dropped) beside it. Nothing a
//! producer touches per span is shared by all threads. Queue capacity is handed to lanes as
//! quota in chunks under the pipeline's queue lock (once per [`Lanes::chunk`] spans), so the
//! queue stays bounded and a full queue drops exactly the spans that find no room.
//!
//! The export thread reaches every lane through the registry ([`Lanes`]): it counts what is
//! queued (`Spans::len`), takes batches (`Spans::take`) and, at shutdown, clears them. A lane
//! whose thread and spans are gone is retired by the export thread: its counts are folded
//! into [`Lanes`] and its unused quota returned.
//!
//! Lock order: pipeline queue -> registry -> a lane. A producer never holds its lane while
//! taking another lock.

use crate::data::SpanData;
use crate::export::stats::StatsSnapshot;
use crate::util::lock;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What a lane holds under its lock.
#[derive(Default)]
pub(crate) struct LaneBuf {
    #[allow(clippy::vec_box)]
    pub(crate) spans: VecDeque<Box<SpanData>>,
    /// Spans this lane may still queue (capacity reserved for it, not yet used).
    pub(crate) quota: usize,
    pub(crate) ended: u64,
    pub(crate) dropped: u64,
    /// The [`Lanes::freed`] epoch in which this lane last found the queue full: until the
    /// export side frees room, a full queue drops without asking again.
    pub(crate) full_at: Option<u64>,
}

/// One lane: what the registry and the lane's users share.
#[derive(Default)]
pub(crate) struct LaneShared {
    pub(crate) buf: Mutex<LaneBuf>,
    /// `buf.spans.len()`, readable without the lock (written under it).
    pub(crate) len: AtomicUsize,
    /// Recording spans started on this lane's thread (only that thread writes it).
    pub(crate) started: AtomicU64,
    /// What the last `Spans::len` (under the queue lock) counted in this lane.
    seen: AtomicUsize,
}

impl LaneShared {
    /// One more span started (single writer: the lane's own thread; no read-modify-write).
    #[inline]
    pub(crate) fn count_start(&self) {
        self.started.store(self.started.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct Registry {
    lanes: Vec<Arc<LaneShared>>,
    /// Counts of retired lanes.
    started: u64,
    ended: u64,
    dropped: u64,
}

/// The registry of a pipeline's lanes.
pub(crate) struct Lanes {
    registry: Mutex<Registry>,
    /// Quota handed to a lane at a time.
    pub(crate) chunk: usize,
    /// Bumped by the export side whenever it may have freed room (it counts the queue before
    /// every drain and in every turn of its loop); read by producers, never written by them.
    pub(crate) freed: AtomicU64,
}

impl Lanes {
    pub(crate) fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self { registry: Mutex::default(), chunk: (capacity / 64).clamp(1, 64), freed: AtomicU64::new(0) })
    }

    /// A new lane, registered.
    pub(crate) fn register(&self) -> Arc<LaneShared> {
        let lane = Arc::new(LaneShared::default());
        lock(&self.registry).lanes.push(lane.clone());
        lane
    }

    /// `snapshot` with the lanes' counts (started, ended, dropped) added.
    pub(crate) fn add_counts(&self, mut snapshot: StatsSnapshot) -> StatsSnapshot {
        let reg = lock(&self.registry);
        let (mut started, mut ended, mut dropped) = (reg.started, reg.ended, reg.dropped);
        for lane in &reg.lanes {
            started += lane.started.load(Ordering::Relaxed);
            let b = lock(&lane.buf);
            ended += b.ended;
            dropped += b.dropped;
        }
        drop(reg);
        snapshot.spans_started += started;
        snapshot.spans_ended += ended;
        snapshot.spans_dropped += dropped;
        snapshot
    }
}

/// The spans of a pipeline's queue as the export side sees them (the `spans` of its queue,
/// guarded by the queue lock): counts, batches and shutdown's clear over every lane.
pub(crate) struct Spans {
    lanes: Arc<Lanes>,
    /// Capacity handed out to lanes and not yet given back: spans queued in lanes plus the
    /// lanes' unused quota.
    reserved: usize,
}

impl Spans {
    pub(crate) fn new(lanes: Arc<Lanes>) -> Self {
        Self { lanes, reserved: 0 }
    }

    /// Spans queued in all lanes (the export side's count: it also tells producers that
    /// found the queue full to ask again).
    pub(crate) fn len(&self) -> usize {
        self.lanes.freed.fetch_add(1, Ordering::Release);
        let reg = lock(&self.lanes.registry);
        let mut total = 0;
        for lane in &reg.lanes {
            let n = lane.len.load(Ordering::Acquire);
            lane.seen.store(n, Ordering::Relaxed);
            total += n;
        }
        total
    }

    /// Spans queued in all lanes, as a producer asking for room counts them.
    pub(crate) fn queued(&self) -> usize {
        lock(&self.lanes.registry).lanes.iter().map(|l| l.len.load(Ordering::Acquire)).sum()
    }

    /// Reserves up to `want` spans of capacity for a lane; `in_use` is what else occupies the
    /// queue (failed requests kept for retry). Returns what was granted (0: the queue is full).
    pub(crate) fn grant(&mut self, want: usize, capacity: usize, in_use: usize) -> usize {
        let room = capacity.saturating_sub(self.reserved + in_use);
        let granted = want.min(room);
        self.reserved += granted;
        granted
    }

    /// Takes up to `n` spans, oldest lane content first, and retires lanes that are gone.
    #[allow(clippy::vec_box)]
    pub(crate) fn take(&mut self, n: usize) -> Vec<Box<SpanData>> {
        let mut out = Vec::with_capacity(n);
        let lanes = self.lanes.clone();
        let mut reg = lock(&lanes.registry);
        for lane in &reg.lanes {
            if out.len() >= n {
                break;
            }
            if lane.len.load(Ordering::Acquire) == 0 {
                continue;
            }
            let mut b = lock(&lane.buf);
            let k = (n - out.len()).min(b.spans.len());
            out.extend(b.spans.drain(..k));
            lane.len.store(b.spans.len(), Ordering::Release);
        }
        self.reserved = self.reserved.saturating_sub(out.len());
        self.retire(&mut reg);
        out
    }

    /// Removes every queued span and every lane's quota (shutdown); the spans go back to the
    /// record pool. The caller counted what `len` returned just before (in the same hold of the
    /// queue lock) as dropped; a span a producer queued in between is counted here.
    pub(crate) fn clear(&mut self) {
        let reg = lock(&self.lanes.registry);
        for lane in &reg.lanes {
            let mut b = lock(&lane.buf);
            let late = b.spans.len().saturating_sub(lane.seen.load(Ordering::Relaxed));
            b.dropped += late as u64;
            let spans: Vec<_> = b.spans.drain(..).collect();
            b.quota = 0;
            lane.len.store(0, Ordering::Release);
            drop(b);
            crate::pool::recycle_all(spans);
        }
        self.reserved = 0;
    }

    /// Folds lanes nobody else holds (their thread exited, their spans ended) into the
    /// registry's counts and returns their quota.
    fn retire(&mut self, reg: &mut Registry) {
        let mut i = 0;
        while let Some(lane) = reg.lanes.get(i) {
            if Arc::strong_count(lane) > 1 || lane.len.load(Ordering::Acquire) != 0 {
                i += 1;
                continue;
            }
            let lane = reg.lanes.swap_remove(i);
            let b = lock(&lane.buf);
            reg.started += lane.started.load(Ordering::Relaxed);
            reg.ended += b.ended;
            reg.dropped += b.dropped;
            self.reserved = self.reserved.saturating_sub(b.quota);
        }
    }
}
