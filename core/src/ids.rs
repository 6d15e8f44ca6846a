//! Random trace and span ids: a per-thread splitmix64 generator, reseeded after fork() so a
//! child never repeats its parent's ids.

use crate::fork;
use crate::util::now_ns;
use std::cell::Cell;

thread_local! {
    /// (fork generation, splitmix64 state) of this thread's id generator.
    static RNG: Cell<(u64, u64)> = Cell::new((fork::generation(), seed()));
}

fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // std seeds RandomState from the OS RNG; a forked child inherits that state, so mix in
    // the process id and the time as well.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(now_ns());
    h.write_u32(std::process::id());
    h.finish()
}

/// splitmix64: fast, full-period, good enough for random trace and span ids.
fn next_u64() -> u64 {
    RNG.with(|s| {
        let (generation, state) = s.get();
        let now = fork::generation();
        let state = if generation == now { state } else { seed() };
        let mut z = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        s.set((now, z));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

/// A new non-zero span id.
#[inline]
pub fn new_span_id() -> [u8; 8] {
    loop {
        let v = next_u64();
        if v != 0 {
            return v.to_be_bytes();
        }
    }
}

#[inline]
/// A new trace id (its lower 8 bytes are random and non-zero, as W3C level 2 expects).
pub fn new_trace_id() -> [u8; 16] {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&next_u64().to_be_bytes());
    id[8..].copy_from_slice(&new_span_id());
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_non_zero() {
        let a = new_trace_id();
        let b = new_trace_id();
        assert_ne!(a, b);
        assert_ne!(a, [0; 16]);
        let h = std::thread::spawn(new_trace_id).join().unwrap();
        assert_ne!(h, a);
    }
}
