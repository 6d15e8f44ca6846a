//! W3C Trace Context: the span context (`SpanContext`), `traceparent` / `tracestate` parsing
//! and formatting.

use crate::error::{Error, Result};
use crate::util::push_hex;
use std::fmt::Write as _;
use std::sync::Arc;

/// The sampled bit of the W3C trace flags.
pub const SAMPLED: u8 = 0x01;
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
    /// The invalid context: all-zero ids, no flags (OpenTelemetry's `SpanContext::INVALID`).
    pub fn invalid() -> Self {
        SpanContext { trace_id: [0; 16], span_id: [0; 8], flags: 0, trace_state: None, is_remote: false }
    }

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

fn valid_key(key: &str) -> bool {
    // W3C Trace Context level 2: key = ( lcalpha / DIGIT ) 0*255 ( keychar ),
    // keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@". Level 1's multi-tenant form
    // (tenant@system) is a subset of it.
    let k = key.as_bytes();
    matches!(k.first(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && k.len() <= 256
        && k.iter().all(|c| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'*' | b'/' | b'@'))
}

fn valid_value(value: &str) -> bool {
    // 0*255(chr) nblk-chr ; chr = %x20 / nblk-chr ; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
    let v = value.as_bytes();
    !v.is_empty()
        && v.len() <= 256
        && v.last() != Some(&b' ')
        && v.iter().all(|&c| c == b' ' || matches!(c, 0x21..=0x2b | 0x2d..=0x3c | 0x3e..=0x7e))
}

/// Validates a `tracestate` value per W3C Trace Context (level 2 key grammar) and returns it
/// normalized (optional whitespace around members and empty members removed, a key repeated
/// later in the list dropped: the first member with a key wins), or `None` when it has no
/// member.
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
            // W3C: vendors MAY discard duplicate keys; the whole header stays valid.
            continue;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::util::to_hex;

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
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{c}");
            assert!(e.message().starts_with("traceparent"), "{}", e.message());
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
        assert!(parse_tracestate("1a=1").unwrap().is_some(), "level 2: a key may start with a digit");
        for bad in ["A=1", "_a=1", "a", "a=", "a=x=y", "a=\u{7f}", "@foo=1,bar=2", "a b=1", "a=1,B=2"] {
            assert!(parse_tracestate(bad).is_err(), "{bad}");
        }
        let many: Vec<String> = (0..33).map(|i| format!("k{i}=v")).collect();
        assert!(parse_tracestate(&many.join(",")).is_err());
        assert!(parse_tracestate(&many[..32].join(",")).is_ok());
        assert!(parse_tracestate(&format!("{}=v", "k".repeat(257))).is_err());
        assert!(parse_tracestate(&format!("k={}", "v".repeat(257))).is_err());
    }

    #[test]
    fn tracestate_duplicated_keys_keep_the_first() {
        assert_eq!(parse_tracestate("foo=1,foo=1").unwrap().as_deref(), Some("foo=1"));
        assert_eq!(parse_tracestate("foo=1,bar=3,foo=2").unwrap().as_deref(), Some("foo=1,bar=3"));
        // Several `tracestate` header lines, joined with ',' as HTTP combines them.
        assert_eq!(parse_tracestate("foo=1,foo=2").unwrap().as_deref(), Some("foo=1"));
        // 32 distinct keys plus a repeat are still within the member limit.
        let mut many: Vec<String> = (0..32).map(|i| format!("k{i}=v")).collect();
        many.push("k0=again".into());
        assert_eq!(parse_tracestate(&many.join(",")).unwrap().unwrap(), many[..32].join(","));
    }

    #[test]
    fn tracestate_keys_with_at_signs() {
        // Level 2 key grammar: '@' anywhere but first.
        for key in ["foo@", "foo@@bar", "foo@bar@baz", "t@", "tenant1@vendorsystem01", "t@vvvvvvvvvvvvvvv"] {
            let ts = format!("{key}=1,bar=2");
            assert_eq!(parse_tracestate(&ts).unwrap().as_deref(), Some(ts.as_str()), "{key}");
        }
        for bad in ["@foo=1,bar=2", "@=1", "foo@=1,@bar=2"] {
            assert!(parse_tracestate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tracestate_key_length_limit() {
        let ok = |key: String| {
            let ts = format!("foo=1,{key}=1");
            assert_eq!(parse_tracestate(&ts).unwrap().as_deref(), Some(ts.as_str()), "{} chars", key.len());
        };
        ok("z".repeat(256));
        ok(format!("{}@{}", "t".repeat(241), "v".repeat(14)));
        ok(format!("{}@v", "t".repeat(242)));
        ok(format!("t@{}", "v".repeat(15)));
        ok(format!("{}@{}", "t".repeat(100), "v".repeat(155)));
        assert!(parse_tracestate(&format!("foo=1,{}=1", "z".repeat(257))).is_err());
        assert!(parse_tracestate(&format!("foo=1,{}@{}=1", "t".repeat(200), "v".repeat(56))).is_err());
    }

    #[test]
    fn extract_drops_only_a_bad_tracestate() {
        let tp = format!("00-{TID}-{SID}-01");
        let c = extract(&tp, Some("a=1,A=2")).unwrap();
        assert_eq!(c.trace_state, None);
        let c = extract(&tp, Some("z=1,@a=2")).unwrap();
        assert_eq!(c.trace_state, None, "a key starting with '@' invalidates the header");
        let c = extract(&tp, Some("foo=1,foo=2")).unwrap();
        assert_eq!(c.tracestate(), "foo=1", "a duplicated key keeps the header");
        let c = extract(&tp, Some("a=1")).unwrap();
        assert_eq!(c.tracestate(), "a=1");
        assert!(c.is_remote && c.is_sampled());
        assert_eq!(c.traceparent(), tp);
    }
}
