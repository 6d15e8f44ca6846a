//! The OTLP retry rules against real receivers: HTTP 429/502/503/504 with Retry-After, 400 not
//! retried; gRPC UNAVAILABLE retried, RESOURCE_EXHAUSTED only with RetryInfo, INVALID_ARGUMENT
//! final; partial success on http/protobuf, http/json and grpc; the export timeout as a bound.
//! Every failed attempt counts in export_failures; a final failure drops the batch (counted).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod transport_support;

use opentelemetry_proto::tonic::collector::trace::v1::{ExportTracePartialSuccess, ExportTraceServiceResponse};
use otlp_ffi_core::ErrorKind;
use std::time::{Duration, Instant};
use transport_support::*;

fn http_provider(receiver: &HttpReceiver, protocol: &str) -> otlp_ffi_core::TracerProvider {
    init(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint("http")), ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)])
}

fn grpc_provider(receiver: &GrpcReceiver) -> otlp_ffi_core::TracerProvider {
    init(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint("http")), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")])
}

/// (exported, dropped, export_failures)
fn counts(p: &otlp_ffi_core::TracerProvider) -> (u64, u64, u64) {
    let s = p.stats();
    (s.spans_exported, s.spans_dropped, s.export_failures)
}

#[test]
fn http_503_with_retry_after_is_retried_after_the_delay() {
    let receiver = HttpReceiver::start();
    receiver.script(vec![Reply::status(503).header("retry-after", "1")]);
    let p = http_provider(&receiver, "http/protobuf");
    record_span(&p, "retried");
    let start = Instant::now();
    p.force_flush(FLUSH).unwrap();
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(900), "Retry-After: 1 honoured, waited {waited:?}");
    assert_eq!(counts(&p), (1, 0, 1), "delivered; the 503 counted once");
    drop(p);
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].decoded, requests[1].decoded, "the same batch was sent again");
}

#[test]
fn http_429_502_504_are_retried_with_backoff() {
    let receiver = HttpReceiver::start();
    receiver.script(vec![Reply::status(429), Reply::status(502), Reply::status(504)]);
    let p = http_provider(&receiver, "http/json");
    record_span(&p, "busy");
    p.force_flush(FLUSH).unwrap();
    assert_eq!(counts(&p), (1, 0, 3));
    drop(p);
    assert_eq!(receiver.requests().len(), 4);
}

#[test]
fn http_400_is_final_dropped_and_counted() {
    let receiver = HttpReceiver::start();
    let status = RpcStatus { code: 3, message: "span name missing".into(), details: vec![] };
    use prost::Message as _;
    receiver.script(vec![Reply::status(400).body("application/x-protobuf", status.encode_to_vec())]);
    let p = http_provider(&receiver, "http/protobuf");
    record_span(&p, "rejected");
    let e = p.force_flush(FLUSH).unwrap_err();
    let message = e.message();
    assert_eq!(e.kind(), ErrorKind::ExportFailed);
    assert!(message.contains("HTTP 400") && message.contains("span name missing"), "{message}");
    assert_eq!(counts(&p), (0, 1, 1));
    // Nothing is kept for a later attempt: a second flush has nothing to send.
    p.force_flush(FLUSH).unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(receiver.requests().len(), 1, "a 400 is never retried");
    let s = p.stats();
    assert_eq!(s.spans_ended, s.spans_exported + s.spans_dropped);
    drop(p);
}

#[test]
fn http_partial_success_counts_rejected_spans_as_dropped() {
    for (protocol, reply) in [
        ("http/protobuf", Reply::status(200).body("application/x-protobuf", partial_success_pb(1))),
        (
            "http/json",
            Reply::status(200).body(
                "application/json",
                br#"{"partialSuccess":{"rejectedSpans":"1","errorMessage":"too old"}}"#.to_vec(),
            ),
        ),
    ] {
        let receiver = HttpReceiver::start();
        receiver.script(vec![reply]);
        let p = http_provider(&receiver, protocol);
        record_span(&p, "a");
        record_span(&p, "b");
        p.force_flush(FLUSH).unwrap();
        assert_eq!(counts(&p), (1, 1, 0), "{protocol}");
        drop(p);
        assert_eq!(receiver.requests().len(), 1);
    }
}

#[test]
fn http_export_timeout_bounds_a_hanging_receiver() {
    let receiver = HttpReceiver::start();
    receiver.script(vec![Reply::status(200).delay(Duration::from_secs(5))]);
    let p = init(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint("http")), ("OTEL_EXPORTER_OTLP_TIMEOUT", "300")]);
    record_span(&p, "slow");
    let start = Instant::now();
    let e = p.force_flush(FLUSH).unwrap_err();
    let message = e.message();
    assert!(start.elapsed() < Duration::from_secs(3), "bounded by the 300 ms export timeout: {:?}", start.elapsed());
    assert_eq!(e.kind(), ErrorKind::ExportFailed);
    assert!(message.contains("export timeout"), "{message}");
    assert_eq!(counts(&p), (0, 0, 1), "kept for a later attempt, the attempt counted");
    // The receiver answers at once now: the kept batch gets through.
    p.force_flush(FLUSH).unwrap();
    assert_eq!(counts(&p), (1, 0, 1));
    drop(p);
}

