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
//! head carries an ABA counter. Span handles, created and released once per span, first go
//! through a per-thread cache of free slots ([`FreeCache`]), so the common span neither
//! touches the shared stack head nor any other line all threads write. Tracers, looked up
//! on every span start by every thread, are read through a per-thread cache validated by the
//! slot's generation ([`with_tracer`]): a few loads, no lock, no reference count.

use crate::boundary::write_out;
use crate::error::{Error, Result};
use crate::types::{otlp_config_t, otlp_context_t, otlp_error_t, otlp_tracer_provider_t, otlp_tracer_t};
use otlp_ffi_core::util::lock;
use otlp_ffi_core::{Baggage, Config, Scope, Span, SpanContext, Tracer, TracerProvider};
use std::cell::{RefCell, UnsafeCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering, fence};
use std::sync::{Arc, Mutex};
use std::thread::LocalKey;

/// A provider as C sees it: the core provider plus the handles of its tracers, so that asking
/// for the same tracer again returns the same handle (and leaks nothing).
pub struct ProviderEntry {
    pub provider: TracerProvider,
    pub default_tracer: usize,
    /// Tracers handed out by `otlp_get_tracer_with_scope`, one per distinct scope.
    scoped: Mutex<HashMap<Scope, usize>>,
}

impl ProviderEntry {
    /// The handle of the tracer of `scope`, registered on first use. `handle` is this
    /// provider's own handle: a tracer registered while another thread frees the provider is
    /// removed again (see [`unregister_provider`]), so none outlives the free.
    pub fn tracer_for(&self, handle: usize, scope: Scope) -> Result<usize> {
        let mut scoped = lock(&self.scoped);
        if let Some(h) = scoped.get(&scope) {
            return Ok(*h);
        }
        let tracer = TRACERS.insert(self.provider.tracer_with_scope(scope.clone()))?;
        fence(Ordering::SeqCst);
        if !PROVIDERS.is_live(handle) {
            drop(TRACERS.remove(tracer));
            return Err(Error::invalid_handle("provider"));
        }
        scoped.insert(scope, tracer);
        Ok(tracer)
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
///
/// Other threads may be registering a tracer or a span of this provider at the same moment.
/// Each step invalidates first and sweeps second, with a full fence between; a registering
/// thread inserts first and checks the step above second ([`ProviderEntry::tracer_for`],
/// [`insert_span`]), with a full fence between. So either the sweep sees the new handle, or the
/// registering thread sees the provider (tracer) gone and removes the handle itself: when this
/// function returns, no tracer or span of the provider is live, and none appears later.
pub fn unregister_provider(handle: usize) -> Result<Arc<ProviderEntry>> {
    let entry = PROVIDERS.remove(handle)?;
    let id = entry.provider.id();
    fence(Ordering::SeqCst);
    drop(TRACERS.remove_where(|t| t.provider_id() == id));
    fence(Ordering::SeqCst);
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

thread_local! {
    /// The tracer this thread used last, with its handle.
    static TRACER_CACHE: RefCell<Option<(usize, Tracer)>> = const { RefCell::new(None) };
    /// Free span slots this thread may reuse without touching the shared free stack.
    static FREE_SPANS: FreeCache<Span> = const { FreeCache::new(&SPANS) };
}

/// Runs `f` on the live tracer behind `p`. The common case (the thread's last tracer, still
/// live) takes no lock and writes no shared memory: the cached handle must equal `p` and the
/// slot's generation must still be the handle's (every removal bumps it).
#[inline]
pub fn with_tracer<R>(p: *const otlp_tracer_t, f: impl FnOnce(&Tracer) -> R) -> Result<R> {
    let handle = p as usize;
    let mut f = Some(f);
    let hit = TRACER_CACHE.try_with(|c| {
        let c = c.try_borrow().ok()?;
        match &*c {
            Some((h, t)) if *h == handle && TRACERS.is_live(handle) => f.take().map(|f| f(t)),
            _ => None,
        }
    });
    if let Ok(Some(r)) = hit {
        return Ok(r);
    }
    let tracer = tracer(p)?;
    let f = f.ok_or_else(|| Error::internal("tracer cache"))?;
    let r = f(&tracer);
    let _ = TRACER_CACHE.try_with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            *c = Some((handle, tracer));
        }
    });
    Ok(r)
}

