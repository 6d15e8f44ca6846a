//! OTLP requests flattened into spans that each carry their resource and scope, and the span
//! object of the JSON lines and the web API (the field names of the project's test receiver,
//! tests/receiver/otlp_receiver.py `span_json`).

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::{Map, Value as Json, json};
use std::sync::Arc;

/// The transport a span arrived over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    HttpProtobuf,
    HttpJson,
    Grpc,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::HttpProtobuf, Protocol::HttpJson, Protocol::Grpc];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::HttpProtobuf => "http/protobuf",
            Protocol::HttpJson => "http/json",
            Protocol::Grpc => "grpc",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// The resource and scope of a group of spans, shared by those spans.
#[derive(Debug, Default)]
pub struct Origin {
    pub service_name: Option<String>,
    pub resource: Vec<KeyValue>,
    pub resource_schema_url: String,
    pub scope_name: String,
    pub scope_version: String,
    pub scope_schema_url: String,
}

/// One received span with where it came from.
#[derive(Debug)]
pub struct FlatSpan {
    pub origin: Arc<Origin>,
    pub span: Span,
    pub protocol: Protocol,
}

impl FlatSpan {
    pub fn trace_id(&self) -> [u8; 16] {
        let mut id = [0u8; 16];
        if self.span.trace_id.len() == 16 {
            id.copy_from_slice(&self.span.trace_id);
        }
        id
    }

    pub fn is_root(&self) -> bool {
        self.span.parent_span_id.is_empty()
    }

    pub fn is_error(&self) -> bool {
        self.span.status.as_ref().is_some_and(|s| s.code == 2)
    }

    pub fn start(&self) -> u64 {
        self.span.start_time_unix_nano
    }

    /// The end time, never before the start.
    pub fn end(&self) -> u64 {
        self.span.end_time_unix_nano.max(self.span.start_time_unix_nano)
    }

    pub fn service(&self) -> &str {
        self.origin.service_name.as_deref().unwrap_or("unknown_service")
    }

    /// The span object of the JSON lines and the web API.
    pub fn to_json(&self) -> Json {
        let s = &self.span;
        let o = &self.origin;
        let status = s.status.clone().unwrap_or_default();
        json!({
            "service_name": o.service_name,
            "resource": attrs_json(&o.resource),
            "resource_schema_url": o.resource_schema_url,
            "scope_name": o.scope_name,
            "scope_version": o.scope_version,
            "scope_schema_url": o.scope_schema_url,
            "name": s.name,
            "trace_id": hex(&s.trace_id),
            "span_id": hex(&s.span_id),
            "parent_span_id": hex(&s.parent_span_id),
            "trace_state": s.trace_state,
            "flags": s.flags,
            "kind": s.kind,
            "kind_name": kind_name(s.kind),
            "status_code": status.code,
            "status_message": status.message,
            "attributes": attrs_json(&s.attributes),
            "events": s.events.iter().map(|e| json!({
                "name": e.name,
                "time_unix_nano": e.time_unix_nano.to_string(),
                "attributes": attrs_json(&e.attributes),
                "dropped_attributes_count": e.dropped_attributes_count,
            })).collect::<Vec<_>>(),
            "links": s.links.iter().map(|l| json!({
                "trace_id": hex(&l.trace_id),
                "span_id": hex(&l.span_id),
                "trace_state": l.trace_state,
                "flags": l.flags,
                "attributes": attrs_json(&l.attributes),
                "dropped_attributes_count": l.dropped_attributes_count,
            })).collect::<Vec<_>>(),
            "start_time_unix_nano": s.start_time_unix_nano.to_string(),
            "end_time_unix_nano": s.end_time_unix_nano.to_string(),
            "dropped_attributes_count": s.dropped_attributes_count,
            "dropped_events_count": s.dropped_events_count,
            "dropped_links_count": s.dropped_links_count,
            "protocol": self.protocol.as_str(),
        })
    }
}

/// The OTLP span kind's name: "SERVER", "CLIENT", ...; "UNKNOWN" outside 0..=5.
pub fn kind_name(kind: i32) -> &'static str {
    match kind {
        0 => "UNSPECIFIED",
        1 => "INTERNAL",
        2 => "SERVER",
        3 => "CLIENT",
        4 => "PRODUCER",
        5 => "CONSUMER",
        _ => "UNKNOWN",
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// `hex` of a 16-byte trace id parsed back; `None` unless exactly 32 hex digits.
pub fn parse_trace_id(text: &str) -> Option<[u8; 16]> {
    let bytes = text.as_bytes();
    if bytes.len() != 32 {
        return None;
    }
    let mut id = [0u8; 16];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        let (hi, lo) = (digit(pair[0])?, digit(pair[1])?);
        id[i] = (hi * 16 + lo) as u8;
    }
    Some(id)
}

/// ATTRS: `{"key": {"type", "value"}}`. A repeated key keeps its last value; the repeats are
/// listed under "KEY#dup", as the project's test receiver does.
pub fn attrs_json(kvs: &[KeyValue]) -> Json {
    let mut out = Map::new();
    for kv in kvs {
        let value = any_json(kv.value.as_ref());
        if out.contains_key(&kv.key) {
            let dup = out.entry(format!("{}#dup", kv.key)).or_insert_with(|| Json::Array(Vec::new()));
            if let Json::Array(list) = dup {
                list.push(value.clone());
            }
        }
        out.insert(kv.key.clone(), value);
    }
    Json::Object(out)
}

