//! C structs to core values: attributes (`otlp_attribute_t` arrays), span options, links and
//! finished spans. Everything a call reads from C memory is validated here, before the core is
//! called, and an error names the field (`options.attributes[1].key`).

use crate::boundary::{StrFault, arg_str, c_str, check_ptr};
use crate::error::{Error, Result};
use crate::handles;
use crate::types::{
    otlp_attribute_t, otlp_context_t, otlp_finished_span_t, otlp_link_t, otlp_span_kind_arg, otlp_span_options_t,
    otlp_status_code_arg,
};
use otlp_ffi_core::{SpanKind, StartOptions, StatusCode, Value};
use std::ffi::c_char;

/// A span kind argument (an `otlp_span_kind_t` as the integer C passes).
pub fn span_kind(kind: otlp_span_kind_arg) -> Result<SpanKind> {
    span_kind_named(kind, "", "kind")
}

/// `field`, or `owner.field` when it is a field of the struct argument `owner`.
fn path(owner: &str, field: &str) -> String {
    if owner.is_empty() { field.to_owned() } else { format!("{owner}.{field}") }
}

/// Like [`span_kind`] for the field `kind` of the struct `owner` (`options.kind`); the name is
/// only formatted on failure.
fn span_kind_named(kind: otlp_span_kind_arg, owner: &str, field: &str) -> Result<SpanKind> {
    SpanKind::from_i32(kind).ok_or_else(|| {
        Error::invalid_argument(format!("argument `{}` is {kind}, not an otlp_span_kind_t (1..=5)", path(owner, field)))
    })
}

/// An error about a handle argument or field, with its name in front of the message
/// ("argument `options.links[0].context`: context handle is not live ...").
#[cold]
fn naming(e: Error, name: &str) -> Error {
    Error::new(e.code, format!("argument `{name}`: {}", e.message))
}

/// A status code argument (an `otlp_status_code_t` as the integer C passes).
pub fn status_code(code: otlp_status_code_arg) -> Result<StatusCode> {
    StatusCode::from_i32(code)
        .ok_or_else(|| Error::invalid_argument(format!("argument `code` is {code}, not an otlp_status_code_t (0..=2)")))
}

/// A parent context argument: NULL means none (a root span).
pub fn parent(context: *const otlp_context_t) -> Result<Option<otlp_ffi_core::SpanContext>> {
    parent_named(context, "")
}

