//! The one handle registry: every handle the C API hands out lives in a slab of this module
//! (providers, tracers, spans, contexts, configs, baggage), with a typed lookup per kind.
//!
//! Validated handles: a slab of generation-tagged slots per handle type.
//!
//! A handle given to C is not a pointer but an encoded `(type tag, generation, slot index)`.
//! Looking it up checks all three, so an ended, freed, forged or wrongly-typed handle is
//! answered with `OTLP_ERROR_INVALID_HANDLE` and never dereferenced. Slots are reused (their
//! generation is bumped on every release, so stale handles stay invalid) and each slot has its
//! own mutex, so concurrent calls on one span serialize instead of racing.
//!
//! Layout: slot storage grows in segments of doubling size that are never moved or freed, so
//! a lookup is lock-free up to the slot's own mutex; free slots form a lock-free stack whose
//! head carries an ABA counter.

use crate::boundary::write_out;
use crate::error::{Error, Result};
use crate::types::{otlp_config_t, otlp_context_t, otlp_error_t, otlp_tracer_provider_t, otlp_tracer_t};
use otlp_ffi_core::util::lock;
use otlp_ffi_core::{Baggage, Config, Scope, Span, SpanContext, Tracer, TracerProvider};
use std::collections::HashMap;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A provider as C sees it: the core provider plus the handles of its tracers, so that asking
/// for the same tracer again returns the same handle (and leaks nothing).
pub struct ProviderEntry {
    pub provider: TracerProvider,
    pub default_tracer: usize,
    /// Tracers handed out by `otlp_get_tracer_with_scope`, one per distinct scope.
    scoped: Mutex<HashMap<Scope, usize>>,
}

impl ProviderEntry {
    /// The handle of the tracer of `scope`, registered on first use.
    pub fn tracer_for(&self, scope: Scope) -> Result<usize> {
        let mut scoped = lock(&self.scoped);
        if let Some(h) = scoped.get(&scope) {
            return Ok(*h);
        }
        let handle = TRACERS.insert(self.provider.tracer_with_scope(scope.clone()))?;
        scoped.insert(scope, handle);
        Ok(handle)
    }
}

pub static PROVIDERS: Slab<Arc<ProviderEntry>> = Slab::new(0x9D, "provider");
pub static TRACERS: Slab<Tracer> = Slab::new(0x7C, "tracer");
pub static SPANS: Slab<Span> = Slab::new(0x5A, "span");
pub static CONTEXTS: Slab<SpanContext> = Slab::new(0xC7, "context");
pub static CONFIGS: Slab<Config> = Slab::new(0xCF, "config");
pub static BAGGAGES: Slab<Baggage> = Slab::new(0xB6, "baggage");

/// Registers a new provider (and its default tracer); its handle.
pub fn register_provider(provider: TracerProvider) -> Result<usize> {
    let default_tracer = TRACERS.insert(provider.tracer())?;
    let entry = ProviderEntry { provider, default_tracer, scoped: Mutex::default() };
    PROVIDERS.insert(Arc::new(entry)).inspect_err(|_| {
        let _ = TRACERS.remove(default_tracer);
    })
}

/// Removes a provider and every handle derived from it (its tracers, its spans not yet ended,
/// which are discarded); contexts stay valid. The provider itself is returned for shutdown.
pub fn unregister_provider(handle: usize) -> Result<Arc<ProviderEntry>> {
    let entry = PROVIDERS.remove(handle)?;
    let id = entry.provider.id();
    drop(TRACERS.remove_where(|t| t.provider_id() == id));
    SPANS.remove_where(|s| s.provider_id() == id).into_iter().for_each(Span::discard);
    Ok(entry)
}

#[inline]
pub fn provider(p: *const otlp_tracer_provider_t) -> Result<Arc<ProviderEntry>> {
    PROVIDERS.with(p as usize, |e| e.clone())
}

#[inline]
pub fn tracer(p: *const otlp_tracer_t) -> Result<Tracer> {
    TRACERS.with(p as usize, |t| t.clone())
}

/// A context handle's value (NULL is the caller's business: it means "no parent").
#[inline]
pub fn context(p: *const otlp_context_t) -> Result<SpanContext> {
    CONTEXTS.with(p as usize, |c| c.clone())
}

pub fn config(p: *const otlp_config_t) -> Result<Config> {
    CONFIGS.with(p as usize, |c| c.clone())
}

/// Registers `value` in `slab` and writes its handle to the out-parameter `out`.
///
/// # Safety
/// `out` was checked for NULL and is writable.
#[inline]
pub unsafe fn publish<T, H>(slab: &Slab<T>, value: T, out: *mut *mut H) -> Result<()> {
    let handle = slab.insert(value)?;
    // SAFETY: per the function contract.
    unsafe { write_out(out, handle as *mut H) };
    Ok(())
}

const INDEX_BITS: u32 = 28;
const GEN_BITS: u32 = 28;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;
const GEN_MASK: u64 = (1 << GEN_BITS) - 1;
const FIRST_SEGMENT: usize = 256;
const SEGMENTS: usize = 21; // 256 * (2^21 - 1) slots >= 2^28
const MAX_SLOTS: u32 = 1 << INDEX_BITS;

