//! Faults and load through the C ABI, against real HTTP receivers on free ports (std threads
//! speaking HTTP/1.1, counting the spans of every request they decode): a collector down at
//! start, down mid-run and back; 503/429 storms with Retry-After; a blackhole that accepts TCP
//! and never answers (HTTP and gRPC); a slow receiver; a receiver that resets connections; an https endpoint
//! whose TLS handshake stalls; a provider freed while other threads use its spans; and
//! 16 threads of spans with attributes, counted exactly (stats and receiver).
//!
//! Each test prints its figures (`faults: ...`, see `--nocapture`). The load test runs
//! 16 x 10,000 spans by default; `OTLP_FAULTS_LOAD_SPANS=100000` gives the long run:
//!   OTLP_FAULTS_LOAD_SPANS=100000 cargo test --release --test faults load -- --nocapture
#![allow(clippy::unwrap_used, clippy::expect_used)]

use otlp_ffi::otlp_error_t::*;
use otlp_ffi::*;
use std::ffi::{CStr, CString};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

fn last_error() -> String {
    unsafe { CStr::from_ptr(otlp_get_last_error()) }.to_string_lossy().into_owned()
}

// ---------------------------------------------------------------------------------------------
// A real receiver: HTTP/1.1 with keep-alive, OTLP protobuf bodies decoded to count spans.
// ---------------------------------------------------------------------------------------------

/// How the receiver answers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// 200 with an empty ExportTraceServiceResponse; the spans are counted.
    Ok,
    /// This status with this Retry-After (seconds), nothing counted.
    Status(u16, Option<u32>),
    /// Wait this long, then as Ok.
    Slow(Duration),
    /// Close the connection with unread data (the kernel sends RST), nothing answered.
    Reset,
    /// Read the request and never answer (the connection stays open).
    Blackhole,
}

struct Shared {
    mode: Mutex<Mode>,
    spans: AtomicU64,
    requests: AtomicU64,
    /// Arrival times of the requests, for the Retry-After spacing.
    arrivals: Mutex<Vec<Instant>>,
    conns: Mutex<Vec<TcpStream>>,
    stop: AtomicBool,
}

struct Receiver {
    port: u16,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

/// A port nobody listens on (bound once, then released).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Receiver {
    fn start(mode: Mode) -> Self {
        Self::start_on(free_port(), mode)
    }

