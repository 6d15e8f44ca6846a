//! Attribute values and the storage of a span's strings and attributes.
//!
//! A span keeps one text arena for its name, keys, string values, event names and the like,
//! so recording costs a couple of allocations however many strings it carries; conversion to
//! OTLP types happens on the export thread.

use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue, any_value};

/// A string stored in an arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Text {
    start: u32,
    len: u32,
}

/// An attribute value as given by the caller, borrowed.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Str(&'a str),
    Bool(bool),
    Int(i64),
    Double(f64),
    Array(Vec<Value<'a>>),
}

#[derive(Debug, Clone, PartialEq)]
enum Stored {
    Str(Text),
    Bool(bool),
    Int(i64),
    Double(f64),
    Array(Vec<Stored>),
}

/// The strings of one span.
#[derive(Debug, Clone, Default)]
pub struct Arena {
    text: String,
}

/// Arena offsets are u32; a span never holds anywhere near 4 GiB of text, but stay total.
const MAX_TEXT: usize = u32::MAX as usize;

impl Arena {
    /// Empties the arena, keeping its allocation for reuse.
    pub fn clear(&mut self) {
        self.text.clear();
    }

    pub fn capacity(&self) -> usize {
        self.text.capacity()
    }

    /// Makes room for at least `n` more bytes.
    pub fn reserve(&mut self, n: usize) {
        self.text.reserve(n);
    }

    pub fn intern(&mut self, s: &str) -> Text {
        if self.text.len() + s.len() > MAX_TEXT {
            return Text::default();
        }
        let start = self.text.len() as u32;
        self.text.push_str(s);
        Text { start, len: s.len() as u32 }
    }

    pub fn get(&self, t: Text) -> &str {
        self.text.get(t.start as usize..(t.start + t.len) as usize).unwrap_or("")
    }

    /// The bytes of `t` (a bounds check, no character-boundary checks: for comparisons).
    fn bytes(&self, t: Text) -> &[u8] {
        self.text.as_bytes().get(t.start as usize..(t.start + t.len) as usize).unwrap_or(b"")
    }
}

/// How many attributes a list keeps and how long a string value may be (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub count: usize,
    pub value_length: usize,
}

