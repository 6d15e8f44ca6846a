//! The OTLP/JSON encoding of an `ExportTraceServiceRequest`, written directly (no serde
//! derive over the generated types: less to compile, and the output follows the OTLP rules
//! exactly).
//!
//! The rules, from the OTLP specification's "JSON Protobuf Encoding" on top of the proto3 JSON
//! mapping: field names in lowerCamelCase; `traceId` / `spanId` / `parentSpanId` as lowercase
//! hex (not base64); enums (`kind`, `status.code`) as integers; 64-bit integers (`intValue`,
//! the `*UnixNano` timestamps) as decimal strings; doubles as numbers, or `"NaN"`,
//! `"Infinity"`, `"-Infinity"`; bytes as base64. Fields with their default value are omitted
//! (proto3 JSON), so a root span has no `parentSpanId` and an unset status no `status`; no
//! field is ever `null`.

use crate::util::push_hex;
use base64::Engine as _;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value::Value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};
use std::fmt::Write as _;

/// The request as OTLP/JSON bytes.
pub fn request(request: &ExportTraceServiceRequest) -> Vec<u8> {
    let mut w = Writer::default();
    w.open('{');
    w.array("resourceSpans", &request.resource_spans, resource_spans);
    w.close('}');
    w.out.into_bytes()
}

/// A JSON object writer: `open`/`close` track whether a comma is due.
#[derive(Default)]
struct Writer {
    out: String,
    first: bool,
}

impl Writer {
    fn open(&mut self, c: char) {
        self.out.push(c);
        self.first = true;
    }
    fn close(&mut self, c: char) {
        self.out.push(c);
        self.first = false;
    }
    fn sep(&mut self) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
    }
    fn key(&mut self, name: &str) {
        self.sep();
        self.out.push('"');
        self.out.push_str(name);
        self.out.push_str("\":");
    }
    fn string(&mut self, name: &str, value: &str) {
        if !value.is_empty() {
            self.key(name);
            escape(&mut self.out, value);
        }
    }
    fn hex(&mut self, name: &str, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.key(name);
            self.out.push('"');
            push_hex(&mut self.out, bytes);
            self.out.push('"');
        }
    }
    /// uint32 / int32 / fixed32 fields: JSON numbers.
    fn number(&mut self, name: &str, value: i64) {
        if value != 0 {
            self.key(name);
            let _ = write!(self.out, "{value}");
        }
    }
    /// 64-bit integers: decimal strings.
    fn u64_string(&mut self, name: &str, value: u64) {
        if value != 0 {
            self.key(name);
            let _ = write!(self.out, "\"{value}\"");
        }
    }
    fn object(&mut self, name: &str, write: impl FnOnce(&mut Self)) {
        self.key(name);
        self.open('{');
        write(self);
        self.close('}');
    }
    fn array<T>(&mut self, name: &str, items: &[T], mut write: impl FnMut(&mut Self, &T)) {
        if items.is_empty() {
            return;
        }
        self.key(name);
        self.open('[');
        for item in items {
            self.sep();
            self.open('{');
            write(self, item);
            self.close('}');
        }
        self.close(']');
    }
}

fn resource_spans(w: &mut Writer, rs: &ResourceSpans) {
    if let Some(r) = &rs.resource {
        w.object("resource", |w| resource(w, r));
    }
    w.array("scopeSpans", &rs.scope_spans, scope_spans);
    w.string("schemaUrl", &rs.schema_url);
}

fn resource(w: &mut Writer, r: &Resource) {
    w.array("attributes", &r.attributes, key_value);
    w.number("droppedAttributesCount", i64::from(r.dropped_attributes_count));
}

fn scope_spans(w: &mut Writer, ss: &ScopeSpans) {
    if let Some(s) = &ss.scope {
        w.object("scope", |w| scope(w, s));
    }
    w.array("spans", &ss.spans, span);
    w.string("schemaUrl", &ss.schema_url);
}

fn scope(w: &mut Writer, s: &InstrumentationScope) {
    w.string("name", &s.name);
    w.string("version", &s.version);
    w.array("attributes", &s.attributes, key_value);
    w.number("droppedAttributesCount", i64::from(s.dropped_attributes_count));
}

