//! Independent models the fuzz targets check the library against. Written from the W3C grammars
//! and the C API's documented contract, not from the library's code.

/// W3C Trace Context `traceparent`, written from the spec's ABNF:
/// `version "-" trace-id "-" parent-id "-" trace-flags`, 2/32/16/2 HEXDIGLC, version `ff`
/// forbidden, version 00 nothing after the flags, a later version anything after a further `-`;
/// all-zero ids invalid. HTTP optional whitespace (SP / HTAB) around the value is allowed.
pub fn model_traceparent(value: &str) -> Option<([u8; 16], [u8; 8], u8)> {
    let v = value.trim_start_matches([' ', '\t']);
    let v = v.trim_end_matches([' ', '\t']);
    let mut fields = v.split('-');
    let version = fields.next()?;
    let trace_id = fields.next()?;
    let parent_id = fields.next()?;
    let flags = fields.next()?;
    let rest: Vec<&str> = fields.collect();
    let version = hex_field(version, 1)?;
    let trace_id = hex_field(trace_id, 16)?;
    let parent_id = hex_field(parent_id, 8)?;
    let flags = hex_field(flags, 1)?;
    if version[0] == 0xff {
        return None;
    }
    if version[0] == 0x00 && !rest.is_empty() {
        return None;
    }
    if trace_id.iter().all(|&b| b == 0) || parent_id.iter().all(|&b| b == 0) {
        return None;
    }
    let mut t = [0u8; 16];
    t.copy_from_slice(&trace_id);
    let mut p = [0u8; 8];
    p.copy_from_slice(&parent_id);
    Some((t, p, flags[0]))
}

/// `n` bytes as exactly `2n` lowercase hex digits.
fn hex_field(s: &str, n: usize) -> Option<Vec<u8>> {
    const DIGITS: &str = "0123456789abcdef";
    if s.len() != 2 * n {
        return None;
    }
    let mut out = Vec::with_capacity(n);
    let mut acc = 0u8;
    for (i, c) in s.chars().enumerate() {
        let d = DIGITS.find(c)? as u8;
        if i % 2 == 0 {
            acc = d * 16;
        } else {
            out.push(acc + d);
        }
    }
    Some(out)
}

/// One tracestate key, W3C level 2: `(lcalpha / DIGIT) 0*255(keychar)`,
/// keychar = lcalpha / DIGIT / `_` / `-` / `*` / `/` / `@`.
pub fn model_tracestate_key(key: &str) -> bool {
    let mut n = 0usize;
    for c in key.chars() {
        let ok = if n == 0 {
            c.is_ascii_lowercase() || c.is_ascii_digit()
        } else {
            c.is_ascii_lowercase() || c.is_ascii_digit() || "_-*/@".contains(c)
        };
        if !ok {
            return false;
        }
        n += 1;
    }
    (1..=256).contains(&n)
}

/// One tracestate value: `0*255(chr) nblk-chr`, chr = 0x20 / nblk-chr,
/// nblk-chr = 0x21-0x7E except `,` (0x2C) and `=` (0x3D).
pub fn model_tracestate_value(value: &str) -> bool {
    let chars: Vec<char> = value.chars().collect();
    if chars.is_empty() || chars.len() > 256 || chars[chars.len() - 1] == ' ' {
        return false;
    }
    chars.iter().all(|&c| (' '..='~').contains(&c) && c != ',' && c != '=')
}

/// A whole tracestate header: list-members separated by `,` with optional whitespace, empty
/// members allowed (and dropped), at most 32 members, a repeated key keeps its first member.
/// `Err(())` when invalid, `Ok(None)` when it holds no member, otherwise the normalized list.
#[allow(clippy::result_unit_err)]
pub fn model_tracestate(value: &str) -> Result<Option<String>, ()> {
    let mut members: Vec<(String, String)> = Vec::new();
    for raw in value.split(',') {
        let m = raw.trim_matches([' ', '\t']);
        if m.is_empty() {
            continue;
        }
        let eq = m.find('=').ok_or(())?;
        let (key, val) = (&m[..eq], &m[eq + 1..]);
        if !model_tracestate_key(key) || !model_tracestate_value(val) {
            return Err(());
        }
        if members.iter().any(|(k, _)| k == key) {
            continue;
        }
        members.push((key.to_owned(), val.to_owned()));
    }
    if members.len() > 32 {
        return Err(());
    }
    if members.is_empty() {
        return Ok(None);
    }
    let joined: Vec<String> = members.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Ok(Some(joined.join(",")))
}

/// A tiny byte reader over the fuzzer's input for the structured targets.
pub struct Bytes<'a>(pub &'a [u8]);

impl<'a> Bytes<'a> {
    pub fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    pub fn u64(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for _ in 0..8 {
            v = v << 8 | u64::from(self.u8()?);
        }
        Some(v)
    }
    /// A length-prefixed byte string (length byte, then up to that many bytes).
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::from(self.u8()?).min(self.0.len());
        let (s, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(s)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
