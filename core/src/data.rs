//! The span record: everything exported about one span (`SpanData`), its events and links,
//! the span limits and the OpenTelemetry rules for status and exceptions.

use crate::attributes::{Arena, AttrList, Limit, Text, Value};
use crate::context::SpanContext;
use crate::util::now_ns;
use std::sync::Arc;

/// The role of a span in a trace (OpenTelemetry SpanKind); values match OTLP's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum SpanKind {
    /// An internal operation (the default).
    #[default]
    Internal = 1,
    /// Handles a remote request (e.g. an HTTP server handler).
    Server = 2,
    /// Makes a remote request (e.g. an HTTP client call).
    Client = 3,
    /// Sends a message to a broker.
    Producer = 4,
    /// Receives a message from a broker.
    Consumer = 5,
}

impl SpanKind {
    /// The kind with OTLP number `value` (1..=5).
    pub fn from_i32(value: i32) -> Option<Self> {
        Some(match value {
            1 => SpanKind::Internal,
            2 => SpanKind::Server,
            3 => SpanKind::Client,
            4 => SpanKind::Producer,
            5 => SpanKind::Consumer,
            _ => return None,
        })
    }
}

/// Span status (OpenTelemetry StatusCode); values match OTLP's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum StatusCode {
    /// No status set (the default).
    #[default]
    Unset = 0,
    /// The operation succeeded; final once set.
    Ok = 1,
    /// The operation failed.
    Error = 2,
}

impl StatusCode {
    /// The status with OTLP number `value` (0..=2).
    pub fn from_i32(value: i32) -> Option<Self> {
        Some(match value {
            0 => StatusCode::Unset,
            1 => StatusCode::Ok,
            2 => StatusCode::Error,
            _ => return None,
        })
    }
}

/// The instrumentation scope spans of a tracer are exported under.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    pub name: String,
    pub version: String,
    pub schema_url: String,
}

impl Scope {
    /// The scope of a provider's default tracer: "otlp-ffi" and the library version.
    pub fn library() -> Scope {
        Scope { name: "otlp-ffi".to_owned(), version: crate::VERSION.to_owned(), schema_url: String::new() }
    }
}

/// Span limits (OTEL_SPAN_*_LIMIT, OTEL_ATTRIBUTE_*_LIMIT); beyond them data is counted as
/// dropped in the exported dropped_*_count fields.
/// Dead arena bytes a span tolerates before it compacts (see `SpanData::compact_if_wasteful`).
const COMPACT_MIN: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanLimits {
    pub attribute_count: usize,
    pub attribute_value_length: usize,
    pub event_count: usize,
    pub link_count: usize,
    pub event_attribute_count: usize,
    pub link_attribute_count: usize,
}

impl Default for SpanLimits {
    fn default() -> Self {
        Self {
            attribute_count: 128,
            attribute_value_length: usize::MAX,
            event_count: 128,
            link_count: 128,
            event_attribute_count: 128,
            link_attribute_count: 128,
        }
    }
}

impl SpanLimits {
    fn attrs(&self) -> Limit {
        Limit { count: self.attribute_count, value_length: self.attribute_value_length }
    }
    fn event_attrs(&self) -> Limit {
        Limit { count: self.event_attribute_count, value_length: self.attribute_value_length }
    }
    fn link_attrs(&self) -> Limit {
        Limit { count: self.link_attribute_count, value_length: self.attribute_value_length }
    }
}

/// One event of a span; its strings live in the span's arena.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: Text,
    pub time_ns: u64,
    pub attributes: AttrList,
}

/// A link to another span's context.
#[derive(Debug, Clone)]
pub struct Link {
    pub ctx: SpanContext,
    pub attributes: AttrList,
}

/// Everything exported about one span.
#[derive(Debug, Clone)]
pub struct SpanData {
    pub ctx: SpanContext,
    pub parent_span_id: Option<[u8; 8]>,
    pub parent_is_remote: bool,
    pub kind: SpanKind,
    pub start_ns: u64,
    pub end_ns: u64,
    /// Name, keys and string values of the span, its events and links.
    pub arena: Arena,
    pub name: Text,
    pub attributes: AttrList,
    pub events: Vec<Event>,
    pub dropped_events: u32,
    pub links: Vec<Link>,
    pub dropped_links: u32,
    pub status_code: StatusCode,
    pub status_message: String,
    pub scope: Arc<Scope>,
}

