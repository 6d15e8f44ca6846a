//! Per-span cost: the otlp-ffi C API (start + 3 attributes + end, batch export), the same loop
//! on otlp-ffi's Rust core API (otlp_ffi_core, no C boundary) and on the OpenTelemetry Rust SDK
//! (BatchSpanProcessor + opentelemetry-otlp HTTP), measured side by side in one process, rounds
//! interleaved, all exporting to the same in-process OTLP/HTTP sink that decodes every request
//! and counts the spans that arrived.
//!
//!   cargo run --release -p otlp-ffi-bench -- [spans_per_round] [rounds] [c|core|sdk] [--json]
//!
//! `--json` adds one last line: the results as one JSON object (what bench/run_all.sh reads).
//!
//! A last argument runs that loop alone (with no other provider sharing the process), which is
//! how its instructions are counted: `valgrind --tool=callgrind --toggle-collect='*ffi_loop*'
//! target/release/span_cost 20000 1 c` (`*core_loop*` with `core`, `*sdk_loop*` with `sdk`).
//!
//! Both pipelines use the OpenTelemetry defaults (queue 2048, batch 512, delay 5 s) unless the
//! OTEL_BSP_* variables say otherwise, so drops under a tight loop are part of the result.

#[path = "shared.rs"]
mod shared;

use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as ProtoValue;
use otlp_ffi::otlp_error_t::OTLP_OK;
use otlp_ffi::{
    otlp_get_tracer, otlp_init, otlp_stats_t, otlp_tracer_provider_free, otlp_tracer_provider_get_stats,
    otlp_tracer_provider_shutdown,
};
use otlp_ffi_core::{Settings, TracerProvider};
use prost::Message;
use std::collections::HashMap;
use std::ffi::CString;
use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Counts = Arc<Mutex<HashMap<String, u64>>>;

/// A minimal OTLP/HTTP receiver: HTTP/1.1 keep-alive, protobuf bodies decoded and counted
/// per service.name.
fn start_sink() -> (String, Counts) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind sink");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let counts: Counts = Arc::default();
    let c = counts.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let c = c.clone();
            std::thread::spawn(move || serve(stream, c));
        }
    });
    (url, counts)
}

fn serve(stream: TcpStream, counts: Counts) {
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    let (mut line, mut body) = (String::new(), Vec::new());
    while shared::read_request(&mut reader, &mut line, &mut body) {
        if let Ok(req) = ExportTraceServiceRequest::decode(body.as_slice()) {
            let mut map = counts.lock().expect("lock");
            for rs in req.resource_spans {
                let service = rs
                    .resource
                    .iter()
                    .flat_map(|r| &r.attributes)
                    .find(|a| a.key == "service.name")
                    .and_then(|a| a.value.as_ref()?.value.as_ref())
                    .map(|v| match v {
                        ProtoValue::StringValue(s) => s.clone(),
                        other => format!("{other:?}"),
                    })
                    .unwrap_or_default();
                let n: usize = rs.scope_spans.iter().map(|s| s.spans.len()).sum();
                *map.entry(service).or_default() += n as u64;
            }
        }
        let _ = writer.write_all(shared::OK_200);
    }
}

/// The measured loop through the C ABI; returns ns per span. Not inlined, so that
/// `valgrind --tool=callgrind --toggle-collect='*ffi_loop*'` can count its instructions alone.
#[inline(never)]
fn ffi_loop(tracer: *mut otlp_ffi::otlp_tracer_t, n: usize) -> f64 {
    let t0 = Instant::now();
    shared::c_spans(tracer, n);
    t0.elapsed().as_nanos() as f64 / n as f64
}

/// The same loop on otlp-ffi's Rust core API (`--toggle-collect='*core_loop*'`).
#[inline(never)]
fn core_loop(tracer: &otlp_ffi_core::Tracer, n: usize) -> f64 {
    let t0 = Instant::now();
    shared::core_spans(tracer, n);
    t0.elapsed().as_nanos() as f64 / n as f64
}

