//! OTLP/HTTP: one POST per export to the traces URL, protobuf (`application/x-protobuf`) or
//! JSON (`application/json`) bodies, `Content-Encoding: gzip` when compression is on.
//!
//! A 2xx answer acknowledges the batch; its body (same encoding as the request) may report a
//! partial success. 429, 502, 503 and 504 are retried (honouring `Retry-After`, seconds or
//! HTTP-date); connection failures are retried; any other status is final. The message of a
//! `google.rpc.Status` error body is quoted in the error.

use crate::config::{Compression, Protocol, Settings};
use crate::export::otlp::{Otlp, RpcStatus};
use crate::export::retry::{Attempt, parse_retry_after, send_failed};
use bytes::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;
use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};

/// The longest server error message quoted in an export error.
const MAX_QUOTED: usize = 200;

pub(crate) fn protocol_headers(headers: &mut HeaderMap, settings: &Settings) {
    let content_type = match settings.protocol {
        Protocol::HttpJson => "application/json",
        Protocol::HttpProtobuf | Protocol::Grpc => "application/x-protobuf",
    };
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if settings.compression == Compression::Gzip {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    } else {
        headers.remove(CONTENT_ENCODING);
    }
}

pub(crate) async fn attempt(otlp: &Otlp, body: Bytes) -> Attempt {
    let sent = otlp.client.post(otlp.url.clone()).headers(otlp.headers.clone()).body(body).send().await;
    let response = match sent {
        Ok(r) => r,
        Err(e) => return send_failed(&otlp.url, &e),
    };
    let status = response.status();
    if status.is_success() {
        let json = otlp.protocol == Protocol::HttpJson;
        // An unreadable or undecodable body still acknowledges the spans (the spec asks
        // receivers for an ExportTraceServiceResponse, but the status is what counts).
        let rejected = match response.bytes().await {
            Ok(b) if json => json_rejected_spans(&b),
            Ok(b) => ExportTraceServiceResponse::decode(b.as_ref())
                .ok()
                .and_then(|r| r.partial_success)
                .map_or(0, |p| p.rejected_spans.max(0) as u64),
            Err(_) => 0,
        };
        return Attempt::Done(rejected);
    }
    let after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, unix_now_secs()));
    let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let mut why = format!("{} answered HTTP {}", otlp.url, status.as_u16());
    if let Some(message) = response.bytes().await.ok().and_then(|b| status_message(&b, &content_type)) {
        why.push_str(": ");
        why.push_str(&message);
    }
    match status.as_u16() {
        429 | 502 | 503 | 504 => Attempt::Retry(after, why),
        _ => Attempt::Fail(why),
    }
}

/// `partialSuccess.rejectedSpans` of a JSON response (an int64: a string or a number).
fn json_rejected_spans(body: &[u8]) -> u64 {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else { return 0 };
    let n = &v["partialSuccess"]["rejectedSpans"];
    n.as_u64().or_else(|| n.as_str().and_then(|s| s.parse().ok())).unwrap_or(0)
}

/// The `message` of a `google.rpc.Status` error body (protobuf or JSON, by its content type),
/// or the text of a plain-text body.
fn status_message(body: &[u8], content_type: &str) -> Option<String> {
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let message = match mime.as_str() {
        "application/json" => {
            let v = serde_json::from_slice::<serde_json::Value>(body).ok()?;
            v["message"].as_str()?.to_owned()
        }
        "application/x-protobuf" | "application/protobuf" => RpcStatus::decode(body).ok()?.message,
        "text/plain" => String::from_utf8_lossy(body).into_owned(),
        _ => return None,
    };
    let message = message.trim();
    if message.is_empty() {
        return None;
    }
    Some(match message.char_indices().nth(MAX_QUOTED) {
        Some((cut, _)) => format!("{}...", &message[..cut]),
        None => message.to_owned(),
    })
}

fn unix_now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The attempt's outcome when a request could not be sent: retried, except for a TLS
/// verification failure (the configuration must change first; the batch is kept).
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_partial_success_accepts_strings_and_numbers() {
        assert_eq!(json_rejected_spans(br#"{"partialSuccess":{"rejectedSpans":"3"}}"#), 3);
        assert_eq!(json_rejected_spans(br#"{"partialSuccess":{"rejectedSpans":4,"errorMessage":"x"}}"#), 4);
        assert_eq!(json_rejected_spans(b"{}"), 0);
        assert_eq!(json_rejected_spans(b""), 0);
    }

    #[test]
    fn error_bodies_are_quoted_briefly() {
        let status = RpcStatus { code: 3, message: "bad span".into(), details: vec![] };
        let pb = "application/x-protobuf";
        assert_eq!(status_message(&status.encode_to_vec(), pb).as_deref(), Some("bad span"));
        let json = "application/json; charset=utf-8";
        assert_eq!(status_message(br#"{"code":3,"message":"bad json"}"#, json).as_deref(), Some("bad json"));
        let long = format!(r#"{{"message":"{}"}}"#, "x".repeat(500));
        assert_eq!(status_message(long.as_bytes(), json).unwrap().len(), MAX_QUOTED + 3);
        assert_eq!(status_message(b"<html>", "text/html"), None);
        assert_eq!(status_message(b" too big \n", "text/plain").as_deref(), Some("too big"));
    }
}