struct Slot<T> {
    inner: Mutex<SlotInner<T>>,
    next_free: AtomicU32,
}

struct SlotInner<T> {
    generation: u32,
    value: Option<T>,
}

/// A typed slab of handles. `TAG` distinguishes handle types (spans, contexts...).
pub struct Slab<T> {
    tag: u8,
    kind: &'static str,
    segments: [AtomicPtr<Slot<T>>; SEGMENTS],
    len: AtomicU32,
    free_head: AtomicU64,
}

fn locate(index: u32) -> (usize, usize) {
    let j = index as usize + FIRST_SEGMENT;
    let seg = (usize::BITS - 1 - j.leading_zeros()) as usize - FIRST_SEGMENT.trailing_zeros() as usize;
    (seg, j - (FIRST_SEGMENT << seg))
}

impl<T> Slab<T> {
    pub const fn new(tag: u8, kind: &'static str) -> Self {
        Self {
            tag,
            kind,
            segments: [const { AtomicPtr::new(std::ptr::null_mut()) }; SEGMENTS],
            len: AtomicU32::new(0),
            free_head: AtomicU64::new(0),
        }
    }

    fn encode(&self, generation: u32, index: u32) -> usize {
        let raw = ((self.tag as u64) << 56) | ((generation as u64 & GEN_MASK) << INDEX_BITS) | index as u64;
        raw as usize
    }

    fn decode(&self, handle: usize) -> Option<(u32, u32)> {
        let raw = handle as u64;
        if (raw >> 56) as u8 != self.tag {
            return None;
        }
        let index = (raw & INDEX_MASK) as u32;
        let generation = ((raw >> INDEX_BITS) & GEN_MASK) as u32;
        (index < self.len.load(Ordering::Acquire)).then_some((generation, index))
    }

    fn slot(&self, index: u32) -> Option<&Slot<T>> {
        let (seg, offset) = locate(index);
        let base = self.segments.get(seg)?.load(Ordering::Acquire);
        if base.is_null() {
            return None;
        }
        // SAFETY: segments are allocated once with `FIRST_SEGMENT << seg` slots, never freed,
        // and `offset` is below that size by construction of `locate`.
        Some(unsafe { &*base.add(offset) })
    }

    fn ensure_segment(&self, seg: usize) -> Result<(), Error> {
        let cell = self.segments.get(seg).ok_or_else(|| self.exhausted())?;
        if !cell.load(Ordering::Acquire).is_null() {
            return Ok(());
        }
        let fresh: Box<[Slot<T>]> = (0..FIRST_SEGMENT << seg)
            .map(|_| Slot { inner: Mutex::new(SlotInner { generation: 1, value: None }), next_free: AtomicU32::new(0) })
            .collect();
        let ptr = Box::into_raw(fresh).cast::<Slot<T>>();
        if cell.compare_exchange(std::ptr::null_mut(), ptr, Ordering::AcqRel, Ordering::Acquire).is_err() {
            // Another thread installed this segment first; free ours.
            let len = FIRST_SEGMENT << seg;
            // SAFETY: `ptr` came from `Box::into_raw` of a boxed slice of exactly `len` slots
            // and was never shared.
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) });
        }
        Ok(())
    }

    fn exhausted(&self) -> Error {
        Error::new(
            otlp_error_t::OTLP_ERROR_OUT_OF_MEMORY,
            format!("too many live {} handles ({MAX_SLOTS} at most)", self.kind),
        )
    }

    fn pop_free(&self) -> Result<u32, Error> {
        loop {
            let head = self.free_head.load(Ordering::Acquire);
            let top = head as u32;
            if top == 0 {
                break;
            }
            let index = top - 1;
            let next = self.slot(index).map_or(0, |s| s.next_free.load(Ordering::Acquire));
            let new = (((head >> 32) + 1) << 32) | next as u64;
            if self.free_head.compare_exchange_weak(head, new, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                return Ok(index);
            }
        }
        let index = self.len.load(Ordering::Acquire);
        // Reserve a fresh index; the segment must exist before `len` makes the index visible.
        let mut current = index;
        loop {
            if current >= MAX_SLOTS {
                return Err(self.exhausted());
            }
            self.ensure_segment(locate(current).0)?;
            match self.len.compare_exchange_weak(current, current + 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Ok(current),
                Err(actual) => current = actual,
            }
        }
    }

    fn push_free(&self, index: u32) {
        let Some(slot) = self.slot(index) else { return };
        loop {
            let head = self.free_head.load(Ordering::Acquire);
            slot.next_free.store(head as u32, Ordering::Release);
            let new = (((head >> 32) + 1) << 32) | (index as u64 + 1);
            if self.free_head.compare_exchange_weak(head, new, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                return;
            }
        }
    }

    /// Stores `value` and returns its handle.
    pub fn insert(&self, value: T) -> Result<usize, Error> {
        let index = self.pop_free()?;
        let slot = self.slot(index).ok_or_else(|| Error::internal("slab slot vanished"))?;
        let mut inner = lock(&slot.inner);
        inner.value = Some(value);
        Ok(self.encode(inner.generation, index))
    }

    fn live_slot(&self, handle: usize) -> Result<(MutexGuard<'_, SlotInner<T>>, u32), Error> {
        let (generation, index) = self.decode(handle).ok_or_else(|| Error::invalid_handle(self.kind))?;
        let slot = self.slot(index).ok_or_else(|| Error::invalid_handle(self.kind))?;
        let inner = lock(&slot.inner);
        if inner.generation != generation || inner.value.is_none() {
            return Err(Error::invalid_handle(self.kind));
        }
        Ok((inner, index))
    }

    /// Runs `f` on the live value behind `handle`, holding that slot's lock.
    pub fn with<R>(&self, handle: usize, f: impl FnOnce(&mut T) -> R) -> Result<R, Error> {
        let (mut inner, _) = self.live_slot(handle)?;
        match inner.value.as_mut() {
            Some(v) => Ok(f(v)),
            None => Err(Error::invalid_handle(self.kind)),
        }
    }

    /// Removes the value behind `handle`; the handle (and every copy of it) becomes invalid.
    pub fn remove(&self, handle: usize) -> Result<T, Error> {
        let (mut inner, index) = self.live_slot(handle)?;
        let value = inner.value.take().ok_or_else(|| Error::invalid_handle(self.kind))?;
        inner.generation = next_generation(inner.generation);
        drop(inner);
        self.push_free(index);
        Ok(value)
    }

    /// Removes every live value for which `pred` holds (used when a provider is freed).
    pub fn remove_where(&self, mut pred: impl FnMut(&T) -> bool) -> Vec<T> {
        let mut out = Vec::new();
        for index in 0..self.len.load(Ordering::Acquire) {
            let Some(slot) = self.slot(index) else {
                continue;
            };
            let mut inner = lock(&slot.inner);
            if inner.value.as_ref().is_some_and(&mut pred) {
                if let Some(v) = inner.value.take() {
                    out.push(v);
                }
                inner.generation = next_generation(inner.generation);
                drop(inner);
                self.push_free(index);
            }
        }
        out
    }
}

