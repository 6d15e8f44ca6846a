//! OTLP/gRPC: the unary call `opentelemetry.proto.collector.trace.v1.TraceService/Export` over
//! HTTP/2 (the same reqwest/hyper client and rustls configuration as OTLP/HTTP, on the shared
//! runtime), with the gRPC framing done here: a 5-byte prefix (compressed flag, big-endian
//! length) before the protobuf message, the status read from `grpc-status` / `grpc-message`
//! in the trailers (or the headers of a trailers-only answer).
//!
//! The endpoint is used as given: only its scheme and authority matter, the method path
//! replaces any path. Headers (OTEL_EXPORTER_OTLP_[TRACES_]HEADERS) go out as metadata; gzip
//! is `grpc-encoding: gzip` with the compressed flag set; `grpc-timeout` carries the time left
//! of the export timeout.
//!
//! Retries follow the OTLP specification: CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE,
//! UNAVAILABLE and DATA_LOSS are retried, RESOURCE_EXHAUSTED only when the server sent a
//! `google.rpc.RetryInfo` (whose delay is then honoured, as for any retryable code); every
//! other status is final. A non-200 HTTP answer (a proxy in the way) maps to the gRPC code
//! the gRPC HTTP mapping gives it.

use crate::config::{Compression, Settings};
use crate::export::otlp::{Otlp, RetryInfo, RpcStatus, error_chain};
use crate::export::retry::{Attempt, send_failed};
use crate::util::percent_decode;
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::BodyExt as _;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, TE};
use std::io::Read as _;
use std::time::Duration;

/// The method path of the OTLP trace export.
pub const EXPORT_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

const RESOURCE_EXHAUSTED: i32 = 8;

/// The URL of the export method on `endpoint`'s scheme and authority.
pub(crate) fn method_url(endpoint: &reqwest::Url) -> reqwest::Url {
    let mut url = endpoint.clone();
    url.set_path(EXPORT_PATH);
    url.set_query(None);
    url.set_fragment(None);
    url
}

pub(crate) fn protocol_headers(headers: &mut HeaderMap, settings: &Settings) {
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    headers.insert(TE, HeaderValue::from_static("trailers"));
    headers.insert("grpc-accept-encoding", HeaderValue::from_static("gzip"));
    if settings.compression == Compression::Gzip {
        headers.insert("grpc-encoding", HeaderValue::from_static("gzip"));
    } else {
        headers.remove("grpc-encoding");
    }
    headers.remove("grpc-timeout");
}

/// The length prefix of a gRPC message: compressed flag, big-endian length.
pub(crate) const PREFIX_LEN: usize = 5;

/// A length-prefixed gRPC message.
pub(crate) fn frame(message: &[u8], compressed: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + PREFIX_LEN);
    out.extend_from_slice(&[0; PREFIX_LEN]);
    out.extend_from_slice(message);
    write_prefix(&mut out, compressed);
    out
}

/// Fills in the prefix of `framed`: `PREFIX_LEN` placeholder bytes followed by the message.
pub(crate) fn write_prefix(framed: &mut [u8], compressed: bool) {
    // A request over 4 GiB cannot be framed; the batch limits keep requests far below.
    let len = u32::try_from(framed.len().saturating_sub(PREFIX_LEN)).unwrap_or(u32::MAX);
    if let Some(prefix) = framed.get_mut(..PREFIX_LEN) {
        prefix[0] = u8::from(compressed);
        prefix[1..].copy_from_slice(&len.to_be_bytes());
    }
}

/// `grpc-timeout` for the time left (at most 8 digits, in milliseconds).
fn timeout_header(remaining: Duration) -> HeaderValue {
    let ms = remaining.as_millis().clamp(1, 99_999_999);
    HeaderValue::from_str(&format!("{ms}m")).unwrap_or_else(|_| HeaderValue::from_static("1m"))
}

pub(crate) async fn attempt(otlp: &Otlp, body: Bytes, remaining: Duration) -> Attempt {
    let request = otlp
        .client
        .post(otlp.url.clone())
        .headers(otlp.headers.clone())
        .header("grpc-timeout", timeout_header(remaining))
        .body(body);
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return send_failed(&otlp.url, &e),
    };
    let http_status = response.status().as_u16();
    if http_status != 200 {
        // The gRPC HTTP-to-status mapping: only the "unavailable" family is retryable.
        let why = format!("{} answered HTTP {http_status} instead of a gRPC response", otlp.url);
        return match http_status {
            429 | 502 | 503 | 504 => Attempt::Retry(None, why),
            _ => Attempt::Fail(why),
        };
    }
    let response: http::Response<reqwest::Body> = response.into();
    let (parts, body) = response.into_parts();
    let collected = match body.collect().await {
        Ok(c) => c,
        Err(e) => {
            let why = format!("{}: the gRPC answer was cut off: {}", otlp.url, error_chain(&e));
            return Attempt::Retry(None, why);
        }
    };
    let trailers = collected.trailers().cloned().unwrap_or_default();
    let data = collected.to_bytes();
    // A trailers-only answer carries the status in its headers.
    let meta = |name: &str| trailers.get(name).or_else(|| parts.headers.get(name)).cloned();
    let code = meta("grpc-status").and_then(|v| v.to_str().ok()?.trim().parse::<i32>().ok());
    let Some(code) = code else {
        return Attempt::Fail(format!("{} answered without a grpc-status", otlp.url));
    };
    if code == 0 {
        let compressed_with_gzip = meta("grpc-encoding").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
        let rejected = response_message(&data, compressed_with_gzip)
            .and_then(|m| ExportTraceServiceResponse::decode(m.as_slice()).ok())
            .and_then(|r| r.partial_success)
            .map_or(0, |p| p.rejected_spans.max(0) as u64);
        return Attempt::Done(rejected);
    }
    let message = meta("grpc-message").map(|v| percent_decode_lossy(v.as_bytes())).unwrap_or_default();
    let retry_delay = meta("grpc-status-details-bin").and_then(|v| retry_info(v.as_bytes()));
    let mut why = format!("{} answered gRPC status {} ({code})", otlp.url, code_name(code));
    if !message.is_empty() {
        why.push_str(": ");
        why.push_str(&message);
    }
    match code {
        1 | 4 | 10 | 11 | 14 | 15 => Attempt::Retry(retry_delay, why),
        RESOURCE_EXHAUSTED if retry_delay.is_some() => Attempt::Retry(retry_delay, why),
        _ => Attempt::Fail(why),
    }
}