fn span(w: &mut Writer, s: &Span) {
    w.hex("traceId", &s.trace_id);
    w.hex("spanId", &s.span_id);
    w.string("traceState", &s.trace_state);
    w.hex("parentSpanId", &s.parent_span_id);
    w.number("flags", i64::from(s.flags));
    w.string("name", &s.name);
    w.number("kind", i64::from(s.kind));
    w.u64_string("startTimeUnixNano", s.start_time_unix_nano);
    w.u64_string("endTimeUnixNano", s.end_time_unix_nano);
    w.array("attributes", &s.attributes, key_value);
    w.number("droppedAttributesCount", i64::from(s.dropped_attributes_count));
    w.array("events", &s.events, event);
    w.number("droppedEventsCount", i64::from(s.dropped_events_count));
    w.array("links", &s.links, link);
    w.number("droppedLinksCount", i64::from(s.dropped_links_count));
    if let Some(st) = &s.status {
        w.object("status", |w| status(w, st));
    }
}

fn event(w: &mut Writer, e: &span::Event) {
    w.u64_string("timeUnixNano", e.time_unix_nano);
    w.string("name", &e.name);
    w.array("attributes", &e.attributes, key_value);
    w.number("droppedAttributesCount", i64::from(e.dropped_attributes_count));
}

fn link(w: &mut Writer, l: &span::Link) {
    w.hex("traceId", &l.trace_id);
    w.hex("spanId", &l.span_id);
    w.string("traceState", &l.trace_state);
    w.array("attributes", &l.attributes, key_value);
    w.number("droppedAttributesCount", i64::from(l.dropped_attributes_count));
    w.number("flags", i64::from(l.flags));
}

fn status(w: &mut Writer, s: &Status) {
    w.string("message", &s.message);
    w.number("code", i64::from(s.code));
}

fn key_value(w: &mut Writer, kv: &KeyValue) {
    w.key("key");
    escape(&mut w.out, &kv.key);
    if let Some(v) = &kv.value {
        w.object("value", |w| any_value(w, v));
    }
}

fn any_value(w: &mut Writer, v: &AnyValue) {
    // Unlike plain fields, the member of a oneof is written even when it holds the default.
    match &v.value {
        None => {}
        Some(Value::StringValue(s)) => {
            w.key("stringValue");
            escape(&mut w.out, s);
        }
        Some(Value::BoolValue(b)) => {
            w.key("boolValue");
            let _ = write!(w.out, "{b}");
        }
        Some(Value::IntValue(i)) => {
            w.key("intValue");
            let _ = write!(w.out, "\"{i}\"");
        }
        Some(Value::DoubleValue(d)) => {
            w.key("doubleValue");
            let _ = match d {
                d if d.is_nan() => write!(w.out, "\"NaN\""),
                d if d.is_infinite() && *d > 0.0 => write!(w.out, "\"Infinity\""),
                d if d.is_infinite() => write!(w.out, "\"-Infinity\""),
                // Debug prints the shortest exact form, with an exponent when long ("1e300").
                d => write!(w.out, "{d:?}"),
            };
        }
        Some(Value::ArrayValue(a)) => {
            // `values` is written even when empty: some decoders require it.
            w.key("arrayValue");
            w.open('{');
            w.key("values");
            w.open('[');
            for item in &a.values {
                w.sep();
                w.open('{');
                any_value(w, item);
                w.close('}');
            }
            w.close(']');
            w.close('}');
        }
        Some(Value::KvlistValue(kv)) => {
            w.key("kvlistValue");
            w.open('{');
            w.key("values");
            w.open('[');
            for item in &kv.values {
                w.sep();
                w.open('{');
                key_value(w, item);
                w.close('}');
            }
            w.close(']');
            w.close('}');
        }
        Some(Value::BytesValue(b)) => {
            w.key("bytesValue");
            let _ = write!(w.out, "\"{}\"", base64::engine::general_purpose::STANDARD.encode(b));
        }
        Some(Value::StringValueStrindex(i)) => {
            w.key("stringValueStrindex");
            let _ = write!(w.out, "{i}");
        }
    }
}

