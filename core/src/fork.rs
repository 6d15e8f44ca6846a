//! fork() awareness: threads do not survive fork(), so a provider created before a fork cannot
//! export in the child. A generation counter is bumped in the child (by
//! [`after_fork_in_child`], which the C library registers with `pthread_atfork`); providers,
//! tracers, the id generator and the shared runtime compare it with the generation they were
//! created in, so in a child the parent's providers stop recording and return at once from
//! flush/shutdown, and a provider created in the child starts a fresh export runtime.
//!
//! A Rust program that forks without going through the C library calls
//! [`after_fork_in_child`] in the child itself.

use std::sync::atomic::{AtomicU64, Ordering};

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Records that this process is a fork()ed child. Async-signal-safe (one atomic add), so it
/// may run as a `pthread_atfork` child handler.
pub fn after_fork_in_child() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// How many forks separate this process from the one that loaded the library.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}