/// The same loop on the OpenTelemetry Rust SDK (`--toggle-collect='*sdk_loop*'`).
#[inline(never)]
fn sdk_loop(tracer: &opentelemetry_sdk::trace::SdkTracer, n: usize) -> f64 {
    let t0 = Instant::now();
    for i in 0..n {
        let mut span = tracer.start("GET /api/orders");
        span.set_attribute(KeyValue::new("http.method", "GET"));
        span.set_attribute(KeyValue::new("http.status_code", i as i64));
        span.set_attribute(KeyValue::new("cache.hit", i % 2 == 0));
        span.end();
    }
    t0.elapsed().as_nanos() as f64 / n as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// `n` spans as bursts of `k` (`run(k)` returns ns/span), `flush` after each, untimed; the
/// mean ns/span of the bursts.
fn bursts(n: usize, k: usize, run: impl Fn(usize) -> f64, flush: impl Fn()) -> f64 {
    let (mut done, mut ns) = (0, 0.0);
    while done < n {
        let m = k.min(n - done);
        ns += run(m) * m as f64;
        flush();
        done += m;
    }
    ns / n as f64
}

fn main() {
    let args: Vec<usize> = {
        let all: Vec<String> = std::env::args().skip(1).collect();
        // numbers that are not the value of --paced
        all.iter()
            .enumerate()
            .filter(|(i, _)| *i == 0 || all[i - 1] != "--paced")
            .filter_map(|(_, a)| a.parse().ok())
            .collect()
    };
    let n = args.first().copied().unwrap_or(20_000);
    let rounds = args.get(1).copied().unwrap_or(7);
    let json = std::env::args().any(|a| a == "--json");
    // --paced K: each round in bursts of K spans, each followed by a flush of every pipeline
    // outside the timed (and callgrind-collected) loop functions: the steady state in which the
    // export keeps up, records are recycled and nothing is dropped.
    let paced: Option<usize> =
        std::env::args().skip_while(|a| a != "--paced").nth(1).and_then(|k| k.parse().ok()).filter(|&k: &usize| k > 0);
    let only = std::env::args().skip(1).find(|a| a.parse::<usize>().is_err() && !a.starts_with("--"));
    let runs = |which: &str| only.as_deref().is_none_or(|o| o == which);
    let (url, counts) = start_sink();

    // otlp-ffi through its C ABI.
    let endpoint = CString::new(url.clone()).expect("url");
    let mut provider = std::ptr::null_mut();
    let mut tracer = std::ptr::null_mut();
    unsafe {
        assert_eq!(otlp_init(endpoint.as_ptr(), c"bench-c-api".as_ptr(), &mut provider), OTLP_OK);
        assert_eq!(otlp_get_tracer(provider, &mut tracer), OTLP_OK);
    }
    let ffi_round = || match paced {
        None => ffi_loop(tracer, n),
        Some(k) => bursts(
            n,
            k,
            |m| ffi_loop(tracer, m),
            || unsafe {
                otlp_ffi::otlp_tracer_provider_force_flush(provider, 30_000);
            },
        ),
    };

    // otlp-ffi's core, no C boundary.
    let settings = Settings::from_env(Some(&url), Some("bench-rust-core")).expect("settings");
    let core = TracerProvider::new(Settings { sdk_disabled: !runs("core"), ..settings }).expect("core provider");
    let core_tracer = core.tracer();
    let core_round = || match paced {
        None => core_loop(&core_tracer, n),
        Some(k) => bursts(
            n,
            k,
            |m| core_loop(&core_tracer, m),
            || {
                let _ = core.force_flush(Duration::from_secs(30));
            },
        ),
    };

    // The OpenTelemetry Rust SDK directly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(format!("{url}/v1/traces"))
        .build()
        .expect("sdk exporter");
    let sdk = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(opentelemetry_sdk::Resource::builder().with_service_name("bench-rust-sdk").build())
        .build();
    let sdk_tracer = sdk.tracer("bench");
    let sdk_round = || match paced {
        None => sdk_loop(&sdk_tracer, n),
        Some(k) => bursts(
            n,
            k,
            |m| sdk_loop(&sdk_tracer, m),
            || {
                let _ = sdk.force_flush();
            },
        ),
    };

    // Warm up both, then interleave rounds so machine noise hits both alike.
    let (mut ffi, mut cr, mut rs) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..=rounds {
        // Round 0 warms up.
        let keep = |v: &mut Vec<f64>, ns: f64| {
            if round > 0 {
                v.push(ns)
            }
        };
        if runs("c") {
            keep(&mut ffi, ffi_round());
        }
        if runs("core") {
            keep(&mut cr, core_round());
        }
        if runs("sdk") {
            keep(&mut rs, sdk_round());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let total = (n * (rounds + 1)) as u64;

    let mut stats = otlp_stats_t::default();
    unsafe {
        let code = otlp_tracer_provider_shutdown(provider, 30_000);
        assert_eq!(otlp_tracer_provider_get_stats(provider, &mut stats), OTLP_OK);
        println!("otlp-ffi shutdown: {code:?}");
        otlp_tracer_provider_free(provider);
    }
    let core_shutdown = core.shutdown(Duration::from_secs(30));
    let core_stats = core.stats();
    println!("otlp-ffi core shutdown: {core_shutdown:?}");
    let sdk_shutdown = sdk.shutdown();
    println!("rust sdk shutdown: {sdk_shutdown:?}");
    std::thread::sleep(Duration::from_millis(200));
    let got = counts.lock().expect("lock").clone();
    let ffi_rx = got.get("bench-c-api").copied().unwrap_or(0);
    let core_rx = got.get("bench-rust-core").copied().unwrap_or(0);
    let sdk_rx = got.get("bench-rust-sdk").copied().unwrap_or(0);

    let (mf, mc, ms) = (median(ffi.clone()), median(cr.clone()), median(rs.clone()));
    println!(
        "spans per round: {n}, rounds: {rounds} (+1 warm-up), loop: start + 3 attributes (string, int, bool) + end"
    );
    println!("otlp-ffi C API : median {mf:7.0} ns/span  rounds {ffi:.0?}");
    println!("otlp-ffi core  : median {mc:7.0} ns/span  rounds {cr:.0?}");
    println!("Rust SDK       : median {ms:7.0} ns/span  rounds {rs:.0?}");
    println!("ratio Rust SDK / otlp-ffi C API: {:.2}x, Rust SDK / otlp-ffi core: {:.2}x", ms / mf, ms / mc);
    println!(
        "otlp-ffi: ended {} exported {} dropped {} (receiver got {ffi_rx} of {total})",
        stats.spans_ended, stats.spans_exported, stats.spans_dropped
    );
    println!(
        "otlp-ffi core: ended {} exported {} dropped {} (receiver got {core_rx} of {total})",
        core_stats.spans_ended, core_stats.spans_exported, core_stats.spans_dropped
    );
    println!("Rust SDK: receiver got {sdk_rx} of {total} (dropped {})", total - sdk_rx.min(total));
    if json {
        let list = |v: &[f64]| v.iter().map(|x| format!("{x:.1}")).collect::<Vec<_>>().join(",");
        let num = |x: f64| if x.is_finite() { format!("{x:.1}") } else { "null".into() };
        println!(
            "{{\"spans_per_round\":{n},\"rounds\":{rounds},\"spans_total\":{total},\
             \"c\":{{\"ns_per_span\":{},\"rounds_ns\":[{}],\"ended\":{},\"exported\":{},\"dropped\":{},\"received\":{ffi_rx}}},\
             \"core\":{{\"ns_per_span\":{},\"rounds_ns\":[{}],\"ended\":{},\"exported\":{},\"dropped\":{},\"received\":{core_rx}}},\
             \"sdk\":{{\"ns_per_span\":{},\"rounds_ns\":[{}],\"received\":{sdk_rx},\"dropped\":{}}}}}",
            num(mf),
            list(&ffi),
            stats.spans_ended,
            stats.spans_exported,
            stats.spans_dropped,
            num(mc),
            list(&cr),
            core_stats.spans_ended,
            core_stats.spans_exported,
            core_stats.spans_dropped,
            num(ms),
            list(&rs),
            if runs("sdk") { total - sdk_rx.min(total) } else { 0 },
        );
    }
}