/// A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped.
fn escape(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::kv;
    use opentelemetry_proto::tonic::common::v1::{ArrayValue, KeyValueList};
    use opentelemetry_proto::tonic::trace::v1::Status;

    fn sample() -> ExportTraceServiceRequest {
        let span = Span {
            trace_id: vec![0x4b; 16],
            span_id: vec![0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7],
            trace_state: "a=1".into(),
            parent_span_id: vec![0x01; 8],
            flags: 0x301,
            name: "GET \"/x\"\n\u{1}\\ é".into(),
            kind: 2,
            start_time_unix_nano: 1_700_000_000_000_000_001,
            end_time_unix_nano: 1_700_000_000_000_000_002,
            attributes: vec![
                kv("s", Value::StringValue(String::new())),
                kv("i", Value::IntValue(i64::MIN)),
                kv("b", Value::BoolValue(false)),
                kv("d", Value::DoubleValue(1e300)),
                kv("small", Value::DoubleValue(-1.5e-7)),
                kv("zero", Value::DoubleValue(0.0)),
                kv(
                    "arr",
                    Value::ArrayValue(ArrayValue {
                        values: vec![AnyValue { value: Some(Value::IntValue(7)) }, AnyValue { value: None }],
                    }),
                ),
                kv("kv", Value::KvlistValue(KeyValueList { values: vec![kv("in", Value::BoolValue(true))] })),
                kv("bytes", Value::BytesValue(vec![0, 1, 2, 255])),
                kv("empty", Value::ArrayValue(ArrayValue::default())),
            ],
            dropped_attributes_count: 3,
            events: vec![span::Event {
                time_unix_nano: 5,
                name: "e".into(),
                attributes: vec![kv("k", Value::StringValue("v".into()))],
                dropped_attributes_count: 0,
            }],
            dropped_events_count: 1,
            links: vec![span::Link {
                trace_id: vec![0xab; 16],
                span_id: vec![0xcd; 8],
                flags: 0x101,
                ..Default::default()
            }],
            dropped_links_count: 0,
            status: Some(Status { message: "boom".into(), code: 2 }),
        };
        let root = Span { parent_span_id: vec![], status: None, kind: 0, ..span.clone() };
        let unset = Span { status: Some(Status::default()), ..root.clone() };
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(crate::resource::for_service("svc", &[])),
                scope_spans: vec![ScopeSpans {
                    scope: Some(InstrumentationScope { name: "lib".into(), version: "1".into(), ..Default::default() }),
                    spans: vec![span, root, unset],
                    schema_url: "https://opentelemetry.io/schemas/1.26.0".into(),
                }],
                schema_url: String::new(),
            }],
        }
    }

    #[test]
    fn decodes_back_to_the_same_request_with_an_independent_decoder() {
        // opentelemetry-proto's serde support (a dev-dependency feature) reads it back.
        let req = sample();
        let bytes = request(&req);
        let back: ExportTraceServiceRequest = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, req);
    }

    #[test]
    fn follows_the_otlp_json_rules() {
        let text = String::from_utf8(request(&sample())).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let span = &doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert_eq!(span["traceId"], "4b".repeat(16));
        assert_eq!(span["spanId"], "00f067aa0ba902b7");
        assert_eq!(span["kind"], 2);
        assert_eq!(span["flags"], 0x301);
        assert_eq!(span["startTimeUnixNano"], "1700000000000000001");
        assert_eq!(span["status"], serde_json::json!({"message": "boom", "code": 2}));
        assert_eq!(span["name"], "GET \"/x\"\n\u{1}\\ é");
        assert!(text.contains(r#""name":"GET \"/x\"\n\u0001\\ é""#), "{text}");
        let attrs = span["attributes"].as_array().unwrap();
        let attr = |k: &str| attrs.iter().find(|a| a["key"] == k).unwrap()["value"].clone();
        assert_eq!(attr("i"), serde_json::json!({"intValue": "-9223372036854775808"}));
        assert_eq!(attr("s"), serde_json::json!({"stringValue": ""}), "a oneof member is kept even when empty");
        assert_eq!(attr("b"), serde_json::json!({"boolValue": false}));
        assert_eq!(attr("zero"), serde_json::json!({"doubleValue": 0.0}));
        assert_eq!(attr("bytes"), serde_json::json!({"bytesValue": "AAEC/w=="}));
        assert!(text.contains(r#""doubleValue":1e300"#) && text.contains(r#""doubleValue":-1.5e-7"#), "{text}");
        let root = &doc["resourceSpans"][0]["scopeSpans"][0]["spans"][1];
        assert!(root.get("parentSpanId").is_none() && root.get("status").is_none() && root.get("kind").is_none());
        assert!(!text.contains("null"), "no null fields: {text}");
    }

    #[test]
    fn non_finite_doubles_are_strings() {
        let mut out = Writer::default();
        out.open('{');
        for d in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            any_value(&mut out, &AnyValue { value: Some(Value::DoubleValue(d)) });
        }
        out.close('}');
        assert_eq!(out.out, r#"{"doubleValue":"NaN","doubleValue":"Infinity","doubleValue":"-Infinity"}"#);
    }
}
