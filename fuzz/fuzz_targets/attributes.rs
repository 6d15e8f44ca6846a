//! Attribute arrays through the C ABI: `otlp_span_set_attributes`,
//! `otlp_span_add_event_with_attributes` and `otlp_span_start_with_options` given fuzzed
//! `otlp_attribute_t` arrays (NULL / empty / non-UTF-8 keys, bad type tags, NULL strings,
//! scalar and array values with NULL items, NULL or non-UTF-8 elements). Each call's return
//! code must be the one the documented contract gives for the first invalid entry (a key is
//! checked before its value), OTLP_OK when all are valid.
#![no_main]

use fuzz_models::Bytes;
use libfuzzer_sys::fuzz_target;
use otlp_ffi::*;
use std::ffi::{c_char, c_void};
use std::sync::OnceLock;

const OK: otlp_error_t = otlp_error_t::OTLP_OK;
const INVALID: otlp_error_t = otlp_error_t::OTLP_ERROR_INVALID_ARGUMENT;
const NULL: otlp_error_t = otlp_error_t::OTLP_ERROR_NULL_POINTER;

/// One provider for the whole run (exporter `none`: spans go through the pipeline, nowhere
/// else); its default tracer as an address.
fn tracer() -> *mut otlp_tracer_t {
    static TRACER: OnceLock<usize> = OnceLock::new();
    *TRACER.get_or_init(|| unsafe {
        let mut cfg = std::ptr::null_mut();
        assert_eq!(otlp_config_new(&mut cfg), OK);
        assert_eq!(otlp_config_set(cfg, c"OTEL_TRACES_EXPORTER".as_ptr(), c"none".as_ptr()), OK);
        let mut provider = std::ptr::null_mut();
        assert_eq!(otlp_init_with_config(cfg, &mut provider), OK);
        otlp_config_free(cfg);
        let mut tracer = std::ptr::null_mut();
        assert_eq!(otlp_get_tracer(provider, &mut tracer), OK);
        tracer as usize
    }) as *mut otlp_tracer_t
}

/// A C string built from fuzz bytes: `None` = NULL; the error it must give when read.
struct CText {
    bytes: Option<Vec<u8>>,
}

impl CText {
    fn read(input: &mut Bytes) -> CText {
        match input.u8().unwrap_or(1) % 8 {
            0 => CText { bytes: None },
            1 => CText { bytes: Some(b"\0".to_vec()) },
            _ => {
                let mut b: Vec<u8> = input.bytes().unwrap_or(b"x").iter().copied().filter(|&c| c != 0).collect();
                b.push(0);
                CText { bytes: Some(b) }
            }
        }
    }
    fn ptr(&self) -> *const c_char {
        self.bytes.as_ref().map_or(std::ptr::null(), |b| b.as_ptr().cast())
    }
    fn fault(&self) -> Option<otlp_error_t> {
        match &self.bytes {
            None => Some(NULL),
            Some(b) if std::str::from_utf8(&b[..b.len() - 1]).is_err() => Some(INVALID),
            _ => None,
        }
    }
    fn is_empty(&self) -> bool {
        self.bytes.as_ref().is_some_and(|b| b.len() == 1)
    }
}

/// The storage behind one `otlp_attribute_t`.
struct Attr {
    key: CText,
    tag: i32,
    strings: Vec<CText>,
    string_ptrs: Vec<*const c_char>,
    raw: Vec<u64>,
    null_items: bool,
    len: usize,
    scalar: u64,
}

impl Attr {
    fn read(input: &mut Bytes) -> Attr {
        let key = CText::read(input);
        let t = input.u8().unwrap_or(1);
        let tag = if t >= 0xF0 { i32::from(t as i8) * 1000 } else { i32::from(t % 10) };
        let len = usize::from(input.u8().unwrap_or(0) % 17);
        let null_items = input.u8().unwrap_or(1).is_multiple_of(9);
        let strings: Vec<CText> = if tag == 1 || tag == 5 {
            (0..if tag == 1 { 1 } else { len }).map(|_| CText::read(input)).collect()
        } else {
            Vec::new()
        };
        let raw: Vec<u64> = (0..len).map(|_| input.u64().unwrap_or(7)).collect();
        let scalar = input.u64().unwrap_or(0);
        let string_ptrs = strings.iter().map(CText::ptr).collect();
        Attr { key, tag, strings, string_ptrs, raw, null_items, len, scalar }
    }

