//! The web page (embedded in the binary) and its JSON API: /api/traces, /api/traces/{id},
//! /api/stats and the server-sent events of /api/events.

use crate::app::{App, lock};
use crate::serve::{Body, full};
use crate::span::parse_trace_id;
use bytes::Bytes;
use http_body_util::{BodyExt as _, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value as Json, json};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

const INDEX_HTML: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
const STYLE_CSS: &str = include_str!("../web/style.css");

/// Comment lines on the event stream keep proxies and the browser from closing it.
pub const PING_INTERVAL: Duration = Duration::from_secs(15);

fn with_headers(mut r: Response<Body>, cache: &'static str) -> Response<Body> {
    let h = r.headers_mut();
    h.insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static(cache));
    h.insert("x-content-type-options", http::HeaderValue::from_static("nosniff"));
    r
}

fn json_response(status: StatusCode, body: &Json) -> Response<Body> {
    with_headers(full(status, "application/json; charset=utf-8", body.to_string()), "no-store")
}

fn not_found(what: &str) -> Response<Body> {
    json_response(StatusCode::NOT_FOUND, &json!({"error": what}))
}

fn static_file(content_type: &str, text: &'static str) -> Response<Body> {
    with_headers(full(StatusCode::OK, content_type, Bytes::from_static(text.as_bytes())), "no-cache")
}

/// Answers one request on the web listener.
pub async fn handle(app: Arc<App>, req: Request<Incoming>) -> Response<Body> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = json_response(StatusCode::METHOD_NOT_ALLOWED, &json!({"error": "only GET is allowed"}));
        r.headers_mut().insert(http::header::ALLOW, http::HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let path = req.uri().path();
    match path {
        "/" | "/index.html" => static_file("text/html; charset=utf-8", INDEX_HTML),
        "/app.js" => static_file("text/javascript; charset=utf-8", APP_JS),
        "/style.css" => static_file("text/css; charset=utf-8", STYLE_CSS),
        "/api/traces" => json_response(StatusCode::OK, &lock(&app.store).summaries_json()),
        "/api/stats" => json_response(StatusCode::OK, &lock(&app.store).stats_json()),
        "/api/events" => events(&app),
        _ => match path.strip_prefix("/api/traces/") {
            Some(id) => {
                let found = parse_trace_id(&id.to_ascii_lowercase()).and_then(|id| lock(&app.store).trace_json(&id));
                match found {
                    Some(body) => json_response(StatusCode::OK, &body),
                    None => not_found(&format!("no trace {id} (evicted, not received, or not a 32-hex-digit id)")),
                }
            }
            None => not_found(&format!("no such path: {path}")),
        },
    }
}

/// `text/event-stream`: one `event: trace` per change, `: ping` every 15 s (and at once).
fn events(app: &App) -> Response<Body> {
    let rx = app.events.subscribe();
    let ping = tokio::time::interval(PING_INTERVAL);
    let stream = futures_util::stream::unfold((rx, ping), |(mut rx, mut ping)| async move {
        let text = loop {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Ok(text) => break text,
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                },
                _ = ping.tick() => break ": ping\n\n".to_string(),
            }
        };
        Some((Ok::<_, Infallible>(Frame::data(Bytes::from(text))), (rx, ping)))
    });
    let mut r = Response::new(StreamBody::new(stream).boxed_unsync());
    r.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/event-stream"));
    with_headers(r, "no-cache")
}
