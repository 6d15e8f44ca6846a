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

/// The strings of one span. Text replaced later (a key set again, a rename) stays in the
/// arena as dead bytes until the span's record compacts it ([`crate::data::SpanData`]), so a
/// span's memory follows what it holds, not how often it was set.
#[derive(Debug, Clone, Default)]
pub struct Arena {
    text: String,
    /// Bytes of `text` no longer referenced.
    dead: usize,
}

/// Arena offsets are u32; a span never holds anywhere near 4 GiB of text, but stay total.
const MAX_TEXT: usize = u32::MAX as usize;

impl Arena {
    /// Empties the arena, keeping its allocation for reuse.
    pub fn clear(&mut self) {
        self.text.clear();
        self.dead = 0;
    }

    /// Bytes held, dead ones included.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Bytes no longer referenced (see [`release`](Self::release)).
    pub fn dead(&self) -> usize {
        self.dead
    }

    /// Records that `t` is no longer referenced.
    pub fn release(&mut self, t: Text) {
        self.dead = self.dead.saturating_add(t.len as usize);
    }

    /// Whether `n` more bytes fit (offsets are u32: at most 4 GiB of text per span).
    #[inline]
    pub fn fits(&self, n: usize) -> bool {
        self.text.len().saturating_add(n) <= MAX_TEXT
    }

    pub fn capacity(&self) -> usize {
        self.text.capacity()
    }

    /// Makes room for at least `n` more bytes.
    pub fn reserve(&mut self, n: usize) {
        self.text.reserve(n);
    }

