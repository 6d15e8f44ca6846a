//! Export requests are split by encoded size (OTEL_BSP_MAX_EXPORT_BYTES, default 3 MiB): a
//! batch larger than the limit arrives whole in several requests, each within the limit, over
//! http/protobuf, http/json and gRPC (with and without gzip); a span that alone exceeds the
//! limit is dropped and counted, the others arrive. The gRPC receiver (tonic) refuses messages
//! over 4 MiB, as the Collector does by default.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod transport_support;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use otlp_ffi_core::{StartOptions, TracerProvider, Value};
use prost::Message;
use std::collections::HashSet;
use transport_support::*;

/// Records `n` spans named "big {i}", each with a string attribute of `bytes` bytes.
fn big_spans(p: &TracerProvider, prefix: &str, n: usize, bytes: usize) {
    let value = "x".repeat(bytes);
    for i in 0..n {
        let mut s = p.tracer().start(&format!("{prefix} {i}"), StartOptions::default());
        s.set_attribute("payload", Value::Str(&value));
        s.end();
    }
}

fn span_names(requests: &[ExportTraceServiceRequest]) -> Vec<String> {
    requests
        .iter()
        .flat_map(|r| &r.resource_spans)
        .flat_map(|rs| &rs.scope_spans)
        .flat_map(|ss| &ss.spans)
        .map(|s| s.name.clone())
        .collect()
}

/// Exports 30 spans of 6 KiB (about 3x a 64 KiB limit) plus one of 100 KiB over `protocol` in
/// one batch, and checks what the receiver got: every small span once, in requests within the
/// limit; not the big one.
fn export_with_small_limit(protocol: &str, gzip: bool) {
    const LIMIT: usize = 64 * 1024;
    let settings = |endpoint: &str| -> Vec<(String, String)> {
        vec![
            ("OTEL_EXPORTER_OTLP_ENDPOINT".into(), endpoint.into()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL".into(), protocol.into()),
            ("OTEL_EXPORTER_OTLP_COMPRESSION".into(), if gzip { "gzip" } else { "none" }.into()),
            ("OTEL_BSP_MAX_EXPORT_BYTES".into(), LIMIT.to_string()),
            ("OTEL_BSP_SCHEDULE_DELAY".into(), "60000".into()),
        ]
    };
    let run = |endpoint: &str| {
        let owned = settings(endpoint);
        let pairs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let p = init(&pairs);
        big_spans(&p, "big", 15, 6 * 1024);
        big_spans(&p, "huge", 1, 100 * 1024); // alone over the limit: dropped
        big_spans(&p, "big-after", 15, 6 * 1024);
        p.force_flush(FLUSH).unwrap_or_else(|e| panic!("{protocol} gzip={gzip}: {e:?}"));
        let s = p.stats();
        assert_eq!((s.spans_ended, s.spans_exported, s.spans_dropped, s.export_failures), (31, 30, 1, 0), "{s:?}");
        drop(p);
    };
    let (requests, sizes): (Vec<ExportTraceServiceRequest>, Vec<usize>) = if protocol == "grpc" {
        let receiver = GrpcReceiver::start(true, None);
        run(&receiver.endpoint("http"));
        receiver.requests().into_iter().map(|r| (r.message.clone(), r.message.encoded_len())).unzip()
    } else {
        let receiver = HttpReceiver::start();
        run(&receiver.endpoint("http"));
        receiver
            .requests()
            .into_iter()
            .map(|r| {
                let size = if gzip { gunzip(&r.raw_body).len() } else { r.raw_body.len() };
                (r.decoded, size)
            })
            .unzip()
    };
    assert!(requests.len() >= 3, "{protocol} gzip={gzip}: {} requests for 3x the limit", requests.len());
    assert!(sizes.iter().all(|&n| n <= LIMIT), "{protocol} gzip={gzip}: a request over the limit: {sizes:?}");
    let names = span_names(&requests);
    let unique: HashSet<&String> = names.iter().collect();
    assert_eq!((names.len(), unique.len()), (30, 30), "{protocol} gzip={gzip}: every span once");
    assert!(!names.iter().any(|n| n.starts_with("huge")));
    let mut expected: Vec<String> =
        (0..15).map(|i| format!("big {i}")).chain((0..15).map(|i| format!("big-after {i}"))).collect();
    let mut names = names;
    names.sort();
    expected.sort();
    assert_eq!(names, expected, "{protocol} gzip={gzip}");
}

#[test]
fn http_protobuf_batches_over_the_limit_arrive_whole_in_several_requests() {
    export_with_small_limit("http/protobuf", false);
    export_with_small_limit("http/protobuf", true);
}

#[test]
fn http_json_batches_over_the_limit_arrive_whole_in_several_requests() {
    export_with_small_limit("http/json", false);
    export_with_small_limit("http/json", true);
}

#[test]
fn grpc_batches_over_the_limit_arrive_whole_in_several_requests() {
    export_with_small_limit("grpc", false);
    export_with_small_limit("grpc", true);
}

/// The default limit (3 MiB) keeps a 10 MiB batch under a gRPC receiver's 4 MiB message limit.
#[test]
fn default_limit_fits_a_grpc_receivers_4_mib() {
    let receiver = GrpcReceiver::start(false, None);
    let endpoint = receiver.endpoint("http");
    let p = init(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_BSP_SCHEDULE_DELAY", "60000"),
    ]);
    assert_eq!(p.settings().max_export_bytes, 3 << 20);
    big_spans(&p, "big", 40, 256 * 1024);
    p.force_flush(FLUSH).unwrap();
    let s = p.stats();
    assert_eq!((s.spans_exported, s.spans_dropped, s.export_failures), (40, 0, 0), "{s:?}");
    let requests = receiver.requests();
    assert!(requests.len() >= 4, "{} requests", requests.len());
    assert!(requests.iter().all(|r| r.message.encoded_len() <= 3 << 20));
    assert_eq!(span_names(&requests.into_iter().map(|r| r.message).collect::<Vec<_>>()).len(), 40);
}

/// What the split prevents: with a limit above the receiver's, the same batch is refused whole.
#[test]
fn without_the_split_a_grpc_receiver_refuses_the_batch() {
    let receiver = GrpcReceiver::start(false, None);
    let endpoint = receiver.endpoint("http");
    let p = init(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_BSP_SCHEDULE_DELAY", "60000"),
        ("OTEL_BSP_MAX_EXPORT_BYTES", "20000000"),
    ]);
    big_spans(&p, "big", 40, 256 * 1024);
    assert!(p.force_flush(FLUSH).is_err());
    let s = p.stats();
    assert_eq!(s.spans_exported, 0, "{s:?}");
    assert!(s.export_failures > 0, "{s:?}");
}
