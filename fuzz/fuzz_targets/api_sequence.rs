//! Random sequences of C API calls on a table of handles: providers (init / get tracer /
//! force_flush / shutdown / free), spans (start with or without a parent / set / is_recording /
//! get_context / end, twice), contexts (extract / free, twice), stale and wrongly-typed handles.
//! A model of each handle's state (live, ended or freed, and its provider's state) gives the
//! return code every call must have.
#![no_main]

use fuzz_models::Bytes;
use libfuzzer_sys::fuzz_target;
use otlp_ffi::*;

const OK: otlp_error_t = otlp_error_t::OTLP_OK;
const BAD: otlp_error_t = otlp_error_t::OTLP_ERROR_INVALID_HANDLE;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum P {
    Live,
    Shutdown,
    Freed,
}

struct Provider {
    h: *mut otlp_tracer_provider_t,
    tracer: *mut otlp_tracer_t,
    state: P,
}

struct Span {
    h: *mut otlp_span_t,
    provider: usize,
    live: bool,
    /// Sampled when started (None: not known, its parent's flags unknown).
    sampled: Option<bool>,
}

struct Ctx {
    h: *mut otlp_context_t,
    live: bool,
    /// The sampled flag (None: not known).
    sampled: Option<bool>,
}

fn new_provider() -> Provider {
    unsafe {
        let mut cfg = std::ptr::null_mut();
        assert_eq!(otlp_config_new(&mut cfg), OK);
        assert_eq!(otlp_config_set(cfg, c"OTEL_TRACES_EXPORTER".as_ptr(), c"none".as_ptr()), OK);
        let mut h = std::ptr::null_mut();
        assert_eq!(otlp_init_with_config(cfg, &mut h), OK);
        otlp_config_free(cfg);
        let mut tracer = std::ptr::null_mut();
        assert_eq!(otlp_get_tracer(h, &mut tracer), OK);
        Provider { h, tracer, state: P::Live }
    }
}

