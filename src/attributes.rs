//! Span attribute storage: one text arena per span holding its name, keys and string values,
//! so recording a span costs two allocations (arena + attribute list) however many strings it
//! carries. Conversion to OTLP types happens on the export thread.

use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};

/// A string stored in the arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Text {
    start: u32,
    len: u32,
}

/// An attribute value as given by the caller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Str(&'a str),
    Bool(bool),
    Int(i64),
    Double(f64),
}

/// An attribute value as stored.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stored {
    Str(Text),
    Bool(bool),
    Int(i64),
    Double(f64),
}

/// Name, attributes and the arena behind them.
#[derive(Debug, Clone, Default)]
pub struct Attributes {
    text: String,
    entries: Vec<(Text, Stored)>,
    /// Attributes not kept because of the count limit (OTLP dropped_attributes_count).
    pub dropped: u32,
}

/// Arena offsets are u32; a span never holds anywhere near 4 GiB of text, but stay total.
const MAX_TEXT: usize = u32::MAX as usize;

impl Attributes {
    /// An empty set whose arena starts with `first` (the span name), sized for a few more.
    pub fn with_name(first: &str) -> (Self, Text) {
        let mut attrs = Self {
            text: String::with_capacity(first.len() + 96),
            ..Self::default()
        };
        let name = attrs.intern(first);
        (attrs, name)
    }

    pub fn intern(&mut self, s: &str) -> Text {
        if self.text.len() + s.len() > MAX_TEXT {
            return Text::default();
        }
        let start = self.text.len() as u32;
        self.text.push_str(s);
        Text {
            start,
            len: s.len() as u32,
        }
    }

    pub fn get(&self, t: Text) -> &str {
        self.text
            .get(t.start as usize..(t.start + t.len) as usize)
            .unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sets `key`, replacing an earlier value of the same key; beyond `limit` distinct keys the
    /// attribute is counted as dropped.
    pub fn set(&mut self, key: &str, value: Value<'_>, limit: usize) {
        let stored = |a: &mut Self| match value {
            Value::Str(s) => Stored::Str(a.intern(s)),
            Value::Bool(b) => Stored::Bool(b),
            Value::Int(i) => Stored::Int(i),
            Value::Double(d) => Stored::Double(d),
        };
        if let Some(i) = self.entries.iter().position(|(k, _)| self.get(*k) == key) {
            let v = stored(self);
            if let Some(entry) = self.entries.get_mut(i) {
                entry.1 = v;
            }
        } else if self.entries.len() < limit {
            if self.entries.capacity() == 0 {
                self.entries.reserve_exact(4);
            }
            let k = self.intern(key);
            let v = stored(self);
            self.entries.push((k, v));
        } else {
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    /// The attributes as OTLP key-values.
    pub fn to_proto(&self) -> Vec<KeyValue> {
        self.entries
            .iter()
            .map(|(k, v)| {
                let value = match *v {
                    Stored::Str(t) => any_value::Value::StringValue(self.get(t).to_owned()),
                    Stored::Bool(b) => any_value::Value::BoolValue(b),
                    Stored::Int(i) => any_value::Value::IntValue(i),
                    Stored::Double(d) => any_value::Value::DoubleValue(d),
                };
                KeyValue {
                    key: self.get(*k).to_owned(),
                    value: Some(AnyValue { value: Some(value) }),
                    ..Default::default()
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replace_limit_and_convert() {
        let (mut a, name) = Attributes::with_name("GET /");
        a.set("k", Value::Int(1), 3);
        a.set("s", Value::Str("v1"), 3);
        a.set("k", Value::Str("now a string"), 3);
        a.set("b", Value::Bool(true), 3);
        a.set("over", Value::Double(1.5), 3);
        assert_eq!(a.get(name), "GET /");
        assert_eq!((a.len(), a.dropped), (3, 1));
        let p = a.to_proto();
        let keys: Vec<_> = p.iter().map(|kv| kv.key.as_str()).collect();
        assert_eq!(keys, ["k", "s", "b"]);
        let v = |i: usize| p[i].value.as_ref().unwrap().value.clone().unwrap();
        assert_eq!(v(0), any_value::Value::StringValue("now a string".into()));
        assert_eq!(v(1), any_value::Value::StringValue("v1".into()));
        assert_eq!(v(2), any_value::Value::BoolValue(true));
    }
}