    fn start_on(port: u16, mode: Mode) -> Self {
        let shared = Arc::new(Shared {
            mode: Mutex::new(mode),
            spans: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            arrivals: Mutex::new(Vec::new()),
            conns: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let mut rx = Self { port, shared, accept: None };
        rx.listen();
        rx
    }

    /// Listens again on the same port (after `down`), counters kept.
    fn listen(&mut self) {
        let listener = {
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                match TcpListener::bind(("127.0.0.1", self.port)) {
                    Ok(l) => break l,
                    Err(e) if Instant::now() < deadline => {
                        let _ = e;
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(e) => panic!("cannot listen on port {}: {e}", self.port),
                }
            }
        };
        self.shared.stop.store(false, Ordering::SeqCst);
        let shared = self.shared.clone();
        self.accept = Some(std::thread::spawn(move || {
            for conn in listener.incoming() {
                if shared.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                if let Ok(c) = conn.try_clone() {
                    shared.conns.lock().unwrap().push(c);
                }
                let shared = shared.clone();
                std::thread::spawn(move || serve(conn, &shared));
            }
        }));
    }

    /// The collector goes away: no listener, every open connection closed.
    fn down(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.accept.take() {
            t.join().unwrap();
        }
        for c in self.shared.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    fn spans(&self) -> u64 {
        self.shared.spans.load(Ordering::SeqCst)
    }

    fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    fn endpoint(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.down();
    }
}

fn serve(mut conn: TcpStream, shared: &Shared) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        // One request: headers, then Content-Length bytes of body.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match conn.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let mode = *shared.mode.lock().unwrap();
        if mode == Mode::Reset {
            shared.requests.fetch_add(1, Ordering::SeqCst);
            reset(conn, shared);
            return;
        }
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + len {
            match conn.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body: Vec<u8> = buf.drain(..head_end + len).skip(head_end).collect();
        shared.requests.fetch_add(1, Ordering::SeqCst);
        shared.arrivals.lock().unwrap().push(Instant::now());
        let reply = match mode {
            Mode::Blackhole => {
                // Hold the connection until the peer or the test closes it.
                while matches!(conn.read(&mut chunk), Ok(n) if n > 0) {}
                return;
            }
            Mode::Status(code, after) => {
                let after = after.map(|s| format!("Retry-After: {s}\r\n")).unwrap_or_default();
                format!("HTTP/1.1 {code} Busy\r\n{after}Content-Length: 0\r\n\r\n")
            }
            Mode::Slow(d) => {
                std::thread::sleep(d);
                shared.spans.fetch_add(count_spans(&body), Ordering::SeqCst);
                ok_reply()
            }
            Mode::Ok => {
                shared.spans.fetch_add(count_spans(&body), Ordering::SeqCst);
                ok_reply()
            }
            Mode::Reset => unreachable!(),
        };
        if conn.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// Closes `conn` with an RST (SO_LINGER 0), its clone in `shared.conns` included.
fn reset(conn: TcpStream, shared: &Shared) {
    #[repr(C)]
    struct Linger {
        onoff: i32,
        linger: i32,
    }
    unsafe extern "C" {
        fn setsockopt(fd: i32, level: i32, name: i32, value: *const Linger, len: u32) -> i32;
    }
    const SOL_SOCKET: i32 = 1;
    const SO_LINGER: i32 = 13;
    use std::os::fd::AsRawFd;
    let linger = Linger { onoff: 1, linger: 0 };
    let rc = unsafe { setsockopt(conn.as_raw_fd(), SOL_SOCKET, SO_LINGER, &linger, size_of::<Linger>() as u32) };
    assert_eq!(rc, 0, "setsockopt(SO_LINGER)");
    let peer = conn.peer_addr().ok();
    shared.conns.lock().unwrap().retain(|c| c.peer_addr().ok() != peer);
    drop(conn);
}

fn ok_reply() -> String {
    "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n".to_owned()
}

/// The fields of a protobuf message: (field number, wire type, payload of length-delimited
/// fields). Panics on malformed input (the receiver must be able to decode what it counts).
fn fields(mut b: &[u8]) -> Vec<(u64, u8, &[u8])> {
    fn varint(b: &mut &[u8]) -> u64 {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = b[0];
            *b = &b[1..];
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return v;
            }
        }
        panic!("varint too long")
    }
    let mut out = Vec::new();
    while !b.is_empty() {
        let key = varint(&mut b);
        let (field, wire) = (key >> 3, (key & 7) as u8);
        let payload: &[u8] = match wire {
            0 => {
                varint(&mut b);
                &[]
            }
            1 => {
                b = &b[8..];
                &[]
            }
            2 => {
                let n = varint(&mut b) as usize;
                let (p, rest) = b.split_at(n);
                b = rest;
                p
            }
            5 => {
                b = &b[4..];
                &[]
            }
            w => panic!("unexpected wire type {w}"),
        };
        out.push((field, wire, payload));
    }
    out
}

/// Spans in an ExportTraceServiceRequest: resource_spans (1) > scope_spans (2) > spans (2).
fn count_spans(body: &[u8]) -> u64 {
    let mut n = 0;
    for (f, w, rs) in fields(body) {
        assert_eq!((f, w), (1, 2), "ExportTraceServiceRequest.resource_spans");
        for (f, _, ss) in fields(rs) {
            if f == 2 {
                n += fields(ss).iter().filter(|(f, w, _)| *f == 2 && *w == 2).count() as u64;
            }
        }
    }
    n
}

// ---------------------------------------------------------------------------------------------
// The C ABI
// ---------------------------------------------------------------------------------------------

struct Provider(*mut otlp_tracer_provider_t);
unsafe impl Send for Provider {}
unsafe impl Sync for Provider {}

fn provider(settings: &[(&str, &str)]) -> Provider {
    let mut cfg = null_mut();
    assert_eq!(unsafe { otlp_config_new(&mut cfg) }, OTLP_OK);
    for (k, v) in settings {
        let (k, v) = (CString::new(*k).unwrap(), CString::new(*v).unwrap());
        assert_eq!(unsafe { otlp_config_set(cfg, k.as_ptr(), v.as_ptr()) }, OTLP_OK, "{}", last_error());
    }
    let mut p = null_mut();
    let code = unsafe { otlp_init_with_config(cfg, &mut p) };
    unsafe { otlp_config_free(cfg) };
    assert_eq!(code, OTLP_OK, "{}", last_error());
    Provider(p)
}

impl Provider {
    fn stats(&self) -> otlp_stats_t {
        let mut st = otlp_stats_t::default();
        assert_eq!(unsafe { otlp_tracer_provider_get_stats(self.0, &mut st) }, OTLP_OK);
        st
    }

    fn tracer(&self) -> usize {
        let mut t = null_mut();
        assert_eq!(unsafe { otlp_get_tracer(self.0, &mut t) }, OTLP_OK);
        t as usize
    }

    /// Records `n` spans with attributes; returns the longest single span (start + 4
    /// attributes + end).
    fn spans(&self, n: u64) -> Duration {
        let t = self.tracer() as *mut otlp_tracer_t;
        let mut worst = Duration::ZERO;
        for i in 0..n {
            let started = Instant::now();
            assert_eq!(record(t, i), OTLP_OK, "{}", last_error());
            worst = worst.max(started.elapsed());
        }
        worst
    }

    /// (return code, how long it took)
    fn flush(&self, ms: u32) -> (otlp_error_t, Duration) {
        let started = Instant::now();
        let code = unsafe { otlp_tracer_provider_force_flush(self.0, ms) };
        (code, started.elapsed())
    }

    fn shutdown(&self, ms: u32) -> (otlp_error_t, Duration) {
        let started = Instant::now();
        let code = unsafe { otlp_tracer_provider_shutdown(self.0, ms) };
        (code, started.elapsed())
    }

    fn free(self) -> Duration {
        let started = Instant::now();
        unsafe { otlp_tracer_provider_free(self.0) };
        started.elapsed()
    }

    /// Waits until every ended span is counted as exported or dropped (exports still in flight
    /// settle within their timeout) and returns the stats.
    fn settled(&self, within: Duration) -> otlp_stats_t {
        let deadline = Instant::now() + within;
        loop {
            let st = self.stats();
            if st.spans_ended == st.spans_exported + st.spans_dropped || Instant::now() > deadline {
                return st;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// One span with attributes of each scalar type: start, 4 attributes, end.
fn record(t: *mut otlp_tracer_t, i: u64) -> otlp_error_t {
    let mut s = null_mut();
    let code = unsafe { otlp_span_create(t, c"GET /orders/{id}".as_ptr(), &mut s) };
    if code != OTLP_OK {
        return code;
    }
    unsafe {
        for code in [
            otlp_span_set_attribute_string(s, c"http.request.method".as_ptr(), c"GET".as_ptr()),
            otlp_span_set_attribute_int(s, c"order.id".as_ptr(), i as i64),
            otlp_span_set_attribute_bool(s, c"cache.hit".as_ptr(), i % 2 == 0),
            otlp_span_set_attribute_double(s, c"ratio".as_ptr(), 0.25),
        ] {
            if code != OTLP_OK {
                otlp_span_end(s);
                return code;
            }
        }
        otlp_span_end(s);
    }
    OTLP_OK
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// No span call may block on the network: a bound far above a span's cost (microseconds), below
/// the first retry backoff (100 ms) a call waiting for an export would show, and
/// far below any network timeout, with room for a loaded 2-core machine's scheduling.
const SPAN_CALL_BOUND: Duration = Duration::from_millis(80);

/// What a flush or shutdown may take beyond its timeout.
const SLACK: Duration = Duration::from_millis(250);

/// The tests that measure times share the machine with one another (read), the ones that
/// keep every CPU busy run alone (write), so a timing is not the load test's scheduling.
static CPU: std::sync::RwLock<()> = std::sync::RwLock::new(());

fn timing() -> std::sync::RwLockReadGuard<'static, ()> {
    CPU.read().unwrap_or_else(|e| e.into_inner())
}

fn cpu_bound() -> std::sync::RwLockWriteGuard<'static, ()> {
    CPU.write().unwrap_or_else(|e| e.into_inner())
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

/// Down at start, up, down mid-run, back: what fits in the queue is delivered once the
/// collector returns, the rest is dropped and counted, span calls never block.
#[test]
fn collector_down_at_start_and_mid_run_then_back() {
    let _cpu = timing();
    const QUEUE: u64 = 2000;
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let p = provider(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "2000"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "200"),
        ("OTEL_BSP_SCHEDULE_DELAY", "50"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
    ]);

    // 1. Down at start: 1500 spans (within the queue) are kept through failed exports.
    let worst_down_at_start = p.spans(1500);
    std::thread::sleep(Duration::from_millis(1500)); // several export attempts fail meanwhile
    let (code, _) = p.flush(300);
    assert!(matches!(code, OTLP_ERROR_EXPORT_FAILED | OTLP_ERROR_TIMEOUT), "{code:?}: {}", last_error());
    let st = p.stats();
    assert!(st.export_failures > 0, "{st:?}");
    assert_eq!((st.spans_exported, st.spans_dropped), (0, 0), "nothing delivered, nothing dropped yet: {st:?}");

    let mut rx = Receiver::start_on(port, Mode::Ok);
    let (code, _) = p.flush(10_000);
    assert_eq!(code, OTLP_OK, "{}", last_error());
    let st = p.stats();
    assert_eq!((st.spans_ended, st.spans_exported, st.spans_dropped), (1500, 1500, 0), "{st:?}");
    assert_eq!(rx.spans(), 1500, "the receiver got every span");

    // 2. Down mid-run with twice the queue's capacity ended meanwhile: the overflow is dropped
    // and counted, the rest delivered when the collector is back.
    rx.down();
    let worst_down_mid_run = p.spans(2 * QUEUE);
    std::thread::sleep(Duration::from_millis(1500));
    let down = p.stats();
    assert!(down.spans_dropped > 0, "beyond the queue's capacity spans are dropped: {down:?}");
    rx.listen();
    let (code, _) = p.flush(10_000);
    assert_eq!(code, OTLP_OK, "{}", last_error());
    let st = p.stats();
    let (exported, dropped) = (st.spans_exported - 1500, st.spans_dropped);
    assert_eq!(st.spans_ended, 1500 + 2 * QUEUE);
    assert_eq!(exported + dropped, 2 * QUEUE, "every span counted once: {st:?}");
    assert_eq!(rx.spans(), st.spans_exported, "the receiver's count is the exported count");
    assert!(exported >= QUEUE * 3 / 4, "what fit in the queue was delivered: {exported} of {}", 2 * QUEUE);
    assert!(exported <= QUEUE + 4 * 200, "no more than the queue (plus batches in flight): {exported}");
    let (code, took) = p.shutdown(5000);
    assert_eq!(code, OTLP_OK);
    p.free();
    println!(
        "faults: collector down/up: 1500 ended while down at start -> 1500 delivered, 0 lost; \
         {} ended while down mid-run (queue {QUEUE}) -> {exported} delivered, {dropped} dropped and counted; \
         longest span call while down {:.2} ms / {:.2} ms; export failures {}; shutdown {:.0} ms",
        2 * QUEUE,
        ms(worst_down_at_start),
        ms(worst_down_mid_run),
        st.export_failures,
        ms(took)
    );
    assert!(worst_down_at_start < SPAN_CALL_BOUND && worst_down_mid_run < SPAN_CALL_BOUND);
}

/// 503 with Retry-After: 1 then 429 with Retry-After: 30 (past the export timeout): the delay
/// is honoured, bounded by the export timeout; nothing is lost once the storm ends.
#[test]
fn storms_of_503_and_429_with_retry_after() {
    let _cpu = timing();
    let rx = Receiver::start(Mode::Status(503, Some(1)));
    let p = provider(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &rx.endpoint("http")),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
        ("OTEL_BSP_SCHEDULE_DELAY", "60000"),
    ]);
    p.spans(100);
    let (code, took_503) = p.flush(5000);
    assert_eq!(code, OTLP_ERROR_EXPORT_FAILED, "{}", last_error());
    assert!(last_error().contains("503"), "{}", last_error());
    let arrivals = rx.shared.arrivals.lock().unwrap().clone();
    assert!(arrivals.len() >= 2, "retried: {} requests", arrivals.len());
    for w in arrivals.windows(2) {
        let gap = w[1] - w[0];
        assert!(gap >= Duration::from_millis(950), "Retry-After: 1 honoured, gap {gap:?}");
    }
    assert!(took_503 < Duration::from_millis(2500) + SLACK, "bounded by the export timeout: {took_503:?}");

    rx.set_mode(Mode::Status(429, Some(30)));
    let before = rx.requests();
    let (code, took_429) = p.flush(5000);
    assert_eq!(code, OTLP_ERROR_EXPORT_FAILED, "{}", last_error());
    assert!(last_error().contains("would pass the export timeout"), "{}", last_error());
    assert_eq!(rx.requests() - before, 1, "a Retry-After past the export timeout ends the export");
    assert!(took_429 < Duration::from_secs(1), "no waiting for a delay that cannot fit: {took_429:?}");

    let st = p.stats();
    assert_eq!((st.spans_exported, st.spans_dropped), (0, 0), "kept through the storm: {st:?}");
    rx.set_mode(Mode::Ok);
    assert_eq!(p.flush(5000).0, OTLP_OK, "{}", last_error());
    let st = p.stats();
    assert_eq!((st.spans_exported, st.spans_dropped), (100, 0), "{st:?}");
    assert_eq!(rx.spans(), 100);
    let (code, took_shutdown) = p.shutdown(1000);
    assert_eq!(code, OTLP_OK);
    p.free();
    println!(
        "faults: 503 storm (Retry-After 1 s, export timeout 2.5 s): flush returned EXPORT_FAILED in {:.0} ms \
         after {} attempts spaced >= 1 s; 429 with Retry-After 30 s: EXPORT_FAILED in {:.0} ms; \
         after the storm 100 of 100 delivered, 0 lost, {} failed attempts counted; shutdown {:.0} ms",
        ms(took_503),
        arrivals.len(),
        ms(took_429),
        st.export_failures,
        ms(took_shutdown)
    );
}

/// Shutdown in the middle of a 503 storm returns within its timeout.
#[test]
fn shutdown_during_a_503_storm_is_bounded() {
    let _cpu = timing();
    let rx = Receiver::start(Mode::Status(503, Some(1)));
    let p = provider(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &rx.endpoint("http")), ("OTEL_EXPORTER_OTLP_TIMEOUT", "10000")]);
    p.spans(50);
    let (code, took) = p.shutdown(500);
    assert_eq!(code, OTLP_ERROR_TIMEOUT, "{}", last_error());
    assert!(took < Duration::from_millis(500) + SLACK, "{took:?}");
    let st = p.settled(Duration::from_secs(12));
    assert_eq!((st.spans_ended, st.spans_exported, st.spans_dropped), (50, 0, 50), "dropped and counted: {st:?}");
    p.free();
    println!(
        "faults: shutdown(p, 500) during a 503 storm: OTLP_ERROR_TIMEOUT in {:.0} ms, 50 of 50 dropped and counted",
        ms(took)
    );
}

/// A blackhole (accepts TCP, never answers): flush and shutdown return at their timeouts with
/// OTLP_ERROR_TIMEOUT; the spans in flight are counted as dropped once their export times out.
#[test]
fn blackhole_endpoint_flush_and_shutdown_are_bounded() {
    let _cpu = timing();
    let rx = Receiver::start(Mode::Blackhole);
    let p = provider(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &rx.endpoint("http")),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "1500"),
        ("OTEL_BSP_SCHEDULE_DELAY", "60000"),
    ]);
    p.spans(300);
    let (code, flush_took) = p.flush(300);
    assert_eq!(code, OTLP_ERROR_TIMEOUT, "{}", last_error());
    assert!(
        flush_took >= Duration::from_millis(290) && flush_took < Duration::from_millis(300) + SLACK,
        "{flush_took:?}"
    );
    let worst = p.spans(300);
    assert!(worst < SPAN_CALL_BOUND, "span calls while exports hang: {worst:?}");
    let (code, shutdown_took) = p.shutdown(500);
    assert_eq!(code, OTLP_ERROR_TIMEOUT, "{}", last_error());
    assert!(shutdown_took < Duration::from_millis(500) + SLACK, "shutdown(p, 500) took {shutdown_took:?}");
    let st = p.settled(Duration::from_secs(5));
    assert_eq!((st.spans_ended, st.spans_exported, st.spans_dropped), (600, 0, 600), "{st:?}");
    assert!(rx.requests() >= 1);
    let free_took = p.free();
    assert!(free_took < Duration::from_secs(2), "{free_took:?}");
    println!(
        "faults: blackhole: force_flush(p, 300) -> TIMEOUT in {:.0} ms; shutdown(p, 500) -> TIMEOUT in {:.0} ms; \
         600 of 600 dropped and counted (0 silent); free {:.0} ms; longest span call {:.2} ms",
        ms(flush_took),
        ms(shutdown_took),
        ms(free_took),
        ms(worst)
    );
}