/// Registers a span started by the tracer behind handle `tracer` (through this thread's cache
/// of free span slots). If that tracer was removed meanwhile (its provider is being freed by
/// another thread), the span is discarded and the tracer reported invalid: see
/// [`unregister_provider`].
#[inline]
pub fn insert_span(tracer: usize, span: Span) -> Result<usize> {
    let handle = SPANS.insert_cached(&FREE_SPANS, span)?;
    fence(Ordering::SeqCst);
    if TRACERS.is_live(tracer) {
        return Ok(handle);
    }
    if let Ok(span) = remove_span(handle) {
        span.discard();
    }
    Err(Error::invalid_handle("tracer"))
}

/// Removes a span (its slot goes to this thread's cache of free span slots).
pub fn remove_span(handle: usize) -> Result<Span> {
    SPANS.remove_cached(&FREE_SPANS, handle)
}

/// A thread's free slots of one slab; given back to the slab's shared stack when the thread
/// exits, or beyond [`FreeCache::MAX`].
pub struct FreeCache<T: 'static> {
    slab: &'static Slab<T>,
    free: RefCell<Vec<u32>>,
}

impl<T> FreeCache<T> {
    const MAX: usize = 64;

    const fn new(slab: &'static Slab<T>) -> Self {
        Self { slab, free: RefCell::new(Vec::new()) }
    }
}

impl<T> Drop for FreeCache<T> {
    fn drop(&mut self) {
        for index in self.free.get_mut().drain(..) {
            self.slab.push_free(index);
        }
    }
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
/// The generation of a retired slot: no handle carries it (generations start at 1).
const RETIRED: u32 = 0;
/// Bit 0 of a slot's state: a thread is using the slot's value.
const BUSY: u32 = 1;

/// One handle slot. `state` is `generation << 1 | BUSY`: the generation of the handle that
/// owns the slot now (bumped when the value is removed, so every copy of the old handle goes
/// stale) and a busy bit. Using a value is one compare-and-swap on the slot's own state that
/// checks the handle's generation and takes the busy bit at once, and one store to give it
/// back: calls on one handle serialize, calls on different handles share nothing.
struct Slot<T> {
    state: AtomicU32,
    value: UnsafeCell<Option<T>>,
    next_free: AtomicU32,
}

// SAFETY: `value` is only accessed by the thread that holds the slot's busy bit (acquired with
// Acquire, released with Release), so a `Slot<T>` hands `T` between threads like a mutex does.
unsafe impl<T: Send> Sync for Slot<T> {}
// SAFETY: as above; the slot owns its `T`.
unsafe impl<T: Send> Send for Slot<T> {}

/// The busy bit of a slot, held; given back (with the slot's generation, possibly a new one)
/// when dropped, also when the code using the value panics.
struct Held<'a, T> {
    slot: &'a Slot<T>,
    generation: u32,
}

impl<T> Held<'_, T> {
    fn value(&mut self) -> &mut Option<T> {
        // SAFETY: this guard holds the slot's busy bit: no other thread touches `value`.
        unsafe { &mut *self.slot.value.get() }
    }
}

impl<T> Drop for Held<'_, T> {
    fn drop(&mut self) {
        self.slot.state.store(self.generation << 1, Ordering::Release);
    }
}

impl<T> Slot<T> {
    /// Takes the busy bit if the slot's generation is `generation`; `None` (invalid handle)
    /// if it is not. Waits while another thread holds the bit (two threads calling on one
    /// handle at the same moment: rare, and each holds it for one short call).
    #[inline]
    fn hold(&self, generation: u32) -> Option<Held<'_, T>> {
        let free = generation << 1;
        let mut spins = 0u32;
        loop {
            match self.state.compare_exchange_weak(free, free | BUSY, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => return Some(Held { slot: self, generation }),
                Err(now) if now >> 1 != generation => return None,
                Err(_) => backoff(&mut spins),
            }
        }
    }

    /// Takes the busy bit whatever the generation (to insert into a free slot or to sweep).
    fn hold_any(&self) -> Held<'_, T> {
        let mut spins = 0u32;
        loop {
            let now = self.state.load(Ordering::Relaxed);
            if now & BUSY == 0
                && self.state.compare_exchange_weak(now, now | BUSY, Ordering::Acquire, Ordering::Relaxed).is_ok()
            {
                return Held { slot: self, generation: now >> 1 };
            }
            backoff(&mut spins);
        }
    }
}