impl SpanData {
    /// An empty record of `scope` (all ids zero, kind INTERNAL).
    pub fn empty(scope: Arc<Scope>) -> Self {
        SpanData {
            ctx: SpanContext { trace_id: [0; 16], span_id: [0; 8], flags: 0, trace_state: None, is_remote: false },
            parent_span_id: None,
            parent_is_remote: false,
            kind: SpanKind::Internal,
            start_ns: 0,
            end_ns: 0,
            arena: Arena::default(),
            name: Text::default(),
            attributes: AttrList::default(),
            events: Vec::new(),
            dropped_events: 0,
            links: Vec::new(),
            dropped_links: 0,
            status_code: StatusCode::Unset,
            status_message: String::new(),
            scope,
        }
    }

    pub fn name(&self) -> &str {
        self.arena.get(self.name)
    }

    pub fn set_name(&mut self, name: &str) {
        if !self.arena.fits(name.len()) {
            return; // 4 GiB of text in one span: the span keeps its name
        }
        self.arena.release(self.name);
        self.name = self.arena.intern(name);
        self.compact_if_wasteful();
    }

    #[inline(always)]
    pub fn set_attribute(&mut self, key: &str, value: &Value<'_>, limits: &SpanLimits) {
        if self.attributes.set(&mut self.arena, key, value, limits.attrs()) {
            self.compact_if_wasteful();
        }
    }

