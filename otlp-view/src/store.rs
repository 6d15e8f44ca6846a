//! The bounded store of recent traces: at most `max_traces` traces (the one updated longest ago
//! is evicted first) of at most `max_spans_per_trace` spans each (more are counted as dropped),
//! the settle rule that says when a trace is complete, and the counters of /api/stats.

use crate::span::{FlatSpan, Protocol, hex};
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub type TraceId = [u8; 16];

#[derive(Debug)]
pub struct Trace {
    pub id: TraceId,
    pub spans: Vec<Arc<FlatSpan>>,
    pub dropped: u64,
    pub has_root: bool,
    pub last_update: Instant,
    /// The store's change counter when this trace last changed (spans or completion).
    pub updated_seq: u64,
    /// The change counter when spans last arrived: the key of the eviction order.
    order_key: u64,
    /// Printed (completed) at least once.
    pub printed: bool,
    /// Settled and unchanged since.
    pub complete: bool,
}

/// A change for /api/events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub trace_id: TraceId,
    pub span_count: usize,
    pub updated_seq: u64,
}

/// A trace that settled: what the tree printer needs.
#[derive(Debug, Clone)]
pub struct Settled {
    pub trace_id: TraceId,
    pub spans: Vec<Arc<FlatSpan>>,
    pub dropped: u64,
    /// It was printed before: this is the "(updated)" print.
    pub updated: bool,
}

#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub spans_received: u64,
    pub traces_evicted: u64,
    pub spans_dropped: u64,
    pub requests: [u64; 3],
    pub rejected: u64,
}

#[derive(Debug)]
pub struct Store {
    max_traces: usize,
    max_spans_per_trace: usize,
    traces: HashMap<TraceId, Trace>,
    /// order_key → trace: the oldest span arrival first.
    order: BTreeMap<u64, TraceId>,
    /// Traces with their root and changes not yet settled.
    pending: HashSet<TraceId>,
    seq: u64,
    spans_kept: usize,
    pub stats: Stats,
}

impl Store {
    pub fn new(max_traces: usize, max_spans_per_trace: usize) -> Self {
        Store {
            max_traces: max_traces.max(1),
            max_spans_per_trace,
            traces: HashMap::new(),
            order: BTreeMap::new(),
            pending: HashSet::new(),
            seq: 0,
            spans_kept: 0,
            stats: Stats::default(),
        }
    }

    pub fn count_request(&mut self, protocol: Protocol) {
        self.stats.requests[protocol.index()] += 1;
    }

    pub fn count_rejected(&mut self) {
        self.stats.rejected += 1;
    }

    /// A new change counter value for trace `id`; `arrived`: spans came (it moves to the
    /// newest end of the eviction order and its settle time restarts).
    fn touch(&mut self, id: TraceId, now: Instant, arrived: bool) -> Option<Change> {
        self.seq += 1;
        let seq = self.seq;
        let trace = self.traces.get_mut(&id)?;
        trace.updated_seq = seq;
        if arrived {
            self.order.remove(&trace.order_key);
            self.order.insert(seq, id);
            trace.order_key = seq;
            trace.last_update = now;
        }
        Some(Change { trace_id: id, span_count: trace.spans.len(), updated_seq: seq })
    }

    /// Adds the spans of one request; returns one change per trace it touched (evicted ones
    /// left out).
    pub fn insert(&mut self, spans: Vec<FlatSpan>, now: Instant) -> Vec<Change> {
        let mut touched: Vec<TraceId> = Vec::new();
        for span in spans {
            self.stats.spans_received += 1;
            let id = span.trace_id();
            let trace = self.traces.entry(id).or_insert_with(|| Trace {
                id,
                spans: Vec::new(),
                dropped: 0,
                has_root: false,
                last_update: now,
                updated_seq: 0,
                order_key: 0,
                printed: false,
                complete: false,
            });
            if !touched.contains(&id) {
                touched.push(id);
            }
            if trace.spans.len() >= self.max_spans_per_trace {
                trace.dropped += 1;
                self.stats.spans_dropped += 1;
                continue;
            }
            trace.has_root |= span.is_root();
            trace.complete = false;
            trace.spans.push(Arc::new(span));
            self.spans_kept += 1;
            if trace.has_root {
                self.pending.insert(id);
            }
        }
        let mut changes: Vec<Change> = touched.into_iter().filter_map(|id| self.touch(id, now, true)).collect();
        while self.traces.len() > self.max_traces {
            let Some((_, oldest)) = self.order.pop_first() else { break };
            if let Some(t) = self.traces.remove(&oldest) {
                self.spans_kept -= t.spans.len();
                self.pending.remove(&oldest);
                self.stats.traces_evicted += 1;
            }
        }
        changes.retain(|c| self.traces.contains_key(&c.trace_id));
        changes
    }

