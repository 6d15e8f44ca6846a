//! Memory of otlp-ffi when the collector is down: spans made in a tight loop on one thread
//! (start + 3 attributes + end, the span shape of `span_cost`, through the Rust core API)
//! exported to a loopback port where nothing listens (every connection is refused), with the
//! pipeline's default settings unless OTEL_BSP_* say otherwise.
//!
//!   cargo run --release -p otlp-ffi-bench --bin collector_down -- [flat] [spans] [samples]
//!   cargo run --release -p otlp-ffi-bench --bin collector_down -- queued [spans]
//!
//! - `flat` (default; 10,000,000 spans, 10 samples): the resident set size (VmRSS of
//!   /proc/self/status) after each tenth of the spans, its peak (VmHWM), and how much it grew
//!   from the first sample to the largest (flat means the queue, the requests kept for a retry
//!   and the record pool are bounded, whatever the number of spans).
//! - `queued` (default 100,000 spans): bytes per queued span. The queue and the batch are made
//!   `spans + 1` long with a 10-minute schedule delay, so every span made stays in the queue as
//!   a record (nothing is exported or encoded); the growth of VmRSS divided by the spans is
//!   the memory one queued span costs. Reported beside it: the size of the record itself
//!   (`size_of::<SpanData>()`, without its heap parts) and the bytes of one span of this shape
//!   in an encoded request (what a batch kept for a retry costs per span).
//!
//! Output: human-readable lines on stderr, and one JSON line of results on stdout:
//!
//! ```text
//! {"bench":"collector_down","mode":"flat","spans":10000000,"queue":2048,"batch":512,
//!  "rss_mib":[..],"rss_first_mib":..,"rss_max_mib":..,"rss_growth_mib":..,"peak_rss_mib":..,
//!  "ended":..,"exported":0,"dropped":..,"export_failures":..,"ns_per_span":..}
//! {"bench":"collector_down","mode":"queued","spans":100000,"rss_before_mib":..,
//!  "rss_after_mib":..,"bytes_per_queued_span":..,"record_size_bytes":..,
//!  "encoded_bytes_per_span":..}
//! ```
//!
//! `ended == exported + dropped` after the final shutdown (bounded at 2 s: what is still
//! queued then is dropped).

use otlp_ffi_core::data::{Scope, SpanData, SpanLimits};
use otlp_ffi_core::export::encode::Encoder;
use otlp_ffi_core::{Settings, StartOptions, TracerProvider, Value};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A `VmRSS:` / `VmHWM:` value of /proc/self/status, in MiB.
fn status_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn rss_mib() -> f64 {
    status_mib("VmRSS:")
}

/// An endpoint on loopback where nothing listens.
fn refused_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    url
}

#[inline(never)]
fn spans(tracer: &otlp_ffi_core::Tracer, from: usize, n: usize) {
    for i in from..from + n {
        let mut span = tracer.start("GET /api/orders", StartOptions::default());
        span.set_attribute("http.method", Value::Str("GET"));
        span.set_attribute("http.status_code", Value::Int(i as i64));
        span.set_attribute("cache.hit", Value::Bool(i % 2 == 0));
        span.end();
    }
}

fn settings() -> Settings {
    Settings::from_env(Some(&refused_endpoint()), Some("collector-down")).expect("settings")
}

