//! The C contract exercised through the exported symbols, without a collector: NULL for every
//! pointer argument, invalid handles, double end, buffers, lifecycle and shutdown timing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use otlp_ffi::otlp_error_t::*;
use otlp_ffi::*;
use std::ffi::{CStr, c_char};
use std::ptr::{null, null_mut};
use std::time::{Duration, Instant};

fn last_error() -> String {
    unsafe { CStr::from_ptr(otlp_get_last_error()) }.to_string_lossy().into_owned()
}

const TP: &CStr = c"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// A provider pointed at a port nobody listens on (nothing is ever delivered).
fn provider() -> *mut otlp_tracer_provider_t {
    let mut p = null_mut();
    assert_eq!(unsafe { otlp_init(c"http://127.0.0.1:9".as_ptr(), c"contract".as_ptr(), &mut p) }, OTLP_OK);
    p
}

fn tracer(p: *mut otlp_tracer_provider_t) -> *mut otlp_tracer_t {
    let mut t = null_mut();
    assert_eq!(unsafe { otlp_get_tracer(p, &mut t) }, OTLP_OK);
    t
}

fn span(t: *mut otlp_tracer_t) -> *mut otlp_span_t {
    let mut s = null_mut();
    assert_eq!(unsafe { otlp_span_create(t, c"s".as_ptr(), &mut s) }, OTLP_OK);
    s
}

fn expect(code: otlp_error_t, want: otlp_error_t, arg: &str) {
    assert_eq!(code, want, "{arg}: {}", last_error());
    if want == OTLP_ERROR_NULL_POINTER {
        assert!(last_error().contains(&format!("`{arg}`")), "message names `{arg}`: {}", last_error());
    }
}

