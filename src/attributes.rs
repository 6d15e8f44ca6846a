//! Attributes: the C representation (`otlp_attribute_t`, a tagged value array bindings fill in
//! one go) and the storage of a span's strings and attributes.
//!
//! A span keeps one text arena for its name, keys, string values, event names and the like,
//! so recording costs a couple of allocations however many strings it carries; conversion to
//! OTLP types happens on the export thread.

use crate::error::{Error, Result};
use crate::ffi::boundary::{StrFault, c_str};
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue, any_value};
use std::ffi::c_char;

/// The type tag of an `otlp_attribute_t`: which member of its `value` is set.
#[repr(C)]
#[allow(non_camel_case_types, dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum otlp_attribute_type_t {
    /// `value.string_value`: a NUL-terminated UTF-8 string (copied).
    OTLP_ATTRIBUTE_STRING = 1,
    /// `value.bool_value`.
    OTLP_ATTRIBUTE_BOOL = 2,
    /// `value.int_value`: a signed 64-bit integer.
    OTLP_ATTRIBUTE_INT = 3,
    /// `value.double_value`.
    OTLP_ATTRIBUTE_DOUBLE = 4,
    /// `value.array_value` of `const char *` (NUL-terminated UTF-8, none NULL).
    OTLP_ATTRIBUTE_STRING_ARRAY = 5,
    /// `value.array_value` of `bool`.
    OTLP_ATTRIBUTE_BOOL_ARRAY = 6,
    /// `value.array_value` of `int64_t`.
    OTLP_ATTRIBUTE_INT_ARRAY = 7,
    /// `value.array_value` of `double`.
    OTLP_ATTRIBUTE_DOUBLE_ARRAY = 8,
}

#[allow(non_camel_case_types)]
pub type otlp_attribute_type_arg = i32;

/// A homogeneous array: `items` points to `len` elements of the type the tag names
/// (`const char *const[]`, `bool[]`, `int64_t[]` or `double[]`); NULL only when `len` is 0.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct otlp_array_t {
    pub items: *const std::ffi::c_void,
    pub len: usize,
}

/// The value of an `otlp_attribute_t`; which member is read is chosen by its `type`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union otlp_attribute_value_t {
    pub string_value: *const c_char,
    pub bool_value: bool,
    pub int_value: i64,
    pub double_value: f64,
    pub array_value: otlp_array_t,
}

/// One typed attribute. Arrays of these set many attributes in one call
/// (`otlp_span_set_attributes`, span options, events, links).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct otlp_attribute_t {
    /// NUL-terminated UTF-8 key, not empty.
    pub key: *const c_char,
    /// Which member of `value` holds the value (an otlp_attribute_type_t).
    pub r#type: otlp_attribute_type_arg,
    pub value: otlp_attribute_value_t,
}

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
    /// keys the attribute is counted as dropped.
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

/// Reads a C array of `count` elements (NULL allowed only for an empty array).
///
/// # Safety
/// `ptr` is NULL or valid for `count` reads of `T`.
unsafe fn c_slice<'a, T>(ptr: *const T, count: usize) -> Option<&'a [T]> {
    if count == 0 {
        return Some(&[]);
    }
    // SAFETY: non-NULL and valid for `count` elements per the caller.
    (!ptr.is_null()).then(|| unsafe { std::slice::from_raw_parts(ptr, count) })
}

/// What is wrong with one attribute; turned into a message (naming the entry) only when a call
/// fails, so the success path formats nothing.
#[derive(Debug, Clone, Copy)]
enum Fault {
    Key(StrFault),
    EmptyKey,
    StringValue(StrFault),
    NullItems,
    Item(usize, StrFault),
    Type(i32),
}

impl Fault {
    fn error(self, name: &str, i: usize) -> Error {
        match self {
            Fault::Key(f) => f.error(&format!("{name}[{i}].key")),
            Fault::EmptyKey => Error::invalid_argument(format!("argument `{name}[{i}].key` is empty")),
            Fault::StringValue(f) => f.error(&format!("{name}[{i}].value.string_value")),
            Fault::NullItems => Error::null_pointer(&format!("{name}[{i}].value.array_value.items")),
            Fault::Item(j, f) => f.error(&format!("{name}[{i}].value.array_value.items[{j}]")),
            Fault::Type(t) => Error::invalid_argument(format!(
                "argument `{name}[{i}].type` is {t}, not an otlp_attribute_type_t (1..=8)"
            )),
        }
    }
}