fn flat(n: usize, samples: usize) {
    let settings = settings();
    let (queue, batch) = (settings.max_queue_size, settings.max_export_batch_size);
    let provider = TracerProvider::new(settings).expect("provider");
    let tracer = provider.tracer();
    let step = n.div_ceil(samples.max(1));
    let mut rss = Vec::new();
    let t0 = Instant::now();
    let mut done = 0;
    while done < n {
        let k = step.min(n - done);
        spans(&tracer, done, k);
        done += k;
        rss.push(rss_mib());
        eprintln!("{done:>10} spans: RSS {:.1} MiB, {:?}", rss[rss.len() - 1], provider.stats());
    }
    let ns_per_span = t0.elapsed().as_nanos() as f64 / n as f64;
    let _ = provider.shutdown(Duration::from_secs(2));
    let s = provider.stats();
    let first = rss.first().copied().unwrap_or(0.0);
    let max = rss.iter().copied().fold(0.0, f64::max);
    let peak = status_mib("VmHWM:");
    eprintln!(
        "RSS first {first:.1} MiB, max {max:.1} MiB, growth {:.1} MiB, peak {peak:.1} MiB; ended {} exported {} dropped {} export failures {}",
        max - first,
        s.spans_ended,
        s.spans_exported,
        s.spans_dropped,
        s.export_failures
    );
    let list: Vec<String> = rss.iter().map(|r| format!("{r:.2}")).collect();
    println!(
        "{{\"bench\":\"collector_down\",\"mode\":\"flat\",\"spans\":{n},\"queue\":{queue},\"batch\":{batch},\"rss_mib\":[{}],\"rss_first_mib\":{first:.2},\"rss_max_mib\":{max:.2},\"rss_growth_mib\":{:.2},\"peak_rss_mib\":{peak:.2},\"ended\":{},\"exported\":{},\"dropped\":{},\"export_failures\":{},\"ns_per_span\":{ns_per_span:.1}}}",
        list.join(","),
        max - first,
        s.spans_ended,
        s.spans_exported,
        s.spans_dropped,
        s.export_failures
    );
}

/// Bytes of one span of the bench's shape in an encoded request (a batch of 512).
fn encoded_bytes_per_span() -> f64 {
    let scope = Arc::new(Scope::library());
    let limits = SpanLimits::default();
    let batch: Vec<Box<SpanData>> = (0..512)
        .map(|i| {
            let mut d = Box::new(SpanData::empty(scope.clone()));
            d.ctx.trace_id = [7; 16];
            d.ctx.span_id = [9; 8];
            d.ctx.flags = 1;
            d.start_ns = 1_700_000_000_000_000_000;
            d.end_ns = d.start_ns + 1000;
            d.set_name("GET /api/orders");
            d.set_attributes(
                &[
                    ("http.method", Value::Str("GET")),
                    ("http.status_code", Value::Int(i)),
                    ("cache.hit", Value::Bool(i % 2 == 0)),
                ],
                &limits,
            );
            d
        })
        .collect();
    let mut encoder = Encoder::new(otlp_ffi_core::resource::for_service("collector-down", &[]));
    let mut buf = Vec::new();
    encoder.encode(&batch, &mut buf);
    buf.len() as f64 / batch.len() as f64
}

fn queued(n: usize) {
    let mut settings = settings();
    settings.max_queue_size = n + 1;
    settings.max_export_batch_size = n + 1;
    settings.schedule_delay = Duration::from_secs(600);
    let provider = TracerProvider::new(settings).expect("provider");
    let tracer = provider.tracer();
    spans(&tracer, 0, 1000); // warm up: the runtime, the pool, the allocator's first arenas
    let before = rss_mib();
    spans(&tracer, 1000, n - 1000.min(n));
    let after = rss_mib();
    let queued = (n - 1000.min(n)) as f64;
    let per_span = (after - before) * 1024.0 * 1024.0 / queued;
    let record = std::mem::size_of::<SpanData>();
    let encoded = encoded_bytes_per_span();
    let _ = provider.shutdown(Duration::from_millis(100));
    eprintln!(
        "{queued} spans queued: RSS {before:.1} -> {after:.1} MiB = {per_span:.0} bytes per queued span (record {record} bytes + its heap parts); encoded: {encoded:.1} bytes per span"
    );
    println!(
        "{{\"bench\":\"collector_down\",\"mode\":\"queued\",\"spans\":{n},\"rss_before_mib\":{before:.2},\"rss_after_mib\":{after:.2},\"bytes_per_queued_span\":{per_span:.1},\"record_size_bytes\":{record},\"encoded_bytes_per_span\":{encoded:.1}}}"
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let numbers: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if args.iter().any(|a| a == "queued") {
        queued(numbers.first().copied().unwrap_or(100_000).max(1000));
    } else {
        flat(numbers.first().copied().unwrap_or(10_000_000), numbers.get(1).copied().unwrap_or(10));
    }
}
