//! Protobuf wire-format writing into a byte buffer, for the direct OTLP encoder (`encode`).
//!
//! Fields are written in ascending field-number order and default values are left out, as
//! prost does, so the bytes are the canonical encoding prost produces for the same message.
//! A nested message is written in place after a length placeholder (`begin`) sized by a guess;
//! `end` writes the length and moves the message when the guess was wrong (rare for the sizes
//! guessed: 1 byte for attributes, events, links and status, 2 for a span, 3 for the groups of
//! a batch).

/// Protobuf wire types.
pub const VARINT: u32 = 0;
pub const FIXED64: u32 = 1;
pub const LEN: u32 = 2;
pub const FIXED32: u32 = 5;

/// The key of field `number` with `wire_type`, as it is written (a varint).
pub const fn key(number: u32, wire_type: u32) -> u32 {
    (number << 3) | wire_type
}

/// Bytes of `v` as a varint.
#[inline(always)]
pub fn varint_len(v: u64) -> usize {
    if v < 0x80 {
        1
    } else if v < 0x4000 {
        2
    } else {
        // ceil(significant bits / 7)
        (64 - v.leading_zeros() as usize).div_ceil(7)
    }
}

#[inline(always)]
pub fn put_varint(buf: &mut Vec<u8>, v: u64) {
    if v < 0x80 {
        buf.push(v as u8);
    } else {
        put_varint_long(buf, v);
    }
}

fn put_varint_long(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

#[inline]
pub fn put_key(buf: &mut Vec<u8>, key: u32) {
    if key < 0x80 {
        buf.push(key as u8);
    } else {
        put_varint(buf, u64::from(key));
    }
}

/// A length-delimited field (string, bytes), written even when empty.
#[inline(always)]
pub fn put_len_field(buf: &mut Vec<u8>, key: u32, data: &[u8]) {
    if key < 0x80 && data.len() < 0x80 {
        buf.extend_from_slice(&[key as u8, data.len() as u8]);
    } else {
        put_key(buf, key);
        put_varint(buf, data.len() as u64);
    }
    buf.extend_from_slice(data);
}

/// A string or bytes field of proto3: left out when empty.
#[inline]
pub fn put_str(buf: &mut Vec<u8>, key: u32, data: &[u8]) {
    if !data.is_empty() {
        put_len_field(buf, key, data);
    }
}

/// A varint field (uint32, uint64, int64, enum): left out when zero.
#[inline]
pub fn put_uint(buf: &mut Vec<u8>, key: u32, v: u64) {
    if v != 0 {
        put_key(buf, key);
        put_varint(buf, v);
    }
}

/// A fixed64 field: left out when zero.
#[inline]
pub fn put_fixed64(buf: &mut Vec<u8>, key: u32, v: u64) {
    if v != 0 {
        put_key(buf, key);
        buf.extend_from_slice(&v.to_le_bytes());
    }
}

/// A fixed32 field: left out when zero.
#[inline]
pub fn put_fixed32(buf: &mut Vec<u8>, key: u32, v: u32) {
    if v != 0 {
        put_key(buf, key);
        buf.extend_from_slice(&v.to_le_bytes());
    }
}

/// An open nested message: where its bytes start and how many bytes its length was given.
#[derive(Debug, Clone, Copy)]
#[must_use = "a nested message must be closed with `end`"]
pub struct Nested {
    start: usize,
    reserved: usize,
}

/// Opens a nested message field `key`, reserving `guess` bytes (1..=5) for its length.
#[inline(always)]
pub fn begin(buf: &mut Vec<u8>, key: u32, guess: usize) -> Nested {
    put_key(buf, key);
    let guess = guess.clamp(1, 5);
    buf.extend_from_slice(&[0; 5][..guess]);
    Nested { start: buf.len(), reserved: guess }
}

/// Closes a nested message: writes its length (moving its bytes if the length's varint does
/// not take exactly the reserved bytes).
#[inline(always)]
pub fn end(buf: &mut Vec<u8>, n: Nested) {
    let len = buf.len() - n.start;
    let at = n.start - n.reserved;
    match n.reserved {
        1 if len < 0x80 => {
            if let Some(b) = buf.get_mut(at) {
                *b = len as u8;
            }
        }
        2 if (0x80..0x4000).contains(&len) => {
            if let Some(b) = buf.get_mut(at..at + 2) {
                b.copy_from_slice(&[(len as u8) | 0x80, (len >> 7) as u8]);
            }
        }
        _ => end_moving(buf, n),
    }
}

/// `end` when the length does not fit the reserved bytes exactly (or more than 2 were reserved).
#[cold]
#[inline(never)]
fn end_moving(buf: &mut Vec<u8>, n: Nested) {
    let len = buf.len() - n.start;
    let need = varint_len(len as u64);
    let at = n.start - n.reserved;
    if need != n.reserved {
        let new_start = at + need;
        if need > n.reserved {
            buf.resize(buf.len() + (need - n.reserved), 0);
        }
        buf.copy_within(n.start..n.start + len, new_start);
        buf.truncate(new_start + len);
    }
    let mut v = len as u64;
    for i in 0..need {
        let byte = (v as u8 & 0x7f) | if i + 1 < need { 0x80 } else { 0 };
        if let Some(b) = buf.get_mut(at + i) {
            *b = byte;
        }
        v >>= 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints() {
        for (v, len) in [(0u64, 1), (1, 1), (127, 1), (128, 2), (16_383, 2), (16_384, 3), (u64::MAX, 10)] {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            assert_eq!((b.len(), varint_len(v)), (len, len), "{v}");
            let mut p = Vec::new();
            prost::encoding::encode_varint(v, &mut p);
            assert_eq!(b, p);
        }
    }

    #[test]
    fn nested_lengths_of_every_size_and_guess() {
        for len in [0usize, 1, 127, 128, 300, 16_383, 16_384, 70_000, 2_097_152] {
            for guess in 1..=5 {
                let mut b = vec![9u8];
                let n = begin(&mut b, key(2, LEN), guess);
                b.extend((0..len).map(|i| i as u8));
                end(&mut b, n);
                let mut want = vec![9u8, 0x12];
                prost::encoding::encode_varint(len as u64, &mut want);
                want.extend((0..len).map(|i| i as u8));
                assert!(b == want, "len {len} guess {guess}");
            }
        }
    }
}
