//! Span records to OTLP protobuf (`ExportTraceServiceRequest`), grouped by instrumentation
//! scope.
//!
//! `Encoder` writes the protobuf bytes of a batch straight from the records (no intermediate
//! messages, no allocation per field) into a buffer it reuses: the resource and each scope's
//! header are encoded once, and a request buffer that comes back from its export is used
//! again. The bytes are what prost writes for the request `request` builds (the tests compare
//! them); `request` is what the JSON and console exporters render.

use crate::data::{Scope, SpanData, StatusCode};
use crate::export::pb::{self, FIXED32, FIXED64, LEN, VARINT, key};
use bytes::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};
use prost::Message;
use std::borrow::Borrow;
use std::sync::Arc;

/// OTLP span flags: bit 8 says the parent's remoteness is known, bit 9 that it is remote.
const HAS_IS_REMOTE: u32 = 0x100;
const IS_REMOTE: u32 = 0x200;

/// Trace flags of an OTLP span or link: the W3C flags plus whether the parent (for a span)
/// or the linked context (for a link) is remote.
fn flags(trace_flags: u8, remote: bool) -> u32 {
    u32::from(trace_flags) | HAS_IS_REMOTE | if remote { IS_REMOTE } else { 0 }
}

/// Scope headers kept pre-encoded; past this many distinct scopes the cache starts over.
const MAX_CACHED_SCOPES: usize = 256;
/// Spare request buffers kept for reuse (one per export in flight, plus the one being filled).
const MAX_SPARE_BUFFERS: usize = 4;
/// A spare buffer larger than this is not kept (a one-off huge batch does not pin its memory).
const MAX_SPARE_CAPACITY: usize = 8 << 20;

/// The pre-encoded parts of one `ScopeSpans`: what comes before its spans (the
/// `InstrumentationScope` field) and after them (`schema_url`).
struct ScopeHeader {
    scope: Arc<Scope>,
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl ScopeHeader {
    fn new(scope: &Arc<Scope>) -> Self {
        let mut head = Vec::new();
        let s = pb::begin(&mut head, key(1, LEN), 1);
        pb::put_str(&mut head, key(1, LEN), scope.name.as_bytes());
        pb::put_str(&mut head, key(2, LEN), scope.version.as_bytes());
        pb::end(&mut head, s);
        let mut tail = Vec::new();
        pb::put_str(&mut tail, key(3, LEN), scope.schema_url.as_bytes());
        Self { scope: scope.clone(), head, tail }
    }
}

/// Encodes batches of one provider's spans (see the module documentation).
pub struct Encoder {
    resource: Resource,
    /// `ResourceSpans.resource`, key and length included.
    resource_field: Vec<u8>,
    scopes: Vec<ScopeHeader>,
    /// Per span of the batch being encoded: the index of its scope in `groups` (reused).
    group_of: Vec<u32>,
    /// Per scope group of the batch being encoded: its index in `scopes` (reused).
    groups: Vec<usize>,
    spare: Vec<Vec<u8>>,
    /// Capacity for a new buffer: the largest request encoded so far.
    size_hint: usize,
}

impl Encoder {
    pub fn new(resource: Resource) -> Self {
        let mut resource_field = Vec::new();
        pb::put_len_field(&mut resource_field, key(1, LEN), &resource.encode_to_vec());
        Self {
            resource,
            resource_field,
            scopes: Vec::new(),
            group_of: Vec::new(),
            groups: Vec::new(),
            spare: Vec::new(),
            size_hint: 0,
        }
    }

    /// The resource every request carries.
    pub fn resource(&self) -> &Resource {
        &self.resource
    }

    /// An empty buffer to encode into: a recycled one when there is one.
    pub fn buffer(&mut self) -> Vec<u8> {
        self.spare.pop().unwrap_or_else(|| Vec::with_capacity(self.size_hint))
    }

    /// Takes back a buffer for reuse (cleared).
    pub fn reuse(&mut self, mut buf: Vec<u8>) {
        if self.spare.len() < MAX_SPARE_BUFFERS && buf.capacity() <= MAX_SPARE_CAPACITY {
            buf.clear();
            self.spare.push(buf);
        }
    }

    /// Takes back a request body whose export is over, if nothing else holds it any more.
    pub fn recycle(&mut self, body: Bytes) {
        if let Ok(b) = body.try_into_mut() {
            self.reuse(b.into());
        }
    }

    fn scope_index(&mut self, scope: &Arc<Scope>) -> usize {
        if let Some(i) = self.scopes.iter().position(|h| Arc::ptr_eq(&h.scope, scope)) {
            return i;
        }
        if let Some(i) = self.scopes.iter().position(|h| *h.scope == **scope) {
            return i;
        }
        self.scopes.push(ScopeHeader::new(scope));
        self.scopes.len() - 1
    }

