//! The background Tokio runtime that runs every export.
//!
//! Started lazily by the first provider and shared by all of them (one worker thread, named
//! `otlp-ffi-export`); stopped when the last provider is freed, so a program that frees its
//! providers leaves no thread and no allocation behind.

use crate::error::{Error, Result};
use crate::fork;
use crate::util::lock;
use std::sync::Mutex;
use std::time::Duration;
use tokio::runtime::{Builder, Handle, Runtime};

struct Shared {
    runtime: Option<Runtime>,
    users: usize,
    /// The fork generation the runtime was started in (see crate::fork).
    generation: u64,
}

static SHARED: Mutex<Shared> = Mutex::new(Shared { runtime: None, users: 0, generation: 0 });

/// A runtime inherited through fork() has no threads in this process and its locks may be
/// held by threads that no longer exist: never touch it, leak it.
fn abandon_if_forked(shared: &mut Shared) {
    if shared.runtime.is_some() && shared.generation != fork::generation() {
        std::mem::forget(shared.runtime.take());
        shared.users = 0;
    }
}

/// A counted reference to the shared runtime; the runtime stops when the last one drops.
pub struct RuntimeRef {
    handle: Handle,
    /// The fork generation it was acquired in: one inherited through fork() refers to a
    /// runtime whose threads are in another process and is never released.
    generation: u64,
}

/// The registry's lock, for the `pthread_atfork` prepare handler (see crate::atfork).
pub(crate) fn hold_for_fork() -> Box<dyn std::any::Any> {
    Box::new(lock(&SHARED))
}

impl RuntimeRef {
    pub fn acquire() -> Result<Self> {
        let mut shared = lock(&SHARED);
        abandon_if_forked(&mut shared);
        let handle = match &shared.runtime {
            Some(rt) => rt.handle().clone(),
            None => {
                let rt = Builder::new_multi_thread()
                    .worker_threads(1)
                    .max_blocking_threads(2)
                    .thread_name("otlp-ffi-export")
                    .enable_all()
                    .build()
                    .map_err(|e| Error::initialization_failed(format!("cannot start the export runtime: {e}")))?;
                let h = rt.handle().clone();
                shared.runtime = Some(rt);
                shared.generation = fork::generation();
                h
            }
        };
        shared.users += 1;
        Ok(Self { handle, generation: fork::generation() })
    }

    pub fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl Drop for RuntimeRef {
    fn drop(&mut self) {
        if self.generation != fork::generation() {
            // Inherited: the runtime it counts is abandoned (see `abandon_if_forked`); keep
            // its handle from ever being the last one.
            std::mem::forget(self.handle.clone());
            return;
        }
        let runtime = {
            let mut shared = lock(&SHARED);
            abandon_if_forked(&mut shared);
            shared.users = shared.users.saturating_sub(1);
            if shared.users == 0 { shared.runtime.take() } else { None }
        };
        if let Some(rt) = runtime {
            if Handle::try_current().is_ok() {
                // Dropping a runtime from async code would panic; let it wind down on its own.
                rt.shutdown_background();
            } else {
                rt.shutdown_timeout(Duration::from_secs(1));
            }
        }
    }
}