#[test]
fn every_pointer_argument_null_is_rejected() {
    let p = provider();
    let t = tracer(p);
    let s = span(t);
    let mut ctx: *mut otlp_context_t = null_mut();
    assert_eq!(unsafe { otlp_context_extract(TP.as_ptr(), &mut ctx) }, OTLP_OK);
    let mut cfg: *mut otlp_config_t = null_mut();
    assert_eq!(unsafe { otlp_config_new(&mut cfg) }, OTLP_OK);
    let k = c"k".as_ptr();
    let mut buf = [0 as c_char; 128];
    let b = buf.as_mut_ptr();
    let mut out_p = null_mut();
    let mut out_t = null_mut();
    let mut out_s = null_mut();
    let mut out_c = null_mut();
    let mut stats = otlp_stats_t::default();
    let n = OTLP_ERROR_NULL_POINTER;
    unsafe {
        expect(otlp_init(k, k, null_mut()), n, "provider");
        expect(otlp_init(null(), null(), null_mut()), n, "provider");
        expect(otlp_init_with_config(null(), &mut out_p), n, "config");
        expect(otlp_init_with_config(cfg, null_mut()), n, "provider");
        expect(otlp_get_tracer(null_mut(), &mut out_t), n, "provider");
        expect(otlp_get_tracer(p, null_mut()), n, "tracer");
        expect(otlp_span_create(null_mut(), k, &mut out_s), n, "tracer");
        expect(otlp_span_create(t, null(), &mut out_s), n, "name");
        expect(otlp_span_create(t, k, null_mut()), n, "span");
        expect(otlp_span_start(null_mut(), k, 1, null(), &mut out_s), n, "tracer");
        expect(otlp_span_start(t, null(), 1, null(), &mut out_s), n, "name");
        expect(otlp_span_start(t, k, 1, null(), null_mut()), n, "span");
        expect(otlp_span_get_context(null(), &mut out_c), n, "span");
        expect(otlp_span_get_context(s, null_mut()), n, "context");
        expect(otlp_span_set_attribute_string(null_mut(), k, k), n, "span");
        expect(otlp_span_set_attribute_string(s, null(), k), n, "key");
        expect(otlp_span_set_attribute_string(s, k, null()), n, "value");
        expect(otlp_span_set_attribute_int(null_mut(), k, 1), n, "span");
        expect(otlp_span_set_attribute_int(s, null(), 1), n, "key");
        expect(otlp_span_set_attribute_bool(null_mut(), k, true), n, "span");
        expect(otlp_span_set_attribute_bool(s, null(), true), n, "key");
        expect(otlp_span_set_attribute_double(null_mut(), k, 1.0), n, "span");
        expect(otlp_span_set_attribute_double(s, null(), 1.0), n, "key");
        expect(otlp_span_set_attributes(null_mut(), null(), 0), n, "span");
        expect(otlp_span_set_attributes(s, null(), 1), n, "attributes");
        expect(otlp_span_add_event(null_mut(), k), n, "span");
        expect(otlp_span_add_event(s, null()), n, "name");
        expect(otlp_span_set_status(null_mut(), 1, k), n, "span");
        expect(otlp_span_record_error(null_mut(), k), n, "span");
        expect(otlp_span_record_error(s, null()), n, "message");
        expect(otlp_context_inject(null_mut(), b, 128), n, "span");
        expect(otlp_context_inject(s, null_mut(), 128), n, "headers");
        expect(otlp_context_inject_tracestate(null_mut(), b, 128), n, "span");
        expect(otlp_context_inject_tracestate(s, null_mut(), 128), n, "buf");
        expect(otlp_context_extract(null(), &mut out_c), n, "traceparent");
        expect(otlp_context_extract(TP.as_ptr(), null_mut()), n, "context");
        expect(otlp_context_extract_with_state(null(), null(), &mut out_c), n, "traceparent");
        expect(otlp_context_extract_with_state(TP.as_ptr(), null(), null_mut()), n, "context");
        expect(otlp_tracer_provider_force_flush(null_mut(), 10), n, "provider");
        expect(otlp_tracer_provider_shutdown(null_mut(), 10), n, "provider");
        expect(otlp_tracer_provider_get_stats(null_mut(), &mut stats), n, "provider");
        expect(otlp_tracer_provider_get_stats(p, null_mut()), n, "stats");
        expect(otlp_config_new(null_mut()), n, "config");
        expect(otlp_config_set(null_mut(), k, k), n, "config");
        expect(otlp_config_set(cfg, null(), k), n, "key");
        expect(otlp_config_set(cfg, k, null()), n, "value");
        expect(otlp_span_start_with_options(null_mut(), k, null(), &mut out_s), n, "tracer");
        expect(otlp_span_start_with_options(t, null(), null(), &mut out_s), n, "name");
        expect(otlp_span_start_with_options(t, k, null(), null_mut()), n, "span");
        expect(otlp_get_tracer_with_scope(null_mut(), k, null(), null(), &mut out_t), n, "provider");
        expect(otlp_get_tracer_with_scope(p, null(), null(), null(), &mut out_t), n, "name");
        expect(otlp_get_tracer_with_scope(p, k, null(), null(), null_mut()), n, "tracer");
        expect(otlp_span_add_event_with_attributes(null_mut(), k, 0, null(), 0), n, "span");
        expect(otlp_span_add_event_with_attributes(s, null(), 0, null(), 0), n, "name");
        expect(otlp_span_add_event_with_attributes(s, k, 0, null(), 2), n, "attributes");
        expect(otlp_span_record_exception(null_mut(), null(), k, null()), n, "span");
        expect(otlp_span_record_exception(s, k, null(), k), n, "message");
        expect(otlp_span_update_name(null_mut(), k), n, "span");
        expect(otlp_span_update_name(s, null()), n, "name");
        let mut rec = false;
        expect(otlp_span_is_recording(null(), &mut rec), n, "span");
        expect(otlp_span_is_recording(s, null_mut()), n, "recording");
        expect(otlp_span_get_trace_id(null(), b, 128), n, "span");
        expect(otlp_span_get_trace_id(s, null_mut(), 128), n, "buf");
        expect(otlp_span_get_span_id(null(), b, 128), n, "span");
        expect(otlp_span_get_span_id(s, null_mut(), 128), n, "buf");
        expect(otlp_span_end_with_timestamp(null_mut(), 0), n, "span");
        // Out-parameters are untouched by failures.
        assert!(out_p.is_null() && out_t.is_null() && out_s.is_null() && out_c.is_null());
        // Void functions accept NULL.
        otlp_span_end(null_mut());
        otlp_context_free(null_mut());
        otlp_config_free(null_mut());
        otlp_tracer_provider_free(null_mut());
        otlp_span_end(s);
        otlp_context_free(ctx);
        otlp_config_free(cfg);
        otlp_tracer_provider_free(p);
    }
}