    /// The traces that completed: their root arrived and nothing came for `settle` (every
    /// pending trace when `force`). Each is marked complete; its change is returned too.
    pub fn take_settled(&mut self, now: Instant, settle: Duration, force: bool) -> Vec<(Settled, Change)> {
        let mut ready: Vec<(u64, TraceId)> = self
            .pending
            .iter()
            .filter_map(|id| self.traces.get(id))
            .filter(|t| force || now.duration_since(t.last_update) >= settle)
            .map(|t| (t.order_key, t.id))
            .collect();
        ready.sort_unstable();
        let mut out = Vec::new();
        for (_, id) in ready {
            self.pending.remove(&id);
            let Some(t) = self.traces.get_mut(&id) else { continue };
            let settled = Settled { trace_id: id, spans: t.spans.clone(), dropped: t.dropped, updated: t.printed };
            t.printed = true;
            t.complete = true;
            if let Some(change) = self.touch(id, now, false) {
                out.push((settled, change));
            }
        }
        out
    }

    /// Traces changed since they were last printed that have no root (for the final flush).
    pub fn take_rootless(&mut self) -> Vec<Settled> {
        let mut out: Vec<(u64, Settled)> = self
            .traces
            .values_mut()
            .filter(|t| !t.complete && !t.has_root)
            .map(|t| {
                t.complete = true;
                let s = Settled { trace_id: t.id, spans: t.spans.clone(), dropped: t.dropped, updated: t.printed };
                t.printed = true;
                (t.order_key, s)
            })
            .collect();
        out.sort_by_key(|(seq, _)| *seq);
        out.into_iter().map(|(_, s)| s).collect()
    }

    pub fn traces_kept(&self) -> usize {
        self.traces.len()
    }

    pub fn spans_kept(&self) -> usize {
        self.spans_kept
    }

    pub fn stats_json(&self) -> Json {
        let s = &self.stats;
        let mut requests = serde_json::Map::new();
        for p in Protocol::ALL {
            requests.insert(p.as_str().into(), json!(s.requests[p.index()]));
        }
        json!({
            "spans_received": s.spans_received,
            "traces_kept": self.traces.len(),
            "spans_kept": self.spans_kept,
            "traces_evicted": s.traces_evicted,
            "spans_dropped": s.spans_dropped,
            "requests": requests,
            "rejected": s.rejected,
        })
    }

    /// TRACE_SUMMARY of every kept trace, newest update first.
    pub fn summaries_json(&self) -> Json {
        let list: Vec<Json> =
            self.order.values().rev().filter_map(|id| self.traces.get(id)).map(summary_json).collect();
        json!({ "traces": list })
    }

    /// `{"trace_id", "spans": [...]}` sorted by start time, or `None` for an unknown trace.
    pub fn trace_json(&self, id: &TraceId) -> Option<Json> {
        let t = self.traces.get(id)?;
        let mut spans: Vec<&Arc<FlatSpan>> = t.spans.iter().collect();
        spans.sort_by_key(|s| s.start());
        Some(json!({
            "trace_id": hex(id),
            "spans": spans.iter().map(|s| s.to_json()).collect::<Vec<_>>(),
        }))
    }
}

fn summary_json(t: &Trace) -> Json {
    let mut by_start: Vec<&Arc<FlatSpan>> = t.spans.iter().collect();
    by_start.sort_by_key(|s| s.start());
    let root = by_start.iter().find(|s| s.is_root());
    let mut services: Vec<&str> = Vec::new();
    for name in by_start.iter().filter_map(|s| s.origin.service_name.as_deref()) {
        if !services.contains(&name) {
            services.push(name);
        }
    }
    let start = by_start.iter().map(|s| s.start()).min().unwrap_or(0);
    let end = by_start.iter().map(|s| s.end()).max().unwrap_or(0);
    json!({
        "trace_id": hex(&t.id),
        "root_name": root.map(|s| s.span.name.clone()),
        "root_service": root.and_then(|s| s.origin.service_name.clone()),
        "services": services,
        "span_count": t.spans.len(),
        "error_count": t.spans.iter().filter(|s| s.is_error()).count(),
        "start_time_unix_nano": start.to_string(),
        "end_time_unix_nano": end.to_string(),
        "duration_ns": end.saturating_sub(start).to_string(),
        "complete": t.complete,
        "updated_seq": t.updated_seq,
    })
}
