//! fork() awareness: threads do not survive fork(), so a provider created before a fork cannot
//! export in the child. A `pthread_atfork` child handler bumps a generation counter; providers,
//! tracers and the shared runtime compare it with the generation they were created in, so in a
//! child the parent's providers stop recording and return at once from flush/shutdown/free,
//! and a provider created in the child starts a fresh export runtime.

use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

static GENERATION: AtomicU64 = AtomicU64::new(0);
static INSTALL: Once = Once::new();

extern "C" fn in_child() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// Registers the fork handler (once per process; inherited by children).
pub fn install() {
    INSTALL.call_once(|| {
        unsafe extern "C" {
            fn pthread_atfork(
                prepare: Option<extern "C" fn()>,
                parent: Option<extern "C" fn()>,
                child: Option<extern "C" fn()>,
            ) -> std::ffi::c_int;
        }
        // SAFETY: registers a handler that only touches an atomic (async-signal-safe).
        let _ = unsafe { pthread_atfork(None, None, Some(in_child)) };
    });
}

/// How many forks separate this process from the one that loaded the library.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}
