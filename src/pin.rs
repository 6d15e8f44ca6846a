//! Keeps the shared library mapped once it has started its export thread.
//!
//! A host that `dlopen()`s libotlp_ffi may `dlclose()` it while a provider is still alive (not
//! shut down and freed): its export thread would then run code that is no longer mapped, and
//! the process would crash. So the first provider pins the library: it `dlopen()`s itself
//! again with `RTLD_NODELETE` (and `RTLD_NOLOAD`: only what is already loaded), after which
//! `dlclose()` leaves it mapped until the process exits. Linked statically, or on a platform
//! without these flags, there is nothing to do.

use std::sync::Once;

static PIN: Once = Once::new();

/// Pins the library (once per process). Called before the first provider starts its export
/// runtime.
pub fn install() {
    PIN.call_once(|| {
        // Declared here, inside a body, so that cbindgen leaves them out of the header.
        #[cfg(any(target_os = "linux", target_vendor = "apple"))]
        {
            use std::ffi::{c_char, c_int, c_void};
            #[repr(C)]
            struct DlInfo {
                fname: *const c_char,
                fbase: *mut c_void,
                sname: *const c_char,
                saddr: *mut c_void,
            }
            unsafe extern "C" {
                fn dladdr(addr: *const c_void, info: *mut DlInfo) -> c_int;
                fn dlopen(filename: *const c_char, flags: c_int) -> *mut c_void;
            }
            #[cfg(target_os = "linux")]
            const FLAGS: c_int = 0x1 /* RTLD_LAZY */ | 0x4 /* RTLD_NOLOAD */ | 0x1000 /* RTLD_NODELETE */;
            #[cfg(target_vendor = "apple")]
            const FLAGS: c_int = 0x1 /* RTLD_LAZY */ | 0x10 /* RTLD_NOLOAD */ | 0x80 /* RTLD_NODELETE */;

            let mut info = DlInfo {
                fname: std::ptr::null(),
                fbase: std::ptr::null_mut(),
                sname: std::ptr::null(),
                saddr: std::ptr::null_mut(),
            };
            let here = install as fn() as *const c_void;
            // SAFETY: dladdr only reads the address and fills `info`; dlopen gets the
            // NUL-terminated path dladdr returned (owned by the loader, valid while the object
            // is loaded, which it is: this code runs from it). The handle is never closed: that
            // is the pin.
            unsafe {
                if dladdr(here, &mut info) != 0 && !info.fname.is_null() {
                    let _ = dlopen(info.fname, FLAGS);
                }
            }
            let _ = (info.fbase, info.sname, info.saddr);
        }
    });
}
