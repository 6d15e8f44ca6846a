//! Issue 3, "Done when": the same spans exported over http/protobuf, http/json and grpc, with
//! and without gzip, decode identically at a real receiver. Also what each transport puts on
//! the wire: the path, Content-Type, Content-Encoding / grpc-encoding, the user's headers (as
//! gRPC metadata too) and the OTLP/JSON shape (hex ids, lowerCamelCase, int64 as strings).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod transport_support;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::Span;
use transport_support::*;

const HEADERS: &str = "x-test-header=hello%20world,x-tenant=a%2Cb";

/// Exports the span set once over `protocol` (gzip or not) to a fresh receiver and returns
/// what it decoded.
fn export_over(protocol: &str, gzip: bool) -> Vec<ExportTraceServiceRequest> {
    let compression = if gzip { "gzip" } else { "none" };
    let common = [
        ("OTEL_SERVICE_NAME", "equivalence"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", compression),
        ("OTEL_EXPORTER_OTLP_HEADERS", HEADERS),
    ];
    let run = |endpoint: &str| {
        let mut settings = common.to_vec();
        settings.push(("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint));
        let p = init(&settings);
        let n = record_span_set(&p);
        p.force_flush(FLUSH).unwrap_or_else(|e| panic!("{protocol} gzip={gzip}: {e:?}"));
        let s = p.stats();
        assert_eq!((s.spans_ended, s.spans_exported, s.spans_dropped, s.export_failures), (n, n, 0, 0), "{s:?}");
        drop(p);
    };
    if protocol == "grpc" {
        let receiver = GrpcReceiver::start(true, None);
        run(&receiver.endpoint("http"));
        let requests = receiver.requests();
        assert!(!requests.is_empty());
        for r in &requests {
            let md = &r.metadata;
            assert_eq!(md.get("x-test-header").unwrap(), "hello world", "headers travel as gRPC metadata");
            assert_eq!(md.get("x-tenant").unwrap(), "a,b");
            assert_eq!(md.get("grpc-encoding").map(|v| v.to_str().unwrap()), gzip.then_some("gzip"));
            assert!(md.get("grpc-timeout").is_some(), "the export timeout is sent as grpc-timeout");
        }
        requests.into_iter().map(|r| r.message).collect()
    } else {
        let receiver = HttpReceiver::start();
        run(&receiver.endpoint("http"));
        let requests = receiver.requests();
        assert!(!requests.is_empty());
        let json = protocol == "http/json";
        for r in &requests {
            assert_eq!(r.path, "/v1/traces");
            let content_type = if json { "application/json" } else { "application/x-protobuf" };
            assert_eq!(r.headers.get("content-type").unwrap(), content_type);
            assert_eq!(r.headers.get("content-encoding").map(|v| v.to_str().unwrap()), gzip.then_some("gzip"));
            assert_eq!(r.raw_body.starts_with(&[0x1f, 0x8b]), gzip, "gzip magic iff compressed");
            assert_eq!(r.headers.get("x-test-header").unwrap(), "hello world");
            assert_eq!(r.headers.get("x-tenant").unwrap(), "a,b");
            if json {
                check_json_shape(r.json.as_ref().unwrap());
            }
        }
        requests.into_iter().map(|r| r.decoded).collect()
    }
}

/// The OTLP/JSON rules the receiver depends on, checked on the document itself.
fn check_json_shape(doc: &serde_json::Value) {
    fn keys_are_lower_camel_case(v: &serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    assert!(
                        k.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                            && k.chars().all(|c| c.is_ascii_alphanumeric()),
                        "field `{k}` is not lowerCamelCase"
                    );
                    keys_are_lower_camel_case(v);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(keys_are_lower_camel_case),
            serde_json::Value::Null => panic!("null in the OTLP/JSON document"),
            _ => {}
        }
    }
    keys_are_lower_camel_case(doc);
    let spans =
        doc["resourceSpans"][0]["scopeSpans"][0]["spans"].as_array().expect("resourceSpans[0].scopeSpans[0].spans");
    let is_hex = |v: &serde_json::Value, len: usize| {
        v.as_str().is_some_and(|s| s.len() == len && s.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)))
    };
    let server = spans.iter().find(|s| s["name"] == "GET /orders/{id}").expect("the server span");
    assert_eq!(server["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736", "trace id as lowercase hex");
    assert_eq!(server["parentSpanId"], "00f067aa0ba902b7");
    assert!(is_hex(&server["spanId"], 16), "{}", server["spanId"]);
    assert_eq!(server["kind"], 2, "enums are integers");
    assert_eq!(server["status"]["code"], 2);
    assert!(server["startTimeUnixNano"].as_str().is_some_and(|s| s.parse::<u64>().is_ok()), "fixed64 as a string");
    let attr =
        |key: &str| server["attributes"].as_array().unwrap().iter().find(|a| a["key"] == key).unwrap()["value"].clone();
    assert_eq!(attr("http.status_code"), serde_json::json!({"intValue": "503"}), "int64 as a string");
    assert_eq!(attr("big"), serde_json::json!({"intValue": BIG_INT.to_string()}));
    assert_eq!(attr("cache.hit"), serde_json::json!({"boolValue": true}));
    assert_eq!(attr("ratio"), serde_json::json!({"doubleValue": 0.25}));
    assert_eq!(attr("http.method"), serde_json::json!({"stringValue": "GET"}));
    for s in spans {
        assert!(is_hex(&s["traceId"], 32) && is_hex(&s["spanId"], 16), "{s}");
    }
}

fn value(v: Value) -> Option<AnyValue> {
    Some(AnyValue { value: Some(v) })
}

/// What the span set must look like after normalization, whatever the transport.
fn check_content(spans: &[(Resource, InstrumentationScope, Span)]) {
    let names: Vec<&str> = spans.iter().map(|s| s.2.name.as_str()).collect();
    assert_eq!(names, ["GET /orders/{id}", "SELECT orders", "background job"]);
    let resource = &spans[0].0;
    let service = resource.attributes.iter().find(|a| a.key == "service.name").unwrap();
    assert_eq!(service.value, value(Value::StringValue("equivalence".into())));
    let (server, client, root) = (&spans[0].2, &spans[1].2, &spans[2].2);

    assert_eq!(server.trace_id, vec![0xee; 16], "the remote parent's trace");
    assert_eq!(server.parent_span_id, REMOTE_SPAN_ID.to_vec());
    assert_eq!(server.kind, 2);
    assert_eq!(server.status.as_ref().unwrap().code, 2);
    let attr = |s: &Span, k: &str| s.attributes.iter().find(|a| a.key == k).and_then(|a| a.value.clone());
    assert_eq!(attr(server, "http.method"), value(Value::StringValue("GET".into())));
    assert_eq!(attr(server, "note"), value(Value::StringValue("h\u{e9}llo \"q\"\n".into())));
    assert_eq!(attr(server, "http.status_code"), value(Value::IntValue(503)));
    assert_eq!(attr(server, "big"), value(Value::IntValue(BIG_INT)));
    assert_eq!(attr(server, "negative"), value(Value::IntValue(-42)));
    assert_eq!(attr(server, "cache.hit"), value(Value::BoolValue(true)));
    assert_eq!(attr(server, "ratio"), value(Value::DoubleValue(0.25)));
    let events: Vec<&str> = server.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(events, ["cache.miss", "exception"]);
    let exception = &server.events[1];
    assert!(
        exception
            .attributes
            .iter()
            .any(|a| a.key == "exception.message" && a.value == value(Value::StringValue("connection reset".into()))),
        "{exception:?}"
    );

    assert_eq!(client.trace_id, server.trace_id);
    assert_eq!(client.parent_span_id, server.span_id, "the client span is the server span's child");
    assert_eq!(client.kind, 3);
    assert_eq!(client.status.as_ref().unwrap().code, 1);
    assert_eq!(attr(client, "db.cached"), value(Value::BoolValue(false)));

    assert!(root.parent_span_id.is_empty(), "a root span has no parent");
    assert_ne!(root.trace_id, server.trace_id);
    assert_eq!(root.kind, 1);
    assert_eq!(attr(root, "load"), value(Value::DoubleValue(-1.5e-3)));
}

#[test]
fn same_spans_decode_identically_over_every_protocol_with_and_without_gzip() {
    let mut results = Vec::new();
    for protocol in ["http/protobuf", "http/json", "grpc"] {
        for gzip in [false, true] {
            let decoded = normalize(&export_over(protocol, gzip));
            results.push((format!("{protocol} gzip={gzip}"), decoded));
        }
    }
    let (reference_name, reference) = &results[0];
    check_content(reference);
    for (name, decoded) in &results[1..] {
        assert_eq!(decoded, reference, "{name} decodes differently from {reference_name}");
    }
}

#[test]
fn grpc_gzip_really_compresses() {
    // A server that does not accept gzip refuses the request: proof that the body was gzip.
    let receiver = GrpcReceiver::start(false, None);
    let endpoint = receiver.endpoint("http");
    let p = init(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
    ]);
    record_span(&p, "compressed");
    let e = p.force_flush(FLUSH).unwrap_err();
    let message = e.message();
    assert!(message.contains("UNIMPLEMENTED") && message.contains("gzip"), "{message}");
    let s = p.stats();
    assert_eq!((s.spans_exported, s.spans_dropped, s.export_failures), (0, 1, 1), "UNIMPLEMENTED is final: {s:?}");
    drop(p);
}

#[test]
fn grpc_endpoint_is_used_as_given_and_traces_keys_win() {
    let receiver = GrpcReceiver::start(true, None);
    let endpoint = receiver.endpoint("http");
    // The general keys point elsewhere; the TRACES_ ones are used, no path appended.
    let p = init(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-only=traces"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "x-only=general"),
    ]);
    record_span(&p, "as-given");
    p.force_flush(FLUSH).unwrap();
    drop(p);
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].metadata.get("x-only").unwrap(), "traces");
    assert!(requests[0].metadata.get("grpc-encoding").is_none());
    assert_eq!(requests[0].message.resource_spans[0].scope_spans[0].spans[0].name, "as-given");
}
