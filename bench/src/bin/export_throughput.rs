//! Export throughput of otlp-ffi: spans made on one thread (start + 3 attributes + end, the
//! span shape of `span_cost`) go through the provider's pipeline and OTLP/HTTP protobuf to an
//! in-process loopback sink that answers 200 at once.
//!
//!   cargo run --release -p otlp-ffi-bench --bin export_throughput -- [isolated|tight] [spans] [c|core] [count|decode]
//!
//! - `isolated` (default; 2,000,000 spans): the queue holds every span
//!   (OTEL_BSP_MAX_QUEUE_SIZE = spans unless set), so nothing is dropped and the export thread's
//!   own cost is what is measured: its CPU time (from `/proc/self/task/<tid>/schedstat` of the
//!   thread `otlp-ffi-export`) per span, and spans per second of that CPU time ("on one core").
//!   The wall-clock rate from the first span to the end of the final flush is reported too.
//! - `tight` (default; 1,000,000 spans): the pipeline's default settings (queue 2048, batch 512,
//!   or what OTEL_BSP_* say), the loop as fast as it goes, then shutdown; what was delivered.
//!
//! `c` drives the loop through the C ABI (`otlp_span_create` ...), `core` (default) through the
//! Rust core API. The sink by default counts spans by walking the protobuf structure (request
//! -> resource_spans -> scope_spans -> spans, every other field skipped) without building
//! messages; `decode` decodes every request with prost instead (slower sink, full check).
//! Other OTEL_* variables apply (e.g. OTEL_EXPORTER_OTLP_COMPRESSION=gzip).
//!
//! Output: human-readable lines on stderr, and one JSON line of results on stdout:
//!
//! ```text
//! {"bench":"export_throughput","mode":"isolated","api":"core","sink":"count","spans":2000000,
//!  "queue":2000000,"batch":512,"ended":..,"exported":..,"dropped":..,"received":..,
//!  "delivered_ratio":1.0,"requests":..,"producer_ns_per_span":..,"wall_s":..,
//!  "wall_spans_per_s":..,"export_cpu_ns_per_span":..,"export_cpu_spans_per_s":..,
//!  "export_runqueue_wait_s":..,"sink_cpu_ns_per_span":..,"cpus":2}
//! ```
//!
//! `received` is what the sink counted; `exported + dropped == ended` once the pipeline has
//! shut down. `export_cpu_ns_per_span` is the export thread's CPU time per exported span and
//! `export_cpu_spans_per_s` its inverse; `producer_ns_per_span` is the loop's wall time per span;
//! `export_runqueue_wait_s` is how long the export thread was runnable but had no CPU (other
//! threads, or other processes, had them); `sink_cpu_ns_per_span` is the sink's CPU time per
//! span made.

#[path = "../shared.rs"]
mod shared;

use otlp_ffi::otlp_error_t::OTLP_OK;
use otlp_ffi::{
    otlp_get_tracer, otlp_stats_t, otlp_tracer_provider_free, otlp_tracer_provider_get_stats,
    otlp_tracer_provider_shutdown,
};
use otlp_ffi_core::{Settings, StatsSnapshot, TracerProvider};
use prost::Message;
use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Sink {
    spans: AtomicU64,
    requests: AtomicU64,
    /// CPU time of connection threads that have ended (read by each as it ends).
    ended_threads_cpu_ns: AtomicU64,
}

/// An OTLP/HTTP receiver on 127.0.0.1: HTTP/1.1 keep-alive, a thread per connection (named
/// `sink-conn`), every body counted, `200` with an empty body.
fn start_sink(decode: bool) -> (String, Arc<Sink>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind sink");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let sink = Arc::new(Sink::default());
    let s = sink.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let s = s.clone();
            let _ = std::thread::Builder::new().name("sink-conn".into()).spawn(move || {
                serve(stream, &s, decode);
                s.ended_threads_cpu_ns.fetch_add(schedstat_ns("/proc/thread-self/schedstat"), Relaxed);
            });
        }
    });
    (url, sink)
}

fn serve(stream: TcpStream, sink: &Sink, decode: bool) {
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::with_capacity(256 * 1024, stream);
    let (mut line, mut body) = (String::new(), Vec::new());
    while shared::read_request(&mut reader, &mut line, &mut body) {
        let n = if decode {
            opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest::decode(body.as_slice())
                .map(|r| r.resource_spans.iter().flat_map(|rs| &rs.scope_spans).map(|s| s.spans.len() as u64).sum())
                .unwrap_or(0)
        } else {
            count_spans(&body).unwrap_or(0)
        };
        sink.spans.fetch_add(n, Relaxed);
        sink.requests.fetch_add(1, Relaxed);
        let _ = writer.write_all(shared::OK_200);
    }
}

