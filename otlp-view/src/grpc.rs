//! OTLP/gRPC: the TraceService, gzip accepted, tonic's default 4 MiB message limit
//! (RESOURCE_EXHAUSTED beyond it); an invalid request is INVALID_ARGUMENT.
//!
//! tonic answers a message over the limit with OUT_OF_RANGE when it came uncompressed (and
//! RESOURCE_EXHAUSTED when it came compressed). OUT_OF_RANGE is a retryable code for OTLP
//! exporters, which would send the same oversized request again, so the answer is rewritten
//! to RESOURCE_EXHAUSTED, the code the OTLP specification gives for it.

use crate::app::App;
use crate::span::Protocol;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tonic::codec::CompressionEncoding;

struct Collector(Arc<App>);

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        match self.0.ingest(request.into_inner(), Protocol::Grpc) {
            Ok(_) => Ok(tonic::Response::new(ExportTraceServiceResponse::default())),
            Err(e) => {
                self.0.reject();
                Err(tonic::Status::invalid_argument(e))
            }
        }
    }
}

/// Serves the TraceService on `listener` until `shutdown` completes.
pub async fn serve(app: Arc<App>, listener: TcpListener, shutdown: impl Future<Output = ()>) -> Result<(), String> {
    let service = TraceServiceServer::new(Collector(app.clone()))
        .accept_compressed(CompressionEncoding::Gzip)
        .send_compressed(CompressionEncoding::Gzip);
    tonic::transport::Server::builder()
        .layer(tower::util::MapResponseLayer::new(too_large_is_resource_exhausted))
        .timeout(Duration::from_secs(30))
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(20)))
        .concurrency_limit_per_connection(256)
        .serve_with_incoming_shutdown(service, tonic::transport::server::TcpIncoming::from(listener), shutdown)
        .await
        .map_err(|e| format!("gRPC server: {e}"))
}

/// OUT_OF_RANGE "decoded message length too large" (a trailers-only answer) → RESOURCE_EXHAUSTED.
fn too_large_is_resource_exhausted<B>(mut response: http::Response<B>) -> http::Response<B> {
    let headers = response.headers_mut();
    let out_of_range = headers.get("grpc-status").is_some_and(|v| v.as_bytes() == b"11");
    let too_large = headers
        .get("grpc-message")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|m| m.contains("message%20length%20too%20large") || m.contains("message length too large"));
    if out_of_range && too_large {
        headers.insert("grpc-status", http::HeaderValue::from_static("8"));
    }
    response
}