/// Reads one tagged attribute from C memory.
///
/// # Safety
/// `a`'s pointers are NULL or valid as its tag says.
unsafe fn read_one<'a>(a: &otlp_attribute_t) -> std::result::Result<(&'a str, Value<'a>), Fault> {
    let key = unsafe { c_str(a.key) }.map_err(Fault::Key)?;
    if key.is_empty() {
        return Err(Fault::EmptyKey);
    }
    // SAFETY (closure): only called when the tag says `array_value` was written.
    let items = |_: ()| -> std::result::Result<(*const std::ffi::c_void, usize), Fault> {
        let arr = unsafe { a.value.array_value };
        if arr.len > 0 && arr.items.is_null() { Err(Fault::NullItems) } else { Ok((arr.items, arr.len)) }
    };
    // SAFETY (each arm): the tag says which member the caller wrote; a bool is read as its
    // byte so that a malformed bool never becomes a Rust `bool`.
    let value = match a.r#type {
        1 => Value::Str(unsafe { c_str(a.value.string_value) }.map_err(Fault::StringValue)?),
        2 => Value::Bool(unsafe { std::ptr::addr_of!(a.value).cast::<u8>().read() } != 0),
        3 => Value::Int(unsafe { a.value.int_value }),
        4 => Value::Double(unsafe { a.value.double_value }),
        5 => {
            let (p, len) = items(())?;
            let ptrs = unsafe { c_slice(p.cast::<*const c_char>(), len) }.ok_or(Fault::NullItems)?;
            let mut out = Vec::with_capacity(len);
            for (j, s) in ptrs.iter().enumerate() {
                out.push(Value::Str(unsafe { c_str(*s) }.map_err(|f| Fault::Item(j, f))?));
            }
            Value::Array(out)
        }
        6 => {
            let (p, len) = items(())?;
            let bytes = unsafe { c_slice(p.cast::<u8>(), len) }.ok_or(Fault::NullItems)?;
            Value::Array(bytes.iter().map(|b| Value::Bool(*b != 0)).collect())
        }
        7 => {
            let (p, len) = items(())?;
            let ints = unsafe { c_slice(p.cast::<i64>(), len) }.ok_or(Fault::NullItems)?;
            Value::Array(ints.iter().map(|i| Value::Int(*i)).collect())
        }
        8 => {
            let (p, len) = items(())?;
            let ds = unsafe { c_slice(p.cast::<f64>(), len) }.ok_or(Fault::NullItems)?;
            Value::Array(ds.iter().map(|d| Value::Double(*d)).collect())
        }
        t => return Err(Fault::Type(t)),
    };
    Ok((key, value))
}

/// Reads and validates `count` attributes; the first invalid one fails the whole read, with a
/// message naming it as `{name}[i]`.
///
/// # Safety
/// `attrs` is NULL (only with `count == 0`) or valid for `count` entries whose pointers are
/// valid as their tags say.
pub unsafe fn read_c_attributes<'a>(
    attrs: *const otlp_attribute_t,
    count: usize,
    name: &str,
) -> Result<Vec<(&'a str, Value<'a>)>> {
    let entries = unsafe { c_slice(attrs, count) }.ok_or_else(|| Error::null_pointer(name))?;
    let mut out = Vec::with_capacity(entries.len());
    for (i, a) in entries.iter().enumerate() {
        out.push(unsafe { read_one(a) }.map_err(|f| f.error(name, i))?);
    }
    Ok(out)
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

    #[test]
    fn c_attributes_are_validated() {
        let ints = [1i64, 2, 3];
        let strs = [c"a".as_ptr(), c"b".as_ptr()];
        let attrs = [
            otlp_attribute_t {
                key: c"ints".as_ptr(),
                r#type: 7,
                value: otlp_attribute_value_t { array_value: otlp_array_t { items: ints.as_ptr().cast(), len: 3 } },
            },
            otlp_attribute_t {
                key: c"strs".as_ptr(),
                r#type: 5,
                value: otlp_attribute_value_t { array_value: otlp_array_t { items: strs.as_ptr().cast(), len: 2 } },
            },
        ];
        let read = unsafe { read_c_attributes(attrs.as_ptr(), 2, "attributes") }.unwrap();
        assert_eq!(read[0], ("ints", Value::Array(vec![Value::Int(1), Value::Int(2), Value::Int(3)])));
        assert_eq!(read[1], ("strs", Value::Array(vec![Value::Str("a"), Value::Str("b")])));
        let bad = [otlp_attribute_t {
            key: c"x".as_ptr(),
            r#type: 7,
            value: otlp_attribute_value_t { array_value: otlp_array_t { items: std::ptr::null(), len: 2 } },
        }];
        let e = unsafe { read_c_attributes(bad.as_ptr(), 1, "attributes") }.unwrap_err();
        assert!(e.message.contains("attributes[0].value.array_value.items"), "{}", e.message);
        assert!(unsafe { read_c_attributes(std::ptr::null(), 0, "attributes") }.unwrap().is_empty());
        assert!(unsafe { read_c_attributes(std::ptr::null(), 1, "attributes") }.is_err());
    }
}
