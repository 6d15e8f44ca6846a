//! Shared by the tests/transport_*.rs files: real OTLP receivers on 127.0.0.1:0 (an HTTP/1.1
//! server decoding protobuf and JSON, gunzipping; a tonic gRPC TraceService; both optionally
//! over TLS), certificates generated with rcgen, and helpers that drive the core's Rust API
//! (`Config` / `Settings` / `TracerProvider`, no environment involved).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::Span;
use otlp_ffi_core::{Config, Error, Settings, SpanKind, StartOptions, StatusCode, TracerProvider, Value};
use prost::Message;
use std::collections::{HashMap, VecDeque};
use std::io::Read as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The bound of every `force_flush` in these tests.
pub const FLUSH: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// The core's API

/// A provider from `Config::set` pairs (no environment involved), or the error creating it.
pub fn try_init(settings: &[(&str, &str)]) -> Result<TracerProvider, Error> {
    let mut config = Config::default();
    for (k, v) in settings {
        config.set(k, v).unwrap_or_else(|e| panic!("{k}={v}: {e}"));
    }
    TracerProvider::new(Settings::resolve(None, None, &config, &|_| None)?)
}

pub fn init(settings: &[(&str, &str)]) -> TracerProvider {
    try_init(settings).unwrap_or_else(|e| panic!("TracerProvider::new: {:?}: {}", e.kind(), e.message()))
}

/// The remote parent of the span set: trace 4bf9..., span 00f067aa0ba902b7.
pub const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
pub const REMOTE_TRACE_ID: [u8; 16] =
    [0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36];
pub const REMOTE_SPAN_ID: [u8; 8] = [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7];
/// A 64-bit integer beyond 2^53: it survives JSON only as a string.
pub const BIG_INT: i64 = 9_007_199_254_740_993;

/// Records the span set every transport test sends: a SERVER span under a remote parent with
/// string, int, bool and double attributes, an exception event and an ERROR status; a CLIENT
/// child of it with OK status; and a root INTERNAL span. Returns the number of spans (3).
pub fn record_span_set(p: &TracerProvider) -> u64 {
    let tracer = p.tracer();
    let remote = otlp_ffi_core::context::extract(TRACEPARENT, None).unwrap();

    let mut server = tracer
        .start("GET /orders/{id}", StartOptions { kind: SpanKind::Server, parent: Some(remote), ..Default::default() });
    server.set_attribute("http.method", Value::Str("GET"));
    server.set_attribute("note", Value::Str("h\u{e9}llo \"q\"\n"));
    server.set_attribute("http.status_code", Value::Int(503));
    server.set_attribute("big", Value::Int(BIG_INT));
    server.set_attribute("negative", Value::Int(-42));
    server.set_attribute("cache.hit", Value::Bool(true));
    server.set_attribute("ratio", Value::Double(0.25));
    server.add_event("cache.miss", None, &[]);
    server.record_exception(None, "connection reset", None);

    let parent = Some(server.context());
    let mut client =
        tracer.start("SELECT orders", StartOptions { kind: SpanKind::Client, parent, ..Default::default() });
    client.set_attribute("db.system", Value::Str("postgresql"));
    client.set_attribute("db.cached", Value::Bool(false));
    client.set_status(StatusCode::Ok, "");
    client.end();
    server.end();

    let mut root = tracer.start("background job", StartOptions { kind: SpanKind::Internal, ..Default::default() });
    root.set_attribute("load", Value::Double(-1.5e-3));
    root.end();
    3
}

/// One span (root, INTERNAL) named `name`.
pub fn record_span(p: &TracerProvider, name: &str) {
    p.tracer().start(name, StartOptions { kind: SpanKind::Internal, ..Default::default() }).end();
}