/// One typed value: `{"type": ..., "value": ...}`.
pub fn any_json(v: Option<&AnyValue>) -> Json {
    use any_value::Value as V;
    let (ty, value) = match v.and_then(|v| v.value.as_ref()) {
        // A string-table index (profiles only) has no table in a trace request: shown as empty.
        None | Some(V::StringValueStrindex(_)) => ("empty", Json::Null),
        Some(V::StringValue(s)) => ("string", Json::String(s.clone())),
        Some(V::BoolValue(b)) => ("bool", Json::Bool(*b)),
        Some(V::IntValue(i)) => ("int", Json::String(i.to_string())),
        Some(V::DoubleValue(d)) => ("double", double_json(*d)),
        Some(V::BytesValue(b)) => ("bytes", Json::String(hex(b))),
        Some(V::ArrayValue(a)) => ("array", Json::Array(a.values.iter().map(|x| any_json(Some(x))).collect())),
        Some(V::KvlistValue(l)) => {
            let map = l.values.iter().map(|kv| (kv.key.clone(), any_json(kv.value.as_ref()))).collect();
            ("kvlist", Json::Object(map))
        }
    };
    json!({"type": ty, "value": value})
}

fn double_json(d: f64) -> Json {
    match serde_json::Number::from_f64(d) {
        Some(n) => Json::Number(n),
        None if d.is_nan() => Json::String("NaN".into()),
        None if d > 0.0 => Json::String("Infinity".into()),
        None => Json::String("-Infinity".into()),
    }
}

/// A short text of a value for the tree: strings as they are, arrays as `[a,b]`.
pub fn any_text(v: Option<&AnyValue>) -> String {
    use any_value::Value as V;
    match v.and_then(|v| v.value.as_ref()) {
        None => String::new(),
        Some(V::StringValueStrindex(i)) => format!("strindex:{i}"),
        Some(V::StringValue(s)) => s.clone(),
        Some(V::BoolValue(b)) => b.to_string(),
        Some(V::IntValue(i)) => i.to_string(),
        Some(V::DoubleValue(d)) => d.to_string(),
        Some(V::BytesValue(b)) => format!("0x{}", hex(b)),
        Some(V::ArrayValue(a)) => {
            let items: Vec<String> = a.values.iter().map(|x| any_text(Some(x))).collect();
            format!("[{}]", items.join(","))
        }
        Some(V::KvlistValue(l)) => {
            let items: Vec<String> =
                l.values.iter().map(|kv| format!("{}={}", kv.key, any_text(kv.value.as_ref()))).collect();
            format!("{{{}}}", items.join(","))
        }
    }
}

/// Every span of `req`, or what makes the request invalid: a trace id that is not 16 bytes, a
/// span id that is not 8 bytes, a parent span id that is neither empty nor 8 bytes.
pub fn flatten(req: ExportTraceServiceRequest, protocol: Protocol) -> Result<Vec<FlatSpan>, String> {
    let mut out = Vec::new();
    for (ri, rs) in req.resource_spans.into_iter().enumerate() {
        let resource = rs.resource.map(|r| r.attributes).unwrap_or_default();
        let service_name = resource.iter().rev().find(|kv| kv.key == "service.name").and_then(|kv| {
            match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(any_value::Value::StringValue(s)) => Some(s.clone()),
                _ => None,
            }
        });
        for (si, ss) in rs.scope_spans.into_iter().enumerate() {
            let scope = ss.scope.unwrap_or_default();
            let origin = Arc::new(Origin {
                service_name: service_name.clone(),
                resource: resource.clone(),
                resource_schema_url: rs.schema_url.clone(),
                scope_name: scope.name,
                scope_version: scope.version,
                scope_schema_url: ss.schema_url,
            });
            for (i, mut span) in ss.spans.into_iter().enumerate() {
                let at = || format!("resourceSpans[{ri}].scopeSpans[{si}].spans[{i}]");
                if span.trace_id.len() != 16 || span.trace_id.iter().all(|b| *b == 0) {
                    return Err(format!(
                        "{}: traceId must be 16 bytes, not all zero (got {} bytes)",
                        at(),
                        span.trace_id.len()
                    ));
                }
                if span.span_id.len() != 8 || span.span_id.iter().all(|b| *b == 0) {
                    return Err(format!(
                        "{}: spanId must be 8 bytes, not all zero (got {} bytes)",
                        at(),
                        span.span_id.len()
                    ));
                }
                if !span.parent_span_id.is_empty() && span.parent_span_id.len() != 8 {
                    return Err(format!(
                        "{}: parentSpanId must be empty or 8 bytes (got {} bytes)",
                        at(),
                        span.parent_span_id.len()
                    ));
                }
                if span.parent_span_id.iter().all(|b| *b == 0) {
                    span.parent_span_id.clear(); // all-zero: no parent
                }
                out.push(FlatSpan { origin: origin.clone(), span, protocol });
            }
        }
    }
    Ok(out)
}