    fn c(&self) -> otlp_attribute_t {
        let items: *const c_void = if self.null_items {
            std::ptr::null()
        } else if self.tag == 5 {
            self.string_ptrs.as_ptr().cast()
        } else {
            self.raw.as_ptr().cast()
        };
        let value = match self.tag {
            1 => otlp_attribute_value_t { string_value: self.strings[0].ptr() },
            2 => otlp_attribute_value_t { bool_value: self.scalar & 1 == 1 },
            3 => otlp_attribute_value_t { int_value: self.scalar as i64 },
            4 => otlp_attribute_value_t { double_value: f64::from_bits(self.scalar) },
            _ => otlp_attribute_value_t { array_value: otlp_array_t { items, len: self.len } },
        };
        otlp_attribute_t { key: self.key.ptr(), r#type: self.tag, value }
    }

    /// The model: the error this entry must give, if any.
    fn fault(&self) -> Option<otlp_error_t> {
        if let Some(f) = self.key.fault() {
            return Some(f);
        }
        if self.key.is_empty() {
            return Some(INVALID);
        }
        match self.tag {
            1 => self.strings[0].fault(),
            2..=4 => None,
            5..=8 if self.len > 0 && self.null_items => Some(NULL),
            5 => self.strings.iter().find_map(CText::fault),
            6..=8 => None,
            _ => Some(INVALID),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let count = usize::from(input.u8().unwrap_or(0) % 9);
    let attrs: Vec<Attr> = (0..count).map(|_| Attr::read(&mut input)).collect();
    let c_attrs: Vec<otlp_attribute_t> = attrs.iter().map(Attr::c).collect();
    let want = attrs.iter().find_map(Attr::fault).unwrap_or(OK);
    let (ptr, n) = if count == 0 && input.u8().unwrap_or(0) % 2 == 0 {
        (std::ptr::null(), 0)
    } else {
        (c_attrs.as_ptr(), c_attrs.len())
    };

    let tracer = tracer();
    let mut span = std::ptr::null_mut();
    assert_eq!(unsafe { otlp_span_start(tracer, c"attrs".as_ptr(), 1, std::ptr::null(), &mut span) }, OK);
    assert_eq!(unsafe { otlp_span_set_attributes(span, ptr, n) }, want, "otlp_span_set_attributes");
    assert_eq!(
        unsafe { otlp_span_add_event_with_attributes(span, c"ev".as_ptr(), 0, ptr, n) },
        want,
        "otlp_span_add_event_with_attributes"
    );
    // A NULL array with a count is a NULL pointer, never read.
    if n > 0 {
        assert_eq!(unsafe { otlp_span_set_attributes(span, std::ptr::null(), n) }, NULL);
    }
    unsafe { otlp_span_end(span) };
    // The handle is gone: a late set is INVALID_HANDLE whatever the array holds (when the
    // array is valid, so that the handle is what the call trips on).
    if want == OK {
        assert_eq!(unsafe { otlp_span_set_attributes(span, ptr, n) }, otlp_error_t::OTLP_ERROR_INVALID_HANDLE);
    }

    let options = otlp_span_options_t {
        struct_size: std::mem::size_of::<otlp_span_options_t>(),
        kind: 0,
        parent: std::ptr::null(),
        attributes: ptr,
        attribute_count: n,
        links: std::ptr::null(),
        link_count: 0,
        start_time_unix_nano: 0,
    };
    let mut span2 = std::ptr::null_mut();
    let rc = unsafe { otlp_span_start_with_options(tracer, c"opts".as_ptr(), &options, &mut span2) };
    assert_eq!(rc, want, "otlp_span_start_with_options");
    if rc == OK {
        unsafe { otlp_span_end(span2) };
    }
});