    /// Appends the protobuf `ExportTraceServiceRequest` of `batch` to `buf`: one
    /// `ResourceSpans`, one `ScopeSpans` per distinct scope in order of first appearance.
    pub fn encode<D: Borrow<SpanData>>(&mut self, batch: &[D], buf: &mut Vec<u8>) {
        let start = buf.len();
        if self.scopes.len() > MAX_CACHED_SCOPES {
            self.scopes.clear(); // between batches only: `groups` holds indices into it
        }
        self.groups.clear();
        self.group_of.clear();
        let single = batch.first().map(|d| d.borrow().scope.clone());
        let one_scope = single.as_ref().is_none_or(|s| batch.iter().all(|d| Arc::ptr_eq(&d.borrow().scope, s)));
        if let (Some(scope), true) = (&single, one_scope) {
            let i = self.scope_index(scope);
            self.groups.push(i);
        } else {
            for d in batch {
                let i = self.scope_index(&d.borrow().scope);
                let g = match self.groups.iter().position(|&g| g == i) {
                    Some(g) => g,
                    None => {
                        self.groups.push(i);
                        self.groups.len() - 1
                    }
                };
                self.group_of.push(g as u32);
            }
        }
        let rs = pb::begin(buf, key(1, LEN), 3);
        buf.extend_from_slice(&self.resource_field);
        for (g, &scope) in self.groups.iter().enumerate() {
            let Some(header) = self.scopes.get(scope) else { continue };
            let ss = pb::begin(buf, key(2, LEN), 3);
            buf.extend_from_slice(&header.head);
            if self.group_of.is_empty() {
                for d in batch {
                    encode_span(d.borrow(), buf);
                }
            } else {
                for (d, _) in batch.iter().zip(&self.group_of).filter(|(_, x)| **x as usize == g) {
                    encode_span(d.borrow(), buf);
                }
            }
            buf.extend_from_slice(&header.tail);
            pb::end(buf, ss);
        }
        pb::end(buf, rs);
        self.size_hint = self.size_hint.max(buf.len() - start).min(MAX_SPARE_CAPACITY);
    }
}

/// Appends one span as `ScopeSpans.spans` (field 2), fields in ascending number order.
fn encode_span(d: &SpanData, buf: &mut Vec<u8>) {
    let arena = &d.arena;
    let span = pb::begin(buf, key(2, LEN), 2);
    // trace_id and span_id, always 16 and 8 bytes: one copy.
    let mut ids = [0u8; 28];
    ids[..2].copy_from_slice(&[key(1, LEN) as u8, 16]);
    ids[2..18].copy_from_slice(&d.ctx.trace_id);
    ids[18..20].copy_from_slice(&[key(2, LEN) as u8, 8]);
    ids[20..].copy_from_slice(&d.ctx.span_id);
    buf.extend_from_slice(&ids);
    pb::put_str(buf, key(3, LEN), d.ctx.tracestate().as_bytes());
    if let Some(parent) = &d.parent_span_id {
        pb::put_len_field(buf, key(4, LEN), parent);
    }
    pb::put_str(buf, key(5, LEN), arena.bytes(d.name));
    pb::put_uint(buf, key(6, VARINT), d.kind as i32 as u64);
    pb::put_fixed64(buf, key(7, FIXED64), d.start_ns);
    pb::put_fixed64(buf, key(8, FIXED64), d.end_ns);
    d.attributes.encode_pb(arena, buf, key(9, LEN));
    pb::put_uint(buf, key(10, VARINT), u64::from(d.attributes.dropped));
    for e in &d.events {
        let event = pb::begin(buf, key(11, LEN), 1);
        pb::put_fixed64(buf, key(1, FIXED64), e.time_ns);
        pb::put_str(buf, key(2, LEN), arena.bytes(e.name));
        e.attributes.encode_pb(arena, buf, key(3, LEN));
        pb::put_uint(buf, key(4, VARINT), u64::from(e.attributes.dropped));
        pb::end(buf, event);
    }
    pb::put_uint(buf, key(12, VARINT), u64::from(d.dropped_events));
    for l in &d.links {
        let link = pb::begin(buf, key(13, LEN), 1);
        pb::put_len_field(buf, key(1, LEN), &l.ctx.trace_id);
        pb::put_len_field(buf, key(2, LEN), &l.ctx.span_id);
        pb::put_str(buf, key(3, LEN), l.ctx.tracestate().as_bytes());
        l.attributes.encode_pb(arena, buf, key(4, LEN));
        pb::put_uint(buf, key(5, VARINT), u64::from(l.attributes.dropped));
        pb::put_fixed32(buf, key(6, FIXED32), flags(l.ctx.flags, l.ctx.is_remote));
        pb::end(buf, link);
    }
    pb::put_uint(buf, key(14, VARINT), u64::from(d.dropped_links));
    if d.status_code != StatusCode::Unset || !d.status_message.is_empty() {
        let status = pb::begin(buf, key(15, LEN), 1);
        pb::put_str(buf, key(2, LEN), d.status_message.as_bytes());
        pb::put_uint(buf, key(3, VARINT), d.status_code as i32 as u64);
        pb::end(buf, status);
    }
    pb::put_fixed32(buf, key(16, FIXED32), flags(d.ctx.flags, d.parent_is_remote));
    pb::end(buf, span);
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
    use crate::attributes::Value;
    use crate::attributes::string_kv;
    use crate::context::SpanContext;
    use crate::data::{SpanKind, SpanLimits};

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

    /// A small deterministic generator (xorshift) for span shapes.
    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn text(&mut self) -> String {
            const PIECES: [&str; 8] = ["", "a", "GET /api/orders", "héllo wörld", "日本語", "🦀", "x=1,y=2", "\0\n\""];
            let mut t = String::new();
            for _ in 0..self.below(3) {
                t.push_str(PIECES[self.below(PIECES.len() as u64) as usize]);
            }
            match self.below(20) {
                0 => t.push_str(&"long".repeat(40)),  // a length over 127
                1 => t.push_str(&"L".repeat(17_000)), // a length over 16383
                _ => {}
            }
            t
        }
        fn value(&mut self, depth: u32) -> OwnedValue {
            match self.below(if depth < 2 { 6 } else { 5 }) {
                0 => OwnedValue::Str(self.text()),
                1 => OwnedValue::Bool(self.below(2) == 0),
                2 => OwnedValue::Int(
                    [0, 1, -1, 127, 128, i64::MIN, i64::MAX, -300][self.below(8) as usize]
                        .wrapping_add(self.below(3) as i64),
                ),
                3 => OwnedValue::Double([0.0, -0.0, 1.5, f64::NAN, f64::INFINITY, -1e300][self.below(6) as usize]),
                4 => OwnedValue::Str(String::new()),
                _ => OwnedValue::Array((0..self.below(5)).map(|_| self.value(depth + 1)).collect()),
            }
        }
        fn attrs(&mut self) -> Vec<(String, OwnedValue)> {
            (0..self.below(6)).map(|i| (format!("k{i}{}", self.text()), self.value(0))).collect()
        }
    }