#[test]
fn ended_freed_forged_and_foreign_handles_are_invalid() {
    let p = provider();
    let t = tracer(p);
    let s = span(t);
    let mut ctx = null_mut();
    unsafe {
        assert_eq!(otlp_span_get_context(s, &mut ctx), OTLP_OK);
        otlp_span_end(s);
        assert_eq!(otlp_span_set_attribute_int(s, c"k".as_ptr(), 1), OTLP_ERROR_INVALID_HANDLE);
        otlp_span_end(s); // double end: no crash, last error says why
        assert!(last_error().starts_with("OTLP_ERROR_INVALID_HANDLE"), "{}", last_error());
        let mut buf = [0 as c_char; 64];
        assert_eq!(otlp_context_inject(s, buf.as_mut_ptr(), 64), OTLP_ERROR_INVALID_HANDLE);
        // A context outlives its span; a span handle is not a context and vice versa.
        let mut child = null_mut();
        assert_eq!(otlp_span_start(t, c"c".as_ptr(), 2, ctx, &mut child), OTLP_OK);
        assert_eq!(otlp_span_start(t, c"c".as_ptr(), 2, child.cast(), &mut child), OTLP_ERROR_INVALID_HANDLE);
        assert_eq!(otlp_span_set_attribute_int(ctx.cast(), c"k".as_ptr(), 1), OTLP_ERROR_INVALID_HANDLE);
        otlp_span_end(child);
        otlp_context_free(ctx);
        otlp_context_free(ctx);
        assert!(last_error().starts_with("OTLP_ERROR_INVALID_HANDLE"));
        for forged in [0x1234usize, 0xdead_beef, usize::MAX, s as usize + 1] {
            assert_eq!(otlp_span_add_event(forged as *mut _, c"e".as_ptr()), OTLP_ERROR_INVALID_HANDLE);
            let mut o = null_mut();
            assert_eq!(otlp_get_tracer(forged as *mut _, &mut o), OTLP_ERROR_INVALID_HANDLE);
            otlp_span_end(forged as *mut _);
            otlp_context_free(forged as *mut _);
            otlp_config_free(forged as *mut _);
            otlp_tracer_provider_free(forged as *mut _);
        }
        // Spans still open when the provider is freed become invalid with it.
        let open = span(t);
        otlp_tracer_provider_free(p);
        assert_eq!(otlp_span_set_attribute_int(open, c"k".as_ptr(), 1), OTLP_ERROR_INVALID_HANDLE);
        let mut o = null_mut();
        assert_eq!(otlp_span_create(t, c"x".as_ptr(), &mut o), OTLP_ERROR_INVALID_HANDLE);
        otlp_tracer_provider_free(p);
        assert!(last_error().starts_with("OTLP_ERROR_INVALID_HANDLE"));
    }
}