fn varint(b: &[u8], i: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*i)?;
        *i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some(v);
        }
    }
    None
}

/// Calls `f(field, payload)` for each length-delimited field of `msg`, skipping the others.
fn fields(msg: &[u8], mut f: impl FnMut(u64, &[u8]) -> Option<()>) -> Option<()> {
    let mut i = 0;
    while i < msg.len() {
        let key = varint(msg, &mut i)?;
        match key & 7 {
            0 => {
                varint(msg, &mut i)?;
            }
            1 => i += 8,
            5 => i += 4,
            2 => {
                let len = varint(msg, &mut i)? as usize;
                let payload = msg.get(i..i.checked_add(len)?)?;
                i += len;
                f(key >> 3, payload)?;
            }
            _ => return None,
        }
    }
    (i == msg.len()).then_some(())
}

/// Spans in an ExportTraceServiceRequest, counted without decoding them.
fn count_spans(request: &[u8]) -> Option<u64> {
    let mut n = 0;
    fields(request, |f, rs| {
        if f != 1 {
            return Some(());
        }
        fields(rs, |f, ss| {
            if f != 2 {
                return Some(());
            }
            fields(ss, |f, _| {
                n += u64::from(f == 2);
                Some(())
            })
        })
    })?;
    Some(n)
}

/// The run time (ns) in a `schedstat` file.
fn schedstat_ns(path: &str) -> u64 {
    schedstat(path)[0]
}

/// Time (ns) a thread ran and waited runnable for a CPU, from its `schedstat` file.
fn schedstat(path: &str) -> [u64; 2] {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut fields = text.split_whitespace().map(|f| f.parse().unwrap_or(0));
    [fields.next().unwrap_or(0), fields.next().unwrap_or(0)]
}

/// Total CPU time (ns) of this process's threads named `name`.
fn threads_cpu_ns(name: &str) -> u64 {
    threads_schedstat(name)[0]
}

/// Run and run-queue wait times (ns) of this process's threads named `name`, summed.
fn threads_schedstat(name: &str) -> [u64; 2] {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return [0, 0] };
    dir.flatten()
        .filter_map(|e| {
            let tid = e.file_name().to_string_lossy().into_owned();
            let comm = std::fs::read_to_string(format!("/proc/self/task/{tid}/comm")).ok()?;
            (comm.trim_end() == name).then(|| schedstat(&format!("/proc/self/task/{tid}/schedstat")))
        })
        .fold([0, 0], |a, b| [a[0] + b[0], a[1] + b[1]])
}

struct Run {
    producer_s: f64,
    wall_s: f64,
    stats: StatsSnapshot,
    /// CPU time of the export thread, read before the provider is freed (the runtime's thread
    /// ends with the last provider).
    export_cpu_ns: u64,
    /// Time the export thread was runnable but waited for a CPU.
    export_wait_ns: u64,
}

fn run_core(settings: Settings, n: usize) -> Run {
    let provider = TracerProvider::new(settings).expect("provider");
    let tracer = provider.tracer();
    let t0 = Instant::now();
    shared::core_spans(&tracer, n);
    let producer_s = t0.elapsed().as_secs_f64();
    let flushed = provider.force_flush(Duration::from_secs(120));
    let wall_s = t0.elapsed().as_secs_f64();
    if let Err(e) = flushed {
        eprintln!("force_flush: {e}");
    }
    let _ = provider.shutdown(Duration::from_secs(30));
    let [export_cpu_ns, export_wait_ns] = threads_schedstat("otlp-ffi-export");
    Run { producer_s, wall_s, stats: provider.stats(), export_cpu_ns, export_wait_ns }
}

