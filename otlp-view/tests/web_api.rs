//! The web page and its API: static files, /api/traces, /api/traces/{id}, /api/stats,
//! /api/events; and the store's bound under load (evictions, dropped spans, flat memory).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use prost::Message as _;
use serde_json::json;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use support::*;

const PROTO: (&str, &str) = ("Content-Type", "application/x-protobuf");

fn hex_trace(t: u32) -> String {
    format!("{}{:08x}", "ab".repeat(12), t + 1)
}

/// Reads from `s` until the text read contains `needle`; returns everything read.
fn read_until(s: &mut TcpStream, seen: &mut String, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 4096];
    while !seen.contains(needle) {
        assert!(Instant::now() < deadline, "no {needle:?} in {seen:?}");
        match s.read(&mut buf) {
            Ok(0) => panic!("event stream closed: {seen:?}"),
            Ok(n) => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn web_page_and_api() {
    let mut v = Viewer::start("web", &["--web", "127.0.0.1:0", "--settle-ms", "100"]);
    for (path, file, content_type) in [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/style.css", "style.css", "text/css; charset=utf-8"),
    ] {
        let r = v.web_get(path);
        assert_eq!((r.status, r.header("content-type")), (200, Some(content_type)), "{path}");
        let on_disk = std::fs::read(format!("{}/web/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        assert_eq!(r.body, on_disk, "{path} is the embedded {file}");
    }

    // The event stream, opened before the export.
    let mut sse = TcpStream::connect(("127.0.0.1", v.web.unwrap())).unwrap();
    sse.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    sse.write_all(b"GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut seen = String::new();
    read_until(&mut sse, &mut seen, ": ping");
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
    assert!(seen.to_ascii_lowercase().contains("content-type: text/event-stream"), "{seen}");

    let r = post(v.http, "/v1/traces", &[PROTO], &request([1, 2], "web-svc").encode_to_vec());
    assert_eq!(r.status, 200);
    for t in [1, 2] {
        read_until(
            &mut sse,
            &mut seen,
            &format!("event: trace\ndata: {{\"span_count\":1,\"trace_id\":\"{}\"", hex_trace(t)),
        );
    }

    // Summaries: newest first, complete once settled.
    wait_until("complete traces", Duration::from_secs(10), || {
        v.web_json("/api/traces")["traces"].as_array().unwrap().iter().all(|t| t["complete"] == true)
    });
    let traces = v.web_json("/api/traces")["traces"].as_array().unwrap().clone();
    assert_eq!(traces.len(), 2);
    assert_eq!(traces[0]["trace_id"], hex_trace(2), "newest first");
    assert!(traces[0]["updated_seq"].as_u64().unwrap() > traces[1]["updated_seq"].as_u64().unwrap());
    let t = &traces[1];
    assert_eq!(t["trace_id"], hex_trace(1));
    assert_eq!((&t["root_name"], &t["root_service"]), (&json!("op 1"), &json!("web-svc")));
    assert_eq!((&t["services"], &t["span_count"], &t["error_count"]), (&json!(["web-svc"]), &json!(1), &json!(0)));
    assert_eq!((&t["start_time_unix_nano"], &t["end_time_unix_nano"]), (&json!("1000000000"), &json!("1002000000")));
    assert_eq!(t["duration_ns"], "2000000");

    // One trace: the same span objects as the JSON lines.
    let detail = v.web_json(&format!("/api/traces/{}", hex_trace(1)));
    assert_eq!(detail["trace_id"], hex_trace(1));
    let line = v.spans().into_iter().find(|s| s["trace_id"] == hex_trace(1).as_str()).unwrap();
    assert_eq!(detail["spans"], json!([line]));
    assert_eq!(v.web_json(&format!("/api/traces/{}", hex_trace(1).to_uppercase()))["trace_id"], hex_trace(1));

    // Not found, not allowed.
    for path in [format!("/api/traces/{}", hex_trace(99)), "/api/traces/xyz".into(), "/nope".into()] {
        let r = v.web_get(&path);
        assert_eq!((r.status, r.header("content-type")), (404, Some("application/json; charset=utf-8")), "{path}");
        assert!(r.json()["error"].is_string());
    }
    assert_eq!(post(v.web.unwrap(), "/api/traces", &[], b"").status, 405);

    let stats = v.web_json("/api/stats");
    assert_eq!(
        stats,
        json!({"spans_received": 2, "traces_kept": 2, "spans_kept": 2, "traces_evicted": 0, "spans_dropped": 0,
               "requests": {"http/protobuf": 1, "http/json": 0, "grpc": 0}, "rejected": 0})
    );

    // A late child: the tree is printed again, marked "(updated)".
    let mut late = request([1], "web-svc");
    let span = &mut late.resource_spans[0].scope_spans[0].spans[0];
    (span.span_id, span.parent_span_id, span.name) = (vec![0x22; 8], vec![0x11; 8], "late child".into());
    assert_eq!(post(v.http, "/v1/traces", &[PROTO], &late.encode_to_vec()).status, 200);
    let header = format!("trace {} · 2 spans · 1 service · 2.00 ms (updated)", hex_trace(1));
    wait_until("the updated tree", Duration::from_secs(10), || v.stdout().contains(&header));
    let out = v.stdout();
    assert_eq!(out.matches(&format!("trace {} ·", hex_trace(1))).count(), 2, "{out}");
    assert!(out.contains("└─ web-svc op 1") && out.contains("   └─ web-svc late child"), "{out}");
    v.assert_alive();
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn the_store_stays_bounded() {
    let mut v = Viewer::start(
        "bounded",
        &[
            "--web",
            "127.0.0.1:0",
            "--no-tree",
            "--max-traces",
            "100",
            "--max-spans-per-trace",
            "5",
            "--settle-ms",
            "50",
        ],
    );
    // 20 000 traces in 200 requests over one keep-alive connection.
    let mut conn = TcpStream::connect(("127.0.0.1", v.http)).unwrap();
    let mut rss_after_first = 0;
    for batch in 0..200u32 {
        let body = request(batch * 100..(batch + 1) * 100, "load").encode_to_vec();
        let mut req = format!(
            "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(&body);
        conn.write_all(&req).unwrap();
        let r = read_response(conn.try_clone().unwrap());
        assert_eq!(r.status, 200);
        if batch == 20 {
            rss_after_first = rss_kib(v.child.id());
        }
    }
    // One trace of 8 spans: 5 kept, 3 dropped.
    let mut wide = request([90_000], "wide");
    let span = wide.resource_spans[0].scope_spans[0].spans[0].clone();
    for i in 2..=8u8 {
        let mut s = span.clone();
        s.span_id = vec![i; 8];
        s.parent_span_id = vec![0x11; 8];
        wide.resource_spans[0].scope_spans[0].spans.push(s);
    }
    assert_eq!(post(v.http, "/v1/traces", &[PROTO], &wide.encode_to_vec()).status, 200);

    let stats = v.web_json("/api/stats");
    assert_eq!(stats["spans_received"], 20_008);
    assert_eq!(stats["traces_kept"], 100);
    assert_eq!(stats["traces_evicted"], 20_001 - 100);
    assert_eq!(stats["spans_dropped"], 3);
    assert_eq!(stats["spans_kept"], 99 + 5);
    assert_eq!(stats["requests"]["http/protobuf"], 201);
    let traces = v.web_json("/api/traces")["traces"].as_array().unwrap().clone();
    assert_eq!(traces.len(), 100);
    assert_eq!(traces[0]["span_count"], 5);
    assert_eq!(traces[1]["trace_id"], hex_trace(19_999));
    let rss = rss_kib(v.child.id());
    assert!(rss < 100 * 1024, "VmRSS {rss} KiB");
    assert!(rss < rss_after_first + 32 * 1024, "memory grew from {rss_after_first} KiB to {rss} KiB");
    v.assert_alive();
}
