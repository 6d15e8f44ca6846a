//! The pipeline keeps several exports in flight (4): they overlap, a flush (and shutdown) waits
//! for every one of them, and each span is counted once, exported or dropped, whatever order
//! their answers come back in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod transport_support;

use std::time::{Duration, Instant};
use transport_support::*;

fn provider(receiver: &HttpReceiver) -> otlp_ffi_core::TracerProvider {
    init(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint("http")),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "10"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
        ("OTEL_BSP_SCHEDULE_DELAY", "60000"),
    ])
}

fn spans_received(receiver: &HttpReceiver) -> usize {
    receiver
        .requests()
        .iter()
        .flat_map(|r| &r.decoded.resource_spans)
        .flat_map(|rs| &rs.scope_spans)
        .map(|ss| ss.spans.len())
        .sum()
}

#[test]
fn exports_overlap_and_a_flush_waits_for_all_of_them() {
    let receiver = HttpReceiver::start();
    let slow = Duration::from_millis(400);
    receiver.script(vec![Reply::status(200).delay(slow); 4]);
    let p = provider(&receiver);
    for i in 0..40 {
        record_span(&p, &format!("span {i}"));
    }
    let start = Instant::now();
    p.force_flush(FLUSH).unwrap();
    let took = start.elapsed();
    let s = p.stats();
    assert_eq!((s.spans_ended, s.spans_exported, s.spans_dropped), (40, 40, 0), "all acknowledged when flush returns");
    assert_eq!(spans_received(&receiver), 40);
    assert_eq!(receiver.requests().len(), 4);
    // Four slow answers one after another take 1.6 s; two or more at a time, 0.8 s or less.
    assert!(took < Duration::from_millis(1400), "exports overlapped: flush took {took:?}");
}

#[test]
fn answers_in_any_order_count_each_span_once() {
    let receiver = HttpReceiver::start();
    // The first request is refused for good after a while; the second succeeds at once.
    receiver.script(vec![Reply::status(400).delay(Duration::from_millis(300)), Reply::status(200)]);
    let p = provider(&receiver);
    for i in 0..20 {
        record_span(&p, &format!("span {i}"));
    }
    let _ = p.force_flush(FLUSH); // reports the 400 (or succeeds if it came back first)
    p.force_flush(FLUSH).unwrap();
    let s = p.stats();
    assert_eq!((s.spans_ended, s.spans_exported, s.spans_dropped), (20, 10, 10));
    assert_eq!(receiver.requests().len(), 2, "a final answer is not retried");
}

#[test]
fn shutdown_waits_for_exports_in_flight() {
    let receiver = HttpReceiver::start();
    receiver.script(vec![Reply::status(200).delay(Duration::from_millis(300)); 2]);
    let p = provider(&receiver);
    for i in 0..20 {
        record_span(&p, &format!("span {i}"));
    }
    p.shutdown(FLUSH).unwrap();
    let s = p.stats();
    assert_eq!((s.spans_ended, s.spans_exported, s.spans_dropped), (20, 20, 0));
    assert_eq!(spans_received(&receiver), 20);
}

#[test]
fn a_receiver_down_then_up_loses_nothing_that_fits() {
    let receiver = HttpReceiver::start();
    // Every attempt of the first exports fails (retried 3 times each), then all succeed.
    receiver.script(vec![Reply::status(503); 8]);
    let p = provider(&receiver);
    for i in 0..20 {
        record_span(&p, &format!("span {i}"));
    }
    let first = p.force_flush(FLUSH);
    assert!(first.is_err(), "the flush reports the failure");
    p.force_flush(FLUSH).unwrap();
    let s = p.stats();
    assert_eq!((s.spans_ended, s.spans_exported, s.spans_dropped), (20, 20, 0), "kept and sent again");
    assert_eq!((s.export_failures, receiver.requests().len()), (8, 10), "4 attempts of each batch, then each once");
}