    /// An attribute value owning its strings (the generator's output).
    enum OwnedValue {
        Str(String),
        Bool(bool),
        Int(i64),
        Double(f64),
        Array(Vec<OwnedValue>),
    }

    impl OwnedValue {
        fn borrow(&self) -> Value<'_> {
            match self {
                OwnedValue::Str(s) => Value::Str(s),
                OwnedValue::Bool(b) => Value::Bool(*b),
                OwnedValue::Int(i) => Value::Int(*i),
                OwnedValue::Double(d) => Value::Double(*d),
                OwnedValue::Array(a) => Value::Array(a.iter().map(OwnedValue::borrow).collect()),
            }
        }
    }

    fn borrowed(attrs: &[(String, OwnedValue)]) -> Vec<(&str, Value<'_>)> {
        attrs.iter().map(|(k, v)| (k.as_str(), v.borrow())).collect()
    }

    fn context(g: &mut Gen) -> SpanContext {
        let mut trace_id = [0u8; 16];
        trace_id.iter_mut().for_each(|b| *b = g.next() as u8);
        let trace_state = match g.below(3) {
            0 => None,
            1 => Some(Arc::from("vendor=v1,other=héllo")),
            _ => Some(Arc::from("")),
        };
        SpanContext {
            trace_id,
            span_id: g.next().to_le_bytes(),
            flags: g.next() as u8,
            trace_state,
            is_remote: g.below(2) == 0,
        }
    }

    fn random_span(g: &mut Gen, scopes: &[Arc<Scope>]) -> SpanData {
        let scope = scopes[g.below(scopes.len() as u64) as usize].clone();
        let mut d = SpanData::empty(scope);
        let limits = SpanLimits {
            attribute_count: [128, 2, 0][g.below(3) as usize],
            event_count: [128, 1][g.below(2) as usize],
            link_count: [128, 1][g.below(2) as usize],
            event_attribute_count: [128, 1][g.below(2) as usize],
            link_attribute_count: [128, 1][g.below(2) as usize],
            attribute_value_length: [usize::MAX, 3][g.below(2) as usize],
        };
        d.ctx = context(g);
        d.parent_span_id = (g.below(2) == 0).then(|| g.next().to_be_bytes());
        d.parent_is_remote = g.below(2) == 0;
        d.kind = SpanKind::from_i32(1 + g.below(5) as i32).unwrap_or_default();
        d.start_ns = [0, 1, u64::MAX, 1_700_000_000_000_000_000][g.below(4) as usize];
        d.end_ns = d.start_ns.wrapping_add(g.below(1000));
        d.set_name(&g.text());
        let attrs = g.attrs();
        d.set_attributes(&borrowed(&attrs), &limits);
        for _ in 0..g.below(4) {
            let attrs = g.attrs();
            let name = g.text();
            d.add_event(&name, g.below(3), &borrowed(&attrs), &limits);
        }
        for _ in 0..g.below(4) {
            let attrs = g.attrs();
            let ctx = context(g);
            d.add_link(ctx, &borrowed(&attrs), &limits);
        }
        match g.below(4) {
            0 => d.set_status(StatusCode::Error, &g.text()),
            1 => d.set_status(StatusCode::Ok, ""),
            2 => d.status_message = "message without a code".into(), // not reachable through the API; still encoded
            _ => {}
        }
        d
    }

    fn assert_same_as_prost(enc: &mut Encoder, batch: &[&SpanData], resource: &Resource) {
        let want = request(batch.iter().copied(), resource).encode_to_vec();
        let mut got = enc.buffer();
        enc.encode(batch, &mut got);
        assert!(got == want, "direct encoding differs from prost's ({} vs {} bytes)", got.len(), want.len());
        let back = ExportTraceServiceRequest::decode(got.as_slice()).expect("decodes");
        assert_eq!(back.encode_to_vec(), got, "decodes and re-encodes to the same bytes");
        enc.recycle(Bytes::from(got));
    }

    #[test]
    fn direct_encoding_is_prosts_byte_for_byte() {
        let a = Arc::new(Scope { name: "a".into(), version: "1.0".into(), schema_url: String::new() });
        let a_again = Arc::new((*a).clone()); // equal, not the same Arc: grouped with `a`
        let b = Arc::new(Scope { name: "b-ü".into(), version: String::new(), schema_url: "https://s/1".into() });
        let empty = Arc::new(Scope::default());
        let scopes = [a, a_again, b, empty];
        let resource = crate::resource::for_service("svc-é", &[("deployment.environment".into(), "test".into())]);
        let mut enc = Encoder::new(resource.clone());
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        assert_same_as_prost(&mut enc, &[], &resource);
        for round in 0..300 {
            let n = [1, 2, 7, 64][round % 4];
            let spans: Vec<SpanData> = (0..n).map(|_| random_span(&mut g, &scopes[..1 + round % 4])).collect();
            let batch: Vec<&SpanData> = spans.iter().collect();
            assert_same_as_prost(&mut enc, &batch, &resource);
        }
        // The empty resource, and a span with nothing set.
        let bare = Resource::default();
        let mut enc = Encoder::new(bare.clone());
        let d = SpanData::empty(scopes[3].clone());
        assert_same_as_prost(&mut enc, &[&d, &d], &bare);
    }

    #[test]
    fn buffers_are_reused_and_scopes_grouped_in_order() {
        let resource = crate::resource::for_service("svc", &[]);
        let mut enc = Encoder::new(resource);
        let s1 = Arc::new(Scope { name: "one".into(), ..Default::default() });
        let s2 = Arc::new(Scope { name: "two".into(), ..Default::default() });
        let spans: Vec<SpanData> = [&s2, &s1, &s2].iter().map(|s| SpanData::empty((*s).clone())).collect();
        let mut buf = enc.buffer();
        enc.encode(&spans, &mut buf);
        let first = buf.as_ptr() as usize;
        let back = ExportTraceServiceRequest::decode(buf.as_slice()).unwrap();
        let names: Vec<_> =
            back.resource_spans[0].scope_spans.iter().map(|s| s.scope.as_ref().unwrap().name.clone()).collect();
        assert_eq!(names, ["two", "one"], "one group per scope, in order of first appearance");
        assert_eq!(back.resource_spans[0].scope_spans[0].spans.len(), 2);
        enc.recycle(Bytes::from(buf));
        let again = enc.buffer();
        assert_eq!((again.as_ptr() as usize, again.len()), (first, 0), "the finished body's buffer is reused");
        let held = Bytes::from(again);
        let other_holder = held.clone();
        enc.recycle(held);
        let fresh = enc.buffer();
        assert_ne!(fresh.as_ptr(), other_holder.as_ptr(), "a body still held elsewhere is not reused");
    }
}
