//! OTEL_TRACES_EXPORTER=console: one readable line per span on stderr, the zero-setup way to
//! see what a program records.
//!
//! ```text
//! otlp-ffi span service=checkout name="GET /orders/{id}" trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 parent=- kind=server status=error("timeout") duration=12.345ms scope=otlp-ffi attributes={http.method="GET", retries=3, cached=false, ratio=0.25} events=[retry{attempt=2}] links=0
//! ```
//!
//! Strings are quoted with Rust's escapes (so a value cannot break the line), ids are hex,
//! `parent=-` marks a root span. The line is built on the export thread from the same OTLP
//! request an OTLP exporter would send.

use crate::util::to_hex;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
use opentelemetry_proto::tonic::trace::v1::Span;
use std::fmt::Write as _;
use std::io::Write as _;

/// Every span of `request`, one line each.
pub fn render(request: &ExportTraceServiceRequest) -> Vec<u8> {
    let mut out = String::new();
    for rs in &request.resource_spans {
        let service = rs
            .resource
            .as_ref()
            .and_then(|r| r.attributes.iter().find(|a| a.key == "service.name"))
            .and_then(|a| a.value.as_ref())
            .map_or_else(|| "-".to_owned(), plain);
        for ss in &rs.scope_spans {
            let scope = ss.scope.as_ref().map_or("", |s| s.name.as_str());
            for span in &ss.spans {
                line(&mut out, &service, scope, span);
            }
        }
    }
    out.into_bytes()
}

/// Writes rendered lines to stderr in one call; a closed stderr is ignored.
pub fn write(lines: &[u8]) {
    let _ = std::io::stderr().lock().write_all(lines);
}

fn line(out: &mut String, service: &str, scope: &str, span: &Span) {
    let parent = if span.parent_span_id.is_empty() { "-".to_owned() } else { to_hex(&span.parent_span_id) };
    let kind = match span.kind {
        1 => "internal",
        2 => "server",
        3 => "client",
        4 => "producer",
        5 => "consumer",
        _ => "unspecified",
    };
    let status = match &span.status {
        Some(s) if s.code == 2 => format!("error({:?})", s.message),
        Some(s) if s.code == 1 => "ok".to_owned(),
        _ => "unset".to_owned(),
    };
    let duration_ms = span.end_time_unix_nano.saturating_sub(span.start_time_unix_nano) as f64 / 1e6;
    let _ = write!(
        out,
        "otlp-ffi span service={} name={:?} trace_id={} span_id={} parent={parent} kind={kind} status={status} \
         duration={duration_ms:.3}ms scope={} attributes={{",
        key(service),
        span.name,
        to_hex(&span.trace_id),
        to_hex(&span.span_id),
        key(scope),
    );
    attributes(out, &span.attributes);
    out.push_str("} events=[");
    for (i, e) in span.events.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&key(&e.name));
        if !e.attributes.is_empty() {
            out.push('{');
            attributes(out, &e.attributes);
            out.push('}');
        }
    }
    let _ = writeln!(out, "] links={}", span.links.len());
}

fn attributes(out: &mut String, attrs: &[KeyValue]) {
    for (i, a) in attrs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&key(&a.key));
        out.push('=');
        value(out, a.value.as_ref());
    }
}

fn value(out: &mut String, v: Option<&AnyValue>) {
    let _ = match v.and_then(|v| v.value.as_ref()) {
        None => write!(out, "null"),
        Some(Value::StringValue(s)) => write!(out, "{s:?}"),
        Some(Value::BoolValue(b)) => write!(out, "{b}"),
        Some(Value::IntValue(i)) => write!(out, "{i}"),
        Some(Value::DoubleValue(d)) => write!(out, "{d:?}"),
        Some(Value::BytesValue(b)) => write!(out, "0x{}", to_hex(b)),
        Some(Value::ArrayValue(a)) => {
            out.push('[');
            for (i, v) in a.values.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                value(out, Some(v));
            }
            write!(out, "]")
        }
        Some(Value::KvlistValue(kv)) => {
            out.push('{');
            attributes(out, &kv.values);
            write!(out, "}}")
        }
        Some(Value::StringValueStrindex(i)) => write!(out, "#{i}"),
    };
}

/// The text of a value (a string as it is).
fn plain(v: &AnyValue) -> String {
    match &v.value {
        Some(Value::StringValue(s)) => s.clone(),
        _ => {
            let mut s = String::new();
            value(&mut s, Some(v));
            s
        }
    }
}

fn key(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '"' | '=' | ',' | '{' | '}' | '[' | ']'));
    if plain { k.to_owned() } else { format!("{k:?}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::kv;
    use opentelemetry_proto::tonic::common::v1::ArrayValue;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Status, span::Event};

    #[test]
    fn one_readable_line_per_span() {
        let span = Span {
            trace_id: vec![0xab; 16],
            span_id: vec![0xcd; 8],
            parent_span_id: vec![0xef; 8],
            name: "GET /x".into(),
            kind: 2,
            start_time_unix_nano: 1_000_000,
            end_time_unix_nano: 3_500_000,
            attributes: vec![
                kv("http.method", Value::StringValue("GET\n".into())),
                kv("n", Value::IntValue(3)),
                kv("ok", Value::BoolValue(true)),
                kv("ratio", Value::DoubleValue(0.5)),
                kv(
                    "tags",
                    Value::ArrayValue(ArrayValue {
                        values: vec![AnyValue { value: Some(Value::StringValue("a".into())) }],
                    }),
                ),
            ],
            events: vec![Event {
                name: "retry".into(),
                attributes: vec![kv("attempt", Value::IntValue(2))],
                ..Default::default()
            }],
            status: Some(Status { message: "boom".into(), code: 2 }),
            ..Default::default()
        };
        let root = Span { name: "root".into(), kind: 1, ..span.clone() };
        let root = Span { parent_span_id: vec![], status: None, attributes: vec![], events: vec![], ..root };
        let request = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(crate::resource::for_service("my svc", &[])),
                scope_spans: vec![ScopeSpans { spans: vec![span, root], ..Default::default() }],
                schema_url: String::new(),
            }],
        };
        let text = String::from_utf8(render(&request)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(
            lines[0],
            format!(
                "otlp-ffi span service=\"my svc\" name=\"GET /x\" trace_id={} span_id={} parent={} kind=server \
                 status=error(\"boom\") duration=2.500ms scope=\"\" attributes={{http.method=\"GET\\n\", n=3, ok=true, \
                 ratio=0.5, tags=[\"a\"]}} events=[retry{{attempt=2}}] links=0",
                "ab".repeat(16),
                "cd".repeat(8),
                "ef".repeat(8)
            )
        );
        assert!(lines[1].contains(" parent=- kind=internal status=unset "), "{}", lines[1]);
    }
}
