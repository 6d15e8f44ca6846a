//! OTEL_TRACES_EXPORTER=console prints one readable line per span on stderr (checked in a
//! child process whose stderr the test reads); OTEL_TRACES_EXPORTER=none sends nothing and
//! counts the ended spans as dropped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod transport_support;

use std::process::Command;
use transport_support::*;

const CHILD: &str = "OTLP_FFI_CONSOLE_CHILD";

/// Runs in the child process only (the parent sets CHILD on the command, not on itself).
#[test]
fn console_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let p = init(&[("OTEL_TRACES_EXPORTER", "console"), ("OTEL_SERVICE_NAME", "console demo")]);
    let n = record_span_set(&p);
    p.force_flush(FLUSH).unwrap();
    let s = p.stats();
    assert_eq!((s.spans_exported, s.spans_dropped, s.export_failures), (n, 0, 0), "{s:?}");
    drop(p);
}

#[test]
fn console_prints_one_readable_line_per_span() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "console_child", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{}\n{stderr}", String::from_utf8_lossy(&out.stdout));
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("otlp-ffi span ")).collect();
    assert_eq!(lines.len(), 3, "one line per span:\n{stderr}");
    let line = |name: &str| *lines.iter().find(|l| l.contains(&format!("name={name:?}"))).unwrap();

    let server = line("GET /orders/{id}");
    for part in [
        "service=\"console demo\"",
        "trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
        "parent=00f067aa0ba902b7",
        "kind=server",
        "status=error(",
        "http.method=\"GET\"",
        "http.status_code=503",
        "cache.hit=true",
        "ratio=0.25",
        "note=\"h\u{e9}llo \\\"q\\\"\\n\"",
        "events=[cache.miss, exception{exception.message=\"connection reset\"}]",
    ] {
        assert!(server.contains(part), "`{part}` missing in: {server}");
    }
    let span_id = server.split(" span_id=").nth(1).unwrap().split(' ').next().unwrap();
    assert_eq!(span_id.len(), 16);

    let client = line("SELECT orders");
    assert!(client.contains(&format!("parent={span_id}")), "the child names its parent: {client}");
    assert!(client.contains("kind=client") && client.contains("status=ok"), "{client}");
    assert!(client.contains("db.system=\"postgresql\"") && client.contains("db.cached=false"), "{client}");

    let root = line("background job");
    assert!(root.contains("parent=- kind=internal status=unset"), "{root}");
    assert!(root.contains("load=-0.0015"), "{root}");
}

#[test]
fn none_exports_nothing_and_counts_spans_as_dropped() {
    let receiver = HttpReceiver::start();
    let p = init(&[("OTEL_TRACES_EXPORTER", "none"), ("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint("http"))]);
    let n = record_span_set(&p);
    p.force_flush(FLUSH).unwrap();
    let s = p.stats();
    assert_eq!((s.spans_started, s.spans_ended), (n, n), "spans still record: {s:?}");
    assert_eq!((s.spans_exported, s.spans_dropped, s.export_failures), (0, n, 0), "{s:?}");
    drop(p);
    assert!(receiver.requests().is_empty(), "nothing was sent");
}