/// free() against a blackhole is bounded by the export timeout.
#[test]
fn free_against_a_blackhole_is_bounded_by_the_export_timeout() {
    let _cpu = timing();
    let rx = Receiver::start(Mode::Blackhole);
    let p = provider(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &rx.endpoint("http")), ("OTEL_EXPORTER_OTLP_TIMEOUT", "800")]);
    p.spans(10);
    let took = p.free();
    assert!(took < Duration::from_millis(800) + SLACK, "free took {took:?}");
    assert!(last_error().contains("OTLP_ERROR_TIMEOUT"), "{}", last_error());
    println!("faults: free() against a blackhole with OTEL_EXPORTER_OTLP_TIMEOUT=800: {:.0} ms", ms(took));
}

/// A slow receiver (1.5 s per answer): flush times out at its bound, a longer flush delivers.
#[test]
fn slow_receiver() {
    let _cpu = timing();
    let rx = Receiver::start(Mode::Slow(Duration::from_millis(1500)));
    let p = provider(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &rx.endpoint("http")), ("OTEL_BSP_SCHEDULE_DELAY", "60000")]);
    p.spans(200);
    let (code, short) = p.flush(300);
    assert_eq!(code, OTLP_ERROR_TIMEOUT);
    assert!(short < Duration::from_millis(300) + SLACK, "{short:?}");
    let (code, long) = p.flush(5000);
    assert_eq!(code, OTLP_OK, "{}", last_error());
    assert_eq!((p.stats().spans_exported, rx.spans()), (200, 200));
    p.spans(100);
    let (code, shutdown_took) = p.shutdown(200);
    assert_eq!(code, OTLP_ERROR_TIMEOUT);
    assert!(shutdown_took < Duration::from_millis(200) + SLACK, "{shutdown_took:?}");
    let st = p.settled(Duration::from_secs(5));
    assert_eq!(st.spans_ended, st.spans_exported + st.spans_dropped, "{st:?}");
    assert_eq!(rx.spans(), st.spans_exported, "what was acknowledged was received");
    p.free();
    println!(
        "faults: slow receiver (1.5 s): flush(300) -> TIMEOUT in {:.0} ms, flush(5000) -> OK in {:.0} ms; \
         shutdown(200) -> TIMEOUT in {:.0} ms; 300 ended = {} exported + {} dropped",
        ms(short),
        ms(long),
        ms(shutdown_took),
        st.spans_exported,
        st.spans_dropped
    );
}

