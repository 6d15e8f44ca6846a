//! W3C Baggage: `Baggage::parse` / `header` / `set` / `get`, and the C ABI's extract / inject /
//! get / set / remove / free with buffers of fuzzed sizes. Checked: the header is a fixed point
//! of parse-then-inject, never over 8192 bytes, every member it keeps round-trips its value; the
//! C calls agree with the core, write nothing past `buf_len` (canary bytes), and report a
//! too-small buffer as INVALID_ARGUMENT.
#![no_main]

use fuzz_models::Bytes;
use libfuzzer_sys::fuzz_target;
use otlp_ffi::*;
use otlp_ffi_core::Baggage;
use std::ffi::{CStr, CString, c_char};

const CANARY: u8 = 0xA5;

/// Calls `f(buf, buf_len)` on a buffer of `buf_len` bytes followed by 64 canary bytes; checks
/// the canary and returns (rc, the NUL-terminated text written on success).
fn with_buf(buf_len: usize, f: impl FnOnce(*mut c_char, usize) -> otlp_error_t) -> (otlp_error_t, Option<String>) {
    let mut buf = vec![CANARY; buf_len + 64];
    let rc = f(buf.as_mut_ptr().cast(), buf_len);
    assert!(buf[buf_len..].iter().all(|&b| b == CANARY), "wrote past buf_len {buf_len}");
    if rc != otlp_error_t::OTLP_OK {
        assert!(buf[..buf_len].iter().all(|&b| b == CANARY), "a failed call wrote into buf");
        return (rc, None);
    }
    let text = CStr::from_bytes_until_nul(&buf[..buf_len]).expect("no NUL within buf_len");
    (rc, Some(text.to_str().expect("not UTF-8").to_owned()))
}

fn expect_fit(rc: otlp_error_t, text: Option<String>, want: &str, buf_len: usize) {
    if want.len() < buf_len {
        assert_eq!(rc, otlp_error_t::OTLP_OK, "{want:?} fits in {buf_len}");
        assert_eq!(text.as_deref(), Some(want));
    } else {
        assert_eq!(rc, otlp_error_t::OTLP_ERROR_INVALID_ARGUMENT, "{want:?} does not fit in {buf_len}");
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let Some(header) = input.bytes() else { return };
    let Ok(header) = std::str::from_utf8(header) else { return };

    let b1 = Baggage::parse(header);
    let h1 = b1.header();
    assert!(h1.len() <= 8192);
    let b2 = Baggage::parse(&h1);
    assert_eq!(b2.header(), h1, "inject(extract(inject(x))) != inject(x)");
    for member in h1.split(',').filter(|m| !m.is_empty()) {
        let key = member.split('=').next().unwrap_or("");
        assert_eq!(b2.get(key), b1.get(key), "member {key:?} changed value through inject/extract");
    }

    let Ok(cheader) = CString::new(header) else { return };
    let mut bag: *mut otlp_baggage_t = std::ptr::null_mut();
    assert_eq!(unsafe { otlp_baggage_extract(cheader.as_ptr(), &mut bag) }, otlp_error_t::OTLP_OK);
    let mut model = b1.clone();

    while !input.is_empty() {
        let Some(op) = input.u8() else { break };
        let buf_len = usize::from(input.u8().unwrap_or(0)) * 4;
        let key = String::from_utf8_lossy(input.bytes().unwrap_or(b"")).into_owned();
        let value = String::from_utf8_lossy(input.bytes().unwrap_or(b"")).into_owned();
        let (Ok(ck), Ok(cv)) = (CString::new(key.as_str()), CString::new(value.as_str())) else { continue };
        match op % 4 {
            0 => {
                let (rc, text) = with_buf(buf_len, |p, n| unsafe { otlp_baggage_inject(bag, p, n) });
                expect_fit(rc, text, &model.header(), buf_len);
            }
            1 => {
                let rc = unsafe { otlp_baggage_set(bag, ck.as_ptr(), cv.as_ptr()) };
                let want = model.set(&key, &value);
                assert_eq!(rc == otlp_error_t::OTLP_OK, want.is_ok(), "set({key:?}, {value:?})");
                if want.is_ok() {
                    assert_eq!(model.get(&key), Some(value.as_str()));
                }
            }
            2 => {
                let mut found = false;
                let (rc, text) = with_buf(buf_len, |p, n| unsafe { otlp_baggage_get(bag, ck.as_ptr(), p, n, &mut found) });
                let want = model.get(&key);
                expect_fit(rc, text, want.unwrap_or(""), buf_len);
                if rc == otlp_error_t::OTLP_OK {
                    assert_eq!(found, want.is_some());
                }
            }
            _ => {
                assert_eq!(unsafe { otlp_baggage_remove(bag, ck.as_ptr()) }, otlp_error_t::OTLP_OK);
                model.remove(&key);
                assert_eq!(model.get(&key), None);
            }
        }
    }
    unsafe { otlp_baggage_free(bag) };
    // Freed: every call reports INVALID_HANDLE, a second free is harmless.
    let mut found = false;
    let (rc, _) = with_buf(16, |p, n| unsafe { otlp_baggage_get(bag, c"k".as_ptr(), p, n, &mut found) });
    assert_eq!(rc, otlp_error_t::OTLP_ERROR_INVALID_HANDLE);
    unsafe { otlp_baggage_free(bag) };
});
