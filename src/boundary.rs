//! The panic boundary and the argument guards every exported function goes through.
//!
//! An exported function reads as: guards (`check_ptr`, `arg_str`, a handle lookup), one call
//! into the safe core, and the result mapped to an `otlp_error_t` by [`ffi_result!`] — which
//! also catches any panic, so no unwind ever crosses `extern "C"` (that would abort the host
//! process). Out-parameters are written by [`write_out`] only once everything succeeded.

use crate::error::Error;
use std::any::Any;
use std::ffi::{CStr, c_char};

/// Runs a body that returns `Result<()>` behind `catch_unwind`; maps it to an `otlp_error_t`
/// and records the message of a failure (or of a caught panic) as the thread's last error.
macro_rules! ffi_result {
    ($body:block) => {{
        let outcome =
            ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| -> $crate::error::Result<()> { $body }));
        match outcome {
            Ok(Ok(())) => $crate::types::otlp_error_t::OTLP_OK,
            Ok(Err(e)) => $crate::error::record(&e),
            Err(payload) => $crate::error::record(&$crate::boundary::panic_error(payload)),
        }
    }};
}

/// Like [`ffi_result!`] for functions that return nothing: a failure only sets the last error.
macro_rules! ffi_void {
    ($body:block) => {{
        let _ = ffi_result!($body);
    }};
}

/// Turns a caught panic payload into an `OTLP_ERROR_INTERNAL` error carrying its text.
pub fn panic_error(payload: Box<dyn Any + Send>) -> Error {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".to_owned());
    Error::internal(format!("internal panic caught at the C boundary: {text}"))
}

/// Why a C string could not be borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrFault {
    Null,
    /// Not UTF-8; valid up to this byte.
    NotUtf8(usize),
}

impl StrFault {
    /// The error for argument `name` (formatted only when a call actually fails).
    pub fn error(self, name: &str) -> Error {
        match self {
            StrFault::Null => Error::null_pointer(name),
            StrFault::NotUtf8(at) => {
                Error::invalid_argument(format!("argument `{name}` is not valid UTF-8 at byte {at}"))
            }
        }
    }
}

/// Borrows a NUL-terminated UTF-8 string without building any message.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives the returned borrow.
pub unsafe fn c_str<'a>(ptr: *const c_char) -> Result<&'a str, StrFault> {
    if ptr.is_null() {
        return Err(StrFault::Null);
    }
    // SAFETY: non-NULL and NUL-terminated per the function contract.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    // Most keys and values are ASCII: a word-at-a-time check is much cheaper than full UTF-8
    // validation of short strings.
    if bytes.is_ascii() {
        // SAFETY: ASCII is valid UTF-8.
        return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).map_err(|e| StrFault::NotUtf8(e.valid_up_to()))
}

/// Borrows a NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives the returned borrow.
pub unsafe fn arg_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Error> {
    unsafe { c_str(ptr) }.map_err(|f| f.error(name))
}

/// The `key` and `value` string arguments of a setter (`otlp_config_set`, `otlp_baggage_set`...).
///
/// # Safety
/// As for [`arg_str`], for both pointers.
pub unsafe fn key_value<'a>(key: *const c_char, value: *const c_char) -> Result<(&'a str, &'a str), Error> {
    Ok((unsafe { arg_str(key, "key") }?, unsafe { arg_str(value, "value") }?))
}

/// Like [`arg_str`], but NULL is allowed and means "absent".
///
/// # Safety
/// As for [`arg_str`].
pub unsafe fn arg_opt_str<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() { Ok(None) } else { unsafe { arg_str(ptr, name) }.map(Some) }
}

/// Checks that an out-parameter or buffer pointer is not NULL.
pub fn check_ptr<T>(ptr: *const T, name: &str) -> Result<(), Error> {
    if ptr.is_null() { Err(Error::null_pointer(name)) } else { Ok(()) }
}

/// Writes `value` to an out-parameter that the caller checked for NULL with [`check_ptr`].
///
/// # Safety
/// `out` is non-NULL, aligned and writable, as the C API documents for every out-parameter.
pub unsafe fn write_out<T>(out: *mut T, value: T) {
    // SAFETY: per the function contract.
    unsafe { out.write(value) };
}

/// Writes `text` plus a NUL into a caller buffer of `len` bytes, or fails without writing.
///
/// # Safety
/// `buf` is non-NULL and valid for `len` bytes of writes.
pub unsafe fn write_c_string(buf: *mut c_char, len: usize, text: &str, name: &str) -> Result<(), Error> {
    let needed = text.len() + 1;
    if len < needed {
        return Err(Error::invalid_argument(format!(
            "buffer `{name}` is too small: {needed} bytes needed (including the NUL), {len} given"
        )));
    }
    // SAFETY: the caller guarantees `len` writable bytes and `needed <= len`.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), text.len());
        *buf.add(text.len()) = 0;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::last_message;
    use crate::types::otlp_error_t;

    #[test]
    fn panics_become_internal_errors() {
        let code = ffi_result!({
            let v: Vec<u8> = Vec::new();
            let i = v.len() + 3;
            #[allow(clippy::indexing_slicing)]
            let _ = v[i];
            Ok(())
        });
        assert_eq!(code, otlp_error_t::OTLP_ERROR_INTERNAL);
        assert!(last_message().contains("index out of bounds"), "{}", last_message());
    }

    #[test]
    fn strings_are_checked() {
        let bad = [0x66u8, 0xff, 0];
        let err = unsafe { arg_str(bad.as_ptr().cast(), "name") }.unwrap_err();
        assert_eq!(err.code, otlp_error_t::OTLP_ERROR_INVALID_ARGUMENT);
        assert!(err.message.contains("`name`") && err.message.contains("byte 1"));
        let err = unsafe { arg_str(std::ptr::null(), "key") }.unwrap_err();
        assert_eq!(err.code, otlp_error_t::OTLP_ERROR_NULL_POINTER);
    }

    #[test]
    fn buffer_too_small_writes_nothing() {
        let mut buf = [b'x' as c_char; 4];
        let err = unsafe { write_c_string(buf.as_mut_ptr(), 4, "abcd", "buf") }.unwrap_err();
        assert!(err.message.contains("5 bytes needed"));
        assert!(buf.iter().all(|&c| c == b'x' as c_char));
        unsafe { write_c_string(buf.as_mut_ptr(), 4, "abc", "buf") }.unwrap();
        assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_bytes(), b"abc");
    }
}
