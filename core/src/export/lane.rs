//! A thread's lane into a pipeline, as a span holds it (see `lanes` for the queue side): the
//! per-thread lookup `Lane::of`, with one lane per pipeline the thread has started spans on.

use crate::export::lanes::LaneShared;
use crate::export::pipelines::Pipelines;
use crate::export::processor::Pipeline;
use crate::fork;
use std::cell::RefCell;
use std::sync::Arc;

/// Where a tracer's span goes: the pipeline of the process that made the provider, or (in a
/// forked child) this thread's lane into the child's pipeline.
pub(crate) enum Current<'a> {
    Here(&'a Arc<Pipeline>),
    Lane(Arc<Lane>),
}

/// A thread's lane into one pipeline, as a span holds it: where the span goes when it ends.
pub struct Lane {
    pub(crate) shared: Arc<LaneShared>,
    pub(crate) pipeline: Arc<Pipeline>,
}

thread_local! {
    /// This thread's lanes, one per pipeline it has started spans on.
    static MINE: RefCell<Vec<Arc<Lane>>> = const { RefCell::new(Vec::new()) };
}

impl Lane {
    /// Where new spans of a provider record, or `None` once it is shut down in this process.
    #[inline]
    pub(crate) fn current(pipelines: &Pipelines) -> Option<Current<'_>> {
        match pipelines.first_here() {
            Some(first) => (!first.is_shut_down()).then_some(Current::Here(first)),
            None => Self::in_child(pipelines).map(Current::Lane),
        }
    }

    /// This thread's lane into the current pipeline of a tracer (registered on first use).
    #[inline]
    pub(crate) fn of(current: Current<'_>) -> Arc<Lane> {
        match current {
            Current::Here(pipeline) => Self::into(pipeline),
            Current::Lane(lane) => lane,
        }
    }

    /// This thread's lane into `pipeline` (registered on first use).
    #[inline]
    fn into(pipeline: &Arc<Pipeline>) -> Arc<Lane> {
        let found = MINE.try_with(|m| {
            let m = m.try_borrow().ok()?;
            m.iter().find(|l| Arc::ptr_eq(&l.pipeline, pipeline)).cloned()
        });
        match found {
            Ok(Some(lane)) => lane,
            _ => Self::register(pipeline),
        }
    }

    /// In a forked child: this thread's lane into the child's pipeline of a provider made
    /// before the fork, found by provider and fork generation without a lock (the pipeline
    /// is looked up, or started, under the fork lock once per thread). `None` once the
    /// provider is shut down in this process.
    pub(crate) fn in_child(pipelines: &Pipelines) -> Option<Arc<Lane>> {
        let generation = fork::generation();
        let found = MINE.try_with(|m| {
            let m = m.try_borrow().ok()?;
            m.iter().find(|l| l.pipeline.owner == pipelines.owner() && l.pipeline.generation == generation).cloned()
        });
        match found {
            Ok(Some(lane)) => (!lane.pipeline.is_shut_down()).then_some(lane),
            _ => pipelines.child_pipeline().filter(|p| !p.is_shut_down()).map(|p| Self::register(&p)),
        }
    }

    #[cold]
    fn register(pipeline: &Arc<Pipeline>) -> Arc<Lane> {
        let lane = Arc::new(Lane { shared: pipeline.lanes().register(), pipeline: pipeline.clone() });
        let _ = MINE.try_with(|m| {
            if let Ok(mut m) = m.try_borrow_mut() {
                // Lanes of pipelines that were shut down, or inherited through fork(), are of
                // no more use to this thread (dropping one only lowers reference counts).
                let generation = fork::generation();
                m.retain(|l| !l.pipeline.is_shut_down() && l.pipeline.generation == generation);
                m.push(lane.clone());
            }
        });
        lane
    }
}