/// The first message of a response body, decompressed.
fn response_message(data: &[u8], gzip: bool) -> Option<Vec<u8>> {
    let (&flag, rest) = data.split_first()?;
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let message = rest.get(4..4 + len)?;
    match (flag, gzip) {
        (0, _) => Some(message.to_vec()),
        (1, true) => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(message).read_to_end(&mut out).ok()?;
            Some(out)
        }
        _ => None,
    }
}

/// The delay of a `google.rpc.RetryInfo` in a `grpc-status-details-bin` value (base64 of a
/// `google.rpc.Status`).
pub(crate) fn retry_info(details_bin: &[u8]) -> Option<Duration> {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let bytes = engine.decode(details_bin.trim_ascii()).ok()?;
    let status = RpcStatus::decode(bytes.as_slice()).ok()?;
    let info = status.details.iter().find(|d| d.type_url.ends_with("/google.rpc.RetryInfo"))?;
    let delay = RetryInfo::decode(info.value.as_slice()).ok()?.retry_delay.unwrap_or_default();
    let secs = u64::try_from(delay.seconds).unwrap_or(0);
    let nanos = u32::try_from(delay.nanos).unwrap_or(0).min(999_999_999);
    Some(Duration::new(secs, nanos))
}

/// `grpc-message` is percent-encoded UTF-8.
fn percent_decode_lossy(v: &[u8]) -> String {
    let text = String::from_utf8_lossy(v);
    percent_decode(&text).unwrap_or_else(|_| text.into_owned())
}

fn code_name(code: i32) -> &'static str {
    match code {
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => "unknown code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::otlp::{ProtoAny, ProtoDuration};

    #[test]
    fn frames_and_unframes() {
        let f = frame(b"abc", false);
        assert_eq!(f, [0, 0, 0, 0, 3, b'a', b'b', b'c']);
        assert_eq!(response_message(&f, false).unwrap(), b"abc");
        let gz = crate::export::encode::gzip(b"hello").unwrap();
        assert_eq!(response_message(&frame(&gz, true), true).unwrap(), b"hello");
        assert_eq!(response_message(&[0, 0, 0, 0, 9, 1], false), None, "truncated");
        assert_eq!(response_message(&[], false), None);
    }

    #[test]
    fn method_url_replaces_the_path() {
        let u = reqwest::Url::parse("https://collector:4317/ignored?x=1").unwrap();
        assert_eq!(method_url(&u).as_str(), format!("https://collector:4317{EXPORT_PATH}"));
    }

    #[test]
    fn retry_info_from_status_details() {
        let info = RetryInfo { retry_delay: Some(ProtoDuration { seconds: 2, nanos: 500_000_000 }) };
        let status = RpcStatus {
            code: 8,
            message: "slow down".into(),
            details: vec![ProtoAny {
                type_url: "type.googleapis.com/google.rpc.RetryInfo".into(),
                value: info.encode_to_vec(),
            }],
        };
        let b64 = base64::engine::general_purpose::STANDARD_NO_PAD.encode(status.encode_to_vec());
        assert_eq!(retry_info(b64.as_bytes()), Some(Duration::from_millis(2500)));
        let padded = base64::engine::general_purpose::STANDARD.encode(status.encode_to_vec());
        assert_eq!(retry_info(padded.as_bytes()), Some(Duration::from_millis(2500)));
        let none = RpcStatus { code: 8, message: String::new(), details: vec![] };
        let b64 = base64::engine::general_purpose::STANDARD.encode(none.encode_to_vec());
        assert_eq!(retry_info(b64.as_bytes()), None);
        assert_eq!(retry_info(b"!!!"), None);
    }

    #[test]
    fn timeout_header_is_grpc_syntax() {
        assert_eq!(timeout_header(Duration::from_millis(1500)), "1500m");
        assert_eq!(timeout_header(Duration::ZERO), "1m");
        assert_eq!(timeout_header(Duration::from_secs(10_000_000)), "99999999m");
    }

    #[test]
    fn grpc_message_is_percent_decoded() {
        assert_eq!(percent_decode_lossy(b"bad%20span%3A%20x"), "bad span: x");
        assert_eq!(percent_decode_lossy(b"100%"), "100%");
    }
}
