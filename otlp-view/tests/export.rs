//! Spans from a real OTLP exporter (otlp-ffi-core) over http/protobuf, http/json and grpc, each
//! with and without gzip: every field of the JSON lines, the printed tree, the stats.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use otlp_ffi_core::{SpanKind, StartOptions, StatusCode, Value};
use serde_json::{Value as Json, json};
use std::time::Duration;
use support::*;

const BIG: i64 = 9_007_199_254_740_993; // beyond 2^53: survives JSON only as a string

/// Records root SERVER → (CLIENT, PRODUCER) with every attribute type, an event and an
/// exception; returns the root's trace id and span id as hex.
fn record(p: &otlp_ffi_core::TracerProvider) -> (String, String) {
    let tracer = p.tracer();
    let mut root = tracer.start(
        "GET /orders/{id}",
        StartOptions {
            kind: SpanKind::Server,
            attributes: vec![("http.request.method", Value::Str("GET"))],
            ..Default::default()
        },
    );
    root.set_attribute("http.response.status_code", Value::Int(503));
    root.set_attribute("big", Value::Int(BIG));
    root.set_attribute("cache.hit", Value::Bool(true));
    root.set_attribute("ratio", Value::Double(0.25));
    root.set_attribute("demo.tags", Value::Array(vec![Value::Str("a"), Value::Str("b")]));
    root.add_event("cache.miss", None, &[("key", Value::Str("order:7"))]);
    root.record_exception(Some("IOError"), "connection reset", None);
    let ctx = root.context();
    let mut client = tracer.start(
        "SELECT orders",
        StartOptions { kind: SpanKind::Client, parent: Some(ctx.clone()), ..Default::default() },
    );
    client.set_attribute("db.system", Value::Str("postgresql"));
    client.set_status(StatusCode::Ok, "");
    client.end();
    tracer
        .start(
            "publish order",
            StartOptions { kind: SpanKind::Producer, parent: Some(ctx.clone()), ..Default::default() },
        )
        .end();
    root.end();
    let line = ctx.traceparent();
    let parts: Vec<&str> = line.split('-').collect();
    (parts[1].to_string(), parts[2].to_string())
}

fn attr(span: &Json, key: &str) -> Json {
    span["attributes"][key].clone()
}

