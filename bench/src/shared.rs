//! What the suite's own bench binaries (span_cost in bench/src/main.rs, bench/src/bin/scaling.rs, alloc_count.rs, export_throughput.rs) share: a
//! loopback OTLP/HTTP sink that answers 200 at once, the measured span through the C API (the
//! same start + 3 attributes + end as span_cost's `ffi_loop`), the calling thread's CPU clock
//! and a provider set up through the C API. Included with `#[path]`, so each binary stays one
//! file.
#![allow(dead_code)] // each binary uses part of it

use otlp_ffi::otlp_error_t::OTLP_OK;
use otlp_ffi::{
    otlp_get_tracer, otlp_init, otlp_span_create, otlp_span_end, otlp_span_set_attribute_bool,
    otlp_span_set_attribute_int, otlp_span_set_attribute_string, otlp_stats_t, otlp_tracer_provider_force_flush,
    otlp_tracer_provider_free, otlp_tracer_provider_get_stats, otlp_tracer_provider_shutdown, otlp_tracer_provider_t,
    otlp_tracer_t,
};
use otlp_ffi_core::{StartOptions, Value};
use std::ffi::CString;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Starts the sink on an ephemeral loopback port; returns its base URL and the number of
/// requests it has answered. It reads each body and answers 200 without decoding it, so that
/// it takes as little of the machine's CPU as a receiver can.
pub fn start_sink() -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind sink: {e}"));
    let url = match listener.local_addr() {
        Ok(a) => format!("http://{a}"),
        Err(e) => panic!("sink address: {e}"),
    };
    let requests = Arc::new(AtomicU64::new(0));
    let r = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let r = r.clone();
            std::thread::spawn(move || serve(stream, &r));
        }
    });
    (url, requests)
}

fn serve(stream: TcpStream, requests: &AtomicU64) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    let (mut line, mut body) = (String::new(), Vec::new());
    while read_request(&mut reader, &mut line, &mut body) {
        requests.fetch_add(1, Ordering::Relaxed);
        if writer.write_all(OK_200).is_err() {
            return;
        }
    }
}

/// The sinks' answer to every export: 200, empty body.
pub const OK_200: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";

/// Reads one HTTP/1.1 request (headers, then a Content-Length body into `body`) of a
/// keep-alive connection; false at its end or on an error. `line` is scratch space.
pub fn read_request(reader: &mut impl BufRead, line: &mut String, body: &mut Vec<u8>) -> bool {
    let mut len = 0usize;
    loop {
        line.clear();
        if reader.read_line(line).unwrap_or(0) == 0 {
            return false;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    body.resize(len, 0);
    reader.read_exact(body).is_ok()
}

/// A provider and its tracer through the C API (`otlp_init`: the defaults, or the OTEL_*
/// variables of the environment).
pub struct CProvider {
    pub provider: *mut otlp_tracer_provider_t,
    pub tracer: *mut otlp_tracer_t,
}

// The C API's handles may be used from any thread.
unsafe impl Send for CProvider {}
unsafe impl Sync for CProvider {}

impl CProvider {
    pub fn new(url: &str, service: &str) -> Self {
        let endpoint = CString::new(url).unwrap_or_default();
        let service = CString::new(service).unwrap_or_default();
        let mut provider = std::ptr::null_mut();
        let mut tracer = std::ptr::null_mut();
        unsafe {
            assert_eq!(otlp_init(endpoint.as_ptr(), service.as_ptr(), &mut provider), OTLP_OK);
            assert_eq!(otlp_get_tracer(provider, &mut tracer), OTLP_OK);
        }
        CProvider { provider, tracer }
    }

    /// force_flush, waiting up to 30 s.
    pub fn flush(&self) {
        unsafe {
            assert_eq!(otlp_tracer_provider_force_flush(self.provider, 30_000), OTLP_OK);
        }
    }

    /// Shuts down (waits up to 30 s for the export), frees, returns the final stats.
    pub fn finish(self) -> otlp_stats_t {
        let mut stats = otlp_stats_t::default();
        unsafe {
            otlp_tracer_provider_shutdown(self.provider, 30_000);
            assert_eq!(otlp_tracer_provider_get_stats(self.provider, &mut stats), OTLP_OK);
            otlp_tracer_provider_free(self.provider);
        }
        stats
    }
}

/// `n` spans through the C ABI: start + 3 attributes (string, int, bool) + end, span_cost's
/// `ffi_loop` without its clock.
#[inline(never)]
pub fn c_spans(tracer: *mut otlp_tracer_t, n: usize) {
    for i in 0..n {
        let mut span = std::ptr::null_mut();
        unsafe {
            otlp_span_create(tracer, c"GET /api/orders".as_ptr(), &mut span);
            otlp_span_set_attribute_string(span, c"http.method".as_ptr(), c"GET".as_ptr());
            otlp_span_set_attribute_int(span, c"http.status_code".as_ptr(), i as i64);
            otlp_span_set_attribute_bool(span, c"cache.hit".as_ptr(), i % 2 == 0);
            otlp_span_end(span);
        }
    }
}

/// The same `n` spans on otlp-ffi's Rust core API (span_cost's `core_loop` without its clock).
#[inline(never)]
pub fn core_spans(tracer: &otlp_ffi_core::Tracer, n: usize) {
    for i in 0..n {
        let mut span = tracer.start("GET /api/orders", StartOptions::default());
        span.set_attribute("http.method", Value::Str("GET"));
        span.set_attribute("http.status_code", Value::Int(i as i64));
        span.set_attribute("cache.hit", Value::Bool(i % 2 == 0));
        span.end();
    }
}

#[repr(C)]
struct Timespec {
    tv_sec: std::ffi::c_long,
    tv_nsec: std::ffi::c_long,
}

unsafe extern "C" {
    fn clock_gettime(clock: std::ffi::c_int, ts: *mut Timespec) -> std::ffi::c_int;
}

#[cfg(target_os = "linux")]
const CLOCK_THREAD_CPUTIME_ID: std::ffi::c_int = 3;
#[cfg(target_os = "macos")]
const CLOCK_THREAD_CPUTIME_ID: std::ffi::c_int = 16;

/// CPU time of the calling thread, in ns (CLOCK_THREAD_CPUTIME_ID): what this thread ran,
/// not what it waited, so several threads on fewer cores still measure their own cost.
pub fn thread_cpu_ns() -> u64 {
    let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The first `k`th positional number on the command line, or `default`.
pub fn arg(k: usize, default: usize) -> usize {
    std::env::args().skip(1).filter_map(|a| a.parse().ok()).nth(k).unwrap_or(default)
}
