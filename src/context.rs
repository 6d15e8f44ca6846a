//! W3C Trace Context: `traceparent` / `tracestate` parsing and formatting, and the
//! `otlp_context_t` handle that carries an extracted (remote) or local span context.

use crate::error::{Error, Result};
use crate::ffi::boundary::{arg_opt_str, arg_str, check_ptr};
use crate::ffi::handle::Slab;
use crate::span::{self, otlp_span_t};
use std::ffi::c_char;
use std::fmt::Write as _;
use std::sync::Arc;

/// Opaque span context: trace id, span id, trace flags and tracestate of a parent.
///
/// Created by `otlp_context_extract*` (a remote parent) or `otlp_span_get_context` (a local
/// parent); freed with `otlp_context_free`. A context is an immutable value: it stays valid
/// after the span it came from ends or its provider is freed, and may be shared by threads.
pub struct otlp_context_t {
    _private: [u8; 0],
}

pub(crate) const SAMPLED: u8 = 0x01;
const MAX_TRACESTATE_MEMBERS: usize = 32;

/// The identity of a span as W3C Trace Context sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanContext {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    /// All eight trace-flag bits, kept as received.
    pub flags: u8,
    /// Validated, normalized W3C tracestate (members joined by ','), if any.
    pub trace_state: Option<Arc<str>>,
    pub is_remote: bool,
}

impl SpanContext {
    pub fn is_sampled(&self) -> bool {
        self.flags & SAMPLED != 0
    }

    /// The `traceparent` header value (always version 00).
    pub fn traceparent(&self) -> String {
        let mut s = String::with_capacity(55);
        s.push_str("00-");
        push_hex(&mut s, &self.trace_id);
        s.push('-');
        push_hex(&mut s, &self.span_id);
        let _ = write!(s, "-{:02x}", self.flags);
        s
    }

    pub fn tracestate(&self) -> &str {
        self.trace_state.as_deref().unwrap_or("")
    }
}

pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 0xf) as usize] as char);
    }
}

pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    push_hex(&mut s, bytes);
    s
}

fn lower_hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

fn parse_hex<const N: usize>(field: &[u8], what: &str) -> Result<[u8; N]> {
    let bad = || Error::invalid_argument(format!("traceparent {what} must be {} lowercase hex digits", N * 2));
    if field.len() != N * 2 {
        return Err(bad());
    }
    let mut out = [0u8; N];
    for (o, pair) in out.iter_mut().zip(field.chunks_exact(2)) {
        let (Some(hi), Some(lo)) =
            (pair.first().copied().and_then(lower_hex_value), pair.get(1).copied().and_then(lower_hex_value))
        else {
            return Err(bad());
        };
        *o = hi << 4 | lo;
    }
    Ok(out)
}

/// Parses a `traceparent` value per W3C Trace Context level 1 (and the level 2 flag bits).
///
/// Returns (trace id, parent span id, flags). Version 00 must be exactly 55 characters; a
/// future version (not `ff`) may carry more data after a '-', which is ignored. Surrounding
/// spaces and tabs (HTTP optional whitespace) are tolerated.
pub fn parse_traceparent(value: &str) -> Result<([u8; 16], [u8; 8], u8)> {
    let v = value.trim_matches([' ', '\t']).as_bytes();
    let invalid = |why: &str| Error::invalid_argument(format!("traceparent is invalid: {why}"));
    if v.len() < 55 {
        return Err(invalid("shorter than the 55 characters of version 00"));
    }
    let version: [u8; 1] = parse_hex(&v[0..2], "version")?;
    if version[0] == 0xff {
        return Err(invalid("version ff is forbidden"));
    }
    if v[2] != b'-' || v[35] != b'-' || v[52] != b'-' {
        return Err(invalid("fields must be separated by '-' at offsets 2, 35 and 52"));
    }
    if version[0] == 0 && v.len() != 55 {
        return Err(invalid("version 00 must be exactly 55 characters"));
    }
    if v.len() > 55 && v[55] != b'-' {
        return Err(invalid("data after the flags of a future version must follow a '-'"));
    }
    let trace_id: [u8; 16] = parse_hex(&v[3..35], "trace-id")?;
    let span_id: [u8; 8] = parse_hex(&v[36..52], "parent-id")?;
    let flags: [u8; 1] = parse_hex(&v[53..55], "trace-flags")?;
    if trace_id == [0; 16] {
        return Err(invalid("trace-id is all zeros"));
    }
    if span_id == [0; 8] {
        return Err(invalid("parent-id is all zeros"));
    }
    Ok((trace_id, span_id, flags[0]))
}