/// A receiver that resets every connection: retried, bounded, kept; delivered once it heals.
#[test]
fn receiver_resetting_connections() {
    let _cpu = timing();
    let rx = Receiver::start(Mode::Reset);
    let p = provider(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &rx.endpoint("http")),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2000"),
        ("OTEL_BSP_SCHEDULE_DELAY", "60000"),
    ]);
    p.spans(100);
    let (code, took) = p.flush(5000);
    assert_eq!(code, OTLP_ERROR_EXPORT_FAILED, "{}", last_error());
    assert!(took < Duration::from_millis(2000) + SLACK, "{took:?}");
    assert!(rx.requests() >= 2, "retried after a reset: {} ({})", rx.requests(), last_error());
    let failures = p.stats().export_failures;
    assert!(failures >= 2, "{failures}");
    rx.set_mode(Mode::Ok);
    assert_eq!(p.flush(5000).0, OTLP_OK, "{}", last_error());
    let st = p.stats();
    assert_eq!((st.spans_exported, st.spans_dropped, rx.spans()), (100, 0, 100), "{st:?}");
    rx.set_mode(Mode::Reset);
    p.spans(10);
    let (code, shutdown_took) = p.shutdown(500);
    assert!(matches!(code, OTLP_ERROR_TIMEOUT | OTLP_ERROR_EXPORT_FAILED), "{code:?}");
    assert!(shutdown_took < Duration::from_millis(500) + SLACK, "{shutdown_took:?}");
    let st = p.settled(Duration::from_secs(5));
    assert_eq!((st.spans_ended, st.spans_exported, st.spans_dropped), (110, 100, 10), "{st:?}");
    p.free();
    println!(
        "faults: connection resets: flush -> EXPORT_FAILED in {:.0} ms after {} attempts; 100 of 100 delivered \
         once it healed; shutdown(500) during resets {:.0} ms, 10 dropped and counted",
        ms(took),
        failures,
        ms(shutdown_took)
    );
}

