//! The exporter a pipeline hands its batches to, chosen by OTEL_TRACES_EXPORTER:
//!
//! - `otlp` (default): OTLP over HTTP/protobuf, HTTP/JSON or gRPC (`http`, `grpc`), optionally
//!   gzip-compressed, over `http://` or `https://` (rustls, `tls`), with the OTLP retry rules
//!   (`retry`).
//! - `console`: one readable line per span on stderr (`console`).
//! - `none`: nothing leaves the process; ended spans are discarded and counted as dropped.
//!
//! A batch is turned into its wire body once (`encode`), so a retried or kept batch is not
//! encoded or compressed again; `export` sends that body. Protobuf bodies (OTLP/HTTP protobuf
//! and gRPC) are written straight from the span records by `encode::Encoder`; JSON and the
//! console render the OTLP request messages built by `encode::request`.
//!
//! A batch whose encoded message exceeds OTEL_BSP_MAX_EXPORT_BYTES (the receiver's limit:
//! 4 MiB for a Collector's gRPC message, 20 MiB for its HTTP body) is sent in several requests,
//! split into parts until each fits; a span that alone exceeds it is dropped and counted, with
//! a warning. A batch that fits (the usual case) costs one size comparison more.

use crate::config::{Compression, Protocol, Settings, TracesExporter};
use crate::data::SpanData;
use crate::error::{Error, Result};
use crate::export::encode::Encoder;
pub use crate::export::otlp::ExportError;
use crate::export::otlp::Otlp;
use crate::export::stats::Stats;
use crate::export::{console, encode, grpc, http, json, retry, tls};
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

/// What `Exporter::encode` made of a batch.
#[derive(Default)]
pub struct Encoded {
    /// The request bodies, in the batch's order, each with its span count.
    pub bodies: Vec<(Bytes, u64)>,
    /// Spans dropped because each alone encodes larger than the request limit.
    pub too_big: u64,
}

/// The exporter of one provider (see the module documentation).
pub struct Exporter {
    inner: Inner,
}

enum Inner {
    Otlp(Box<Otlp>),
    Console,
    Discard,
}

impl Exporter {
    /// Builds the exporter `settings` ask for. Must run inside the export runtime (the HTTP
    /// client registers with it). Fails with OTLP_ERROR_INITIALIZATION_FAILED when the endpoint
    /// is unusable or a TLS file (CA, client key or certificate) cannot be read or parsed.
    pub fn new(settings: &Settings) -> Result<Self> {
        let inner = match settings.exporter {
            TracesExporter::Otlp => Inner::Otlp(Box::new(Otlp::new(settings)?)),
            TracesExporter::Console => Inner::Console,
            TracesExporter::None => Inner::Discard,
        };
        Ok(Self { inner })
    }

    /// True for OTEL_TRACES_EXPORTER=none: the pipeline drops ended spans at once (counted)
    /// instead of queueing them.
    pub fn discards(&self) -> bool {
        matches!(self.inner, Inner::Discard)
    }

    /// The bodies that `export` sends for `batch`: protobuf or JSON, gzip-compressed when
    /// configured, framed for gRPC, split by size (see the module documentation); for the
    /// console, the rendered lines. `encoder` holds the provider's resource and the buffers it
    /// reuses (give it back finished bodies with `Encoder::recycle`).
    pub fn encode(&self, batch: &[Box<SpanData>], encoder: &mut Encoder) -> std::result::Result<Encoded, ExportError> {
        match &self.inner {
            Inner::Otlp(otlp) => otlp.encode(batch, encoder),
            Inner::Console => {
                let lines = console::render(&encode::request(batch.iter().map(|b| &**b), encoder.resource()));
                Ok(Encoded { bodies: vec![(Bytes::from(lines), batch.len() as u64)], too_big: 0 })
            }
            Inner::Discard => Ok(Encoded { bodies: vec![(Bytes::new(), batch.len() as u64)], too_big: 0 }),
        }
    }

    /// Sends one body from `encode`; counts every failed attempt in `stats.export_failures`.
    /// Returns the number of spans the receiver rejected (0 for a full success).
    pub async fn export(&self, body: Bytes, stats: &Stats) -> std::result::Result<u64, ExportError> {
        match &self.inner {
            Inner::Otlp(otlp) => otlp.export(body, stats).await,
            Inner::Console => {
                console::write(&body);
                Ok(0)
            }
            Inner::Discard => Ok(0),
        }
    }
}