fn valid_simple_key(k: &[u8]) -> bool {
    // lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
    matches!(k.first(), Some(b'a'..=b'z'))
        && k.len() <= 256
        && k.iter().all(|c| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'*' | b'/'))
}

fn valid_key(key: &str) -> bool {
    let k = key.as_bytes();
    match key.split_once('@') {
        None => valid_simple_key(k),
        Some((tenant, system)) => {
            // tenant: (lcalpha / DIGIT) 0*240(...); system: lcalpha 0*13(...)
            let t = tenant.as_bytes();
            let s = system.as_bytes();
            let body = |c: &u8| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'*' | b'/');
            matches!(t.first(), Some(b'a'..=b'z' | b'0'..=b'9'))
                && t.len() <= 241
                && t.iter().all(body)
                && matches!(s.first(), Some(b'a'..=b'z'))
                && s.len() <= 14
                && s.iter().all(body)
        }
    }
}

fn valid_value(value: &str) -> bool {
    // 0*255(chr) nblk-chr ; chr = %x20 / nblk-chr ; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
    let v = value.as_bytes();
    !v.is_empty()
        && v.len() <= 256
        && v.last() != Some(&b' ')
        && v.iter().all(|&c| c == b' ' || matches!(c, 0x21..=0x2b | 0x2d..=0x3c | 0x3e..=0x7e))
}

/// Validates a `tracestate` value per W3C Trace Context and returns it normalized (optional
/// whitespace around members and empty members removed), or `None` when it has no member.
pub fn parse_tracestate(value: &str) -> Result<Option<String>> {
    let invalid = |why: String| Error::invalid_argument(format!("tracestate is invalid: {why}"));
    let mut keys: Vec<&str> = Vec::new();
    let mut out = String::with_capacity(value.len());
    for member in value.split(',') {
        let member = member.trim_matches([' ', '\t']);
        if member.is_empty() {
            continue;
        }
        let (key, val) = member.split_once('=').ok_or_else(|| invalid(format!("member `{member}` has no '='")))?;
        if !valid_key(key) {
            return Err(invalid(format!("key `{key}` does not match the W3C key grammar")));
        }
        if !valid_value(val) {
            return Err(invalid(format!("value of `{key}` does not match the W3C value grammar")));
        }
        if keys.contains(&key) {
            return Err(invalid(format!("key `{key}` appears twice")));
        }
        keys.push(key);
        if keys.len() > MAX_TRACESTATE_MEMBERS {
            return Err(invalid(format!("more than {MAX_TRACESTATE_MEMBERS} members")));
        }
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(member);
    }
    Ok((!out.is_empty()).then_some(out))
}

/// Builds the remote parent context of an incoming request.
pub fn extract(traceparent: &str, tracestate: Option<&str>) -> Result<SpanContext> {
    let (trace_id, span_id, flags) = parse_traceparent(traceparent)?;
    // An invalid tracestate is dropped, the traceparent still counts (W3C: vendors MUST NOT
    // fail the request because of tracestate).
    let trace_state = tracestate.and_then(|ts| parse_tracestate(ts).ok().flatten()).map(Arc::from);
    Ok(SpanContext { trace_id, span_id, flags, trace_state, is_remote: true })
}

pub(crate) static CONTEXTS: Slab<SpanContext> = Slab::new(0xC7, "context");

/// Looks up a context handle (NULL is the caller's business: it means "no parent").
pub fn lookup(context: *const otlp_context_t) -> Result<SpanContext> {
    CONTEXTS.with(context as usize, |c| c.clone())
}

/// Stores a context and writes the new handle to `out`.
///
/// # Safety
/// `out` is non-NULL and writable.
pub unsafe fn publish(ctx: SpanContext, out: *mut *mut otlp_context_t) -> Result<()> {
    let handle = CONTEXTS.insert(ctx)?;
    // SAFETY: checked non-NULL by the caller, writable per the API contract.
    unsafe { out.write(handle as *mut otlp_context_t) };
    Ok(())
}