/// A self-signed CA (its key thrown away): the TLS client needs roots to trust, whatever the
/// machine's CA store holds; the stalled handshake never gets as far as a certificate.
const TEST_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBmjCCAUGgAwIBAgIUUI2wRKGKYI/MP4fb6k/HppzLYo8wCgYIKoZIzj0EAwIw
IjEgMB4GA1UEAwwXb3RscC1mZmkgZmF1bHRzIHRlc3QgQ0EwIBcNMjYxMjAyMDUx
MDAxWhgPMjEyNjExMDgwNTEwMDFaMCIxIDAeBgNVBAMMF290bHAtZmZpIGZhdWx0
cyB0ZXN0IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAETzl348+dcZapx4Jg
C9nvAfjToKhzRfzJg0pzP2c172WXMZ5xf2o3OXrQdzQ84PehogWxKhwcNqJzSRvb
WhAKgqNTMFEwHQYDVR0OBBYEFDmMXxZ/3xAyhQOWxYCaYlpJMVFjMB8GA1UdIwQY
MBaAFDmMXxZ/3xAyhQOWxYCaYlpJMVFjMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZI
zj0EAwIDRwAwRAIgD/5ltIw0kE8OLyvP+i/2t+VfOFQ084KxVgTrSBxLzY8CIGH0
sZG/qM/72vkmPD8oCfao+axgrGUiSQTNJXnUi7al
-----END CERTIFICATE-----
";

