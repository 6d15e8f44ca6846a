//! Error codes of the C API and the thread-local last-error message.
//!
//! Every failing call stores a message in a slot owned by the calling thread; the pointer
//! returned by `otlp_get_last_error` stays valid until the next failing call on that thread.

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::fmt;

/// Result codes returned by every fallible function of the library.
///
/// The numbers are part of the ABI and are never reused. `OTLP_OK` is zero; every error is
/// negative. After a negative return, `otlp_get_last_error()` describes the failure.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum otlp_error_t {
    /// The call succeeded.
    OTLP_OK = 0,
    /// An argument has a value the call cannot accept (bad UTF-8, out-of-range enum, malformed
    /// traceparent, unknown config key, buffer too small...). The message names the argument.
    OTLP_ERROR_INVALID_ARGUMENT = -1,
    /// A required pointer argument was NULL. The message names the argument.
    OTLP_ERROR_NULL_POINTER = -2,
    /// The provider could not be created (bad endpoint, exporter could not start).
    OTLP_ERROR_INITIALIZATION_FAILED = -3,
    /// Spans could not be delivered (the collector refused them or could not be reached).
    OTLP_ERROR_EXPORT_FAILED = -4,
    /// A resource limit was reached (e.g. too many live handles).
    OTLP_ERROR_OUT_OF_MEMORY = -5,
    /// The handle is not live: already ended or freed, owned by a freed provider, of another
    /// type, or never issued by this library.
    OTLP_ERROR_INVALID_HANDLE = -6,
    /// A flush or shutdown did not complete within its timeout.
    OTLP_ERROR_TIMEOUT = -7,
    /// A bug inside the library (a caught panic); the message has the details.
    OTLP_ERROR_INTERNAL = -99,
}

impl otlp_error_t {
    /// The enumerator's name, used as the first word of every error message.
    pub fn name(self) -> &'static str {
        match self {
            Self::OTLP_OK => "OTLP_OK",
            Self::OTLP_ERROR_INVALID_ARGUMENT => "OTLP_ERROR_INVALID_ARGUMENT",
            Self::OTLP_ERROR_NULL_POINTER => "OTLP_ERROR_NULL_POINTER",
            Self::OTLP_ERROR_INITIALIZATION_FAILED => "OTLP_ERROR_INITIALIZATION_FAILED",
            Self::OTLP_ERROR_EXPORT_FAILED => "OTLP_ERROR_EXPORT_FAILED",
            Self::OTLP_ERROR_OUT_OF_MEMORY => "OTLP_ERROR_OUT_OF_MEMORY",
            Self::OTLP_ERROR_INVALID_HANDLE => "OTLP_ERROR_INVALID_HANDLE",
            Self::OTLP_ERROR_TIMEOUT => "OTLP_ERROR_TIMEOUT",
            Self::OTLP_ERROR_INTERNAL => "OTLP_ERROR_INTERNAL",
        }
    }
}

/// An error of the safe core: a code plus a human-readable message naming the argument.
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