fn backoff(spins: &mut u32) {
    *spins += 1;
    if *spins < 64 {
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

/// A typed slab of handles. `TAG` distinguishes handle types (spans, contexts...).
pub struct Slab<T> {
    tag: u8,
    kind: &'static str,
    segments: [AtomicPtr<Slot<T>>; SEGMENTS],
    len: AtomicU32,
    free_head: AtomicU64,
    /// Slots whose generation ran out (never reused, so no handle can ever alias another).
    retired: AtomicU32,
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
            retired: AtomicU32::new(0),
        }
    }

    fn encode(&self, generation: u32, index: u32) -> usize {
        let raw = ((self.tag as u64) << 56) | ((generation as u64 & GEN_MASK) << INDEX_BITS) | index as u64;
        raw as usize
    }

    #[inline]
    fn decode(&self, handle: usize) -> Option<(u32, u32)> {
        let raw = handle as u64;
        if (raw >> 56) as u8 != self.tag {
            return None;
        }
        let index = (raw & INDEX_MASK) as u32;
        let generation = ((raw >> INDEX_BITS) & GEN_MASK) as u32;
        (index < self.len.load(Ordering::Acquire) && generation != RETIRED).then_some((generation, index))
    }

    #[inline]
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
            .map(|_| Slot { state: AtomicU32::new(1 << 1), value: UnsafeCell::new(None), next_free: AtomicU32::new(0) })
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

    /// Gives a freed slot back to the shared free stack, unless its generation ran out: then
    /// it is retired for good.
    fn push_free(&self, index: u32) {
        let Some(slot) = self.slot(index) else { return };
        if slot.state.load(Ordering::Acquire) >> 1 == RETIRED {
            return;
        }
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
        self.insert_at(index, value)
    }

    #[inline]
    fn insert_at(&self, index: u32, value: T) -> Result<usize, Error> {
        let slot = self.slot(index).ok_or_else(|| Error::internal("slab slot vanished"))?;
        let mut held = slot.hold_any();
        *held.value() = Some(value);
        Ok(self.encode(held.generation, index))
    }

    /// [`insert`](Self::insert), taking the slot from the thread's `cache` when it has one.
    #[inline]
    pub fn insert_cached(&'static self, cache: &'static LocalKey<FreeCache<T>>, value: T) -> Result<usize, Error> {
        let cached = cache.try_with(|c| c.free.try_borrow_mut().ok()?.pop()).ok().flatten();
        let index = match cached {
            Some(index) => index,
            None => self.pop_free()?,
        };
        self.insert_at(index, value)
    }

    /// [`remove`](Self::remove), keeping the freed slot in the thread's `cache`.
    #[inline]
    pub fn remove_cached(&'static self, cache: &'static LocalKey<FreeCache<T>>, handle: usize) -> Result<T, Error> {
        let (value, index, live) = self.take(handle)?;
        let kept = live
            && cache.try_with(|c| {
                let Ok(mut free) = c.free.try_borrow_mut() else { return false };
                if free.len() >= FreeCache::<T>::MAX {
                    return false;
                }
                free.push(index);
                true
            }) == Ok(true);
        if !kept {
            self.push_free(index);
        }
        Ok(value)
    }

    /// Whether `handle` is live right now (its slot's generation is the handle's), without
    /// taking the slot.
    #[inline]
    pub fn is_live(&self, handle: usize) -> bool {
        self.decode(handle)
            .and_then(|(generation, index)| Some(self.slot(index)?.state.load(Ordering::Acquire) >> 1 == generation))
            .unwrap_or(false)
    }

    /// The slot of a live handle, held.
    #[inline]
    fn held(&self, handle: usize) -> Result<(Held<'_, T>, u32), Error> {
        let found = self.decode(handle).and_then(|(generation, index)| {
            let mut held = self.slot(index)?.hold(generation)?;
            held.value().is_some().then_some((held, index))
        });
        found.ok_or_else(|| Error::invalid_handle(self.kind))
    }

    /// Runs `f` on the live value behind `handle`, holding that slot (calls on one handle
    /// serialize).
    #[inline]
    pub fn with<R>(&self, handle: usize, f: impl FnOnce(&mut T) -> R) -> Result<R, Error> {
        let (mut held, _) = self.held(handle)?;
        match held.value().as_mut() {
            Some(v) => Ok(f(v)),
            None => Err(Error::invalid_handle(self.kind)),
        }
    }

    /// Removes the value behind `handle`; the handle (and every copy of it) becomes invalid.
    pub fn remove(&self, handle: usize) -> Result<T, Error> {
        let (value, index, _) = self.take(handle)?;
        self.push_free(index);
        Ok(value)
    }

    /// Takes the value behind `handle` out, invalidating it; the slot is the caller's to free.
    /// The third field is false when the slot was retired (its generation ran out).
    #[inline]
    fn take(&self, handle: usize) -> Result<(T, u32, bool), Error> {
        let (mut held, index) = self.held(handle)?;
        let value = held.value().take().ok_or_else(|| Error::invalid_handle(self.kind))?;
        held.generation = self.next_generation(held.generation);
        Ok((value, index, held.generation != RETIRED))
    }

    /// Removes every live value for which `pred` holds (used when a provider is freed).
    pub fn remove_where(&self, mut pred: impl FnMut(&T) -> bool) -> Vec<T> {
        let mut out = Vec::new();
        for index in 0..self.len.load(Ordering::Acquire) {
            let Some(slot) = self.slot(index) else {
                continue;
            };
            let mut held = slot.hold_any();
            if held.value().as_ref().is_some_and(&mut pred) {
                if let Some(v) = held.value().take() {
                    out.push(v);
                }
                held.generation = self.next_generation(held.generation);
                drop(held);
                self.push_free(index);
            }
        }
        out
    }

    /// Slots retired so far because their generation ran out (each after 2^28 - 1 uses).
    pub fn retired(&self) -> u32 {
        self.retired.load(Ordering::Relaxed)
    }

    /// The generation after `g`; [`RETIRED`] once the 28 bits a handle carries run out, so
    /// that a handle freed 2^28 - 1 uses ago can never name a new value of its slot (the slot
    /// is never used again: one slot per 2^28 - 1 handles, a few bytes).
    fn next_generation(&self, g: u32) -> u32 {
        if g as u64 >= GEN_MASK {
            self.retired.fetch_add(1, Ordering::Relaxed);
            RETIRED
        } else {
            g + 1
        }
    }
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
    fn a_slot_whose_generation_runs_out_is_retired_not_reused() {
        static S: Slab<u32> = Slab::new(0xA5, "test");
        let h = S.insert(1).unwrap();
        let (_, index) = S.decode(h).unwrap();
        // Fast-forward the slot to its last generation (2^28 - 1 uses).
        let slot = S.slot(index).unwrap();
        slot.state.store((GEN_MASK as u32) << 1, Ordering::Release);
        let stale_last = S.encode(GEN_MASK as u32, index);
        assert!(S.is_live(stale_last) && !S.is_live(h));
        assert_eq!(S.remove(stale_last).unwrap(), 1);
        assert_eq!(S.retired(), 1);
        // The wrapped generation (1, the first handle's) never comes back to life.
        for _ in 0..1000 {
            let fresh = S.insert(2).unwrap();
            assert_ne!(S.decode(fresh).unwrap().1, index, "a retired slot is never handed out again");
            assert!(S.with(h, |_| ()).is_err() && S.with(stale_last, |_| ()).is_err());
            S.remove(fresh).unwrap();
        }
        // Forged handles with the retired generation are rejected.
        assert!(S.with(S.encode(RETIRED, index), |_| ()).is_err());
    }

    #[test]
    fn calls_on_one_handle_from_many_threads_serialize() {
        static S: Slab<u64> = Slab::new(0xA6, "test");
        let h = S.insert(0).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(move || (0..50_000).for_each(|_| S.with(h, |v| *v += 1).unwrap())))
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(S.remove(h).unwrap(), 200_000);
    }

    #[test]
    fn a_panic_inside_a_call_gives_the_slot_back() {
        static S: Slab<u32> = Slab::new(0xA7, "test");
        let h = S.insert(5).unwrap();
        let r = std::panic::catch_unwind(|| S.with(h, |_| panic!("boom")));
        assert!(r.is_err());
        assert_eq!(S.with(h, |v| *v).unwrap(), 5, "not left busy");
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
