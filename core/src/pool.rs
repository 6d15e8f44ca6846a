//! Span records are recycled: the export thread hands encoded ones back (their arena and
//! attribute list keep their allocations), so a steady stream of spans allocates nothing.
//! Bounded in count and in the size of what a pooled record may keep.

use crate::attributes::Text;
use crate::data::{Scope, SpanData, StatusCode};
use crate::util::lock;
use std::sync::{Arc, Mutex};

#[allow(clippy::vec_box)] // records travel as boxes (span, queue, pool): moving one moves a pointer
static POOL: Mutex<Vec<Box<SpanData>>> = Mutex::new(Vec::new());
const POOL_MAX: usize = 1024;
const POOL_MAX_TEXT: usize = 1024;
const POOL_MAX_ATTRIBUTES: usize = 32;

/// A cleared span record of `scope`: from the pool when one is there, else a new one.
pub fn take(scope: &Arc<Scope>) -> Box<SpanData> {
    let reused = lock(&POOL).pop();
    match reused {
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

/// Returns a record that will not be exported (dropped, or never recording) to the pool.
pub fn recycle(d: Box<SpanData>) {
    if let Some(d) = cleared(d) {
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
