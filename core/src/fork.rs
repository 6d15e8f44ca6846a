//! fork() awareness: threads do not survive fork(), so a provider created before a fork cannot
//! use its export thread in the child. A generation counter is bumped in the child (by
//! [`after_fork_in_child`], which the C library registers with `pthread_atfork`); providers,
//! pipelines, the id generator and the shared runtime compare it with the generation they were
//! made in. In a child, a provider made before the fork leaves its inherited pipeline alone
//! (its queue is the parent's to export) and starts a pipeline of its own, on a fresh export
//! runtime, on first use (see `export::pipelines`).
//!
//! Mutexes held by other threads at fork time stay locked forever in the child. The ones a
//! child needs (this module's [`exclusive`] lock, the runtime registry, the record pool) are
//! taken by the `pthread_atfork` prepare handler and released by the parent and child handlers
//! (see `atfork`); the child never touches the locks of an inherited pipeline.
//!
//! A Rust program that forks without going through the C library calls
//! [`crate::atfork::prepare`] before fork(), and [`crate::atfork::parent`] /
//! [`crate::atfork::child`] after it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Serializes the starting of a forked child's pipelines (and the state they are looked up
/// in): held by the `pthread_atfork` prepare handler, so no thread is inside at fork time.
static EXCLUSIVE: Mutex<()> = Mutex::new(());

/// Records that this process is a fork()ed child. Async-signal-safe (one atomic add).
pub fn after_fork_in_child() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// How many forks separate this process from the one that loaded the library.
#[inline]
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// The lock a forked child's pipeline is started under (see [`EXCLUSIVE`]).
pub(crate) fn exclusive() -> MutexGuard<'static, ()> {
    EXCLUSIVE.lock().unwrap_or_else(|e| e.into_inner())
}