/// https:// to a server that accepts TCP and never answers the TLS ClientHello.
#[test]
fn tls_handshake_stall_is_bounded() {
    let _cpu = timing();
    let rx = Receiver::start(Mode::Blackhole);
    let ca = std::env::temp_dir().join(format!("otlp-ffi-faults-ca-{}.pem", std::process::id()));
    std::fs::write(&ca, TEST_CA).unwrap();
    let p = provider(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &rx.endpoint("https")),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", ca.to_str().unwrap()),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
        ("OTEL_BSP_SCHEDULE_DELAY", "60000"),
    ]);
    p.spans(50);
    let (code, flush_took) = p.flush(300);
    assert_eq!(code, OTLP_ERROR_TIMEOUT, "{}", last_error());
    assert!(flush_took < Duration::from_millis(300) + SLACK, "{flush_took:?}");
    let (code, shutdown_took) = p.shutdown(500);
    assert!(matches!(code, OTLP_ERROR_TIMEOUT | OTLP_ERROR_EXPORT_FAILED), "{code:?}");
    assert!(shutdown_took < Duration::from_millis(500) + SLACK, "{shutdown_took:?}");
    let st = p.settled(Duration::from_secs(5));
    assert_eq!((st.spans_ended, st.spans_exported, st.spans_dropped), (50, 0, 50), "{st:?}");
    assert!(rx.requests() == 0, "no HTTP request got through the stalled handshake");
    assert!(!rx.shared.conns.lock().unwrap().is_empty(), "the client did connect");
    p.free();
    let _ = std::fs::remove_file(&ca);
    println!(
        "faults: stalled TLS handshake: flush(300) -> TIMEOUT in {:.0} ms; shutdown(500) -> {:?} in {:.0} ms; \
         50 of 50 dropped and counted",
        ms(flush_took),
        code,
        ms(shutdown_took)
    );
}

