//! A provider freed while another thread is starting spans or getting scoped tracers from it:
//! when `otlp_tracer_provider_free` returns, no span or tracer of that provider is live — not
//! even one whose start was still running during the free (each round checks every handle the
//! other thread was given). Handles are plain integers here so they can cross threads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use otlp_ffi::otlp_error_t::*;
use otlp_ffi::*;
use std::ffi::CString;
use std::ptr::null_mut;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};

const ROUNDS: usize = 100;

fn provider() -> *mut otlp_tracer_provider_t {
    let mut p = null_mut();
    assert_eq!(unsafe { otlp_init(c"http://127.0.0.1:9".as_ptr(), c"free-race".as_ptr(), &mut p) }, OTLP_OK);
    p
}

/// Runs `grab` in a loop on another thread until the provider is freed (and a little after),
/// frees the provider midway, and returns every handle `grab` was given with OTLP_OK.
fn race(p: usize, grab: impl Fn(usize, usize) -> Option<usize> + Send + Sync) -> Vec<usize> {
    let start = Barrier::new(2);
    let freed = AtomicBool::new(false);
    std::thread::scope(|s| {
        let worker = s.spawn(|| {
            let mut got = Vec::new();
            start.wait();
            let mut after = 0;
            for i in 0.. {
                if let Some(h) = grab(p, i) {
                    got.push(h);
                }
                if freed.load(Ordering::Acquire) {
                    after += 1;
                    if after > 50 {
                        break;
                    }
                }
            }
            got
        });
        start.wait();
        std::thread::sleep(std::time::Duration::from_micros(200));
        unsafe { otlp_tracer_provider_free(p as *mut otlp_tracer_provider_t) };
        freed.store(true, Ordering::Release);
        worker.join().unwrap()
    })
}

#[test]
fn no_span_started_during_a_free_survives_it() {
    let mut total = 0;
    for _ in 0..ROUNDS {
        let p = provider();
        let mut t = null_mut();
        assert_eq!(unsafe { otlp_get_tracer(p, &mut t) }, OTLP_OK);
        let t = t as usize;
        let spans = race(p as usize, |_, _| {
            let mut s = null_mut();
            let code = unsafe { otlp_span_create(t as *mut otlp_tracer_t, c"racing".as_ptr(), &mut s) };
            (code == OTLP_OK).then_some(s as usize)
        });
        for s in &spans {
            let code = unsafe { otlp_span_set_attribute_int(*s as *mut otlp_span_t, c"k".as_ptr(), 1) };
            assert_eq!(code, OTLP_ERROR_INVALID_HANDLE, "a span of a freed provider is still live");
        }
        total += spans.len();
    }
    assert!(total > 0, "the starting thread got spans before the free");
}

#[test]
fn no_scoped_tracer_registered_during_a_free_survives_it() {
    let mut total = 0;
    for _ in 0..ROUNDS {
        let p = provider();
        let tracers = race(p as usize, |p, i| {
            let name = CString::new(format!("scope-{i}")).unwrap();
            let mut t = null_mut();
            let code = unsafe {
                otlp_get_tracer_with_scope(
                    p as *mut otlp_tracer_provider_t,
                    name.as_ptr(),
                    std::ptr::null(),
                    std::ptr::null(),
                    &mut t,
                )
            };
            (code == OTLP_OK).then_some(t as usize)
        });
        for t in &tracers {
            let mut s = null_mut();
            let code = unsafe { otlp_span_create(*t as *mut otlp_tracer_t, c"late".as_ptr(), &mut s) };
            assert_eq!(code, OTLP_ERROR_INVALID_HANDLE, "a tracer of a freed provider still starts spans");
        }
        total += tracers.len();
    }
    assert!(total > 0, "the other thread got tracers before the free");
}
