//! OTLP/HTTP: `POST /v1/traces` with a protobuf or JSON body, gzip or not, answered the way the
//! OTLP specification says: 200 with an ExportTraceServiceResponse in the request's encoding,
//! 400 with a google.rpc.Status naming what is wrong, 413 / 415 / 404 / 405 / 408 otherwise.

use crate::app::App;
use crate::serve::{Body, full};
use crate::span::Protocol;
use bytes::Bytes;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message as _;
use std::io::Read as _;
use std::sync::Arc;

pub const TRACES_PATH: &str = "/v1/traces";

/// google.rpc.Status (details left out).
#[derive(Clone, PartialEq, prost::Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Protobuf,
    Json,
}

fn grpc_code(status: StatusCode) -> i32 {
    match status {
        StatusCode::BAD_REQUEST | StatusCode::UNSUPPORTED_MEDIA_TYPE => 3, // INVALID_ARGUMENT
        StatusCode::REQUEST_TIMEOUT => 4,                                  // DEADLINE_EXCEEDED
        StatusCode::NOT_FOUND => 5,                                        // NOT_FOUND
        StatusCode::PAYLOAD_TOO_LARGE => 8,                                // RESOURCE_EXHAUSTED
        StatusCode::METHOD_NOT_ALLOWED => 12,                              // UNIMPLEMENTED
        _ => 13,                                                           // INTERNAL
    }
}

/// An error answer: a google.rpc.Status in the request's encoding (JSON when unknown).
fn error(status: StatusCode, encoding: Option<Encoding>, message: &str) -> Response<Body> {
    let code = grpc_code(status);
    match encoding {
        Some(Encoding::Protobuf) => {
            let body = RpcStatus { code, message: message.to_string() }.encode_to_vec();
            full(status, "application/x-protobuf", body)
        }
        _ => {
            let body = serde_json::json!({"code": code, "message": message}).to_string();
            full(status, "application/json", body)
        }
    }
}

fn media_type(req: &Request<Incoming>) -> String {
    req.headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Why a body could not be read.
enum BodyError {
    TooLarge,
    Timeout,
    Broken(String),
}

/// The whole body, at most `max` bytes, within `timeout`.
async fn read_body(body: Incoming, max: usize, timeout: std::time::Duration) -> Result<Bytes, BodyError> {
    match tokio::time::timeout(timeout, Limited::new(body, max).collect()).await {
        Err(_) => Err(BodyError::Timeout),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(BodyError::TooLarge),
        Ok(Err(e)) => Err(BodyError::Broken(e.to_string())),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// Gunzips `data` (concatenated members too) into at most `max` bytes.
fn gunzip(data: &[u8], max: usize) -> Result<Vec<u8>, BodyError> {
    let mut out = Vec::new();
    let mut decoder = flate2::read::MultiGzDecoder::new(data).take(max as u64 + 1);
    decoder.read_to_end(&mut out).map_err(|e| BodyError::Broken(format!("invalid gzip body: {e}")))?;
    if out.len() > max {
        return Err(BodyError::TooLarge);
    }
    Ok(out)
}

/// Answers one request on the OTLP/HTTP listener.
pub async fn handle(app: Arc<App>, req: Request<Incoming>) -> Response<Body> {
    let response = answer(&app, req).await;
    if !response.status().is_success() {
        app.reject();
    }
    response
}

async fn answer(app: &App, req: Request<Incoming>) -> Response<Body> {
    let max = app.opts.max_request_bytes;
    if req.uri().path() != TRACES_PATH {
        return error(
            StatusCode::NOT_FOUND,
            None,
            &format!("no such path: {} (OTLP traces go to POST {TRACES_PATH})", req.uri().path()),
        );
    }
    if req.method() != Method::POST {
        let mut r = error(
            StatusCode::METHOD_NOT_ALLOWED,
            None,
            &format!("{} {TRACES_PATH}: only POST is allowed", req.method()),
        );
        r.headers_mut().insert(http::header::ALLOW, http::HeaderValue::from_static("POST"));
        return r;
    }
    let encoding = match media_type(&req).as_str() {
        "application/x-protobuf" => Encoding::Protobuf,
        "application/json" => Encoding::Json,
        other => {
            let message = format!("unsupported content type `{other}`: use application/x-protobuf or application/json");
            return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, None, &message);
        }
    };
    let enc = Some(encoding);
    let gzip = match req
        .headers()
        .get(http::header::CONTENT_ENCODING)
        .map(|v| v.to_str().map(|s| s.trim().to_ascii_lowercase()))
    {
        None => false,
        Some(Ok(v)) if v.is_empty() || v == "identity" => false,
        Some(Ok(v)) if v == "gzip" => true,
        Some(v) => {
            let v = v.unwrap_or_default();
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                enc,
                &format!("unsupported content encoding `{v}`: use gzip or none"),
            );
        }
    };
    let too_large = || error(StatusCode::PAYLOAD_TOO_LARGE, enc, &format!("request body larger than {max} bytes"));
    let declared = req.headers().get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return too_large();
    }
    let body = match read_body(req.into_body(), max, app.opts.read_timeout).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return too_large(),
        Err(BodyError::Timeout) => {
            return error(StatusCode::REQUEST_TIMEOUT, enc, "the request body did not arrive in time");
        }
        Err(BodyError::Broken(e)) => {
            return error(StatusCode::BAD_REQUEST, enc, &format!("could not read the request body: {e}"));
        }
    };
    let body = if gzip {
        match gunzip(&body, max) {
            Ok(plain) => Bytes::from(plain),
            Err(BodyError::TooLarge) => {
                return error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    enc,
                    &format!("decompressed request body larger than {max} bytes"),
                );
            }
            Err(BodyError::Broken(e)) => return error(StatusCode::BAD_REQUEST, enc, &e),
            Err(BodyError::Timeout) => return error(StatusCode::REQUEST_TIMEOUT, enc, "timed out"),
        }
    } else {
        body
    };
    let (request, protocol) = match encoding {
        Encoding::Protobuf => match ExportTraceServiceRequest::decode(body) {
            Ok(r) => (r, Protocol::HttpProtobuf),
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    enc,
                    &format!("invalid protobuf ExportTraceServiceRequest: {e}"),
                );
            }
        },
        Encoding::Json => match serde_json::from_slice::<ExportTraceServiceRequest>(&body) {
            Ok(r) => (r, Protocol::HttpJson),
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    enc,
                    &format!("invalid OTLP/JSON ExportTraceServiceRequest: {e}"),
                );
            }
        },
    };
    if let Err(e) = app.ingest(request, protocol) {
        return error(StatusCode::BAD_REQUEST, enc, &e);
    }
    match encoding {
        Encoding::Protobuf => full(StatusCode::OK, "application/x-protobuf", Bytes::new()),
        Encoding::Json => full(StatusCode::OK, "application/json", "{}"),
    }
}
