//! Shared by the tests: the real `otlp-view` binary started on free ports with --ready-file and
//! --json, a raw HTTP/1.1 client (so malformed, slow and oversized requests can be sent), and
//! an OTLP exporter from otlp-ffi-core.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use otlp_ffi_core::{Config, Settings, TracerProvider};
use serde_json::Value as Json;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Viewer {
    pub child: Child,
    pub dir: PathBuf,
    pub http: u16,
    pub grpc: u16,
    pub web: Option<u16>,
}

pub fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Viewer {
    /// Starts the binary with `args` plus ports 0, --ready-file and --json into a fresh
    /// directory; stdout (the trees) goes to `stdout.txt` there, with NO_COLOR set.
    pub fn start(tag: &str, args: &[&str]) -> Viewer {
        let dir = std::env::temp_dir().join(format!("otlp-view-test-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ready = dir.join("ready.json");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_otlp-view"));
        cmd.args(["--http", "127.0.0.1:0", "--grpc", "127.0.0.1:0"])
            .arg("--ready-file")
            .arg(&ready)
            .arg("--json")
            .arg(dir.join("spans.jsonl"))
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("stdout.txt")).unwrap())
            .stderr(std::fs::File::create(dir.join("stderr.txt")).unwrap());
        let mut child = cmd.spawn().unwrap();
        let start = Instant::now();
        let text = loop {
            if let Ok(text) = std::fs::read_to_string(&ready) {
                break text;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("otlp-view exited with {status}: {}", std::fs::read_to_string(dir.join("stderr.txt")).unwrap());
            }
            assert!(start.elapsed() < Duration::from_secs(10), "no ready file");
            std::thread::sleep(Duration::from_millis(10));
        };
        let ready: Json = serde_json::from_str(&text).unwrap();
        let port = |k: &str| ready[k].as_u64().map(|p| p as u16);
        Viewer { child, dir, http: port("http").unwrap(), grpc: port("grpc").unwrap(), web: port("web") }
    }

    pub fn http_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.http)
    }

    pub fn grpc_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.grpc)
    }

    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.dir.join("stdout.txt")).unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.txt")).unwrap_or_default()
    }

    /// Every JSON line written so far.
    pub fn spans(&self) -> Vec<Json> {
        let text = std::fs::read_to_string(self.dir.join("spans.jsonl")).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    pub fn wait_spans(&self, n: usize) -> Vec<Json> {
        wait_until(&format!("{n} JSON lines"), Duration::from_secs(15), || self.spans().len() >= n);
        self.spans()
    }

    /// Still running (it did not crash).
    pub fn assert_alive(&mut self) {
        assert!(self.child.try_wait().unwrap().is_none(), "otlp-view exited: {}", self.stderr());
    }

    /// GET `path` on the web port: (status, content type, body).
    pub fn web_get(&self, path: &str) -> Response {
        let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        http(self.web.unwrap(), req.as_bytes())
    }

    pub fn web_json(&self, path: &str) -> Json {
        let r = self.web_get(path);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        serde_json::from_slice(&r.body).unwrap()
    }

    /// SIGTERM, then the exit status.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "no exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Json {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }
}

/// Reads one HTTP/1.1 response (Content-Length or chunked body) from `stream`.
pub fn read_response(stream: TcpStream) -> Response {
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut r = BufReader::new(stream);
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status: u16 = line.split_whitespace().nth(1).unwrap_or_else(|| panic!("status line {line:?}")).parse().unwrap();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let mut resp = Response { status, headers, body: Vec::new() };
    if let Some(n) = resp.header("content-length") {
        let mut body = vec![0u8; n.parse().unwrap()];
        r.read_exact(&mut body).unwrap();
        resp.body = body;
    } else if resp.header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).unwrap();
            let n = usize::from_str_radix(size.trim(), 16).unwrap();
            let mut chunk = vec![0u8; n + 2];
            r.read_exact(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            resp.body.extend_from_slice(&chunk[..n]);
        }
    }
    resp
}

/// Sends the raw bytes of a request to 127.0.0.1:`port` and reads the answer.
pub fn http(port: u16, request: &[u8]) -> Response {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(request).unwrap();
    read_response(s)
}

/// `POST path` with `body` and the given extra header lines.
pub fn post(port: u16, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut req = format!("POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    http(port, &bytes)
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A provider exporting to `endpoint` over `protocol` ("http/protobuf", "http/json", "grpc").
pub fn provider(endpoint: &str, protocol: &str, gzip: bool, service: &str) -> TracerProvider {
    let mut config = Config::default();
    for (k, v) in [
        ("OTEL_SERVICE_NAME", service),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", if gzip { "gzip" } else { "none" }),
        ("OTEL_BSP_SCHEDULE_DELAY", "50"),
    ] {
        config.set(k, v).unwrap();
    }
    TracerProvider::new(Settings::resolve(None, None, &config, &|_| None).unwrap()).unwrap()
}

/// A valid ExportTraceServiceRequest with one root span per trace id in `traces`.
pub fn request(
    traces: impl IntoIterator<Item = u32>,
    service: &str,
) -> opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
    let spans = traces
        .into_iter()
        .map(|t| {
            let mut trace_id = vec![0xab; 16];
            trace_id[12..].copy_from_slice(&(t + 1).to_be_bytes());
            Span {
                trace_id,
                span_id: vec![0x11; 8],
                name: format!("op {t}"),
                kind: 1,
                start_time_unix_nano: 1_000_000_000,
                end_time_unix_nano: 1_002_000_000,
                ..Default::default()
            }
        })
        .collect();
    let service = KeyValue {
        key: "service.name".into(),
        value: Some(AnyValue { value: Some(any_value::Value::StringValue(service.into())) }),
        ..Default::default()
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource { attributes: vec![service], ..Default::default() }),
            scope_spans: vec![ScopeSpans { spans, ..Default::default() }],
            ..Default::default()
        }],
    }
}
