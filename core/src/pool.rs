//! Span records are recycled: the export thread hands encoded ones back (their arena and
//! attribute list keep their allocations), so a steady stream of spans allocates nothing.
//! Bounded in count and in the size of what a pooled record may keep.
//!
//! Two levels: each thread keeps a small cache of its own (no lock, no shared cache line on
//! the span path) and refills it from / spills it to the global pool in chunks, so the global
//! lock is taken once per [`CHUNK`] records at most. The export thread returns whole batches
//! to the global pool under one lock.

use crate::attributes::Text;
use crate::data::{Scope, SpanData, StatusCode};
use crate::util::lock;
use std::cell::RefCell;
use std::sync::{Arc, Mutex};

#[allow(clippy::vec_box)] // records travel as boxes (span, queue, pool): moving one moves a pointer
static POOL: Mutex<Vec<Box<SpanData>>> = Mutex::new(Vec::new());
/// Records the global pool keeps: a full default queue (2048) plus a batch in flight, twice.
const POOL_MAX: usize = 4096;
const POOL_MAX_TEXT: usize = 1024;
const POOL_MAX_ATTRIBUTES: usize = 32;
/// Records moved between a thread's cache and the global pool at once.
const CHUNK: usize = 32;
/// Records a thread's cache holds at most.
const LOCAL_MAX: usize = 2 * CHUNK;

/// The pool's lock, for the `pthread_atfork` prepare handler (see crate::atfork): span
/// paths of every thread take it now and then, and a child must find it unlocked.
pub(crate) fn hold_for_fork() -> Box<dyn std::any::Any> {
    Box::new(lock(&POOL))
}

thread_local! {
    #[allow(clippy::vec_box)]
    static LOCAL: RefCell<Vec<Box<SpanData>>> = const { RefCell::new(Vec::new()) };
}

/// A record from this thread's cache, refilled from the global pool when empty.
fn pop_local() -> Option<Box<SpanData>> {
    LOCAL
        .try_with(|l| {
            let mut l = l.try_borrow_mut().ok()?;
            if let Some(d) = l.pop() {
                return Some(d);
            }
            let mut pool = lock(&POOL);
            let from = pool.len().saturating_sub(CHUNK);
            l.extend(pool.drain(from..));
            drop(pool);
            l.pop()
        })
        .ok()
        .flatten()
}

/// A cleared span record of `scope`: from the pool when one is there, else a new one.
#[inline]
pub fn take(scope: &Arc<Scope>) -> Box<SpanData> {
    match pop_local() {
        Some(mut d) => {
            if !Arc::ptr_eq(&d.scope, scope) {
                d.scope = scope.clone();
            }
            d
        }
        None => Box::new(SpanData::empty(scope.clone())),
    }
}

/// Clears a record for reuse; `None` when it holds too much to be worth keeping.
fn cleared(mut d: Box<SpanData>) -> Option<Box<SpanData>> {
    if d.arena.capacity() > POOL_MAX_TEXT || d.attributes.capacity() > POOL_MAX_ATTRIBUTES {
        return None;
    }
    d.ctx.trace_state = None;
    d.arena.clear();
    d.name = Text::default();
    d.attributes.clear();
    d.events.clear();
    d.dropped_events = 0;
    d.links.clear();
    d.dropped_links = 0;
    d.status_code = StatusCode::Unset;
    d.status_message.clear();
    Some(d)
}

/// Returns a record that will not be exported (dropped, or never recording) to this thread's
/// cache; a full cache spills a chunk to the global pool.
pub fn recycle(d: Box<SpanData>) {
    let Some(d) = cleared(d) else { return };
    // During thread exit (cache already gone) the record is simply freed.
    let back = LOCAL.try_with(|l| {
        let Ok(mut l) = l.try_borrow_mut() else { return Some(d) };
        if l.len() >= LOCAL_MAX {
            let from = l.len() - CHUNK;
            let mut pool = lock(&POOL);
            let room = POOL_MAX.saturating_sub(pool.len());
            pool.extend(l.drain(from..).take(room));
        }
        l.push(d);
        None
    });
    if let Ok(Some(d)) = back {
        let mut pool = lock(&POOL);
        if pool.len() < POOL_MAX {
            pool.push(d);
        }
    }
}

/// Returns an exported batch to the pool (cleared outside the lock, pushed under one lock).
#[allow(clippy::vec_box)]
pub fn recycle_all(batch: Vec<Box<SpanData>>) {
    #[allow(clippy::vec_box)]
    let ready: Vec<Box<SpanData>> = batch.into_iter().filter_map(cleared).collect();
    let mut pool = lock(&POOL);
    let room = POOL_MAX.saturating_sub(pool.len());
    pool.extend(ready.into_iter().take(room));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::Value;
    use crate::data::SpanLimits;
    use crate::data::tests::data;

    #[test]
    fn recycled_records_come_back_empty() {
        let mut d = data();
        d.set_name("old");
        d.set_attributes(&[("k", Value::Int(1))], &SpanLimits::default());
        d.set_status(StatusCode::Error, "bad");
        d.ctx.trace_state = Some(Arc::from("a=1"));
        let d = cleared(Box::new(d)).expect("small records are kept");
        assert!(d.attributes.is_empty() && d.events.is_empty() && d.links.is_empty());
        assert_eq!((d.name(), d.status_code, d.status_message.as_str()), ("", StatusCode::Unset, ""));
        assert_eq!(d.ctx.trace_state, None);
        let mut big = data();
        big.arena.intern(&"x".repeat(POOL_MAX_TEXT + 1));
        assert!(cleared(Box::new(big)).is_none(), "records holding a lot are not pooled");
    }
}