/// A provider freed while 8 threads keep using its tracer and their open spans: every later
/// call answers OTLP_ERROR_INVALID_HANDLE, nothing else, no crash.
#[test]
fn provider_freed_while_threads_use_its_spans() {
    let _cpu = cpu_bound();
    let rx = Receiver::start(Mode::Ok);
    let p = provider(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &rx.endpoint("http"))]);
    let t = p.tracer();
    let freed = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let freed = freed.clone();
            std::thread::spawn(move || {
                let t = t as *mut otlp_tracer_t;
                let (mut ok, mut invalid_after_free) = (0u64, 0u64);
                let mut s = null_mut();
                loop {
                    let was_freed = freed.load(Ordering::SeqCst);
                    let code = unsafe { otlp_span_create(t, c"w".as_ptr(), &mut s) };
                    if code == OTLP_ERROR_INVALID_HANDLE {
                        break;
                    }
                    assert_eq!(code, OTLP_OK);
                    assert!(!was_freed, "a span started on a freed provider's tracer");
                    for _ in 0..20 {
                        let code = unsafe { otlp_span_set_attribute_int(s, c"k".as_ptr(), 1) };
                        match code {
                            OTLP_OK => ok += 1,
                            OTLP_ERROR_INVALID_HANDLE => {
                                assert!(last_error().starts_with("OTLP_ERROR_INVALID_HANDLE"), "{}", last_error());
                                invalid_after_free += 1;
                            }
                            other => panic!("unexpected {other:?}: {}", last_error()),
                        }
                    }
                    let mut ctx = null_mut();
                    match unsafe { otlp_span_get_context(s, &mut ctx) } {
                        OTLP_OK => unsafe { otlp_context_free(ctx) },
                        OTLP_ERROR_INVALID_HANDLE => {}
                        other => panic!("unexpected {other:?}"),
                    }
                    unsafe { otlp_span_end(s) };
                }
                // The span open at the free is invalid too.
                assert_eq!(unsafe { otlp_span_set_attribute_int(s, c"k".as_ptr(), 1) }, OTLP_ERROR_INVALID_HANDLE);
                (ok, invalid_after_free)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let before = p.stats();
    let provider_ptr = p.0;
    p.free();
    freed.store(true, Ordering::SeqCst);
    let mut total_ok = 0;
    for w in workers {
        let (ok, _) = w.join().expect("a worker thread panicked");
        total_ok += ok;
    }
    let mut st = otlp_stats_t::default();
    assert_eq!(unsafe { otlp_tracer_provider_get_stats(provider_ptr, &mut st) }, OTLP_ERROR_INVALID_HANDLE);
    assert!(before.spans_started > 0 && total_ok > 0);
    println!(
        "faults: provider freed under 8 threads: {} spans started before the free, {total_ok} calls OK, \
         every later call OTLP_ERROR_INVALID_HANDLE; receiver got {}",
        before.spans_started,
        rx.spans()
    );
}

/// 16 threads x N spans with attributes (N = OTLP_FAULTS_LOAD_SPANS, default 10,000): with the
/// default queue exported + dropped == ended exactly, per the stats and per the receiver; with
/// a queue sized for the load (OTEL_BSP_MAX_QUEUE_SIZE), nothing dropped.
#[test]
fn load_16_threads_every_span_counted() {
    let _cpu = cpu_bound();
    let per_thread: u64 = std::env::var("OTLP_FAULTS_LOAD_SPANS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let total = 16 * per_thread;
    let rx = Receiver::start(Mode::Ok);
    let queue_for_load = total.to_string();
    let mut figures = Vec::new();
    for queue in ["2048", queue_for_load.as_str()] {
        let p = Arc::new(provider(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &rx.endpoint("http")),
            ("OTEL_BSP_MAX_QUEUE_SIZE", queue),
        ]));
        let received_before = rx.spans();
        let started = Instant::now();
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let p = p.clone();
                std::thread::spawn(move || p.spans(per_thread))
            })
            .collect();
        let worst = threads.into_iter().map(|t| t.join().unwrap()).max().unwrap();
        let record_time = started.elapsed();
        let (code, _) = p.shutdown(60_000);
        assert_eq!(code, OTLP_OK, "{}", last_error());
        let elapsed = started.elapsed();
        let st = p.stats();
        let received = rx.spans() - received_before;
        assert_eq!(st.spans_ended, total, "{st:?}");
        assert_eq!(st.spans_exported + st.spans_dropped, total, "exported + dropped == ended: {st:?}");
        assert_eq!(received, st.spans_exported, "the receiver counted what the stats call exported");
        if queue == queue_for_load {
            assert_eq!(st.spans_dropped, 0, "a queue sized for the load drops nothing: {st:?}");
        }
        figures.push(format!(
            "queue {queue}: {} exported + {} dropped = {total} ended, receiver {received}, spans recorded in {:.0} ms, \
             delivered in {:.0} ms, longest span call {:.2} ms",
            st.spans_exported,
            st.spans_dropped,
            ms(record_time),
            ms(elapsed),
            ms(worst)
        ));
        Arc::try_unwrap(p).ok().expect("the threads are done").free();
    }
    println!("faults: load 16 x {per_thread}: {}", figures.join("; "));
}

