//! Helpers every layer shares: the clock, hex text, poison-tolerant locks, percent-decoding.

use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// A faster reading of the same clock, installed by the embedding (the C library reads
/// `clock_gettime(CLOCK_REALTIME)` directly, which this crate cannot without `unsafe`).
static CLOCK: OnceLock<fn() -> u64> = OnceLock::new();

/// Installs the clock [`now_ns`] uses: it must read the Unix-epoch real-time clock in
/// nanoseconds, as [`system_now_ns`] does. The first installed clock stays.
pub fn set_clock(clock: fn() -> u64) {
    let _ = CLOCK.set(clock);
}

/// Nanoseconds since the Unix epoch (the clock of every span and event timestamp).
#[inline]
pub fn now_ns() -> u64 {
    match CLOCK.get() {
        Some(clock) => clock(),
        None => system_now_ns(),
    }
}

/// Nanoseconds since the Unix epoch through std's `SystemTime` (0 before 1970).
pub fn system_now_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

/// Appends `bytes` as lowercase hex.
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 0xf) as usize] as char);
    }
}

/// `bytes` as lowercase hex.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    push_hex(&mut s, bytes);
    s
}

/// Locks `m`, recovering from poison: a panic while a lock was held was caught (the C boundary
/// catches every panic) and the data behind every lock of this crate stays structurally valid,
/// so the lock is taken instead of failing forever.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Decodes `%XX` escapes (W3C Baggage / OTEL_RESOURCE_ATTRIBUTES / OTEL_*_HEADERS format).
pub fn percent_decode(s: &str) -> std::result::Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            let v =
                hex.and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or_else(|| format!("bad escape at byte {i}"))?;
            out.push(v);
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "escapes do not decode to UTF-8".to_owned())
}