/// Like [`parent`] for the field `parent` of the struct `owner` (`options.parent`).
fn parent_named(context: *const otlp_context_t, owner: &str) -> Result<Option<otlp_ffi_core::SpanContext>> {
    if context.is_null() {
        Ok(None)
    } else {
        handles::context(context).map(Some).map_err(|e| naming(e, &path(owner, "parent")))
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

/// The start fields shared by `otlp_span_options_t` and `otlp_finished_span_t`, validated;
/// errors name the field under `owner` (`options.links[0].context`) or, for the attributes,
/// `attributes_field` (`span.start_attributes[1].key`).
struct StartFields {
    kind: otlp_span_kind_arg,
    parent: *const otlp_context_t,
    attributes: *const otlp_attribute_t,
    attribute_count: usize,
    links: *const otlp_link_t,
    link_count: usize,
    start_time_unix_nano: u64,
}

impl StartFields {
    /// # Safety
    /// The arrays hold the counts they claim, as the C API documents.
    unsafe fn read<'a>(self, owner: &str, attributes_field: &str) -> Result<StartOptions<'a>> {
        let mut opts = StartOptions {
            kind: if self.kind == 0 { SpanKind::Internal } else { span_kind_named(self.kind, owner, "kind")? },
            start_ns: (self.start_time_unix_nano != 0).then_some(self.start_time_unix_nano),
            ..Default::default()
        };
        opts.parent = parent_named(self.parent, owner)?;
        opts.attributes = unsafe { read_c_attributes(self.attributes, self.attribute_count, attributes_field) }?;
        if self.link_count > 0 {
            check_ptr(self.links, &format!("{owner}.links"))?;
            // SAFETY: non-NULL, `link_count` entries per the caller.
            let links = unsafe { std::slice::from_raw_parts(self.links, self.link_count) };
            for (i, l) in links.iter().enumerate() {
                check_ptr(l.context, &format!("{owner}.links[{i}].context"))?;
                let ctx = handles::context(l.context).map_err(|e| naming(e, &format!("{owner}.links[{i}].context")))?;
                let name = format!("{owner}.links[{i}].attributes");
                let attrs = unsafe { read_c_attributes(l.attributes, l.attribute_count, &name) }?;
                opts.links.push((ctx, attrs));
            }
        }
        Ok(opts)
    }
}

/// Reads a size-prefixed struct whose first field is `struct_size`: a copy of it, or an error
/// naming `what` when the caller's struct is older (smaller) than the first version of ours.
///
/// # Safety
/// `ptr` is non-NULL and points to at least `struct_size` readable bytes.
unsafe fn read_sized<T: Copy>(ptr: *const T, what: &str, type_name: &str) -> Result<T> {
    // SAFETY: the first field is read alone before trusting the rest.
    let size = unsafe { ptr.cast::<usize>().read_unaligned() };
    let ours = std::mem::size_of::<T>();
    if size < ours {
        return Err(Error::invalid_argument(format!(
            "argument `{what}.struct_size` is {size}, expected at least {ours} (sizeof({type_name}))"
        )));
    }
    Ok(unsafe { ptr.read_unaligned() })
}

/// Reads an `otlp_span_options_t` (NULL: all defaults), validating every entry; errors name
/// the field (`options.attributes[1].key`, `options.links[0].context`).
///
/// # Safety
/// `options` is NULL or points to at least `options->struct_size` readable bytes whose arrays
/// hold the counts they claim, as the C API documents.
pub unsafe fn read_options<'a>(options: *const otlp_span_options_t) -> Result<StartOptions<'a>> {
    if options.is_null() {
        return Ok(StartOptions::default());
    }
    let o = unsafe { read_sized(options, "options", "otlp_span_options_t") }?;
    let fields = StartFields {
        kind: o.kind,
        parent: o.parent,
        attributes: o.attributes,
        attribute_count: o.attribute_count,
        links: o.links,
        link_count: o.link_count,
        start_time_unix_nano: o.start_time_unix_nano,
    };
    unsafe { fields.read("options", "options.attributes") }
}

/// A finished span of `otlp_span_emit`, validated: its name, start options, the attributes
/// set while it ran and its end time (`None`: now).
pub struct Finished<'a> {
    pub name: &'a str,
    pub start: StartOptions<'a>,
    pub attributes: Vec<(&'a str, Value<'a>)>,
    pub end_ns: Option<u64>,
}

/// Reads an `otlp_finished_span_t`, validating every entry; errors name the field
/// (`span.name`, `span.start_attributes[0].key`, `span.struct_size`).
///
/// # Safety
/// `span` is non-NULL and points to at least `span->struct_size` readable bytes whose arrays
/// hold the counts they claim, as the C API documents.
pub unsafe fn read_finished<'a>(span: *const otlp_finished_span_t) -> Result<Finished<'a>> {
    let f = unsafe { read_sized(span, "span", "otlp_finished_span_t") }?;
    let name = unsafe { arg_str(f.name, "span.name") }?;
    let fields = StartFields {
        kind: f.kind,
        parent: f.parent,
        attributes: f.start_attributes,
        attribute_count: f.start_attribute_count,
        links: f.links,
        link_count: f.link_count,
        start_time_unix_nano: f.start_time_unix_nano,
    };
    let start = unsafe { fields.read("span", "span.start_attributes") }?;
    let attributes = unsafe { read_c_attributes(f.attributes, f.attribute_count, "span.attributes") }?;
    Ok(Finished { name, start, attributes, end_ns: (f.end_time_unix_nano != 0).then_some(f.end_time_unix_nano) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{otlp_array_t, otlp_attribute_value_t};

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

    #[test]
    fn kind_and_code_range() {
        assert!(span_kind(0).is_err());
        assert!(span_kind(6).is_err());
        assert_eq!(span_kind(5).unwrap(), SpanKind::Consumer);
        assert!(status_code(3).is_err());
        assert_eq!(status_code(2).unwrap(), StatusCode::Error);
    }
}