fn pick<T>(v: &[T], b: u8) -> Option<usize> {
    (!v.is_empty()).then(|| usize::from(b) % v.len())
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let mut providers = vec![new_provider()];
    let mut spans: Vec<Span> = Vec::new();
    let mut ctxs: Vec<Ctx> = Vec::new();
    let mut steps = 0;
    while let (Some(op), Some(arg)) = (input.u8(), input.u8()) {
        steps += 1;
        if steps > 64 {
            break;
        }
        match op % 16 {
            0 if providers.len() < 3 => providers.push(new_provider()),
            1 => {
                let n = providers.len();
                let p = &mut providers[usize::from(arg) % n];
                let mut t = std::ptr::null_mut();
                let rc = unsafe { otlp_get_tracer(p.h, &mut t) };
                assert_eq!(rc, if p.state == P::Freed { BAD } else { OK }, "get_tracer on {:?}", p.state);
                if rc == OK {
                    assert_eq!(t, p.tracer, "the default tracer is one handle");
                }
            }
            2 | 3 => {
                let pi = usize::from(arg) % providers.len();
                let parent = if op % 16 == 3 { pick(&ctxs, arg >> 2) } else { None };
                let parent_h = parent.map_or(std::ptr::null(), |c| ctxs[c].h as *const _);
                let mut s = std::ptr::null_mut();
                let p = &providers[pi];
                let rc = unsafe { otlp_span_start(p.tracer, c"op".as_ptr(), 1, parent_h, &mut s) };
                let want = if p.state == P::Freed || parent.is_some_and(|c| !ctxs[c].live) { BAD } else { OK };
                assert_eq!(rc, want, "span_start: provider {:?}, parent {:?}", p.state, parent.map(|c| ctxs[c].live));
                if rc == OK {
                    // A root span is sampled (the default sampler); a child follows its parent; a span of a
                    // shut down provider never records.
                    let sampled = if p.state != P::Live { Some(false) } else { parent.map_or(Some(true), |c| ctxs[c].sampled) };
                    spans.push(Span { h: s, provider: pi, live: true, sampled });
                }
            }
            4..=6 => {
                let Some(si) = pick(&spans, arg) else { continue };
                let s = &spans[si];
                let ok = s.live && providers[s.provider].state != P::Freed;
                let want = if ok { OK } else { BAD };
                match op % 16 {
                    4 => assert_eq!(unsafe { otlp_span_set_attribute_int(s.h, c"n".as_ptr(), i64::from(arg)) }, want),
                    5 => {
                        let mut r = false;
                        assert_eq!(unsafe { otlp_span_is_recording(s.h, &mut r) }, want);
                        // After shutdown no span records, whenever it started.
                        let want = if providers[s.provider].state == P::Shutdown { Some(false) } else { s.sampled };
                        if let (true, Some(w)) = (ok, want) {
                            assert_eq!(r, w, "is_recording");
                        }
                    }
                    _ => {
                        let mut c = std::ptr::null_mut();
                        assert_eq!(unsafe { otlp_span_get_context(s.h, &mut c) }, want, "get_context");
                        if ok {
                            ctxs.push(Ctx { h: c, live: true, sampled: s.sampled });
                        }
                    }
                }
            }
            7 | 8 => {
                let Some(si) = pick(&spans, arg) else { continue };
                let s = &mut spans[si];
                let ok = s.live && providers[s.provider].state != P::Freed;
                if op % 16 == 7 {
                    unsafe { otlp_span_end(s.h) };
                } else {
                    let rc = unsafe { otlp_span_end_with_timestamp(s.h, u64::from(arg)) };
                    assert_eq!(rc, if ok { OK } else { BAD }, "end_with_timestamp");
                }
                s.live = false;
            }
            9 => {
                let tp = if arg % 4 == 0 { c"00-zz".as_ptr() } else { c"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".as_ptr() };
                let mut c = std::ptr::null_mut();
                let rc = unsafe { otlp_context_extract(tp, &mut c) };
                assert_eq!(rc, if arg % 4 == 0 { otlp_error_t::OTLP_ERROR_INVALID_ARGUMENT } else { OK });
                if rc == OK {
                    ctxs.push(Ctx { h: c, live: true, sampled: Some(true) });
                }
            }
            10 => {
                let Some(ci) = pick(&ctxs, arg) else { continue };
                unsafe { otlp_context_free(ctxs[ci].h) };
                ctxs[ci].live = false;
            }
            11 => {
                let n = providers.len();
                let p = &mut providers[usize::from(arg) % n];
                let rc = unsafe { otlp_tracer_provider_shutdown(p.h, 1000) };
                assert_eq!(rc, if p.state == P::Freed { BAD } else { OK }, "shutdown on {:?}", p.state);
                if p.state == P::Live {
                    p.state = P::Shutdown;
                }
            }
            12 => {
                let n = providers.len();
                let p = &mut providers[usize::from(arg) % n];
                let rc = unsafe { otlp_tracer_provider_force_flush(p.h, 1000) };
                assert_eq!(rc, if p.state == P::Freed { BAD } else { OK }, "force_flush on {:?}", p.state);
            }
            13 => {
                let pi = usize::from(arg) % providers.len();
                unsafe { otlp_tracer_provider_free(providers[pi].h) };
                providers[pi].state = P::Freed;
            }
            14 => {
                // A handle of one type given where another is expected: refused, and the handle
                // itself is untouched.
                let (Some(si), Some(ci)) = (pick(&spans, arg), pick(&ctxs, arg >> 4)) else { continue };
                let (s, c) = (&spans[si], &ctxs[ci]);
                let mut r = false;
                assert_eq!(unsafe { otlp_span_is_recording(c.h as *const otlp_span_t, &mut r) }, BAD);
                let mut out = std::ptr::null_mut();
                let rc = unsafe { otlp_span_start(providers[s.provider].tracer, c"x".as_ptr(), 1, s.h as *const otlp_context_t, &mut out) };
                assert_eq!(rc, BAD, "a span handle as parent context");
                unsafe { otlp_context_free(s.h as *mut otlp_context_t) };
                unsafe { otlp_span_end(c.h as *mut otlp_span_t) };
                unsafe { otlp_tracer_provider_free(s.h as *mut otlp_tracer_provider_t) };
                let ok = s.live && providers[s.provider].state != P::Freed;
                assert_eq!(unsafe { otlp_span_is_recording(s.h, &mut r) }, if ok { OK } else { BAD }, "span survives misuse");
            }
            _ => {
                // A tracer as a span, a provider as a tracer.
                let p = &providers[usize::from(arg) % providers.len()];
                let mut r = false;
                assert_eq!(unsafe { otlp_span_is_recording(p.tracer as *const otlp_span_t, &mut r) }, BAD);
                let mut s = std::ptr::null_mut();
                let rc = unsafe { otlp_span_start(p.h as *mut otlp_tracer_t, c"x".as_ptr(), 1, std::ptr::null(), &mut s) };
                assert_eq!(rc, BAD, "a provider handle as tracer");
            }
        }
    }
    for s in &spans {
        unsafe { otlp_span_end(s.h) };
    }
    for c in &ctxs {
        unsafe { otlp_context_free(c.h) };
    }
    for p in &providers {
        unsafe { otlp_tracer_provider_free(p.h) };
    }
});
