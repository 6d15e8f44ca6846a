//! The `pthread_atfork` handlers (registered by the C library, or called by a Rust program
//! that forks itself): [`prepare`] takes, in the forking thread, every lock a child needs
//! (the fork lock, the runtime registry, the record pool: in that order, the crate's lock
//! order), so none is held by another thread at fork time; [`parent`] and [`child`] release
//! them, [`child`] after bumping the fork generation.

use crate::export::runtime;
use crate::{fork, pool};
use std::any::Any;
use std::cell::RefCell;

thread_local! {
    /// The guards [`prepare`] took, released by [`parent`] / [`child`] (the same thread: the
    /// one that called fork(), the only thread of the child).
    static HELD: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// Before fork(): takes the locks a child needs.
pub fn prepare() {
    let guards: Vec<Box<dyn Any>> = vec![Box::new(fork::exclusive()), runtime::hold_for_fork(), pool::hold_for_fork()];
    // Never panics (these run inside fork()): without the thread's storage (a thread that is
    // exiting) the guards are released at once.
    let _ = HELD.try_with(|h| {
        if let Ok(mut h) = h.try_borrow_mut() {
            h.extend(guards);
        }
    });
}

fn release() {
    let guards = HELD.try_with(|h| h.try_borrow_mut().map(|mut h| std::mem::take(&mut *h)).unwrap_or_default());
    let guards = guards.unwrap_or_default();
    // In reverse order of taking.
    for g in guards.into_iter().rev() {
        drop(g);
    }
}

/// After fork(), in the parent.
pub fn parent() {
    release();
}

/// After fork(), in the child: a new fork generation, then the locks are released.
pub fn child() {
    fork::after_fork_in_child();
    release();
}
