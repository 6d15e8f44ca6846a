//! The core's error type: a kind and a message that names the argument or setting at fault.
//! The C boundary maps each kind to its `otlp_error_t` code.

use std::fmt;

/// What went wrong, broadly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An argument or setting has a value that cannot be accepted.
    InvalidArgument,
    /// A provider could not be created (export runtime, HTTP client, TLS files).
    InitializationFailed,
    /// Spans could not be delivered (refused, unreachable, or not exportable from here).
    ExportFailed,
    /// A flush or shutdown did not complete in time.
    Timeout,
    /// A bug inside the library.
    Internal,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::InitializationFailed => "initialization failed",
            ErrorKind::ExportFailed => "export failed",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Internal => "internal error",
        }
    }
}

/// An error of the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }
    pub fn initialization_failed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InitializationFailed, message)
    }
    pub fn export_failed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ExportFailed, message)
    }
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Timeout, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn into_message(self) -> String {
        self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

impl std::error::Error for Error {}