/// Writes the W3C `traceparent` of `span` into `headers` (NUL-terminated).
///
/// `headers` must hold at least 56 bytes (55 characters + NUL); a smaller `headers_len`
/// returns OTLP_ERROR_INVALID_ARGUMENT with the size needed in the message and writes nothing.
/// The flags are the span's own (all eight bits; `00` for a span that is not sampled), so a
/// non-sampled span still propagates its trace. Works on a span until it is ended.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, headers), OTLP_ERROR_INVALID_HANDLE (span ended,
/// freed or forged), OTLP_ERROR_INVALID_ARGUMENT (buffer too small). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_context_inject(
    span: *mut otlp_span_t,
    headers: *mut c_char,
    headers_len: usize,
) -> crate::error::otlp_error_t {
    ffi_result!({
        unsafe { span::write_from_context(span, headers, headers_len, "headers", SpanContext::traceparent) }
    })
}

/// Writes the W3C `tracestate` of `span` into `buf` (NUL-terminated); `""` when it has none.
///
/// A span started under an extracted context carries that context's tracestate, normalized
/// (whitespace around members removed); it is also what the span is exported with. Buffer
/// rules as for `otlp_context_inject`: a buffer too small fails with
/// OTLP_ERROR_INVALID_ARGUMENT, writes nothing, and the message states the size needed.
///
/// Errors: OTLP_ERROR_NULL_POINTER, OTLP_ERROR_INVALID_HANDLE, OTLP_ERROR_INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_context_inject_tracestate(
    span: *mut otlp_span_t,
    buf: *mut c_char,
    buf_len: usize,
) -> crate::error::otlp_error_t {
    ffi_result!({ unsafe { span::write_from_context(span, buf, buf_len, "buf", |c| c.tracestate().to_owned()) } })
}

/// Parses an incoming W3C `traceparent` into a remote parent context.
///
/// Validation follows W3C Trace Context: lowercase hex, exact field lengths, non-zero ids,
/// version `ff` rejected, version 00 exactly 55 characters, future versions read by their first
/// four fields. All eight flag bits are kept. On success `*context` receives a new context that
/// the caller frees with `otlp_context_free`; on failure nothing is written and the caller
/// should start a new trace.
///
/// Errors: OTLP_ERROR_NULL_POINTER (traceparent, context), OTLP_ERROR_INVALID_ARGUMENT
/// (malformed traceparent; the message says which field). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_context_extract(
    traceparent: *const c_char,
    context: *mut *mut otlp_context_t,
) -> crate::error::otlp_error_t {
    ffi_result!({
        let tp = unsafe { arg_str(traceparent, "traceparent") }?;
        check_ptr(context, "context")?;
        unsafe { publish(extract(tp, None)?, context) }
    })
}

/// Like `otlp_context_extract`, also taking the incoming `tracestate` header (may be NULL).
///
/// A valid tracestate (W3C grammar, at most 32 members, no duplicate keys) is carried to
/// every span started under this context and injected by `otlp_context_inject_tracestate`;
/// an invalid one is dropped and the call still succeeds when the traceparent is valid.
///
/// Errors: OTLP_ERROR_NULL_POINTER (traceparent, context), OTLP_ERROR_INVALID_ARGUMENT
/// (malformed traceparent, or tracestate not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_context_extract_with_state(
    traceparent: *const c_char,
    tracestate: *const c_char,
    context: *mut *mut otlp_context_t,
) -> crate::error::otlp_error_t {
    ffi_result!({
        let tp = unsafe { arg_str(traceparent, "traceparent") }?;
        let ts = unsafe { arg_opt_str(tracestate, "tracestate") }?;
        check_ptr(context, "context")?;
        unsafe { publish(extract(tp, ts)?, context) }
    })
}