fn next_generation(g: u32) -> u32 {
    let n = (g as u64 + 1) & GEN_MASK;
    if n == 0 { 1 } else { n as u32 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn locate_covers_segments() {
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(255), (0, 255));
        assert_eq!(locate(256), (1, 0));
        assert_eq!(locate(767), (1, 511));
        assert_eq!(locate(768), (2, 0));
        assert!(locate(MAX_SLOTS - 1).0 < SEGMENTS);
    }

    #[test]
    fn stale_forged_and_foreign_handles_are_rejected() {
        static A: Slab<u32> = Slab::new(0xA1, "span");
        static B: Slab<u32> = Slab::new(0xA2, "context");
        let h = A.insert(7).unwrap();
        assert_eq!(A.with(h, |v| *v).unwrap(), 7);
        assert_eq!(B.with(h, |v| *v).unwrap_err().code, otlp_error_t::OTLP_ERROR_INVALID_HANDLE);
        assert_eq!(A.remove(h).unwrap(), 7);
        assert_eq!(A.remove(h).unwrap_err().code, otlp_error_t::OTLP_ERROR_INVALID_HANDLE);
        // The slot is reused with a new generation: the old handle stays dead.
        let h2 = A.insert(8).unwrap();
        assert_ne!(h, h2);
        assert!(A.with(h, |_| ()).is_err());
        assert_eq!(A.with(h2, |v| *v).unwrap(), 8);
        for forged in [0usize, 1, 0x1234, usize::MAX, h2 ^ (1 << 40)] {
            assert!(A.with(forged, |_| ()).is_err(), "{forged:#x}");
        }
    }

    #[test]
    fn concurrent_insert_remove_keeps_handles_unique() {
        static S: Slab<usize> = Slab::new(0xA3, "test");
        let threads: Vec<_> = (0..8)
            .map(|t| {
                std::thread::spawn(move || {
                    for i in 0..20_000 {
                        let h = S.insert(t * 1_000_000 + i).unwrap();
                        assert_eq!(S.with(h, |v| *v).unwrap(), t * 1_000_000 + i);
                        assert_eq!(S.remove(h).unwrap(), t * 1_000_000 + i);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(S.len.load(Ordering::Relaxed) <= 64, "free slots are reused");
    }

    #[test]
    fn remove_where_sweeps() {
        static S: Slab<Arc<u8>> = Slab::new(0xA4, "test");
        let hs: Vec<_> = (0..600u16).map(|i| S.insert(Arc::new((i % 3) as u8)).unwrap()).collect();
        let removed = S.remove_where(|v| **v == 0);
        assert_eq!(removed.len(), 200);
        for (i, h) in hs.iter().enumerate() {
            assert_eq!(S.with(*h, |_| ()).is_ok(), i % 3 != 0);
        }
    }
}