impl Otlp {
    fn new(settings: &Settings) -> Result<Self> {
        let init_failed = Error::initialization_failed;
        let url = reqwest::Url::parse(&settings.traces_endpoint)
            .map_err(|e| init_failed(format!("endpoint `{}` is invalid: {e}", settings.traces_endpoint)))?;
        let grpc = settings.protocol == Protocol::Grpc;
        let url = if grpc { grpc::method_url(&url) } else { url };

        let mut headers = HeaderMap::new();
        for (k, v) in &settings.headers {
            // Validated when the configuration was read; skip rather than fail if not.
            if let (Ok(name), Ok(mut value)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
                // Marked sensitive: the HTTP stack never shows it (Debug output, logs).
                value.set_sensitive(true);
                headers.insert(name, value);
            }
        }
        // The protocol's own headers go last so a user header cannot replace them.
        match settings.protocol {
            Protocol::HttpProtobuf | Protocol::HttpJson => http::protocol_headers(&mut headers, settings),
            Protocol::Grpc => grpc::protocol_headers(&mut headers, settings),
        }

        let tls = tls::client_config(&settings.tls, url.scheme() == "https", grpc)?;
        let builder = reqwest::Client::builder()
            .user_agent(concat!("otlp-ffi/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(settings.export_timeout)
            .tls_backend_preconfigured(tls);
        let builder = if grpc { builder.http2_prior_knowledge() } else { builder.http1_only() };
        let client = builder.build().map_err(|e| init_failed(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            url,
            headers,
            timeout: settings.export_timeout,
            protocol: settings.protocol,
            compression: settings.compression,
            max_bytes: settings.max_export_bytes,
        })
    }

    fn encode(&self, batch: &[Box<SpanData>], encoder: &mut Encoder) -> std::result::Result<Encoded, ExportError> {
        let gzip = self.compression == Compression::Gzip;
        let gzip_failed = |e: std::io::Error| ExportError::new(format!("cannot gzip the export request: {e}"), false);
        // Uncompressed gRPC: the frame prefix is written in place, before the message.
        let prefix = if self.protocol == Protocol::Grpc && !gzip { grpc::PREFIX_LEN } else { 0 };
        let mut messages = Vec::new();
        let mut out = Encoded::default();
        self.split(batch, encoder, prefix, &mut messages, &mut out.too_big);
        out.bodies.reserve(messages.len());
        for (mut message, count) in messages {
            let body = match (self.protocol, gzip) {
                (Protocol::Grpc, false) => {
                    grpc::write_prefix(&mut message, false);
                    message
                }
                (_, false) => message,
                (protocol, true) => {
                    let compressed = encode::gzip(&message);
                    encoder.reuse(message);
                    let compressed = compressed.map_err(gzip_failed)?;
                    if protocol == Protocol::Grpc { grpc::frame(&compressed, true) } else { compressed }
                }
            };
            out.bodies.push((Bytes::from(body), count));
        }
        Ok(out)
    }

    /// The encoded message of `batch` (after `prefix` bytes left for the gRPC frame prefix).
    fn message(&self, batch: &[Box<SpanData>], encoder: &mut Encoder, prefix: usize) -> Vec<u8> {
        if self.protocol == Protocol::HttpJson {
            return json::request(&encode::request(batch.iter().map(|b| &**b), encoder.resource()));
        }
        let mut buf = encoder.buffer();
        buf.resize(prefix, 0);
        encoder.encode(batch, &mut buf);
        buf
    }

    /// Appends the messages of `batch` to `out`, each at most `max_bytes` (not counting
    /// `prefix`), with their span counts: a message that is larger is encoded again in parts of
    /// the batch, recursively; a single span that alone is larger is dropped (counted in
    /// `too_big`, with a warning naming its size).
    fn split(
        &self,
        batch: &[Box<SpanData>],
        encoder: &mut Encoder,
        prefix: usize,
        out: &mut Vec<(Vec<u8>, u64)>,
        too_big: &mut u64,
    ) {
        let message = self.message(batch, encoder, prefix);
        let size = message.len() - prefix;
        if size <= self.max_bytes || batch.is_empty() {
            out.push((message, batch.len() as u64));
            return;
        }
        encoder.reuse(message);
        if let [span] = batch {
            *too_big += 1;
            eprintln!(
                "otlp-ffi: warning: span {:?} dropped: its export request is {size} bytes, over \
                 OTEL_BSP_MAX_EXPORT_BYTES ({} bytes)",
                span.name(),
                self.max_bytes
            );
            return;
        }
        // Parts of equal span counts, one more than the size asks for (so that parts of spans
        // of similar size fit the first time); a part still too large is split again.
        let parts = (size.div_ceil(self.max_bytes) + 1).min(batch.len());
        for part in batch.chunks(batch.len().div_ceil(parts)) {
            self.split(part, encoder, prefix, out, too_big);
        }
    }

    async fn export(&self, body: Bytes, stats: &Stats) -> std::result::Result<u64, ExportError> {
        retry::with_retries(self.timeout, stats, |remaining| {
            let body = body.clone();
            async move {
                match self.protocol {
                    Protocol::Grpc => grpc::attempt(self, body, remaining).await,
                    Protocol::HttpProtobuf | Protocol::HttpJson => http::attempt(self, body).await,
                }
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::Value;
    use crate::config::Config;
    use crate::data::{Scope, SpanLimits};
    use prost::Message;
    use std::io::Read as _;
    use std::sync::Arc;

    fn exporter(protocol: &str, compression: &str) -> Exporter {
        let mut config = Config::default();
        config.set("OTEL_EXPORTER_OTLP_PROTOCOL", protocol).unwrap();
        config.set("OTEL_EXPORTER_OTLP_COMPRESSION", compression).unwrap();
        let settings = Settings::resolve(Some("http://127.0.0.1:1"), Some("svc"), &config, &|_| None).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let _entered = runtime.enter();
        Exporter::new(&settings).unwrap()
    }

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data).read_to_end(&mut out).unwrap();
        out
    }

    /// Every protobuf body is prost's encoding of the request `encode::request` builds (framed
    /// for gRPC, compressed when asked); JSON renders that same request.
    #[test]
    fn bodies_of_every_protocol_carry_the_same_request() {
        let scope = Arc::new(Scope::library());
        let batch: Vec<Box<SpanData>> = (0..5)
            .map(|i| {
                let mut d = Box::new(SpanData::empty(scope.clone()));
                d.ctx.trace_id = [i as u8 + 1; 16];
                d.ctx.span_id = [3; 8];
                d.start_ns = 10;
                d.end_ns = 20;
                d.set_name("op");
                d.set_attributes(&[("i", Value::Int(i)), ("d", Value::Double(0.5))], &SpanLimits::default());
                d
            })
            .collect();
        let resource = crate::resource::for_service("svc", &[]);
        let want = encode::request(batch.iter().map(|b| &**b), &resource);
        let pb = want.encode_to_vec();
        let mut encoder = Encoder::new(resource);
        let body = |protocol, compression, encoder: &mut Encoder| {
            let mut encoded = exporter(protocol, compression).encode(&batch, encoder).unwrap();
            assert_eq!((encoded.bodies.len(), encoded.bodies[0].1, encoded.too_big), (1, 5, 0));
            encoded.bodies.remove(0).0.to_vec()
        };
        assert_eq!(body("http/protobuf", "none", &mut encoder), pb);
        assert_eq!(exporter("http/protobuf", "none").encode(&batch, &mut encoder).unwrap().bodies.len(), 1);
        assert_eq!(gunzip(&body("http/protobuf", "gzip", &mut encoder)), pb);
        assert_eq!(body("grpc", "none", &mut encoder), grpc::frame(&pb, false));
        let framed = body("grpc", "gzip", &mut encoder);
        assert_eq!(framed[0], 1, "compressed flag");
        assert_eq!(u32::from_be_bytes(framed[1..5].try_into().unwrap()) as usize, framed.len() - 5);
        assert_eq!(gunzip(&framed[5..]), pb);
        assert_eq!(body("http/json", "none", &mut encoder), json::request(&want));
        assert_eq!(gunzip(&body("http/json", "gzip", &mut encoder)), json::request(&want));
    }
}