    #[inline]
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
    pub(crate) fn bytes(&self, t: Text) -> &[u8] {
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

    #[inline(always)]
    fn store(arena: &mut Arena, value: &Value<'_>, limit: Limit) -> Stored {
        match value {
            Value::Str(s) if s.len() <= limit.value_length => Stored::Str(arena.intern(s)),
            Value::Str(s) => Stored::Str(arena.intern(truncate(s, limit.value_length))),
            Value::Bool(b) => Stored::Bool(*b),
            Value::Int(i) => Stored::Int(*i),
            Value::Double(d) => Stored::Double(*d),
            Value::Array(items) => Self::store_array(arena, items, limit),
        }
    }

    #[cold]
    fn store_array(arena: &mut Arena, items: &[Value<'_>], limit: Limit) -> Stored {
        Stored::Array(items.iter().map(|v| Self::store(arena, v, limit)).collect())
    }

    /// Sets `key`, replacing an earlier value of the same key; beyond `limit.count` distinct
    /// keys the attribute is counted as dropped. Keys are not empty (OpenTelemetry requires it;
    /// the C boundary rejects an empty key with an error). An attribute whose text no longer
    /// fits the span's arena (4 GiB) is counted as dropped too, never stored empty. True when
    /// an earlier value was replaced (its text is now dead: the caller may compact).
    #[inline(always)]
    pub fn set(&mut self, arena: &mut Arena, key: &str, value: &Value<'_>, limit: Limit) -> bool {
        let key_len = key.len() as u32;
        let found = self.entries.iter().position(|(k, _)| k.len == key_len && arena.bytes(*k) == key.as_bytes());
        if let Some(i) = found {
            self.replace(arena, i, value, limit);
            return true;
        }
        if self.entries.len() < limit.count && arena.fits(key.len() + Self::text_len(value)) {
            if self.entries.capacity() == 0 {
                self.entries.reserve_exact(4);
            }
            let k = arena.intern(key);
            let v = Self::store(arena, value, limit);
            self.entries.push((k, v));
        } else {
            self.dropped = self.dropped.saturating_add(1);
        }
        false
    }

    /// Replaces the value of entry `i`; the old value's text becomes dead.
    #[cold]
    fn replace(&mut self, arena: &mut Arena, i: usize, value: &Value<'_>, limit: Limit) {
        if !arena.fits(Self::text_len(value)) {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        let v = Self::store(arena, value, limit);
        if let Some(entry) = self.entries.get_mut(i) {
            let old = std::mem::replace(&mut entry.1, v);
            Self::release(arena, &old);
        }
    }

    /// Text bytes `value` takes in an arena (at most: before truncation).
    #[inline(always)]
    fn text_len(value: &Value<'_>) -> usize {
        match value {
            Value::Str(s) => s.len(),
            Value::Array(items) => items.iter().map(Self::text_len).sum(),
            _ => 0,
        }
    }

    fn release(arena: &mut Arena, v: &Stored) {
        match v {
            Stored::Str(t) => arena.release(*t),
            Stored::Array(items) => items.iter().for_each(|i| Self::release(arena, i)),
            _ => {}
        }
    }

    /// Moves every string of this list from `old` into `new` (compaction).
    pub(crate) fn rehome(&mut self, old: &Arena, new: &mut Arena) {
        fn value(v: &mut Stored, old: &Arena, new: &mut Arena) {
            match v {
                Stored::Str(t) => *t = new.intern(old.get(*t)),
                Stored::Array(items) => items.iter_mut().for_each(|i| value(i, old, new)),
                _ => {}
            }
        }
        for (k, v) in &mut self.entries {
            *k = new.intern(old.get(*k));
            value(v, old, new);
        }
    }

    /// Sets each attribute in order; true when any replaced an earlier value.
    pub fn set_all(&mut self, arena: &mut Arena, attrs: &[(&str, Value<'_>)], limit: Limit) -> bool {
        let mut replaced = false;
        for (k, v) in attrs {
            replaced |= self.set(arena, k, v, limit);
        }
        replaced
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

/// Direct protobuf encoding (see `export::encode`): the bytes prost writes for `to_proto`'s
/// messages, without building them.
impl AttrList {
    /// Writes each attribute as a `KeyValue` field `key` of the enclosing message.
    pub(crate) fn encode_pb(&self, arena: &Arena, buf: &mut Vec<u8>, key: u32) {
        use crate::export::pb;
        for (k, v) in &self.entries {
            let k = arena.bytes(*k);
            // A scalar value's size is known: the lengths are written up front.
            match v {
                Stored::Str(t) => {
                    let s = arena.bytes(*t);
                    Self::kv_head_pb(buf, key, k, 1 + pb::varint_len(s.len() as u64) + s.len());
                    pb::put_len_field(buf, pb::key(1, pb::LEN), s);
                }
                Stored::Bool(b) => {
                    Self::kv_head_pb(buf, key, k, 2);
                    buf.extend_from_slice(&[pb::key(2, pb::VARINT) as u8, u8::from(*b)]);
                }
                Stored::Int(i) => {
                    Self::kv_head_pb(buf, key, k, 1 + pb::varint_len(*i as u64));
                    buf.push(pb::key(3, pb::VARINT) as u8);
                    pb::put_varint(buf, *i as u64);
                }
                Stored::Double(d) => {
                    Self::kv_head_pb(buf, key, k, 9);
                    let mut field = [pb::key(4, pb::FIXED64) as u8; 9];
                    field[1..].copy_from_slice(&d.to_bits().to_le_bytes());
                    buf.extend_from_slice(&field);
                }
                Stored::Array(_) => {
                    let kv = pb::begin(buf, key, 1);
                    pb::put_str(buf, pb::key(1, pb::LEN), k);
                    let any = pb::begin(buf, pb::key(2, pb::LEN), 1);
                    Self::encode_value_pb(arena, v, buf);
                    pb::end(buf, any);
                    pb::end(buf, kv);
                }
            }
        }
    }

    /// The start of a `KeyValue` field `key` whose `AnyValue` takes `any_len` bytes: the
    /// field's key and length, `KeyValue.key` (left out when empty: keys are not, see `set`),
    /// and the key and length of `KeyValue.value`.
    #[inline(always)]
    fn kv_head_pb(buf: &mut Vec<u8>, key: u32, k: &[u8], any_len: usize) {
        use crate::export::pb;
        let key_len = if k.is_empty() { 0 } else { 1 + pb::varint_len(k.len() as u64) + k.len() };
        let kv_len = key_len + 1 + pb::varint_len(any_len as u64) + any_len;
        if key < 0x80 && kv_len < 0x80 && !k.is_empty() {
            // The common case: every length one byte.
            buf.extend_from_slice(&[key as u8, kv_len as u8, pb::key(1, pb::LEN) as u8, k.len() as u8]);
            buf.extend_from_slice(k);
            buf.extend_from_slice(&[pb::key(2, pb::LEN) as u8, any_len as u8]);
            return;
        }
        pb::put_key(buf, key);
        pb::put_varint(buf, kv_len as u64);
        pb::put_str(buf, pb::key(1, pb::LEN), k);
        pb::put_key(buf, pb::key(2, pb::LEN));
        pb::put_varint(buf, any_len as u64);
    }

    /// The `AnyValue.value` oneof (always written, even a default value).
    fn encode_value_pb(arena: &Arena, v: &Stored, buf: &mut Vec<u8>) {
        use crate::export::pb;
        match v {
            Stored::Str(t) => pb::put_len_field(buf, pb::key(1, pb::LEN), arena.bytes(*t)),
            Stored::Bool(b) => buf.extend_from_slice(&[pb::key(2, pb::VARINT) as u8, u8::from(*b)]),
            Stored::Int(i) => {
                buf.push(pb::key(3, pb::VARINT) as u8);
                pb::put_varint(buf, *i as u64);
            }
            Stored::Double(d) => {
                buf.push(pb::key(4, pb::FIXED64) as u8);
                buf.extend_from_slice(&d.to_bits().to_le_bytes());
            }
            Stored::Array(items) => {
                let array = pb::begin(buf, pb::key(5, pb::LEN), 1);
                for item in items {
                    let any = pb::begin(buf, pb::key(1, pb::LEN), 1);
                    Self::encode_value_pb(arena, item, buf);
                    pb::end(buf, any);
                }
                pb::end(buf, array);
            }
        }
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