/// The same blackhole over gRPC (HTTP/2 with prior knowledge: the server reads the preface
/// and never answers).
#[test]
fn grpc_blackhole_flush_and_shutdown_are_bounded() {
    let _cpu = timing();
    let rx = Receiver::start(Mode::Blackhole);
    let p = provider(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &rx.endpoint("http")),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
        ("OTEL_BSP_SCHEDULE_DELAY", "60000"),
    ]);
    p.spans(100);
    let (code, flush_took) = p.flush(300);
    assert_eq!(code, OTLP_ERROR_TIMEOUT, "{}", last_error());
    assert!(flush_took < Duration::from_millis(300) + SLACK, "{flush_took:?}");
    let (code, shutdown_took) = p.shutdown(500);
    assert!(matches!(code, OTLP_ERROR_TIMEOUT | OTLP_ERROR_EXPORT_FAILED), "{code:?}");
    assert!(shutdown_took < Duration::from_millis(500) + SLACK, "{shutdown_took:?}");
    let st = p.settled(Duration::from_secs(5));
    assert_eq!((st.spans_ended, st.spans_exported, st.spans_dropped), (100, 0, 100), "{st:?}");
    assert!(!rx.shared.conns.lock().unwrap().is_empty(), "the client did connect");
    p.free();
    println!(
        "faults: grpc blackhole: flush(300) -> TIMEOUT in {:.0} ms; shutdown(500) -> {:?} in {:.0} ms; \
         100 of 100 dropped and counted",
        ms(flush_took),
        code,
        ms(shutdown_took)
    );
}
