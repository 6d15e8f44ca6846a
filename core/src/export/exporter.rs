//! The exporter a pipeline hands its batches to, chosen by OTEL_TRACES_EXPORTER:
//!
//! - `otlp` (default): OTLP over HTTP/protobuf, HTTP/JSON or gRPC (`http`, `grpc`), optionally
//!   gzip-compressed, over `http://` or `https://` (rustls, `tls`), with the OTLP retry rules
//!   (`retry`).
//! - `console`: one readable line per span on stderr (`console`).
//! - `none`: nothing leaves the process; ended spans are discarded and counted as dropped.
//!
//! A batch is turned into its wire body once (`encode`), so a retried or kept batch is not
//! encoded or compressed again; `export` sends that body.

use crate::config::{Compression, Protocol, Settings, TracesExporter};
use crate::error::{Error, Result};
pub use crate::export::otlp::ExportError;
use crate::export::otlp::Otlp;
use crate::export::stats::Stats;
use crate::export::{console, encode, grpc, http, json, retry, tls};
use bytes::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

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

    /// The body that `export` sends for `request`: protobuf or JSON, gzip-compressed when
    /// configured, framed for gRPC; for the console, the rendered lines.
    pub fn encode(&self, request: ExportTraceServiceRequest) -> std::result::Result<Bytes, ExportError> {
        match &self.inner {
            Inner::Otlp(otlp) => otlp.encode(request),
            Inner::Console => Ok(Bytes::from(console::render(&request))),
            Inner::Discard => Ok(Bytes::new()),
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
            if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
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
        })
    }

    fn encode(&self, request: ExportTraceServiceRequest) -> std::result::Result<Bytes, ExportError> {
        let gzip = self.compression == Compression::Gzip;
        let payload = match self.protocol {
            Protocol::HttpProtobuf | Protocol::Grpc => request.encode_to_vec(),
            Protocol::HttpJson => json::request(&request),
        };
        let payload = if gzip {
            encode::gzip(&payload)
                .map_err(|e| ExportError::new(format!("cannot gzip the export request: {e}"), false))?
        } else {
            payload
        };
        Ok(Bytes::from(match self.protocol {
            Protocol::Grpc => grpc::frame(&payload, gzip),
            Protocol::HttpProtobuf | Protocol::HttpJson => payload,
        }))
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