/// Every span of `requests` with its resource and scope, sorted by name, with the values that
/// differ from run to run replaced: span and trace ids by their rank (parent links kept, the
/// remote parent's ids kept as they are), timestamps by 0. Two runs of `record_span_set`
/// normalize to the same value whatever the transport.
pub fn normalize(requests: &[ExportTraceServiceRequest]) -> Vec<(Resource, InstrumentationScope, Span)> {
    let mut spans = Vec::new();
    for r in requests {
        for rs in &r.resource_spans {
            for ss in &rs.scope_spans {
                for s in &ss.spans {
                    let resource = rs.resource.clone().unwrap_or_default();
                    spans.push((resource, ss.scope.clone().unwrap_or_default(), s.clone()));
                }
            }
        }
    }
    spans.sort_by(|a, b| a.2.name.cmp(&b.2.name));
    let span_ids: HashMap<Vec<u8>, u8> =
        spans.iter().enumerate().map(|(i, s)| (s.2.span_id.clone(), i as u8 + 1)).collect();
    let mut trace_ids: HashMap<Vec<u8>, u8> = HashMap::new();
    trace_ids.insert(REMOTE_TRACE_ID.to_vec(), 0xee);
    for (_, _, s) in &mut spans {
        let next = trace_ids.len() as u8;
        let t = *trace_ids.entry(s.trace_id.clone()).or_insert(next);
        s.trace_id = vec![t; 16];
        s.span_id = vec![span_ids[&s.span_id]; 8];
        if let Some(p) = span_ids.get(&s.parent_span_id) {
            s.parent_span_id = vec![*p; 8];
        }
        s.start_time_unix_nano = 0;
        s.end_time_unix_nano = 0;
        for e in &mut s.events {
            e.time_unix_nano = 0;
        }
    }
    spans
}

pub fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

// ---------------------------------------------------------------------------------------------
// Certificates

pub struct Pki {
    pub dir: PathBuf,
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    ca_pem: String,
    server_cert_pem: String,
    server_key_pem: String,
}

impl Pki {
    /// A CA, a server certificate for 127.0.0.1 and localhost, and a client certificate, all
    /// written as PEM files under a fresh directory.
    pub fn generate(tag: &str) -> Self {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
            KeyUsagePurpose,
        };
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "otlp-ffi test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose, cn: &str| {
            let mut params = CertificateParams::new(names).unwrap();
            params.distinguished_name.push(DnType::CommonName, cn);
            params.use_authority_key_identifier_extension = true;
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            params.extended_key_usages = vec![usage];
            let key = KeyPair::generate().unwrap();
            let cert = params.signed_by(&key, &issuer).unwrap();
            (cert.pem(), key.serialize_pem())
        };
        let (server_cert_pem, server_key_pem) = leaf(
            vec!["127.0.0.1".into(), "localhost".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
            "otlp-ffi test server",
        );
        let (client_cert_pem, client_key_pem) =
            leaf(vec!["client.test".into()], ExtendedKeyUsagePurpose::ClientAuth, "otlp-ffi test client");

        let dir = std::env::temp_dir().join(format!("otlp-ffi-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, pem: &str| {
            let path = dir.join(name);
            std::fs::write(&path, pem).unwrap();
            path
        };
        Pki {
            ca: write("ca.pem", &ca_cert.pem()),
            server_cert: write("server.pem", &server_cert_pem),
            server_key: write("server.key", &server_key_pem),
            client_cert: write("client.pem", &client_cert_pem),
            client_key: write("client.key", &client_key_pem),
            dir,
            ca_pem: ca_cert.pem(),
            server_cert_pem,
            server_key_pem,
        }
    }

    /// rustls server configuration; with `require_client_cert`, clients must present a
    /// certificate signed by the CA (mTLS).
    pub fn server_config(&self, require_client_cert: bool) -> Arc<rustls::ServerConfig> {
        use rustls_pki_types::pem::PemObject;
        use rustls_pki_types::{CertificateDer, PrivateKeyDer};
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(self.server_cert_pem.as_bytes()).collect::<Result<_, _>>().unwrap();
        let key = PrivateKeyDer::from_pem_slice(self.server_key_pem.as_bytes()).unwrap();
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = if require_client_cert {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(self.ca_pem.as_bytes()) {
                roots.add(c.unwrap()).unwrap();
            }
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build().unwrap();
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let mut config = builder.with_single_cert(chain, key).unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(config)
    }

    /// tonic's TLS configuration (mTLS with `require_client_cert`).
    pub fn tonic_tls(&self, require_client_cert: bool) -> tonic::transport::ServerTlsConfig {
        let identity = tonic::transport::Identity::from_pem(&self.server_cert_pem, &self.server_key_pem);
        let tls = tonic::transport::ServerTlsConfig::new().identity(identity);
        if require_client_cert {
            tls.client_ca_root(tonic::transport::Certificate::from_pem(&self.ca_pem))
        } else {
            tls
        }
    }

    pub fn path(p: &Path) -> &str {
        p.to_str().unwrap()
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------------------------
// OTLP/HTTP receiver

/// A request as the HTTP receiver saw it.
#[derive(Clone, Debug)]
pub struct HttpRequest {
    pub path: String,
    pub headers: http::HeaderMap,
    /// The body as sent (compressed when Content-Encoding says so).
    pub raw_body: Vec<u8>,
    /// The decoded request (from protobuf or JSON, by Content-Type).
    pub decoded: ExportTraceServiceRequest,
    /// The JSON document, for http/json requests.
    pub json: Option<serde_json::Value>,
}

/// A scripted answer; requests beyond the script get 200 with an empty response.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Reply { status, headers: vec![], body: vec![], delay: Duration::ZERO }
    }
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }
    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.headers.push(("content-type", content_type.to_owned()));
        self.body = body;
        self
    }
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
}

