//! OTLP/HTTP (protobuf) transport with the retry rules of the OTLP specification.
//!
//! One export = one request body, sent until it is acknowledged, a non-retryable answer
//! arrives, three retries are spent, or the export timeout (OTEL_EXPORTER_OTLP_TIMEOUT) runs
//! out. 429/502/503/504 and connection failures are retried with exponential backoff and
//! jitter; a `Retry-After` (seconds) from the server replaces the backoff delay.

use crate::config::Settings;
use crate::error::{Error, Result, otlp_error_t};
use crate::stats::Stats;
use bytes::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use std::time::Duration;
use tokio::time::Instant;

const MAX_RETRIES: u32 = 3;
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Why an export did not get through, and whether sending the same data later may succeed
/// (false for answers like HTTP 400 that the OTLP specification forbids retrying).
#[derive(Debug)]
pub struct ExportError {
    pub message: String,
    pub retryable: bool,
}

impl ExportError {
    fn new(message: String, retryable: bool) -> Self {
        Self { message, retryable }
    }
}

pub struct HttpExporter {
    client: reqwest::Client,
    url: reqwest::Url,
    headers: HeaderMap,
    timeout: Duration,
}

enum Attempt {
    /// Acknowledged; the number of spans the receiver says it rejected (partial success).
    Done(u64),
    Retry(Option<Duration>, String),
    Fail(String),
}

impl HttpExporter {
    pub fn new(settings: &Settings) -> Result<Self> {
        let init_failed = |why: String| Error::new(otlp_error_t::OTLP_ERROR_INITIALIZATION_FAILED, why);
        let url = reqwest::Url::parse(&settings.traces_endpoint)
            .map_err(|e| init_failed(format!("endpoint `{}` is invalid: {e}", settings.traces_endpoint)))?;
        let mut headers = HeaderMap::new();
        for (k, v) in &settings.headers {
            // Validated when the configuration was read; skip rather than fail if not.
            if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
                headers.insert(name, value);
            }
        }
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/x-protobuf"));
        let client = reqwest::Client::builder()
            .user_agent(concat!("otlp-ffi/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(settings.export_timeout)
            .build()
            .map_err(|e| init_failed(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { client, url, headers, timeout: settings.export_timeout })
    }

    /// Sends one encoded request; counts every failed attempt in `stats.export_failures`.
    /// Returns the number of spans the receiver rejected (0 for a full success).
    pub async fn export(&self, body: Vec<u8>, stats: &Stats) -> std::result::Result<u64, ExportError> {
        let body = Bytes::from(body);
        let deadline = Instant::now() + self.timeout;
        let mut backoff = INITIAL_BACKOFF;
        let mut retries = 0;
        loop {
            let attempt = tokio::time::timeout_at(deadline, self.attempt(body.clone())).await;
            let (delay, why) = match attempt {
                Ok(Attempt::Done(rejected)) => return Ok(rejected),
                Err(_) => {
                    stats.export_failure();
                    let why = format!("no answer within the export timeout of {:?}", self.timeout);
                    return Err(ExportError::new(why, true));
                }
                Ok(Attempt::Fail(why)) => {
                    stats.export_failure();
                    return Err(ExportError::new(why, false));
                }
                Ok(Attempt::Retry(after, why)) => {
                    stats.export_failure();
                    (after.unwrap_or_else(|| jitter(backoff)), why)
                }
            };
            retries += 1;
            if retries > MAX_RETRIES || Instant::now() + delay >= deadline {
                let why = format!("{why} (gave up after {retries} attempts)");
                return Err(ExportError::new(why, true));
            }
            tokio::time::sleep(delay).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    async fn attempt(&self, body: Bytes) -> Attempt {
        let sent = self.client.post(self.url.clone()).headers(self.headers.clone()).body(body).send().await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Retry(None, format!("cannot reach {}: {}", self.url, error_chain(&e)));
            }
        };
        let status = response.status();
        if status.is_success() {
            let rejected = match response.bytes().await {
                Ok(b) => ExportTraceServiceResponse::decode(b.as_ref())
                    .ok()
                    .and_then(|r| r.partial_success)
                    .map_or(0, |p| p.rejected_spans.max(0) as u64),
                Err(_) => 0,
            };
            return Attempt::Done(rejected);
        }
        let why = format!("{} answered HTTP {}", self.url, status.as_u16());
        match status.as_u16() {
            429 | 502 | 503 | 504 => {
                let after = response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                Attempt::Retry(after, why)
            }
            _ => Attempt::Fail(why),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Up to +25% of random jitter, so many processes do not retry in lockstep.
fn jitter(d: Duration) -> Duration {
    let nanos = crate::span::now_ns();
    let frac = (nanos % 1000) as f64 / 4000.0;
    d.mul_f64(1.0 + frac)
}

impl From<ExportError> for Error {
    fn from(e: ExportError) -> Self {
        Error::new(otlp_error_t::OTLP_ERROR_EXPORT_FAILED, e.message)
    }
}
