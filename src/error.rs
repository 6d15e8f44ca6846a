//! The error of the C boundary (an `otlp_error_t` code and a message naming the argument), the
//! mapping from the core's errors, and the thread-local last error behind
//! `otlp_get_last_error`.
//!
//! Every failing call stores a message in a slot owned by the calling thread; the pointer
//! returned by `otlp_get_last_error` stays valid until the next failing call on that thread.

use crate::types::otlp_error_t;
use otlp_ffi_core::ErrorKind;
use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::fmt;

/// An error at the C boundary: a code plus a human-readable message naming the argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: otlp_error_t,
    pub message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: otlp_error_t, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(otlp_error_t::OTLP_ERROR_INVALID_ARGUMENT, message)
    }
    pub fn null_pointer(argument: &str) -> Self {
        Self::new(otlp_error_t::OTLP_ERROR_NULL_POINTER, format!("argument `{argument}` is NULL"))
    }
    pub fn invalid_handle(kind: &str) -> Self {
        Self::new(
            otlp_error_t::OTLP_ERROR_INVALID_HANDLE,
            format!("{kind} handle is not live (already ended or freed, of another type, or never issued)"),
        )
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(otlp_error_t::OTLP_ERROR_INTERNAL, message)
    }
}

/// The code of each kind of core error (rustls-ffi's `map_error`): the core knows nothing of C.
fn code_of(kind: ErrorKind) -> otlp_error_t {
    match kind {
        ErrorKind::InvalidArgument => otlp_error_t::OTLP_ERROR_INVALID_ARGUMENT,
        ErrorKind::InitializationFailed => otlp_error_t::OTLP_ERROR_INITIALIZATION_FAILED,
        ErrorKind::ExportFailed => otlp_error_t::OTLP_ERROR_EXPORT_FAILED,
        ErrorKind::Timeout => otlp_error_t::OTLP_ERROR_TIMEOUT,
        _ => otlp_error_t::OTLP_ERROR_INTERNAL,
    }
}

impl From<otlp_ffi_core::Error> for Error {
    fn from(e: otlp_ffi_core::Error) -> Self {
        Self::new(code_of(e.kind()), e.into_message())
    }
}

impl From<std::convert::Infallible> for Error {
    fn from(e: std::convert::Infallible) -> Self {
        match e {}
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.name(), self.message)
    }
}

impl std::error::Error for Error {}

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// Stores `err` as this thread's last error and returns its code.
pub fn record(err: &Error) -> otlp_error_t {
    let text = err.to_string().replace('\0', "\u{FFFD}");
    // The replacement above removed every NUL, so this cannot fail; an empty string is the
    // harmless fallback rather than a panic.
    let c = CString::new(text).unwrap_or_default();
    // During thread teardown the slot may be gone; losing the message then is acceptable.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = Some(c));
    err.code
}

/// This thread's last error text (without the code prefix), for tests.
#[cfg(test)]
pub fn last_message() -> String {
    LAST_ERROR.with(|slot| slot.borrow().as_ref().map(|c| c.to_string_lossy().into_owned()).unwrap_or_default())
}

/// Returns the message of the last failing call made by the calling thread.
///
/// Never NULL: the empty string `""` when this thread has had no failure. The text starts with
/// the code's name (e.g. `OTLP_ERROR_INVALID_HANDLE: ...`) and names the offending argument.
/// The pointer is owned by the library and stays valid until the next failing call on the same
/// thread; copy it if you need it longer. Successful calls do not clear it, so read it only
/// after a call returned an error. Thread-safe: each thread has its own message.
#[unsafe(no_mangle)]
pub extern "C" fn otlp_get_last_error() -> *const c_char {
    LAST_ERROR.try_with(|slot| slot.borrow().as_ref().map(|c| c.as_ptr())).ok().flatten().unwrap_or(c"".as_ptr())
}

/// Returns the library version as a static NUL-terminated string `"major.minor.patch"`.
///
/// Never NULL; owned by the library, never freed; callable from any thread at any time.
#[unsafe(no_mangle)]
pub extern "C" fn otlp_version() -> *const c_char {
    const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    VERSION.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn empty_until_first_failure_then_thread_local() {
        std::thread::spawn(|| {
            let p = otlp_get_last_error();
            assert_eq!(unsafe { CStr::from_ptr(p) }.to_bytes(), b"");
            record(&Error::null_pointer("span"));
            let p = otlp_get_last_error();
            assert_eq!(
                unsafe { CStr::from_ptr(p) }.to_str().unwrap(),
                "OTLP_ERROR_NULL_POINTER: argument `span` is NULL"
            );
            std::thread::spawn(|| {
                assert_eq!(unsafe { CStr::from_ptr(otlp_get_last_error()) }.to_bytes(), b"");
            })
            .join()
            .unwrap();
        })
        .join()
        .unwrap();
    }

    #[test]
    fn interior_nul_is_replaced() {
        record(&Error::invalid_argument("a\0b"));
        assert!(last_message().ends_with("a\u{FFFD}b"));
    }

    #[test]
    fn version_matches_crate() {
        let v = unsafe { CStr::from_ptr(otlp_version()) }.to_str().unwrap();
        assert_eq!(v, env!("CARGO_PKG_VERSION"));
    }
}