#[derive(Default)]
struct HttpState {
    requests: Vec<HttpRequest>,
    script: VecDeque<Reply>,
    undecodable: Vec<String>,
}

pub struct HttpReceiver {
    pub addr: SocketAddr,
    state: Arc<Mutex<HttpState>>,
    runtime: Option<tokio::runtime::Runtime>,
}

fn test_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
}

impl HttpReceiver {
    pub fn start() -> Self {
        Self::start_with(None)
    }

    pub fn start_tls(config: Arc<rustls::ServerConfig>) -> Self {
        Self::start_with(Some(config))
    }

    fn start_with(tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let runtime = test_runtime();
        let state = Arc::new(Mutex::new(HttpState::default()));
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
        let st = state.clone();
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let st = st.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle_http(st.clone(), req));
                    let builder = hyper::server::conn::http1::Builder::new();
                    match acceptor {
                        // A failed handshake (an untrusting client) just ends the connection.
                        Some(acceptor) => {
                            if let Ok(tls) = acceptor.accept(stream).await {
                                let _ = builder.serve_connection(hyper_util::rt::TokioIo::new(tls), service).await;
                            }
                        }
                        None => {
                            let _ = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
                        }
                    }
                });
            }
        });
        HttpReceiver { addr, state, runtime: Some(runtime) }
    }

    /// The base URL (OTEL_EXPORTER_OTLP_ENDPOINT) of this receiver.
    pub fn endpoint(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.addr)
    }

    pub fn script(&self, replies: Vec<Reply>) {
        self.state.lock().unwrap().script.extend(replies);
    }

    pub fn requests(&self) -> Vec<HttpRequest> {
        let st = self.state.lock().unwrap();
        assert!(st.undecodable.is_empty(), "the receiver could not decode: {:?}", st.undecodable);
        st.requests.clone()
    }
}

impl Drop for HttpReceiver {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

pub fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data).read_to_end(&mut out).expect("a valid gzip body");
    out
}

