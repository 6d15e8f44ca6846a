//! The span clock for C callers: `clock_gettime(CLOCK_REALTIME)` read straight into
//! nanoseconds, installed into the core (`otlp_ffi_core::util::set_clock`) when the first
//! provider is created. std's `SystemTime::now().duration_since(UNIX_EPOCH)`, the core's own
//! clock, reads the same clock and then spends ~30 instructions per timestamp in a checked
//! Timespec subtraction (two timestamps per span; callgrind, bench/gates.sh).

#[cfg(target_os = "linux")]
mod imp {
    /// Nanoseconds since the Unix epoch; 0 for a clock before 1970 (as the core's clock).
    pub fn now_ns() -> u64 {
        // Declared in the body, so that the header generator does not export them.
        #[repr(C)]
        struct Timespec {
            tv_sec: std::ffi::c_long,
            tv_nsec: std::ffi::c_long,
        }
        unsafe extern "C" {
            fn clock_gettime(clock: std::ffi::c_int, ts: *mut Timespec) -> std::ffi::c_int;
        }
        const CLOCK_REALTIME: std::ffi::c_int = 0;
        let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `ts` is a valid, writable timespec; CLOCK_REALTIME always exists on Linux.
        if unsafe { clock_gettime(CLOCK_REALTIME, &mut ts) } != 0 {
            return otlp_ffi_core::util::system_now_ns();
        }
        u64::try_from(ts.tv_sec).map_or(0, |s| s.wrapping_mul(1_000_000_000).wrapping_add(ts.tv_nsec as u64))
    }

    pub fn install() {
        otlp_ffi_core::util::set_clock(now_ns);
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    pub fn now_ns() -> u64 {
        otlp_ffi_core::util::system_now_ns()
    }

    pub fn install() {}
}

pub use imp::install;

/// The library's clock: nanoseconds since the Unix epoch (the system's real-time clock,
/// `CLOCK_REALTIME` on Linux), the clock every time the library stamps itself ("now": span
/// starts and ends, events) is read from. 0 for a system clock set before 1970.
///
/// For bindings whose language has only a coarse or a monotonic clock (JavaScript's
/// `Date.now()` counts milliseconds, `performance.now()` does not follow the system clock when
/// it is set): they calibrate against this one, so that the times they pass (a span kept on
/// their side until it ends) and the times the library stamps agree. Never fails; callable from
/// any thread at any time, before any provider exists.
#[unsafe(no_mangle)]
pub extern "C" fn otlp_now_unix_nano() -> u64 {
    imp::now_ns()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn agrees_with_the_system_clock() {
        let a = otlp_ffi_core::util::system_now_ns();
        let b = super::imp::now_ns();
        let c = otlp_ffi_core::util::system_now_ns();
        assert!(a <= b && b <= c, "{a} <= {b} <= {c}");
    }
}
