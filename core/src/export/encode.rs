//! Span data to OTLP protobuf (`ExportTraceServiceRequest`), grouped by instrumentation scope.

use crate::data::{Scope, SpanData, StatusCode};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};
use std::sync::Arc;

/// OTLP span flags: bit 8 says the parent's remoteness is known, bit 9 that it is remote.
const HAS_IS_REMOTE: u32 = 0x100;
const IS_REMOTE: u32 = 0x200;

/// Trace flags of an OTLP span or link: the W3C flags plus whether the parent (for a span)
/// or the linked context (for a link) is remote.
fn flags(trace_flags: u8, remote: bool) -> u32 {
    u32::from(trace_flags) | HAS_IS_REMOTE | if remote { IS_REMOTE } else { 0 }
}

fn span_to_proto(d: &SpanData) -> Span {
    let arena = &d.arena;
    Span {
        trace_id: d.ctx.trace_id.to_vec(),
        span_id: d.ctx.span_id.to_vec(),
        trace_state: d.ctx.tracestate().to_owned(),
        parent_span_id: d.parent_span_id.map(|p| p.to_vec()).unwrap_or_default(),
        flags: flags(d.ctx.flags, d.parent_is_remote),
        name: d.name().to_owned(),
        kind: d.kind as i32,
        start_time_unix_nano: d.start_ns,
        end_time_unix_nano: d.end_ns,
        attributes: d.attributes.to_proto(arena),
        dropped_attributes_count: d.attributes.dropped,
        events: d
            .events
            .iter()
            .map(|e| span::Event {
                time_unix_nano: e.time_ns,
                name: arena.get(e.name).to_owned(),
                attributes: e.attributes.to_proto(arena),
                dropped_attributes_count: e.attributes.dropped,
            })
            .collect(),
        dropped_events_count: d.dropped_events,
        links: d
            .links
            .iter()
            .map(|l| span::Link {
                trace_id: l.ctx.trace_id.to_vec(),
                span_id: l.ctx.span_id.to_vec(),
                trace_state: l.ctx.tracestate().to_owned(),
                attributes: l.attributes.to_proto(arena),
                dropped_attributes_count: l.attributes.dropped,
                flags: flags(l.ctx.flags, l.ctx.is_remote),
            })
            .collect(),
        dropped_links_count: d.dropped_links,
        status: (d.status_code != StatusCode::Unset || !d.status_message.is_empty())
            .then(|| Status { message: d.status_message.clone(), code: d.status_code as i32 }),
    }
}

/// Builds one export request for a batch (all spans of a batch share the provider's resource).
pub fn request<'a>(batch: impl IntoIterator<Item = &'a SpanData>, resource: &Resource) -> ExportTraceServiceRequest {
    let mut groups: Vec<(Arc<Scope>, Vec<Span>)> = Vec::new();
    for d in batch {
        let scope = d.scope.clone();
        let proto = span_to_proto(d);
        match groups.iter_mut().find(|(s, _)| Arc::ptr_eq(s, &scope) || **s == *scope) {
            Some((_, spans)) => spans.push(proto),
            None => groups.push((scope, vec![proto])),
        }
    }
    let scope_spans = groups
        .into_iter()
        .map(|(scope, spans)| ScopeSpans {
            scope: Some(InstrumentationScope {
                name: scope.name.clone(),
                version: scope.version.clone(),
                attributes: Vec::new(),
                dropped_attributes_count: 0,
            }),
            spans,
            schema_url: scope.schema_url.clone(),
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(resource.clone()),
            scope_spans,
            schema_url: String::new(),
        }],
    }
}

/// Gzip-compresses an encoded request.
pub fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write as _;
    let mut encoder =
        flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 4 + 64), flate2::Compression::default());
    encoder.write_all(data)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::string_kv;
    use crate::context::SpanContext;
    use crate::data::SpanKind;
    use prost::Message;

    #[test]
    fn encodes_ids_flags_and_scopes() {
        let scope = Arc::new(Scope { name: "s".into(), version: "1".into(), schema_url: String::new() });
        let mut arena = crate::attributes::Arena::default();
        let name = arena.intern("op");
        let mut attributes = crate::attributes::AttrList::default();
        let limit = crate::attributes::Limit { count: 8, value_length: 100 };
        attributes.set(&mut arena, "k", &crate::attributes::Value::Str("v"), limit);
        let d = SpanData {
            ctx: SpanContext {
                trace_id: [0xab; 16],
                span_id: [0xcd; 8],
                flags: 0x03,
                trace_state: Some(Arc::from("a=1")),
                is_remote: false,
            },
            parent_span_id: Some([0xef; 8]),
            parent_is_remote: true,
            arena,
            name,
            kind: SpanKind::Server,
            start_ns: 10,
            end_ns: 20,
            attributes,
            events: vec![],
            dropped_events: 0,
            links: vec![],
            dropped_links: 0,
            status_code: StatusCode::Error,
            status_message: "bad".into(),
            scope,
        };
        let req = request([&d, &d], &crate::resource::for_service("svc", &[("service.name".into(), "ignored".into())]));
        let bytes = req.encode_to_vec();
        let back = ExportTraceServiceRequest::decode(bytes.as_slice()).unwrap();
        let rs = &back.resource_spans[0];
        let res = rs.resource.as_ref().unwrap();
        assert_eq!(res.attributes[0], string_kv("service.name", "svc"));
        assert_eq!(res.attributes.iter().filter(|a| a.key == "service.name").count(), 1);
        assert_eq!(rs.scope_spans.len(), 1, "same scope grouped once");
        let s = &rs.scope_spans[0].spans[0];
        assert_eq!(s.trace_id, vec![0xab; 16]);
        assert_eq!(s.parent_span_id, vec![0xef; 8]);
        assert_eq!(s.flags, 0x303);
        assert_eq!(s.trace_state, "a=1");
        assert_eq!(s.status.as_ref().unwrap().code, 2);
        assert_eq!(s.name, "op");
        assert_eq!(s.attributes, vec![string_kv("k", "v")]);
    }
}
