//! What both OTLP transports (`http`, `grpc`) share: the client and the request's fixed parts
//! (`Otlp`), why an export failed (`ExportError`), the `google.rpc` messages that error answers
//! carry, and the text of an error's chain.

use crate::config::{Compression, Protocol};
use crate::error::Error;
use prost::Message;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// Why an export did not get through, and whether sending the same data later may succeed
/// (false for answers like HTTP 400 or gRPC INVALID_ARGUMENT that the OTLP specification
/// forbids retrying: the processor then drops the batch and counts it).
#[derive(Debug)]
pub struct ExportError {
    pub message: String,
    pub retryable: bool,
}

impl ExportError {
    pub(crate) fn new(message: String, retryable: bool) -> Self {
        Self { message, retryable }
    }
}

impl From<ExportError> for Error {
    fn from(e: ExportError) -> Self {
        Error::export_failed(e.message)
    }
}

/// An OTLP exporter: one HTTP client (HTTP/1.1 for OTLP/HTTP, HTTP/2 for gRPC) and the
/// request's fixed parts.
pub struct Otlp {
    pub(crate) client: reqwest::Client,
    pub(crate) url: reqwest::Url,
    /// User headers (OTEL_EXPORTER_OTLP_[TRACES_]HEADERS) plus the protocol's own.
    pub(crate) headers: HeaderMap,
    pub(crate) timeout: Duration,
    pub(crate) protocol: Protocol,
    pub(crate) compression: Compression,
    /// The largest encoded (uncompressed) message of one request (OTEL_BSP_MAX_EXPORT_BYTES).
    pub(crate) max_bytes: usize,
}

/// `google.rpc.Status`, the payload of `grpc-status-details-bin` (and of OTLP/HTTP error
/// bodies).
#[derive(Clone, PartialEq, Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<ProtoAny>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Message)]
pub struct ProtoAny {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.rpc.RetryInfo`.
#[derive(Clone, PartialEq, Message)]
pub struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    pub retry_delay: Option<ProtoDuration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, Message)]
pub struct ProtoDuration {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        // Some errors repeat their source's text; show each part once.
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}