/// Frees a context from `otlp_context_extract*` or `otlp_span_get_context`.
///
/// NULL is a no-op. A context already freed, or a pointer this library did not hand out, is
/// left alone and sets the last error (OTLP_ERROR_INVALID_HANDLE) — never a double free.
/// Spans started with this context as parent are not affected.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_context_free(context: *mut otlp_context_t) {
    if context.is_null() {
        return;
    }
    ffi_void!({ CONTEXTS.remove(context as usize).map(drop) })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const SID: &str = "00f067aa0ba902b7";

    #[test]
    fn valid_traceparents() {
        let (t, s, f) = parse_traceparent(&format!("00-{TID}-{SID}-01")).unwrap();
        assert_eq!(to_hex(&t), TID);
        assert_eq!(to_hex(&s), SID);
        assert_eq!(f, 1);
        let (_, _, f) = parse_traceparent(&format!("00-{TID}-{SID}-03")).unwrap();
        assert_eq!(f, 3, "all flag bits kept");
        let (_, _, f) = parse_traceparent(&format!(" \t00-{TID}-{SID}-00 ")).unwrap();
        assert_eq!(f, 0);
        // Future versions: first four fields, more data after a '-'.
        assert!(parse_traceparent(&format!("cc-{TID}-{SID}-01-what-the-future")).is_ok());
        assert!(parse_traceparent(&format!("01-{TID}-{SID}-01")).is_ok());
    }

    #[test]
    fn invalid_traceparents() {
        let cases = [
            String::new(),
            format!("00-{TID}-{SID}-01-extra"),
            format!("00-{TID}-{SID}-1"),
            format!("ff-{TID}-{SID}-01"),
            format!("00-{}-{SID}-01", TID.to_uppercase()),
            format!("00-{TID}-{}-01", SID.to_uppercase()),
            format!("00-{}-{SID}-01", "0".repeat(32)),
            format!("00-{TID}-{}-01", "0".repeat(16)),
            format!("00_{TID}-{SID}-01"),
            format!("00-{TID}_{SID}-01"),
            format!("0g-{TID}-{SID}-01"),
            format!("00-{TID}-{SID}-0x"),
            format!("00-{TID}a-{SID}-01"),
            format!("cc-{TID}-{SID}-01.extra"),
            format!("00-{}--{SID}-01", &TID[..31]),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".replace('-', "+"),
        ];
        for c in cases {
            let e = parse_traceparent(&c).unwrap_err();
            assert_eq!(e.code, crate::error::otlp_error_t::OTLP_ERROR_INVALID_ARGUMENT, "{c}");
            assert!(e.message.starts_with("traceparent"), "{}", e.message);
        }
    }

    #[test]
    fn tracestate_grammar() {
        assert_eq!(parse_tracestate("a=1 , b=2").unwrap().as_deref(), Some("a=1,b=2"));
        assert_eq!(parse_tracestate("").unwrap(), None);
        assert_eq!(parse_tracestate(" , ").unwrap(), None);
        assert!(parse_tracestate("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7").unwrap().is_some());
        assert!(parse_tracestate("tenant1@vendorsystem01=x").unwrap().is_some(), "14-char system id");
        assert!(parse_tracestate("0tenant@sys=x").unwrap().is_some(), "tenant may start with a digit");
        assert!(parse_tracestate("v=has space inside").unwrap().is_some());
        for bad in ["A=1", "1a=1", "a=1,a=2", "a", "a=", "a=x=y", "t@vendorsystem012=x", "t@=x", "a=\u{7f}"] {
            assert!(parse_tracestate(bad).is_err(), "{bad}");
        }
        let many: Vec<String> = (0..33).map(|i| format!("k{i}=v")).collect();
        assert!(parse_tracestate(&many.join(",")).is_err());
        assert!(parse_tracestate(&many[..32].join(",")).is_ok());
        assert!(parse_tracestate(&format!("{}=v", "k".repeat(257))).is_err());
        assert!(parse_tracestate(&format!("k={}", "v".repeat(257))).is_err());
    }

    #[test]
    fn extract_drops_only_a_bad_tracestate() {
        let tp = format!("00-{TID}-{SID}-01");
        let c = extract(&tp, Some("a=1,A=2")).unwrap();
        assert_eq!(c.trace_state, None);
        let c = extract(&tp, Some("a=1")).unwrap();
        assert_eq!(c.tracestate(), "a=1");
        assert!(c.is_remote && c.is_sampled());
        assert_eq!(c.traceparent(), tp);
    }
}
