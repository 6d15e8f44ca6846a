//! W3C Baggage: the `baggage` header's key/value pairs, extracted, edited and injected.
//!
//! Values are percent-decoded on extract and percent-encoded on inject; member properties
//! (`;k=v` metadata) are kept verbatim. Limits follow W3C Baggage: at most 180 members, and an
//! injected header never exceeds 8192 bytes (members that would push it over are left out).

use crate::error::{Error, Result};
use crate::util::percent_decode;
use std::fmt::Write as _;

const MAX_MEMBERS: usize = 180;
const MAX_BYTES: usize = 8192;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baggage {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    key: String,
    value: String,
    /// Raw `;property` text, as received.
    properties: String,
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

fn is_baggage_octet(c: u8) -> bool {
    matches!(c, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e)
}

fn valid_key(k: &str) -> bool {
    !k.is_empty() && k.bytes().all(is_tchar)
}

fn encode_value(v: &str, out: &mut String) {
    for b in v.bytes() {
        if is_baggage_octet(b) && b != b'%' {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

impl Baggage {
    /// Parses a `baggage` header. Invalid members (a value decoding to a NUL included) are
    /// skipped; members beyond 180 are dropped.
    pub fn parse(header: &str) -> Baggage {
        let mut b = Baggage::default();
        for member in header.split(',') {
            if b.entries.len() >= MAX_MEMBERS {
                break;
            }
            let mut parts = member.split(';');
            let Some((k, v)) = parts.next().and_then(|kv| kv.split_once('=')) else { continue };
            let (k, v) = (k.trim_matches([' ', '\t']), v.trim_matches([' ', '\t']));
            if !valid_key(k) || !v.bytes().all(is_baggage_octet) {
                continue;
            }
            // The C API hands values out as NUL-terminated strings: a value with a decoded NUL
            // (`%00`) would read as a shorter one there, so the member is skipped.
            let Ok(value) = percent_decode(v) else { continue };
            if value.contains('\0') {
                continue;
            }
            let properties: Vec<&str> = parts.map(|p| p.trim_matches([' ', '\t'])).collect();
            let props_ok = properties.iter().all(|p| match p.split_once('=') {
                Some((pk, pv)) => valid_key(pk.trim_end()) && pv.trim_start().bytes().all(is_baggage_octet),
                None => valid_key(p),
            });
            if !props_ok {
                continue;
            }
            let properties = properties.iter().map(|p| format!(";{p}")).collect();
            b.remove(k);
            b.entries.push(Entry { key: k.to_owned(), value, properties });
        }
        b
    }

    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        if !valid_key(key) {
            return Err(Error::invalid_argument(format!(
                "argument `key`: `{key}` is not a baggage key (an HTTP token: letters, digits, !#$%&'*+-.^_`|~)"
            )));
        }
        if let Some(e) = self.entries.iter_mut().find(|e| e.key == key) {
            e.value = value.to_owned();
            e.properties.clear();
            return Ok(());
        }
        if self.entries.len() >= MAX_MEMBERS {
            return Err(Error::invalid_argument(format!("baggage already holds {MAX_MEMBERS} members")));
        }
        self.entries.push(Entry { key: key.to_owned(), value: value.to_owned(), properties: String::new() });
        Ok(())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.iter().find(|e| e.key == key).map(|e| e.value.as_str())
    }

    pub fn remove(&mut self, key: &str) {
        self.entries.retain(|e| e.key != key);
    }

    /// The `baggage` header value, at most 8192 bytes.
    pub fn header(&self) -> String {
        let mut out = String::new();
        let mut member = String::new();
        for e in &self.entries {
            member.clear();
            member.push_str(&e.key);
            member.push('=');
            encode_value(&e.value, &mut member);
            member.push_str(&e.properties);
            let sep = usize::from(!out.is_empty());
            if out.len() + sep + member.len() > MAX_BYTES {
                continue;
            }
            if sep == 1 {
                out.push(',');
            }
            out.push_str(&member);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_decode_and_reinject() {
        let b = Baggage::parse("userId=alice, serverNode = DF%2028 ;prop1;p2=v2,isProduction=false,bad key=x,k=\"q\"");
        assert_eq!(b.get("userId"), Some("alice"));
        assert_eq!(b.get("serverNode"), Some("DF 28"));
        assert_eq!(b.get("isProduction"), Some("false"));
        assert_eq!(b.get("bad key"), None);
        assert_eq!(b.get("k"), None, "DQUOTE is not a baggage octet");
        assert_eq!(b.header(), "userId=alice,serverNode=DF%2028;prop1;p2=v2,isProduction=false");
    }

    #[test]
    fn a_decoded_nul_skips_the_member() {
        let b = Baggage::parse("k=ab%00cd,j=ok,z=%00,y=a%2500b");
        assert_eq!(b.get("k"), None);
        assert_eq!(b.get("z"), None);
        assert_eq!(b.get("j"), Some("ok"));
        assert_eq!(b.get("y"), Some("a%00b"), "an escaped '%' is not a NUL");
        assert_eq!(b.header(), "j=ok,y=a%2500b");
    }

    #[test]
    fn set_encodes_and_limits() {
        let mut b = Baggage::default();
        b.set("k", "a,b;c=d %").unwrap();
        assert_eq!(b.header(), "k=a%2Cb%3Bc=d%20%25");
        assert_eq!(Baggage::parse(&b.header()).get("k"), Some("a,b;c=d %"));
        assert!(b.set("no space", "v").is_err());
        let many: Vec<String> = (0..200).map(|i| format!("k{i}=v")).collect();
        assert_eq!(Baggage::parse(&many.join(",")).entries.len(), MAX_MEMBERS);
        let mut big = Baggage::default();
        for i in 0..3 {
            big.set(&format!("k{i}"), &"x".repeat(3000)).unwrap();
        }
        let h = big.header();
        assert!(h.len() <= MAX_BYTES && h.starts_with("k0=") && h.contains("k1=") && !h.contains("k2="));
    }
}