#[test]
fn grpc_unavailable_is_retried() {
    let receiver = GrpcReceiver::start(true, None);
    receiver.script(vec![GrpcReply::Err(tonic::Status::unavailable("restarting"))]);
    let p = grpc_provider(&receiver);
    record_span(&p, "retried");
    p.force_flush(FLUSH).unwrap();
    assert_eq!(counts(&p), (1, 0, 1));
    drop(p);
    assert_eq!(receiver.requests().len(), 2);
}

#[test]
fn grpc_resource_exhausted_is_retried_only_with_retry_info() {
    let receiver = GrpcReceiver::start(true, None);
    receiver.script(vec![GrpcReply::Err(resource_exhausted(Some(Duration::from_millis(800))))]);
    let p = grpc_provider(&receiver);
    record_span(&p, "throttled");
    let start = Instant::now();
    p.force_flush(FLUSH).unwrap();
    assert!(start.elapsed() >= Duration::from_millis(750), "RetryInfo's delay honoured: {:?}", start.elapsed());
    assert_eq!(counts(&p), (1, 0, 1));
    drop(p);
    assert_eq!(receiver.requests().len(), 2);

    let receiver = GrpcReceiver::start(true, None);
    receiver.script(vec![GrpcReply::Err(resource_exhausted(None))]);
    let p = grpc_provider(&receiver);
    record_span(&p, "over quota");
    let e = p.force_flush(FLUSH).unwrap_err();
    let message = e.message();
    assert_eq!(e.kind(), ErrorKind::ExportFailed);
    assert!(message.contains("RESOURCE_EXHAUSTED") && message.contains("quota"), "{message}");
    assert_eq!(counts(&p), (0, 1, 1), "without RetryInfo: final, dropped");
    drop(p);
    assert_eq!(receiver.requests().len(), 1);
}

#[test]
fn grpc_invalid_argument_is_final() {
    let receiver = GrpcReceiver::start(true, None);
    receiver.script(vec![GrpcReply::Err(tonic::Status::invalid_argument("bad span: no name"))]);
    let p = grpc_provider(&receiver);
    record_span(&p, "bad");
    let e = p.force_flush(FLUSH).unwrap_err();
    let message = e.message();
    assert!(message.contains("INVALID_ARGUMENT (3): bad span: no name"), "grpc-message decoded: {message}");
    assert_eq!(counts(&p), (0, 1, 1));
    drop(p);
    assert_eq!(receiver.requests().len(), 1);
}

#[test]
fn grpc_partial_success_counts_rejected_spans_as_dropped() {
    let receiver = GrpcReceiver::start(true, None);
    receiver.script(vec![GrpcReply::Ok(ExportTraceServiceResponse {
        partial_success: Some(ExportTracePartialSuccess { rejected_spans: 2, error_message: "too old".into() }),
    })]);
    let p = grpc_provider(&receiver);
    for name in ["a", "b", "c"] {
        record_span(&p, name);
    }
    p.force_flush(FLUSH).unwrap();
    assert_eq!(counts(&p), (1, 2, 0));
    drop(p);
}

#[test]
fn grpc_export_timeout_bounds_a_hanging_receiver() {
    let receiver = GrpcReceiver::start(true, None);
    receiver.script(vec![GrpcReply::Delay(Duration::from_secs(5))]);
    let p = init(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint("http")),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "300"),
    ]);
    record_span(&p, "slow");
    let start = Instant::now();
    let e = p.force_flush(FLUSH).unwrap_err();
    let message = e.message();
    assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
    assert!(message.contains("export timeout"), "{message}");
    assert_eq!(counts(&p), (0, 0, 1));
    let timeout = receiver.requests()[0].metadata.get("grpc-timeout").unwrap().to_str().unwrap().to_owned();
    let ms: u64 = timeout.trim_end_matches('m').parse().unwrap();
    assert!(timeout.ends_with('m') && (1..=300).contains(&ms), "grpc-timeout carries the time left: {timeout}");
    drop(p);
}

#[test]
fn refused_connections_count_every_attempt() {
    // Bind then close a port: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    for protocol in ["http/protobuf", "grpc"] {
        let endpoint = format!("http://127.0.0.1:{port}");
        let p = init(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint), ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)]);
        record_span(&p, "nowhere");
        let e = p.force_flush(FLUSH).unwrap_err();
        let message = e.message();
        assert!(message.contains("cannot reach") && message.contains("gave up after 4 attempts"), "{message}");
        assert_eq!(counts(&p), (0, 0, 4), "{protocol}: 1 attempt + 3 retries, the batch kept");
        drop(p);
    }
}
