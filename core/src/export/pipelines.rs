//! A provider's export pipelines, one per process: the one started with the provider and, in
//! a fork()ed child, one of the child's own, started on first use on a fresh export runtime.
//!
//! What the child inherits of the parent's pipeline (its queue, lanes, batches in flight, its
//! worker's state) is left untouched: those spans are exported once, by the parent; the
//! child never exports them, never takes their locks (a thread that no longer exists may hold
//! them) and never runs their destructors (they refer to the parent's threads). That memory
//! stays as inherited (shared with the parent until written, which nothing does).
//!
//! Shared by the provider and its tracers. A tracer's span path reaches the current pipeline
//! without a lock: directly in the process that made the provider, through the thread's lane
//! cache in a child (the child's pipeline is looked up under the fork lock once per thread).

use crate::config::Settings;
use crate::error::Result;
use crate::export::exporter::Exporter;
use crate::export::processor::Pipeline;
use crate::export::runtime::RuntimeRef;
use crate::export::stats::StatsSnapshot;
use crate::util::lock;
use crate::{fork, resource};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Starts a pipeline for provider `owner` on `runtime`.
pub(crate) fn start(owner: u64, settings: &Settings, runtime: &RuntimeRef) -> Result<Arc<Pipeline>> {
    let exporter = {
        let _entered = runtime.handle().enter();
        Exporter::new(settings)?
    };
    let resource = resource::for_service(&settings.service_name, &settings.resource_attributes);
    Ok(Pipeline::start(owner, settings, runtime.handle(), exporter, resource))
}

/// The pipeline of a forked child (of the generation it was made in).
#[derive(Default)]
struct Child {
    generation: u64,
    /// Declared before its runtime: dropped first.
    pipeline: Option<Arc<Pipeline>>,
    runtime: Option<RuntimeRef>,
    /// The provider was shut down in this process (before or after its pipeline started).
    shut_down: bool,
}

pub struct Pipelines {
    owner: u64,
    settings: Settings,
    /// The pipeline started with the provider, in fork generation `generation`.
    first: Arc<Pipeline>,
    generation: u64,
    /// This process's pipeline when it is a child forked after the provider was made. Locked
    /// only under the fork lock (`fork::exclusive`), so no thread holds it at fork time.
    child: Mutex<Child>,
}

impl Pipelines {
    pub(crate) fn new(owner: u64, settings: &Settings, first: Arc<Pipeline>) -> Self {
        Self { owner, settings: settings.clone(), first, generation: fork::generation(), child: Mutex::default() }
    }

    /// The id of the provider.
    pub(crate) fn owner(&self) -> u64 {
        self.owner
    }

    /// The pipeline started with the provider, if this is the process that made it (`None`
    /// in a fork()ed child: see `child_pipeline`).
    #[inline]
    pub(crate) fn first_here(&self) -> Option<&Arc<Pipeline>> {
        (self.generation == fork::generation()).then_some(&self.first)
    }

    /// Runs `f` on this process's child state (made current: one inherited from another
    /// generation is forgotten, never dropped), under the fork lock.
    fn with_child<R>(&self, f: impl FnOnce(&mut Child) -> R) -> R {
        let _fork = fork::exclusive();
        let mut c = lock(&self.child);
        let now = fork::generation();
        if c.generation != now {
            std::mem::forget(std::mem::take(&mut *c));
            c.generation = now;
        }
        f(&mut c)
    }

    /// The child's pipeline, started now if this is its first use (`None`: shut down, or it
    /// could not start, which is reported on stderr once).
    pub(crate) fn child_pipeline(&self) -> Option<Arc<Pipeline>> {
        self.with_child(|c| {
            if c.shut_down {
                return None;
            }
            if let Some(p) = &c.pipeline {
                return Some(p.clone());
            }
            let started = RuntimeRef::acquire().and_then(|rt| Ok((start(self.owner, &self.settings, &rt)?, rt)));
            match started {
                Ok((p, rt)) => {
                    c.pipeline = Some(p.clone());
                    c.runtime = Some(rt);
                    Some(p)
                }
                Err(e) => {
                    eprintln!("otlp-ffi: cannot start the export of a forked child, its spans do not record: {e}");
                    c.shut_down = true;
                    None
                }
            }
        })
    }

    /// The pipeline spans of this process went to (none yet in a child that recorded nothing).
    fn here(&self) -> Option<Arc<Pipeline>> {
        if self.generation == fork::generation() {
            return Some(self.first.clone());
        }
        self.with_child(|c| c.pipeline.clone())
    }

    pub(crate) fn stats(&self) -> StatsSnapshot {
        self.here().map(|p| p.stats()).unwrap_or_default()
    }

    pub(crate) fn force_flush(&self, timeout: Duration) -> Result<()> {
        self.here().map_or(Ok(()), |p| p.force_flush(timeout))
    }

    pub(crate) fn shutdown(&self, timeout: Duration) -> Result<()> {
        if self.generation == fork::generation() {
            return self.first.shutdown(timeout);
        }
        let pipeline = self.with_child(|c| {
            c.shut_down = true;
            c.pipeline.clone()
        });
        pipeline.map_or(Ok(()), |p| p.shutdown(timeout))
    }

    /// Lets the child's export runtime go (the provider is gone; its tracers, if any outlive
    /// it, hand out non-recording spans).
    pub(crate) fn release_child_runtime(&self) {
        if self.generation == fork::generation() {
            return;
        }
        let runtime = self.with_child(|c| {
            c.shut_down = true;
            c.runtime.take()
        });
        drop(runtime);
    }
}

impl Drop for Pipelines {
    fn drop(&mut self) {
        if self.generation != fork::generation() {
            // Inherited through fork(): keep the parent's pipeline from ever being dropped here.
            std::mem::forget(self.first.clone());
        }
        let c = self.child.get_mut().unwrap_or_else(|e| e.into_inner());
        if c.generation != fork::generation() {
            std::mem::forget(std::mem::take(c));
        }
    }
}