    pub fn set_attributes(&mut self, attrs: &[(&str, Value<'_>)], limits: &SpanLimits) {
        if self.attributes.set_all(&mut self.arena, attrs, limits.attrs()) {
            self.compact_if_wasteful();
        }
    }

    /// Keeps the arena within twice the text the span holds (plus [`COMPACT_MIN`]): once the
    /// dead bytes (replaced values, old names) pass both, every live string moves to a fresh
    /// arena. Each compaction copies at most as much as was written since the last one, so
    /// setting one key a million times costs linear time and constant memory.
    #[inline(always)]
    fn compact_if_wasteful(&mut self) {
        let dead = self.arena.dead();
        if dead > COMPACT_MIN && dead > self.arena.len() - dead {
            self.compact();
        }
    }

    #[cold]
    fn compact(&mut self) {
        let old = std::mem::take(&mut self.arena);
        let mut new = Arena::default();
        new.reserve(old.len() - old.dead());
        self.name = new.intern(old.get(self.name));
        self.attributes.rehome(&old, &mut new);
        for e in &mut self.events {
            e.name = new.intern(old.get(e.name));
            e.attributes.rehome(&old, &mut new);
        }
        for l in &mut self.links {
            l.attributes.rehome(&old, &mut new);
        }
        self.arena = new;
    }

    pub fn add_event(&mut self, name: &str, time_ns: u64, attrs: &[(&str, Value<'_>)], limits: &SpanLimits) {
        if self.events.len() >= limits.event_count {
            self.dropped_events = self.dropped_events.saturating_add(1);
            return;
        }
        let name = self.arena.intern(name);
        let mut attributes = AttrList::default();
        attributes.set_all(&mut self.arena, attrs, limits.event_attrs());
        self.events.push(Event { name, time_ns, attributes });
    }

    pub fn add_link(&mut self, ctx: SpanContext, attrs: &[(&str, Value<'_>)], limits: &SpanLimits) {
        if self.links.len() >= limits.link_count {
            self.dropped_links = self.dropped_links.saturating_add(1);
            return;
        }
        let mut attributes = AttrList::default();
        attributes.set_all(&mut self.arena, attrs, limits.link_attrs());
        self.links.push(Link { ctx, attributes });
    }

    /// OpenTelemetry: Ok is final, Unset is ignored, the description only goes with Error.
    pub fn set_status(&mut self, code: StatusCode, description: &str) {
        if self.status_code == StatusCode::Ok || code == StatusCode::Unset {
            return;
        }
        self.status_code = code;
        self.status_message = if code == StatusCode::Error { description.to_owned() } else { String::new() };
    }

    /// An `exception` event per the semantic conventions, and status ERROR.
    pub fn record_exception(
        &mut self,
        kind: Option<&str>,
        message: &str,
        stacktrace: Option<&str>,
        limits: &SpanLimits,
    ) {
        let mut attrs = Vec::with_capacity(3);
        if let Some(k) = kind {
            attrs.push(("exception.type", Value::Str(k)));
        }
        attrs.push(("exception.message", Value::Str(message)));
        if let Some(st) = stacktrace {
            attrs.push(("exception.stacktrace", Value::Str(st)));
        }
        self.add_event("exception", now_ns(), &attrs, limits);
        self.set_status(StatusCode::Error, message);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn data() -> SpanData {
        let mut d = SpanData::empty(Arc::new(Scope::default()));
        d.ctx = SpanContext { trace_id: [1; 16], span_id: [2; 8], flags: 1, trace_state: None, is_remote: false };
        d.start_ns = 1;
        d.end_ns = 2;
        d
    }

    #[test]
    fn setting_one_key_or_the_name_again_and_again_keeps_memory_flat() {
        let limits = SpanLimits::default();
        let mut d = data();
        d.set_name("first");
        d.set_attribute("keep", &Value::Str("kept value"), &limits);
        d.add_event("ev", 5, &[("ek", Value::Str("event value"))], &limits);
        d.add_link(SpanContext::invalid(), &[("lk", Value::Array(vec![Value::Str("a"), Value::Str("b")]))], &limits);
        let kib = "v".repeat(1024);
        for i in 0..200_000u32 {
            let value = format!("{i}{kib}");
            d.set_attribute("hot", &Value::Str(&value), &limits);
            if i % 4 == 0 {
                d.set_name(&format!("name {i} {kib}"));
            }
        }
        // 200 000 x 1 KiB written; the arena holds about the live text, not 200 MB.
        assert!(d.arena.len() < 256 * 1024, "arena grew to {} bytes", d.arena.len());
        let attrs = d.attributes.to_proto(&d.arena);
        let get = |k: &str| attrs.iter().find(|kv| kv.key == k).and_then(|kv| kv.value.clone());
        use opentelemetry_proto::tonic::common::v1::any_value::Value as V;
        assert_eq!(get("hot").and_then(|v| v.value), Some(V::StringValue(format!("199999{kib}"))));
        assert_eq!(get("keep").and_then(|v| v.value), Some(V::StringValue("kept value".into())));
        assert_eq!(d.name(), format!("name 199996 {kib}"));
        assert_eq!(d.arena.get(d.events[0].name), "ev");
        let ev = d.events[0].attributes.to_proto(&d.arena);
        assert_eq!(ev[0].value.clone().and_then(|v| v.value), Some(V::StringValue("event value".into())));
        let link = d.links[0].attributes.to_proto(&d.arena);
        assert_eq!(link[0].key, "lk");
        assert_eq!(d.attributes.dropped, 0);
    }

    #[test]
    fn limits_count_what_they_drop() {
        let mut d = data();
        let limits = SpanLimits {
            attribute_count: 2,
            event_count: 1,
            link_count: 1,
            event_attribute_count: 1,
            ..Default::default()
        };
        d.set_attributes(
            &[("k", Value::Int(1)), ("k", Value::Int(2)), ("b", Value::Bool(true)), ("c", Value::Int(3))],
            &limits,
        );
        assert_eq!((d.attributes.len(), d.attributes.dropped), (2, 1));
        d.add_event("e1", 5, &[("x", Value::Int(1)), ("y", Value::Int(2))], &limits);
        d.add_event("e2", 6, &[], &limits);
        assert_eq!((d.events.len(), d.dropped_events, d.events[0].attributes.dropped), (1, 1, 1));
        assert_eq!(d.arena.get(d.events[0].name), "e1");
        d.add_link(d.ctx.clone(), &[], &limits);
        d.add_link(d.ctx.clone(), &[], &limits);
        assert_eq!((d.links.len(), d.dropped_links), (1, 1));
    }

    #[test]
    fn exceptions_follow_semantic_conventions() {
        let mut d = data();
        d.record_exception(Some("ValueError"), "boom", Some("at line 1"), &SpanLimits::default());
        assert_eq!((d.status_code, d.status_message.as_str()), (StatusCode::Error, "boom"));
        assert_eq!(d.arena.get(d.events[0].name), "exception");
        let keys: Vec<_> = d.events[0].attributes.to_proto(&d.arena).into_iter().map(|kv| kv.key).collect();
        assert_eq!(keys, ["exception.type", "exception.message", "exception.stacktrace"]);
    }

    #[test]
    fn status_rules() {
        let mut d = data();
        d.set_status(StatusCode::Error, "boom");
        assert_eq!((d.status_code, d.status_message.as_str()), (StatusCode::Error, "boom"));
        d.set_status(StatusCode::Unset, "");
        assert_eq!(d.status_code, StatusCode::Error, "unset is ignored");
        d.set_status(StatusCode::Ok, "ignored");
        assert_eq!((d.status_code, d.status_message.as_str()), (StatusCode::Ok, ""));
        d.set_status(StatusCode::Error, "late");
        assert_eq!(d.status_code, StatusCode::Ok, "ok is final");
    }

    #[test]
    fn kind_and_status_numbers() {
        assert_eq!(SpanKind::from_i32(0), None);
        assert_eq!(SpanKind::from_i32(6), None);
        assert_eq!(SpanKind::from_i32(5), Some(SpanKind::Consumer));
        assert_eq!(StatusCode::from_i32(2), Some(StatusCode::Error));
        assert_eq!(StatusCode::from_i32(3), None);
    }
}
