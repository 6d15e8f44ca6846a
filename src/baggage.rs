//! W3C Baggage (header section "baggage"): the `otlp_baggage_t` handle over the core's
//! `Baggage`.
//!
//! Values are percent-decoded on extract and percent-encoded on inject; member properties
//! (`;k=v` metadata) are kept verbatim. Limits follow W3C Baggage: at most 180 members, and an
//! injected header never exceeds 8192 bytes (members that would push it over are left out).

use crate::boundary::{arg_opt_str, arg_str, check_ptr, key_value, write_c_string, write_out};
use crate::handles::{self, BAGGAGES};
use crate::types::{otlp_baggage_t, otlp_error_t};
use otlp_ffi_core::Baggage;
use std::ffi::c_char;

/// Creates an empty baggage. Free it with `otlp_baggage_free`.
///
/// Errors: OTLP_ERROR_NULL_POINTER (baggage).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_baggage_new(baggage: *mut *mut otlp_baggage_t) -> otlp_error_t {
    ffi_result!({
        check_ptr(baggage, "baggage")?;
        unsafe { handles::publish(&BAGGAGES, Baggage::default(), baggage) }
    })
}

/// Parses an incoming W3C `baggage` header into a new baggage (free it with
/// `otlp_baggage_free`); a NULL `header` (the request had none) gives an empty baggage. Values
/// are percent-decoded; invalid members are skipped (the call still succeeds), a member whose
/// value decodes to a NUL (`%00`) included, since values are read back as NUL-terminated
/// strings; at most 180 members are kept.
///
/// Errors: OTLP_ERROR_NULL_POINTER (baggage), OTLP_ERROR_INVALID_ARGUMENT (header not UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_baggage_extract(
    header: *const c_char,
    baggage: *mut *mut otlp_baggage_t,
) -> otlp_error_t {
    ffi_result!({
        let header = unsafe { arg_opt_str(header, "header") }?;
        check_ptr(baggage, "baggage")?;
        unsafe { handles::publish(&BAGGAGES, header.map(Baggage::parse).unwrap_or_default(), baggage) }
    })
}

/// Sets `key` (an HTTP token) to `value` (any UTF-8; percent-encoded on inject), replacing an
/// earlier value and its properties. Both are copied.
///
/// Errors: OTLP_ERROR_NULL_POINTER (baggage, key, value), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (key not a token, not UTF-8, 180 members already).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_baggage_set(
    baggage: *mut otlp_baggage_t,
    key: *const c_char,
    value: *const c_char,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(baggage, "baggage")?;
        let (key, value) = unsafe { key_value(key, value) }?;
        Ok(BAGGAGES.with(baggage as usize, |b| b.set(key, value))??)
    })
}

/// Copies the value of `key` into `buf` (NUL-terminated) and sets `*found`; when the key is
/// absent, `*found` is false and `buf` receives "".
///
/// Errors: OTLP_ERROR_NULL_POINTER (baggage, key, buf, found), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (buffer too small: nothing written, the size needed is in the
/// message).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_baggage_get(
    baggage: *const otlp_baggage_t,
    key: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
    found: *mut bool,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(baggage, "baggage")?;
        let key = unsafe { arg_str(key, "key") }?;
        check_ptr(buf, "buf")?;
        check_ptr(found, "found")?;
        let value = BAGGAGES.with(baggage as usize, |b| b.get(key).map(str::to_owned))?;
        unsafe { write_c_string(buf, buf_len, value.as_deref().unwrap_or(""), "buf") }?;
        unsafe { write_out(found, value.is_some()) };
        Ok(())
    })
}

/// Removes `key` (absent keys are fine).
///
/// Errors: OTLP_ERROR_NULL_POINTER (baggage, key), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (key not UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_baggage_remove(baggage: *mut otlp_baggage_t, key: *const c_char) -> otlp_error_t {
    ffi_result!({
        check_ptr(baggage, "baggage")?;
        let key = unsafe { arg_str(key, "key") }?;
        BAGGAGES.with(baggage as usize, |b| b.remove(key))
    })
}

/// Writes the `baggage` header value for an outgoing request into `buf` (NUL-terminated; ""
/// when empty). At most 8192 bytes plus the NUL are ever needed.
///
/// Errors: OTLP_ERROR_NULL_POINTER (baggage, buf), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (buffer too small: nothing written, size needed in the message).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_baggage_inject(
    baggage: *const otlp_baggage_t,
    buf: *mut c_char,
    buf_len: usize,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(baggage, "baggage")?;
        check_ptr(buf, "buf")?;
        let header = BAGGAGES.with(baggage as usize, |b| b.header())?;
        unsafe { write_c_string(buf, buf_len, &header, "buf") }
    })
}

/// Frees a baggage. NULL is a no-op; a freed or forged handle is left alone and sets the last
/// error (OTLP_ERROR_INVALID_HANDLE).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_baggage_free(baggage: *mut otlp_baggage_t) {
    if baggage.is_null() {
        return;
    }
    ffi_void!({ BAGGAGES.remove(baggage as usize).map(drop) })
}