#[test]
fn every_protocol_with_and_without_gzip() {
    let mut viewer = Viewer::start("export", &["--settle-ms", "200"]);
    let cases = [
        ("http/protobuf", false),
        ("http/protobuf", true),
        ("http/json", false),
        ("http/json", true),
        ("grpc", false),
        ("grpc", true),
    ];
    let mut expected = 0;
    for (protocol, gzip) in cases {
        let service = format!("svc-{}-{}", protocol.replace('/', "-"), if gzip { "gzip" } else { "plain" });
        let endpoint = if protocol == "grpc" { viewer.grpc_endpoint() } else { viewer.http_endpoint() };
        let p = provider(&endpoint, protocol, gzip, &service);
        let (trace_id, root_id) = record(&p);
        p.force_flush(Duration::from_secs(10)).unwrap();
        let stats = p.stats();
        assert_eq!((stats.spans_exported, stats.export_failures), (3, 0), "{protocol} gzip={gzip}: {stats:?}");
        drop(p);
        expected += 3;
        let all = viewer.wait_spans(expected);
        let spans: Vec<&Json> = all.iter().filter(|s| s["service_name"] == service.as_str()).collect();
        assert_eq!(spans.len(), 3, "{protocol} gzip={gzip}");
        let by_name = |n: &str| *spans.iter().find(|s| s["name"] == n).unwrap();
        let root = by_name("GET /orders/{id}");
        let client = by_name("SELECT orders");
        let producer = by_name("publish order");
        for s in &spans {
            assert_eq!(s["protocol"], protocol);
            assert_eq!(s["trace_id"], trace_id.as_str());
            assert_eq!(s["resource"]["service.name"], json!({"type": "string", "value": service}));
            assert_eq!(s["scope_name"], "otlp-ffi");
            assert_eq!(s["flags"].as_u64().unwrap() & 1, 1, "sampled");
            let (start, end) = (s["start_time_unix_nano"].as_str().unwrap(), s["end_time_unix_nano"].as_str().unwrap());
            assert!(start.parse::<u64>().unwrap() <= end.parse::<u64>().unwrap());
            assert!(start.parse::<u64>().unwrap() > 1_600_000_000_000_000_000, "{start}");
        }
        assert_eq!(root["span_id"], root_id.as_str());
        assert_eq!(root["parent_span_id"], "");
        assert_eq!(client["parent_span_id"], root_id.as_str());
        assert_eq!(producer["parent_span_id"], root_id.as_str());
        assert_eq!((&root["kind"], &root["kind_name"]), (&json!(2), &json!("SERVER")));
        assert_eq!((&client["kind"], &client["kind_name"]), (&json!(3), &json!("CLIENT")));
        assert_eq!((&producer["kind"], &producer["kind_name"]), (&json!(4), &json!("PRODUCER")));
        assert_eq!(attr(root, "http.request.method"), json!({"type": "string", "value": "GET"}));
        assert_eq!(attr(root, "http.response.status_code"), json!({"type": "int", "value": "503"}));
        assert_eq!(attr(root, "big"), json!({"type": "int", "value": BIG.to_string()}));
        assert_eq!(attr(root, "cache.hit"), json!({"type": "bool", "value": true}));
        assert_eq!(attr(root, "ratio"), json!({"type": "double", "value": 0.25}));
        assert_eq!(
            attr(root, "demo.tags"),
            json!({"type": "array", "value": [{"type": "string", "value": "a"}, {"type": "string", "value": "b"}]})
        );
        assert_eq!((&root["status_code"], &root["status_message"]), (&json!(2), &json!("connection reset")));
        assert_eq!((&client["status_code"], &client["status_message"]), (&json!(1), &json!("")));
        assert_eq!(producer["status_code"], 0);
        let events = root["events"].as_array().unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0]["name"], "cache.miss");
        assert_eq!(events[0]["attributes"]["key"], json!({"type": "string", "value": "order:7"}));
        assert!(events[0]["time_unix_nano"].as_str().unwrap().parse::<u64>().is_ok());
        assert_eq!(events[1]["name"], "exception");
        assert_eq!(events[1]["attributes"]["exception.type"], json!({"type": "string", "value": "IOError"}));
        assert_eq!(
            events[1]["attributes"]["exception.message"],
            json!({"type": "string", "value": "connection reset"})
        );
        assert_eq!(client["links"], json!([]));

        // The tree, printed once the trace settled.
        let header = format!("trace {trace_id} · 3 spans · 1 service · ");
        wait_until("the tree", Duration::from_secs(10), || viewer.stdout().contains(&header));
        let out = viewer.stdout();
        let tree: Vec<&str> = out.lines().skip_while(|l| !l.starts_with(&header)).take(4).collect();
        assert!(tree[0].contains(" ms · 1 error"), "{out}");
        assert!(tree[1].starts_with(&format!("└─ {service} GET /orders/{{id}}")), "{out}");
        assert!(tree[1].contains(" server ") && tree[1].contains("✗ ERROR: connection reset"), "{out}");
        assert!(tree[1].contains("http.request.method=GET") && tree[1].contains("demo.tags=[a,b]"), "{out}");
        assert!(tree[1].contains("· cache.miss · exception: connection reset"), "{out}");
        assert!(!tree[1].contains("cache.hit"), "only key attributes: {out}");
        assert!(tree[1].contains(&"█".repeat(30)), "the root spans the whole axis: {out}");
        assert!(
            tree[2].starts_with(&format!("   ├─ {service} SELECT orders")) && tree[2].contains(" client "),
            "{out}"
        );
        assert!(
            tree[3].starts_with(&format!("   └─ {service} publish order")) && tree[3].contains(" producer "),
            "{out}"
        );
        assert!(tree[2].contains('·') && tree[2].contains('█') && tree[2].contains(" ms"), "{out}");
        assert!(!out.contains('\x1b'), "no colour with NO_COLOR / not a TTY");
    }
    viewer.assert_alive();
    assert!(viewer.stderr().contains("OTLP/HTTP on http://127.0.0.1:"), "{}", viewer.stderr());
    assert_eq!(viewer.stop().code(), Some(0), "SIGTERM exits 0");
}

#[test]
fn exit_after_traces() {
    let viewer = Viewer::start("exit-after", &["--settle-ms", "50", "--exit-after-traces", "1"]);
    let mut viewer = viewer;
    let p = provider(&viewer.http_endpoint(), "http/protobuf", false, "once");
    p.tracer().start("only", StartOptions::default()).end();
    p.force_flush(Duration::from_secs(10)).unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = viewer.child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "still running");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    let out = viewer.stdout();
    assert_eq!(out.lines().filter(|l| l.starts_with("trace ")).count(), 1, "{out}");
    assert!(out.contains("· 1 span · 1 service ·") && out.contains("└─ once only"), "{out}");
    assert_eq!(viewer.spans().len(), 1);
}