fn run_c(url: &str, n: usize) -> Run {
    let endpoint = std::ffi::CString::new(url).expect("url");
    let mut provider = std::ptr::null_mut();
    let mut tracer = std::ptr::null_mut();
    let mut s = otlp_stats_t::default();
    // SAFETY: valid C strings and out-pointers; the provider is freed once, after its last use.
    let (producer_s, wall_s, [export_cpu_ns, export_wait_ns]) = unsafe {
        assert_eq!(otlp_ffi::otlp_init(endpoint.as_ptr(), c"export-throughput".as_ptr(), &mut provider), OTLP_OK);
        assert_eq!(otlp_get_tracer(provider, &mut tracer), OTLP_OK);
        let t0 = Instant::now();
        shared::c_spans(tracer, n);
        let producer_s = t0.elapsed().as_secs_f64();
        let code = otlp_tracer_provider_shutdown(provider, 120_000);
        let wall_s = t0.elapsed().as_secs_f64();
        if code != OTLP_OK {
            eprintln!("shutdown: {code:?}");
        }
        assert_eq!(otlp_tracer_provider_get_stats(provider, &mut s), OTLP_OK);
        let export = threads_schedstat("otlp-ffi-export");
        otlp_tracer_provider_free(provider);
        (producer_s, wall_s, export)
    };
    let stats = StatsSnapshot {
        spans_started: s.spans_started,
        spans_ended: s.spans_ended,
        spans_exported: s.spans_exported,
        spans_dropped: s.spans_dropped,
        export_failures: s.export_failures,
    };
    Run { producer_s, wall_s, stats, export_cpu_ns, export_wait_ns }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |w: &str| args.iter().any(|a| a == w);
    let tight = has("tight");
    let mode = if tight { "tight" } else { "isolated" };
    let api = if has("c") { "c" } else { "core" };
    let decode = has("decode");
    let n = args.iter().find_map(|a| a.parse::<usize>().ok()).unwrap_or(if tight { 1_000_000 } else { 2_000_000 });
    let (url, sink) = start_sink(decode);

    if !tight && std::env::var_os("OTEL_BSP_MAX_QUEUE_SIZE").is_none() {
        // SAFETY: set before any other thread reads the environment (the sink threads do not).
        unsafe { std::env::set_var("OTEL_BSP_MAX_QUEUE_SIZE", n.to_string()) };
    }
    let settings = Settings::from_env(Some(&url), Some("export-throughput")).expect("settings");
    let (queue, batch) = (settings.max_queue_size, settings.max_export_batch_size);

    let run = match api {
        "c" => run_c(&url, n),
        _ => run_core(settings, n),
    };
    // The sink answers before it is counted on the next loop turn only if slow; give it a moment.
    let deadline = Instant::now() + Duration::from_secs(2);
    while sink.spans.load(Relaxed) < run.stats.spans_exported && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let export_cpu = run.export_cpu_ns as f64;
    let sink_cpu = (threads_cpu_ns("sink-conn") + sink.ended_threads_cpu_ns.load(Relaxed)) as f64;
    let received = sink.spans.load(Relaxed);
    let requests = sink.requests.load(Relaxed);
    let s = run.stats;
    let nf = n as f64;
    let exported = s.spans_exported.max(1) as f64;
    let cpus = std::thread::available_parallelism().map_or(0, |c| c.get());
    eprintln!(
        "{mode} ({api} API, sink {}): {n} spans, queue {queue}, batch {batch}; ended {} exported {} dropped {} received {received} in {requests} requests",
        if decode { "decode" } else { "count" },
        s.spans_ended,
        s.spans_exported,
        s.spans_dropped
    );
    eprintln!(
        "producer {:.0} ns/span; wall {:.3} s = {:.2} M spans/s; export thread {:.0} ns CPU per exported span = {:.2} M spans/s per core; sink {:.0} ns/span CPU",
        run.producer_s * 1e9 / nf,
        run.wall_s,
        nf / run.wall_s / 1e6,
        export_cpu / exported,
        exported / export_cpu * 1e3,
        sink_cpu / nf
    );
    println!(
        "{{\"bench\":\"export_throughput\",\"mode\":\"{mode}\",\"api\":\"{api}\",\"sink\":\"{}\",\"spans\":{n},\"queue\":{queue},\"batch\":{batch},\"ended\":{},\"exported\":{},\"dropped\":{},\"received\":{received},\"delivered_ratio\":{:.6},\"requests\":{requests},\"producer_ns_per_span\":{:.1},\"wall_s\":{:.4},\"wall_spans_per_s\":{:.0},\"export_cpu_ns_per_span\":{:.1},\"export_cpu_spans_per_s\":{:.0},\"export_runqueue_wait_s\":{:.4},\"sink_cpu_ns_per_span\":{:.1},\"cpus\":{cpus}}}",
        if decode { "decode" } else { "count" },
        s.spans_ended,
        s.spans_exported,
        s.spans_dropped,
        received as f64 / nf,
        run.producer_s * 1e9 / nf,
        run.wall_s,
        nf / run.wall_s,
        export_cpu / exported,
        exported / export_cpu * 1e9,
        run.export_wait_ns as f64 / 1e9,
        sink_cpu / nf
    );
}