#[test]
fn bad_values_are_invalid_arguments_naming_the_argument() {
    let p = provider();
    let t = tracer(p);
    let s = span(t);
    let bad_utf8 = [0x61u8, 0xfe, 0];
    let mut out = null_mut();
    unsafe {
        assert_eq!(otlp_span_start(t, c"x".as_ptr(), 0, null(), &mut out), OTLP_ERROR_INVALID_ARGUMENT);
        assert!(last_error().contains("`kind`"));
        assert_eq!(otlp_span_start(t, c"x".as_ptr(), 6, null(), &mut out), OTLP_ERROR_INVALID_ARGUMENT);
        assert_eq!(otlp_span_create(t, bad_utf8.as_ptr().cast(), &mut out), OTLP_ERROR_INVALID_ARGUMENT);
        assert!(last_error().contains("`name`") && last_error().contains("byte 1"), "{}", last_error());
        assert_eq!(otlp_span_set_attribute_string(s, c"".as_ptr(), c"v".as_ptr()), OTLP_ERROR_INVALID_ARGUMENT);
        assert_eq!(otlp_span_set_status(s, 3, c"".as_ptr()), OTLP_ERROR_INVALID_ARGUMENT);
        assert!(last_error().contains("`code`"));
        let mut small = [b'#' as c_char; 55];
        assert_eq!(otlp_context_inject(s, small.as_mut_ptr(), 55), OTLP_ERROR_INVALID_ARGUMENT);
        assert!(last_error().contains("56 bytes needed"), "{}", last_error());
        assert!(small.iter().all(|&c| c == b'#' as c_char), "nothing written");
        let mut buf = [0 as c_char; 56];
        assert_eq!(otlp_context_inject(s, buf.as_mut_ptr(), 56), OTLP_OK);
        assert_eq!(CStr::from_ptr(buf.as_ptr()).to_bytes().len(), 55);
        let mut ctx = null_mut();
        assert_eq!(otlp_context_extract(c"00-abc".as_ptr(), &mut ctx), OTLP_ERROR_INVALID_ARGUMENT);
        assert!(last_error().contains("traceparent"));
        assert!(ctx.is_null());
        let bad = otlp_attribute_t { key: c"k".as_ptr(), r#type: 9, value: otlp_attribute_value_t { int_value: 1 } };
        assert_eq!(otlp_span_set_attributes(s, &bad, 1), OTLP_ERROR_INVALID_ARGUMENT);
        assert!(last_error().contains("attributes[0].type"), "{}", last_error());
        let mut p2 = null_mut();
        assert_eq!(otlp_init(c"localhost:4318".as_ptr(), c"x".as_ptr(), &mut p2), OTLP_ERROR_INVALID_ARGUMENT);
        assert!(last_error().contains("endpoint"));
        let mut cfg = null_mut();
        assert_eq!(otlp_config_new(&mut cfg), OTLP_OK);
        assert_eq!(otlp_config_set(cfg, c"OTEL_NOT_A_KEY".as_ptr(), c"1".as_ptr()), OTLP_ERROR_INVALID_ARGUMENT);
        assert!(last_error().contains("OTEL_NOT_A_KEY"));
        assert_eq!(
            otlp_config_set(cfg, c"OTEL_BSP_MAX_QUEUE_SIZE".as_ptr(), c"-1".as_ptr()),
            OTLP_ERROR_INVALID_ARGUMENT
        );
        assert!(last_error().contains("OTEL_BSP_MAX_QUEUE_SIZE"));
        otlp_config_free(cfg);
        otlp_span_end(s);
        otlp_tracer_provider_free(p);
    }
}

#[test]
fn shutdown_against_a_closed_port_is_bounded_and_counts_drops() {
    let p = provider();
    let t = tracer(p);
    for _ in 0..10 {
        unsafe { otlp_span_end(span(t)) };
    }
    let started = Instant::now();
    let code = unsafe { otlp_tracer_provider_shutdown(p, 3000) };
    let took = started.elapsed();
    assert!(matches!(code, OTLP_ERROR_EXPORT_FAILED | OTLP_ERROR_TIMEOUT), "{code:?}");
    assert!(took < Duration::from_millis(3500), "shutdown took {took:?}");
    let mut st = otlp_stats_t::default();
    assert_eq!(unsafe { otlp_tracer_provider_get_stats(p, &mut st) }, OTLP_OK);
    assert_eq!((st.spans_started, st.spans_ended, st.spans_exported), (10, 10, 0));
    assert_eq!(st.spans_dropped, 10, "{st:?}");
    assert!(st.export_failures >= 1, "{st:?}");
    // After shutdown: spans are non-recording, calls succeed, a second shutdown is OK.
    let s = span(t);
    assert_eq!(unsafe { otlp_span_set_attribute_int(s, c"k".as_ptr(), 1) }, OTLP_OK);
    unsafe { otlp_span_end(s) };
    assert_eq!(unsafe { otlp_tracer_provider_shutdown(p, 10) }, OTLP_OK);
    assert_eq!(unsafe { otlp_tracer_provider_get_stats(p, &mut st) }, OTLP_OK);
    assert_eq!(st.spans_started, 10, "non-recording spans are not counted");
    let started = Instant::now();
    unsafe { otlp_tracer_provider_free(p) };
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn unsampled_parent_propagates_without_recording() {
    let p = provider();
    let t = tracer(p);
    let mut ctx = null_mut();
    let mut s = null_mut();
    let mut buf = [0 as c_char; 64];
    unsafe {
        assert_eq!(
            otlp_context_extract_with_state(
                c"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00".as_ptr(),
                c"vendor=abc , other=1".as_ptr(),
                &mut ctx
            ),
            OTLP_OK
        );
        assert_eq!(otlp_span_start(t, c"child".as_ptr(), 2, ctx, &mut s), OTLP_OK);
        assert_eq!(otlp_context_inject(s, buf.as_mut_ptr(), 64), OTLP_OK);
        let tp = CStr::from_ptr(buf.as_ptr()).to_str().unwrap().to_owned();
        assert!(tp.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-") && tp.ends_with("-00"), "{tp}");
        assert!(!tp.contains("00f067aa0ba902b7"), "the child has its own span id");
        assert_eq!(otlp_context_inject_tracestate(s, buf.as_mut_ptr(), 64), OTLP_OK);
        assert_eq!(CStr::from_ptr(buf.as_ptr()).to_str().unwrap(), "vendor=abc,other=1");
        otlp_span_end(s);
        let mut st = otlp_stats_t::default();
        assert_eq!(otlp_tracer_provider_get_stats(p, &mut st), OTLP_OK);
        assert_eq!((st.spans_started, st.spans_ended), (0, 0));
        otlp_context_free(ctx);
        otlp_tracer_provider_free(p);
    }
}

#[test]
fn sdk_disabled_provider_works_without_exporting() {
    let mut cfg = null_mut();
    let mut p = null_mut();
    unsafe {
        assert_eq!(otlp_config_new(&mut cfg), OTLP_OK);
        assert_eq!(otlp_config_set(cfg, c"OTEL_SDK_DISABLED".as_ptr(), c"true".as_ptr()), OTLP_OK);
        assert_eq!(otlp_init_with_config(cfg, &mut p), OTLP_OK);
        otlp_config_free(cfg);
        let t = tracer(p);
        let s = span(t);
        let mut buf = [0 as c_char; 64];
        assert_eq!(otlp_context_inject(s, buf.as_mut_ptr(), 64), OTLP_OK);
        otlp_span_end(s);
        let mut st = otlp_stats_t { spans_started: 99, ..Default::default() };
        assert_eq!(otlp_tracer_provider_get_stats(p, &mut st), OTLP_OK);
        assert_eq!(st, otlp_stats_t::default());
        assert_eq!(otlp_tracer_provider_force_flush(p, 10), OTLP_OK);
        otlp_tracer_provider_free(p);
    }
}

#[test]
fn concurrent_calls_on_one_span_are_safe() {
    let p = provider();
    let t = tracer(p);
    let s = span(t) as usize;
    let threads: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                for j in 0..2000 {
                    let key = std::ffi::CString::new(format!("k{}", (i * 7 + j) % 50)).unwrap();
                    let code = unsafe { otlp_span_set_attribute_int(s as *mut _, key.as_ptr(), j) };
                    assert!(code == OTLP_OK || code == OTLP_ERROR_INVALID_HANDLE);
                }
                unsafe { otlp_span_end(s as *mut _) };
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap();
    }
    let mut st = otlp_stats_t::default();
    assert_eq!(unsafe { otlp_tracer_provider_get_stats(p, &mut st) }, OTLP_OK);
    assert_eq!(st.spans_ended, 1, "ended exactly once despite eight ends");
    unsafe { otlp_tracer_provider_free(p) };
}

#[test]
fn span_options_are_validated_and_sized() {
    let p = provider();
    let t = tracer(p);
    let mut s = null_mut();
    let ints = [1i64, 2];
    let attrs = [otlp_attribute_t {
        key: c"ids".as_ptr(),
        r#type: 7,
        value: otlp_attribute_value_t { array_value: otlp_array_t { items: ints.as_ptr().cast(), len: 2 } },
    }];
    let mut opts = otlp_span_options_t {
        struct_size: std::mem::size_of::<otlp_span_options_t>(),
        kind: 0,
        parent: null(),
        attributes: attrs.as_ptr(),
        attribute_count: 1,
        links: null(),
        link_count: 0,
        start_time_unix_nano: 1_000,
    };
    unsafe {
        assert_eq!(otlp_span_start_with_options(t, c"o".as_ptr(), &opts, &mut s), OTLP_OK);
        let mut rec = false;
        assert_eq!(otlp_span_is_recording(s, &mut rec), OTLP_OK);
        assert!(rec);
        let mut id = [0 as c_char; 33];
        assert_eq!(otlp_span_get_trace_id(s, id.as_mut_ptr(), 33), OTLP_OK);
        assert_eq!(CStr::from_ptr(id.as_ptr()).to_bytes().len(), 32);
        assert_eq!(otlp_span_get_span_id(s, id.as_mut_ptr(), 16), OTLP_ERROR_INVALID_ARGUMENT);
        assert_eq!(otlp_span_end_with_timestamp(s, 500), OTLP_OK);
        assert_eq!(otlp_span_end_with_timestamp(s, 0), OTLP_ERROR_INVALID_HANDLE);

        opts.struct_size = 8;
        assert_eq!(otlp_span_start_with_options(t, c"o".as_ptr(), &opts, &mut s), OTLP_ERROR_INVALID_ARGUMENT);
        assert!(last_error().contains("struct_size"));
        opts.struct_size = std::mem::size_of::<otlp_span_options_t>();
        opts.kind = 9;
        assert_eq!(otlp_span_start_with_options(t, c"o".as_ptr(), &opts, &mut s), OTLP_ERROR_INVALID_ARGUMENT);
        opts.kind = 2;
        opts.link_count = 1;
        assert_eq!(otlp_span_start_with_options(t, c"o".as_ptr(), &opts, &mut s), OTLP_ERROR_NULL_POINTER);
        assert!(last_error().contains("options.links"));
        let link = otlp_link_t { context: 0x77 as *const _, attributes: null(), attribute_count: 0 };
        opts.links = &link;
        assert_eq!(otlp_span_start_with_options(t, c"o".as_ptr(), &opts, &mut s), OTLP_ERROR_INVALID_HANDLE);
        assert_eq!(otlp_span_start_with_options(t, c"defaults".as_ptr(), null(), &mut s), OTLP_OK);
        otlp_span_end(s);
        // Scoped tracers are cached per scope.
        let (mut a, mut b, mut c) = (null_mut(), null_mut(), null_mut());
        assert_eq!(otlp_get_tracer_with_scope(p, c"lib".as_ptr(), c"1.0".as_ptr(), null(), &mut a), OTLP_OK);
        assert_eq!(otlp_get_tracer_with_scope(p, c"lib".as_ptr(), c"1.0".as_ptr(), null(), &mut b), OTLP_OK);
        assert_eq!(otlp_get_tracer_with_scope(p, c"lib".as_ptr(), c"2.0".as_ptr(), null(), &mut c), OTLP_OK);
        assert_eq!(a, b);
        assert_ne!(a, c);
        otlp_tracer_provider_free(p);
        assert_eq!(otlp_span_create(a, c"x".as_ptr(), &mut s), OTLP_ERROR_INVALID_HANDLE);
    }
}

#[test]
fn ratio_sampler_keeps_a_quarter_of_root_spans() {
    let mut cfg = null_mut();
    let mut p = null_mut();
    unsafe {
        assert_eq!(otlp_config_new(&mut cfg), OTLP_OK);
        for (k, v) in [
            (c"OTEL_EXPORTER_OTLP_ENDPOINT", c"http://127.0.0.1:9"),
            (c"OTEL_TRACES_SAMPLER", c"traceidratio"),
            (c"OTEL_TRACES_SAMPLER_ARG", c"0.25"),
            (c"OTEL_BSP_MAX_QUEUE_SIZE", c"100000"),
        ] {
            assert_eq!(otlp_config_set(cfg, k.as_ptr(), v.as_ptr()), OTLP_OK);
        }
        assert_eq!(otlp_init_with_config(cfg, &mut p), OTLP_OK);
        otlp_config_free(cfg);
        let t = tracer(p);
        let mut buf = [0 as c_char; 64];
        let mut unsampled_ok = 0;
        for _ in 0..10_000 {
            let s = span(t);
            let mut rec = true;
            assert_eq!(otlp_span_is_recording(s, &mut rec), OTLP_OK);
            assert_eq!(otlp_context_inject(s, buf.as_mut_ptr(), 64), OTLP_OK);
            let tp = CStr::from_ptr(buf.as_ptr()).to_str().unwrap();
            assert_eq!(tp.ends_with("-01"), rec, "{tp}");
            if !rec {
                unsampled_ok += 1;
            }
            otlp_span_end(s);
        }
        let mut st = otlp_stats_t::default();
        assert_eq!(otlp_tracer_provider_get_stats(p, &mut st), OTLP_OK);
        assert!((2200..=2800).contains(&st.spans_started), "kept {} of 10000", st.spans_started);
        assert_eq!(st.spans_started + unsampled_ok, 10_000);
        otlp_tracer_provider_free(p);
    }
}

#[test]
fn baggage_round_trip_and_nulls() {
    use otlp_ffi::baggage::*;
    let mut b = null_mut();
    let mut buf = [0 as c_char; 256];
    let mut found = false;
    let n = OTLP_ERROR_NULL_POINTER;
    unsafe {
        expect(otlp_baggage_new(null_mut()), n, "baggage");
        expect(otlp_baggage_extract(null(), null_mut()), n, "baggage");
        expect(otlp_baggage_extract(c"a=1".as_ptr(), null_mut()), n, "baggage");
        assert_eq!(otlp_baggage_extract(c"userId=alice, team=a%20b;p=1, bad key=1".as_ptr(), &mut b), OTLP_OK);
        expect(otlp_baggage_set(null_mut(), c"k".as_ptr(), c"v".as_ptr()), n, "baggage");
        expect(otlp_baggage_set(b, null(), c"v".as_ptr()), n, "key");
        expect(otlp_baggage_set(b, c"k".as_ptr(), null()), n, "value");
        expect(otlp_baggage_get(null(), c"k".as_ptr(), buf.as_mut_ptr(), 256, &mut found), n, "baggage");
        expect(otlp_baggage_get(b, null(), buf.as_mut_ptr(), 256, &mut found), n, "key");
        expect(otlp_baggage_get(b, c"k".as_ptr(), null_mut(), 256, &mut found), n, "buf");
        expect(otlp_baggage_get(b, c"k".as_ptr(), buf.as_mut_ptr(), 256, null_mut()), n, "found");
        expect(otlp_baggage_remove(null_mut(), c"k".as_ptr()), n, "baggage");
        expect(otlp_baggage_remove(b, null()), n, "key");
        expect(otlp_baggage_inject(null(), buf.as_mut_ptr(), 256), n, "baggage");
        expect(otlp_baggage_inject(b, null_mut(), 256), n, "buf");
        assert_eq!(otlp_baggage_get(b, c"team".as_ptr(), buf.as_mut_ptr(), 256, &mut found), OTLP_OK);
        assert!(found);
        assert_eq!(CStr::from_ptr(buf.as_ptr()).to_str().unwrap(), "a b");
        assert_eq!(otlp_baggage_set(b, c"order".as_ptr(), c"x,y".as_ptr()), OTLP_OK);
        assert_eq!(otlp_baggage_set(b, c"bad key".as_ptr(), c"x".as_ptr()), OTLP_ERROR_INVALID_ARGUMENT);
        assert_eq!(otlp_baggage_remove(b, c"userId".as_ptr()), OTLP_OK);
        assert_eq!(otlp_baggage_get(b, c"userId".as_ptr(), buf.as_mut_ptr(), 256, &mut found), OTLP_OK);
        assert!(!found);
        assert_eq!(otlp_baggage_inject(b, buf.as_mut_ptr(), 256), OTLP_OK);
        assert_eq!(CStr::from_ptr(buf.as_ptr()).to_str().unwrap(), "team=a%20b;p=1,order=x%2Cy");
        assert_eq!(otlp_baggage_inject(b, buf.as_mut_ptr(), 5), OTLP_ERROR_INVALID_ARGUMENT);
        otlp_baggage_free(b);
        otlp_baggage_free(b);
        assert!(last_error().starts_with("OTLP_ERROR_INVALID_HANDLE"));
        assert_eq!(otlp_baggage_set(b, c"k".as_ptr(), c"v".as_ptr()), OTLP_ERROR_INVALID_HANDLE);
    }
}

fn finished(name: *const c_char) -> otlp_finished_span_t {
    otlp_finished_span_t {
        struct_size: std::mem::size_of::<otlp_finished_span_t>(),
        name,
        kind: 0,
        parent: null(),
        start_attributes: null(),
        start_attribute_count: 0,
        links: null(),
        link_count: 0,
        start_time_unix_nano: 0,
        attributes: null(),
        attribute_count: 0,
        end_time_unix_nano: 0,
    }
}

fn started(p: *mut otlp_tracer_provider_t) -> u64 {
    let mut st = otlp_stats_t::default();
    assert_eq!(unsafe { otlp_tracer_provider_get_stats(p, &mut st) }, OTLP_OK);
    st.spans_started
}

#[test]
fn emit_validates_everything_before_recording_and_names_the_field() {
    let p = provider();
    let t = tracer(p);
    let good = [otlp_attribute_t { key: c"k".as_ptr(), r#type: 3, value: otlp_attribute_value_t { int_value: 7 } }];
    let empty_key = [otlp_attribute_t { key: c"".as_ptr(), r#type: 3, value: otlp_attribute_value_t { int_value: 7 } }];
    let bad_utf8 = [otlp_attribute_t {
        key: c"k".as_ptr(),
        r#type: 1,
        value: otlp_attribute_value_t { string_value: c"\xff".as_ptr() },
    }];
    unsafe {
        let f = finished(c"whole".as_ptr());
        expect(otlp_span_emit(null_mut(), &f), OTLP_ERROR_NULL_POINTER, "tracer");
        expect(otlp_span_emit(t, null()), OTLP_ERROR_NULL_POINTER, "span");
        expect(otlp_span_emit(t, &finished(null())), OTLP_ERROR_NULL_POINTER, "span.name");

        let mut f = finished(c"whole".as_ptr());
        f.struct_size = 16;
        assert_eq!(otlp_span_emit(t, &f), OTLP_ERROR_INVALID_ARGUMENT);
        assert!(last_error().contains("`span.struct_size` is 16"), "{}", last_error());

        let mut f = finished(c"whole".as_ptr());
        f.kind = 6;
        assert_eq!(otlp_span_emit(t, &f), OTLP_ERROR_INVALID_ARGUMENT);
        assert!(last_error().contains("`span.kind` is 6"), "{}", last_error());

        let mut f = finished(c"whole".as_ptr());
        f.attribute_count = 1;
        expect(otlp_span_emit(t, &f), OTLP_ERROR_NULL_POINTER, "span.attributes");
        f.attributes = bad_utf8.as_ptr();
        assert_eq!(otlp_span_emit(t, &f), OTLP_ERROR_INVALID_ARGUMENT);
        assert!(last_error().contains("span.attributes[0].value.string_value"), "{}", last_error());

        let mut f = finished(c"whole".as_ptr());
        f.start_attributes = empty_key.as_ptr();
        f.start_attribute_count = 1;
        assert_eq!(otlp_span_emit(t, &f), OTLP_ERROR_INVALID_ARGUMENT);
        assert!(last_error().contains("`span.start_attributes[0].key` is empty"), "{}", last_error());

        let mut f = finished(c"whole".as_ptr());
        f.link_count = 1;
        expect(otlp_span_emit(t, &f), OTLP_ERROR_NULL_POINTER, "span.links");
        let link = otlp_link_t { context: 0x77 as *const _, attributes: null(), attribute_count: 0 };
        f.links = &link;
        assert_eq!(otlp_span_emit(t, &f), OTLP_ERROR_INVALID_HANDLE);

        let mut f = finished(c"whole".as_ptr());
        f.parent = 0x42 as *const _;
        assert_eq!(otlp_span_emit(t, &f), OTLP_ERROR_INVALID_HANDLE);
        assert_eq!(otlp_span_emit(0x1234 as *mut _, &finished(c"x".as_ptr())), OTLP_ERROR_INVALID_HANDLE);

        // Nothing was recorded by any failed call; a valid one records one span.
        assert_eq!(started(p), 0);
        let mut f = finished(c"whole".as_ptr());
        f.start_attributes = good.as_ptr();
        f.start_attribute_count = 1;
        f.attributes = good.as_ptr();
        f.attribute_count = 1;
        assert_eq!(otlp_span_emit(t, &f), OTLP_OK);
        assert_eq!(started(p), 1);
        otlp_tracer_provider_free(p);
        assert_eq!(otlp_span_emit(t, &finished(c"x".as_ptr())), OTLP_ERROR_INVALID_HANDLE);
    }
}

#[test]
fn optional_strings_null_means_absent() {
    unsafe {
        // otlp_init: NULL endpoint / service_name = not given (environment, then defaults).
        let mut p = null_mut();
        assert_eq!(otlp_init(null(), null(), &mut p), OTLP_OK, "{}", last_error());
        otlp_tracer_provider_free(p);
        let p = provider();
        let s = span(tracer(p));
        // A NULL status description is none, as "" is.
        assert_eq!(otlp_span_set_status(s, 2, null()), OTLP_OK, "{}", last_error());
        assert_eq!(otlp_span_set_status(s, 2, c"bad \xff".as_ptr()), OTLP_ERROR_INVALID_ARGUMENT);
        assert!(last_error().contains("description"), "{}", last_error());
        otlp_span_end(s);
        otlp_tracer_provider_free(p);
        // otlp_baggage_extract: a NULL header (none in the request) is an empty baggage.
        use otlp_ffi::baggage::*;
        let mut b = null_mut();
        assert_eq!(otlp_baggage_extract(null(), &mut b), OTLP_OK, "{}", last_error());
        let mut buf = [1 as c_char; 8];
        assert_eq!(otlp_baggage_inject(b, buf.as_mut_ptr(), 8), OTLP_OK);
        assert_eq!(buf[0], 0);
        otlp_baggage_free(b);
    }
}
