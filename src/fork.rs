//! fork() for C callers: `pthread_atfork` handlers (see otlp_ffi_core::atfork) take the locks a
//! child needs before fork() and release them after it, and tell the core that a child is a
//! new process. In the child, a provider created before the fork keeps recording and exports
//! on a fresh export thread of the child's own; what the parent had queued is exported by the
//! parent only.

use std::sync::Once;

static INSTALL: Once = Once::new();

extern "C" fn prepare() {
    otlp_ffi_core::atfork::prepare();
}

extern "C" fn in_parent() {
    otlp_ffi_core::atfork::parent();
}

extern "C" fn in_child() {
    otlp_ffi_core::atfork::child();
}

/// Registers the fork handlers (once per process; inherited by children). Called before the
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
        // SAFETY: registers handlers that take and release the core's own mutexes in the
        // forking thread (no allocation-free requirement applies: glibc runs them outside the
        // async-signal context, with malloc usable in the child).
        let _ = unsafe { pthread_atfork(Some(prepare), Some(in_parent), Some(in_child)) };
    });
}
