//! fork(): in a child, a provider created by the parent keeps recording on an export runtime of
//! the child's own, and a provider created in the child exports on a fresh runtime too.
//! (tests/test_fork.py checks delivery against the real receiver.)
//! (One test in its own binary: the process forks with no other test threads around.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use otlp_ffi::otlp_error_t::*;
use otlp_ffi::*;
use std::ptr::null_mut;
use std::time::{Duration, Instant};

unsafe extern "C" {
    fn fork() -> i32;
    fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
    fn _exit(code: i32) -> !;
}

fn child_checks(parent_provider: *mut otlp_ffi::otlp_tracer_provider_t, ids_file: &std::path::Path) -> i32 {
    unsafe {
        // Ids in the child differ from the parent's next ones (the generator is reseeded).
        let mut probe = null_mut();
        let mut tp = [0 as std::ffi::c_char; 64];
        let mut t0 = null_mut();
        otlp_get_tracer(parent_provider, &mut t0);
        otlp_span_create(t0, c"probe".as_ptr(), &mut probe);
        otlp_ffi::context::otlp_context_inject(probe, tp.as_mut_ptr(), 64);
        otlp_span_end(probe);
        let child_tp = std::ffi::CStr::from_ptr(tp.as_ptr()).to_string_lossy().into_owned();
        if std::fs::write(ids_file, child_tp).is_err() {
            return 18;
        }
        // The parent's provider keeps recording: the child starts an export runtime of its
        // own on first use. A flush against the closed port fails after its retries (an export
        // thread that did not exist would time out instead); the stats are the child's own.
        let mut t = null_mut();
        if otlp_get_tracer(parent_provider, &mut t) != OTLP_OK {
            return 10;
        }
        let mut s = null_mut();
        if otlp_span_create(t, c"in-child".as_ptr(), &mut s) != OTLP_OK {
            return 11;
        }
        let mut rec = false;
        if otlp_span_is_recording(s, &mut rec) != OTLP_OK || !rec {
            return 12;
        }
        otlp_span_end(s);
        if otlp_tracer_provider_force_flush(parent_provider, 8000) != OTLP_ERROR_EXPORT_FAILED {
            return 13;
        }
        let mut st = otlp_stats_t::default();
        otlp_tracer_provider_get_stats(parent_provider, &mut st);
        // "probe" and "in-child": the parent's "before-fork" is not counted (nor exported) here.
        if st.spans_started != 2 || st.export_failures == 0 {
            return 19;
        }
        let t0 = Instant::now();
        otlp_tracer_provider_free(parent_provider);
        if t0.elapsed() > Duration::from_secs(8) {
            return 14;
        }
        // A provider made in the child has a working export runtime: a flush against a closed
        // port fails after its retries (a dead runtime would time out instead).
        let mut p = null_mut();
        if otlp_init(c"http://127.0.0.1:9".as_ptr(), c"child".as_ptr(), &mut p) != OTLP_OK {
            return 15;
        }
        let mut t2 = null_mut();
        otlp_get_tracer(p, &mut t2);
        let mut s2 = null_mut();
        otlp_span_create(t2, c"child-span".as_ptr(), &mut s2);
        otlp_span_end(s2);
        let code = otlp_tracer_provider_force_flush(p, 8000);
        if code != OTLP_ERROR_EXPORT_FAILED {
            return 16;
        }
        let mut st = otlp_stats_t::default();
        otlp_tracer_provider_get_stats(p, &mut st);
        if st.spans_started != 1 || st.export_failures == 0 {
            return 17;
        }
        otlp_tracer_provider_free(p);
    }
    0
}

#[test]
fn providers_across_fork() {
    let mut p = null_mut();
    assert_eq!(unsafe { otlp_init(c"http://127.0.0.1:9".as_ptr(), c"parent".as_ptr(), &mut p) }, OTLP_OK);
    // Use this thread's id generator before forking, so parent and child inherit its state.
    unsafe {
        let (mut t, mut s) = (null_mut(), null_mut());
        assert_eq!(otlp_get_tracer(p, &mut t), OTLP_OK);
        assert_eq!(otlp_span_create(t, c"before-fork".as_ptr(), &mut s), OTLP_OK);
        otlp_span_end(s);
    }
    let ids_file = std::env::temp_dir().join(format!("otlp-ffi-fork-ids-{}", std::process::id()));
    let pid = unsafe { fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = child_checks(p, &ids_file);
        unsafe { _exit(code) };
    }
    let mut status = 0;
    assert_eq!(unsafe { waitpid(pid, &mut status, 0) }, pid);
    let exit_code = (status >> 8) & 0xff;
    assert_eq!(status & 0x7f, 0, "child killed by signal {}", status & 0x7f);
    assert_eq!(exit_code, 0, "child check {exit_code} failed (see child_checks)");
    // The parent is unaffected.
    let mut t = null_mut();
    let mut s = null_mut();
    unsafe {
        assert_eq!(otlp_get_tracer(p, &mut t), OTLP_OK);
        assert_eq!(otlp_span_create(t, c"in-parent".as_ptr(), &mut s), OTLP_OK);
        // The child's first id must not be the parent's next one (same generator state at fork).
        let mut tp = [0 as std::ffi::c_char; 64];
        assert_eq!(otlp_ffi::context::otlp_context_inject(s, tp.as_mut_ptr(), 64), OTLP_OK);
        let parent_tp = std::ffi::CStr::from_ptr(tp.as_ptr()).to_string_lossy().into_owned();
        let child_tp = std::fs::read_to_string(&ids_file).unwrap();
        let _ = std::fs::remove_file(&ids_file);
        assert_ne!(&parent_tp[3..35], &child_tp[3..35], "trace ids repeat across fork");
        let mut rec = false;
        assert_eq!(otlp_span_is_recording(s, &mut rec), OTLP_OK);
        assert!(rec);
        otlp_span_end(s);
        otlp_tracer_provider_free(p);
    }
}
