//! W3C Trace Context: `parse_traceparent`, `parse_tracestate`, `extract` and the C ABI's
//! `otlp_context_extract_with_state`, each checked against the independent grammar models of
//! `fuzz_models`. Input: `traceparent` `\n` `tracestate` (no `\n`: both get the whole input).
#![no_main]

use fuzz_models::{model_traceparent, model_tracestate};
use libfuzzer_sys::fuzz_target;
use otlp_ffi::{otlp_context_extract_with_state, otlp_context_free, otlp_context_t, otlp_error_t};
use otlp_ffi_core::context::{extract, parse_traceparent, parse_tracestate};
use std::ffi::CString;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (tp, ts) = text.split_once('\n').unwrap_or((text, text));

    let got = parse_traceparent(tp).ok();
    let want = model_traceparent(tp);
    assert_eq!(got, want, "parse_traceparent({tp:?}) disagrees with the W3C model");

    let got_ts = parse_tracestate(ts).map_err(drop);
    let want_ts = model_tracestate(ts);
    assert_eq!(got_ts, want_ts, "parse_tracestate({ts:?}) disagrees with the W3C model");
    if let Ok(Some(normal)) = &got_ts {
        // Normalized text is a fixed point.
        assert_eq!(parse_tracestate(normal).ok().flatten().as_deref(), Some(normal.as_str()));
    }

    match extract(tp, Some(ts)) {
        Ok(ctx) => {
            let (t, s, f) = want.expect("extract accepted a traceparent the model rejects");
            assert_eq!((ctx.trace_id, ctx.span_id, ctx.flags), (t, s, f));
            assert!(ctx.is_remote);
            // An invalid tracestate is dropped, a valid one kept normalized.
            assert_eq!(ctx.trace_state.as_deref(), want_ts.clone().ok().flatten().as_deref());
            // What we inject parses back to the same identity.
            let again = model_traceparent(&ctx.traceparent()).expect("injected traceparent is invalid");
            assert_eq!(again, (t, s, f));
        }
        Err(_) => assert!(want.is_none(), "extract rejected {tp:?}"),
    }

    // The same through the C ABI (strings without an interior NUL only).
    let (Ok(ctp), Ok(cts)) = (CString::new(tp), CString::new(ts)) else { return };
    let mut ctx: *mut otlp_context_t = std::ptr::null_mut();
    let rc = unsafe { otlp_context_extract_with_state(ctp.as_ptr(), cts.as_ptr(), &mut ctx) };
    if want.is_some() {
        assert_eq!(rc, otlp_error_t::OTLP_OK);
        assert!(!ctx.is_null());
        unsafe { otlp_context_free(ctx) };
        // A second free is reported, never a double free.
        unsafe { otlp_context_free(ctx) };
    } else {
        assert_eq!(rc, otlp_error_t::OTLP_ERROR_INVALID_ARGUMENT);
    }
});