fn truncate(s: &str, max_chars: usize) -> &str {
    if s.len() <= max_chars {
        return s; // no more characters than bytes: nothing to cut (the default: no limit)
    }
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

/// An attribute list whose strings live in an `Arena`.
#[derive(Debug, Clone, Default)]
pub struct AttrList {
    entries: Vec<(Text, Stored)>,
    /// Attributes not kept because of the count limit (OTLP dropped_attributes_count).
    pub dropped: u32,
}

impl AttrList {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Empties the list, keeping its allocation for reuse.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.dropped = 0;
    }

    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    fn store(arena: &mut Arena, value: &Value<'_>, limit: Limit) -> Stored {
        match value {
            Value::Str(s) => Stored::Str(arena.intern(truncate(s, limit.value_length))),
            Value::Bool(b) => Stored::Bool(*b),
            Value::Int(i) => Stored::Int(*i),
            Value::Double(d) => Stored::Double(*d),
            Value::Array(items) => Stored::Array(items.iter().map(|v| Self::store(arena, v, limit)).collect()),
        }
    }

    /// Sets `key`, replacing an earlier value of the same key; beyond `limit.count` distinct
    /// keys the attribute is counted as dropped. Keys are not empty (OpenTelemetry requires it;
    /// the C boundary rejects an empty key with an error).
    pub fn set(&mut self, arena: &mut Arena, key: &str, value: &Value<'_>, limit: Limit) {
        if let Some(i) = self.entries.iter().position(|(k, _)| arena.bytes(*k) == key.as_bytes()) {
            let v = Self::store(arena, value, limit);
            if let Some(entry) = self.entries.get_mut(i) {
                entry.1 = v;
            }
        } else if self.entries.len() < limit.count {
            if self.entries.capacity() == 0 {
                self.entries.reserve_exact(4);
            }
            let k = arena.intern(key);
            let v = Self::store(arena, value, limit);
            self.entries.push((k, v));
        } else {
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    pub fn set_all(&mut self, arena: &mut Arena, attrs: &[(&str, Value<'_>)], limit: Limit) {
        for (k, v) in attrs {
            self.set(arena, k, v, limit);
        }
    }

    fn value_to_proto(arena: &Arena, v: &Stored) -> any_value::Value {
        match v {
            Stored::Str(t) => any_value::Value::StringValue(arena.get(*t).to_owned()),
            Stored::Bool(b) => any_value::Value::BoolValue(*b),
            Stored::Int(i) => any_value::Value::IntValue(*i),
            Stored::Double(d) => any_value::Value::DoubleValue(*d),
            Stored::Array(items) => any_value::Value::ArrayValue(ArrayValue {
                values: items.iter().map(|i| AnyValue { value: Some(Self::value_to_proto(arena, i)) }).collect(),
            }),
        }
    }

    /// The attributes as OTLP key-values.
    pub fn to_proto(&self, arena: &Arena) -> Vec<KeyValue> {
        self.entries
            .iter()
            .map(|(k, v)| KeyValue {
                key: arena.get(*k).to_owned(),
                value: Some(AnyValue { value: Some(Self::value_to_proto(arena, v)) }),
                ..Default::default()
            })
            .collect()
    }
}

/// An attribute as OTLP carries it.
pub fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue { key: key.to_owned(), value: Some(AnyValue { value: Some(value) }), ..Default::default() }
}

/// A string attribute as OTLP carries it.
pub fn string_kv(key: &str, value: &str) -> KeyValue {
    kv(key, any_value::Value::StringValue(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Limit = Limit { count: 3, value_length: usize::MAX };

    #[test]
    fn set_replace_limit_and_convert() {
        let mut arena = Arena::default();
        let name = arena.intern("GET /");
        let mut a = AttrList::default();
        a.set(&mut arena, "k", &Value::Int(1), L);
        a.set(&mut arena, "s", &Value::Str("v1"), L);
        a.set(&mut arena, "k", &Value::Str("now a string"), L);
        a.set(&mut arena, "b", &Value::Array(vec![Value::Bool(true), Value::Bool(false)]), L);
        a.set(&mut arena, "over", &Value::Double(1.5), L);
        assert_eq!(arena.get(name), "GET /");
        assert_eq!((a.len(), a.dropped), (3, 1));
        let p = a.to_proto(&arena);
        let keys: Vec<_> = p.iter().map(|kv| kv.key.as_str()).collect();
        assert_eq!(keys, ["k", "s", "b"]);
        let v = |i: usize| p[i].value.as_ref().unwrap().value.clone().unwrap();
        assert_eq!(v(0), any_value::Value::StringValue("now a string".into()));
        assert_eq!(v(1), any_value::Value::StringValue("v1".into()));
        let any_value::Value::ArrayValue(arr) = v(2) else { panic!("array") };
        assert_eq!(arr.values.len(), 2);
    }

    #[test]
    fn value_length_limit_truncates_by_character() {
        let mut arena = Arena::default();
        let mut a = AttrList::default();
        let lim = Limit { count: 8, value_length: 3 };
        a.set(&mut arena, "s", &Value::Str("héllo"), lim);
        a.set(&mut arena, "arr", &Value::Array(vec![Value::Str("abcdef")]), lim);
        let p = a.to_proto(&arena);
        assert_eq!(p[0].value.as_ref().unwrap().value, Some(any_value::Value::StringValue("hél".into())));
        let Some(any_value::Value::ArrayValue(arr)) = p[1].value.as_ref().unwrap().value.clone() else { panic!() };
        assert_eq!(arr.values[0].value, Some(any_value::Value::StringValue("abc".into())));
    }
}