async fn handle_http(
    state: Arc<Mutex<HttpState>>,
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, std::convert::Infallible> {
    let (parts, body) = req.into_parts();
    let raw_body = body.collect().await.map(|c| c.to_bytes().to_vec()).unwrap_or_default();
    let gzip = parts.headers.get("content-encoding").is_some_and(|v| v == "gzip");
    let body = if gzip { gunzip(&raw_body) } else { raw_body.clone() };
    let content_type = parts.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let json = content_type == "application/json";
    let decoded = if json {
        serde_json::from_slice::<ExportTraceServiceRequest>(&body).map_err(|e| e.to_string())
    } else {
        ExportTraceServiceRequest::decode(body.as_slice()).map_err(|e| e.to_string())
    };
    let reply = {
        let mut st = state.lock().unwrap();
        match decoded {
            Ok(decoded) => {
                let json = json.then(|| serde_json::from_slice(&body).unwrap());
                st.requests.push(HttpRequest {
                    path: parts.uri.path().to_owned(),
                    headers: parts.headers,
                    raw_body,
                    decoded,
                    json,
                });
            }
            Err(e) => st.undecodable.push(format!("{content_type}: {e}")),
        }
        st.script.pop_front()
    };
    let reply = reply.unwrap_or_else(|| {
        if json {
            Reply::status(200).body("application/json", b"{}".to_vec())
        } else {
            Reply::status(200).body("application/x-protobuf", ExportTraceServiceResponse::default().encode_to_vec())
        }
    });
    tokio::time::sleep(reply.delay).await;
    let mut response = hyper::Response::builder().status(reply.status);
    for (k, v) in &reply.headers {
        response = response.header(*k, v.as_str());
    }
    Ok(response.body(Full::new(Bytes::from(reply.body))).unwrap())
}

/// A protobuf response reporting `rejected` spans.
pub fn partial_success_pb(rejected: i64) -> Vec<u8> {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTracePartialSuccess;
    ExportTraceServiceResponse {
        partial_success: Some(ExportTracePartialSuccess { rejected_spans: rejected, error_message: "too old".into() }),
    }
    .encode_to_vec()
}

// ---------------------------------------------------------------------------------------------
// OTLP/gRPC receiver (tonic)

#[derive(Clone, Debug)]
pub struct GrpcRequest {
    pub metadata: http::HeaderMap,
    pub message: ExportTraceServiceRequest,
}

pub enum GrpcReply {
    Ok(ExportTraceServiceResponse),
    Err(tonic::Status),
    Delay(Duration),
}

#[derive(Default)]
struct GrpcState {
    requests: Vec<GrpcRequest>,
    script: VecDeque<GrpcReply>,
}

#[derive(Clone)]
struct Collector(Arc<Mutex<GrpcState>>);

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let metadata = request.metadata().clone().into_headers();
        let reply = {
            let mut st = self.0.lock().unwrap();
            st.requests.push(GrpcRequest { metadata, message: request.into_inner() });
            st.script.pop_front()
        };
        match reply {
            None => Ok(tonic::Response::new(ExportTraceServiceResponse::default())),
            Some(GrpcReply::Ok(r)) => Ok(tonic::Response::new(r)),
            Some(GrpcReply::Err(s)) => Err(s),
            Some(GrpcReply::Delay(d)) => {
                tokio::time::sleep(d).await;
                Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
            }
        }
    }
}

pub struct GrpcReceiver {
    pub addr: SocketAddr,
    state: Arc<Mutex<GrpcState>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl GrpcReceiver {
    /// A TraceService server; `accept_gzip` lets it take gzip-compressed requests.
    pub fn start(accept_gzip: bool, tls: Option<tonic::transport::ServerTlsConfig>) -> Self {
        let runtime = test_runtime();
        let state = Arc::new(Mutex::new(GrpcState::default()));
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut service = TraceServiceServer::new(Collector(state.clone()));
        if accept_gzip {
            service = service.accept_compressed(tonic::codec::CompressionEncoding::Gzip);
        }
        let mut server = tonic::transport::Server::builder();
        if let Some(tls) = tls {
            server = server.tls_config(tls).unwrap();
        }
        let incoming = tonic::transport::server::TcpIncoming::from(listener);
        let _guard = runtime.enter();
        runtime.spawn(async move {
            let _ = server.serve_with_incoming(service, incoming).await;
        });
        GrpcReceiver { addr, state, runtime: Some(runtime) }
    }

    pub fn endpoint(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.addr)
    }

    pub fn script(&self, replies: Vec<GrpcReply>) {
        self.state.lock().unwrap().script.extend(replies);
    }

    pub fn requests(&self) -> Vec<GrpcRequest> {
        self.state.lock().unwrap().requests.clone()
    }
}

impl Drop for GrpcReceiver {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

// google.rpc.Status / RetryInfo, to build `grpc-status-details-bin` in tests: the library's
// own message definitions (the tonic server encodes the rest of the exchange independently).
pub use otlp_ffi_core::export::otlp::{ProtoAny, ProtoDuration, RetryInfo, RpcStatus};

/// RESOURCE_EXHAUSTED, with a RetryInfo asking for `delay` when given.
pub fn resource_exhausted(delay: Option<Duration>) -> tonic::Status {
    let Some(delay) = delay else { return tonic::Status::resource_exhausted("quota") };
    let info = RetryInfo {
        retry_delay: Some(ProtoDuration { seconds: delay.as_secs() as i64, nanos: delay.subsec_nanos() as i32 }),
    };
    let status = RpcStatus {
        code: tonic::Code::ResourceExhausted as i32,
        message: "quota".into(),
        details: vec![ProtoAny {
            type_url: "type.googleapis.com/google.rpc.RetryInfo".into(),
            value: info.encode_to_vec(),
        }],
    };
    tonic::Status::with_details(tonic::Code::ResourceExhausted, "quota", Bytes::from(status.encode_to_vec()))
}
