//! fork() awareness for C callers: a `pthread_atfork` child handler tells the core that this
//! process is a forked child (see otlp_ffi_core::fork), so a provider created before the fork
//! stops recording there and a new one starts a fresh export runtime.

use std::sync::Once;

static INSTALL: Once = Once::new();

extern "C" fn in_child() {
    otlp_ffi_core::fork::after_fork_in_child();
}

/// Registers the fork handler (once per process; inherited by children). Called before the
/// first provider starts its export runtime.
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
