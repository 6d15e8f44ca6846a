//! Spans: start, attributes, events, status, end — and the `otlp_span_t` handle.
//!
//! A span lives in the span slab from start to end. Ending it removes it from the slab (so a
//! second end, or any later call, sees an invalid handle) and hands its data to the provider's
//! pipeline; nothing on this path touches the network.

use crate::attributes::{Arena, AttrList, Limit, Text, Value, otlp_attribute_t, read_c_attributes};
use crate::context::{self, SAMPLED, SpanContext, otlp_context_t};
use crate::error::{Error, Result, otlp_error_t};
use crate::export::processor::Pipeline;
use crate::ffi::boundary::{arg_opt_str, arg_str, check_ptr, write_c_string};
use crate::ffi::handle::Slab;
use crate::tracer::{self, Scope, otlp_tracer_t};
use std::cell::Cell;
use std::ffi::c_char;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// Opaque span handle from `otlp_span_start` / `otlp_span_create`.
///
/// Valid until `otlp_span_end` (which also frees it) or until its provider is freed; every
/// later use returns OTLP_ERROR_INVALID_HANDLE. Calls on one span from several threads are
/// serialized by the library.
pub struct otlp_span_t {
    _private: [u8; 0],
}

/// The role of a span in a trace (OpenTelemetry SpanKind); values match OTLP's.
#[repr(C)]
#[allow(non_camel_case_types, dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum otlp_span_kind_t {
    /// An internal operation (the default).
    OTLP_SPAN_KIND_INTERNAL = 1,
    /// Handles a remote request (e.g. an HTTP server handler).
    OTLP_SPAN_KIND_SERVER = 2,
    /// Makes a remote request (e.g. an HTTP client call).
    OTLP_SPAN_KIND_CLIENT = 3,
    /// Sends a message to a broker.
    OTLP_SPAN_KIND_PRODUCER = 4,
    /// Receives a message from a broker.
    OTLP_SPAN_KIND_CONSUMER = 5,
}

/// Span status (OpenTelemetry StatusCode); values match OTLP's.
#[repr(C)]
#[allow(non_camel_case_types, dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum otlp_status_code_t {
    /// No status set (the default).
    OTLP_STATUS_UNSET = 0,
    /// The operation succeeded; final once set.
    OTLP_STATUS_OK = 1,
    /// The operation failed.
    OTLP_STATUS_ERROR = 2,
}

/// How C passes an `otlp_span_kind_t` / `otlp_status_code_t`: as the plain integer an enum
/// is, so an out-of-range value is an error code, never an invalid Rust enum.
#[allow(non_camel_case_types)]
pub type otlp_span_kind_arg = i32;
#[allow(non_camel_case_types)]
pub type otlp_status_code_arg = i32;

/// Span limits (OTEL_SPAN_*_LIMIT, OTEL_ATTRIBUTE_*_LIMIT); beyond them data is counted as
/// dropped in the exported dropped_*_count fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanLimits {
    pub attribute_count: usize,
    pub attribute_value_length: usize,
    pub event_count: usize,
    pub link_count: usize,
    pub event_attribute_count: usize,
    pub link_attribute_count: usize,
}

impl Default for SpanLimits {
    fn default() -> Self {
        Self {
            attribute_count: 128,
            attribute_value_length: usize::MAX,
            event_count: 128,
            link_count: 128,
            event_attribute_count: 128,
            link_attribute_count: 128,
        }
    }
}

impl SpanLimits {
    fn attrs(&self) -> Limit {
        Limit { count: self.attribute_count, value_length: self.attribute_value_length }
    }
    fn event_attrs(&self) -> Limit {
        Limit { count: self.event_attribute_count, value_length: self.attribute_value_length }
    }
    fn link_attrs(&self) -> Limit {
        Limit { count: self.link_attribute_count, value_length: self.attribute_value_length }
    }
}

/// One event of a span; its strings live in the span's arena.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: Text,
    pub time_ns: u64,
    pub attributes: AttrList,
}

/// A link to another span's context.
#[derive(Debug, Clone)]
pub struct Link {
    pub ctx: SpanContext,
    pub attributes: AttrList,
}

/// Everything exported about one span.
#[derive(Debug, Clone)]
pub struct SpanData {
    pub ctx: SpanContext,
    pub parent_span_id: Option<[u8; 8]>,
    pub parent_is_remote: bool,
    pub kind: i32,
    pub start_ns: u64,
    pub end_ns: u64,
    /// Name, keys and string values of the span, its events and links.
    pub arena: Arena,
    pub name: Text,
    pub attributes: AttrList,
    pub events: Vec<Event>,
    pub dropped_events: u32,
    pub links: Vec<Link>,
    pub dropped_links: u32,
    pub status_code: i32,
    pub status_message: String,
    pub scope: Arc<Scope>,
}

impl SpanData {
    pub fn name(&self) -> &str {
        self.arena.get(self.name)
    }

    fn set_attributes(&mut self, attrs: &[(&str, Value<'_>)], limits: &SpanLimits) {
        self.attributes.set_all(&mut self.arena, attrs, limits.attrs());
    }

    fn add_event(&mut self, name: &str, time_ns: u64, attrs: &[(&str, Value<'_>)], limits: &SpanLimits) {
        if self.events.len() >= limits.event_count {
            self.dropped_events = self.dropped_events.saturating_add(1);
            return;
        }
        let name = self.arena.intern(name);
        let mut attributes = AttrList::default();
        attributes.set_all(&mut self.arena, attrs, limits.event_attrs());
        self.events.push(Event { name, time_ns, attributes });
    }

    fn add_link(&mut self, ctx: SpanContext, attrs: &[(&str, Value<'_>)], limits: &SpanLimits) {
        if self.links.len() >= limits.link_count {
            self.dropped_links = self.dropped_links.saturating_add(1);
            return;
        }
        let mut attributes = AttrList::default();
        attributes.set_all(&mut self.arena, attrs, limits.link_attrs());
        self.links.push(Link { ctx, attributes });
    }

    fn set_status(&mut self, code: i32, description: &str) {
        // OpenTelemetry: Ok is final, Unset is ignored, the description only goes with Error.
        if self.status_code == otlp_status_code_t::OTLP_STATUS_OK as i32
            || code == otlp_status_code_t::OTLP_STATUS_UNSET as i32
        {
            return;
        }
        self.status_code = code;
        self.status_message =
            if code == otlp_status_code_t::OTLP_STATUS_ERROR as i32 { description.to_owned() } else { String::new() };
    }

    /// An `exception` event per the semantic conventions, and status ERROR.
    fn record_exception(&mut self, kind: Option<&str>, message: &str, stacktrace: Option<&str>, limits: &SpanLimits) {
        let mut attrs = Vec::with_capacity(3);
        if let Some(k) = kind {
            attrs.push(("exception.type", Value::Str(k)));
        }
        attrs.push(("exception.message", Value::Str(message)));
        if let Some(st) = stacktrace {
            attrs.push(("exception.stacktrace", Value::Str(st)));
        }
        self.add_event("exception", now_ns(), &attrs, limits);
        self.set_status(otlp_status_code_t::OTLP_STATUS_ERROR as i32, message);
    }
}

/// A live span: its identity always, its data only while it records. The data is boxed so
/// that moving a span into its slot, out of it and onto the export queue moves a pointer,
/// not a few hundred bytes.
pub struct SpanState {
    pub provider_id: u64,
    pub data: Box<SpanData>,
    pipeline: Option<Arc<Pipeline>>,
}

pub(crate) static SPANS: Slab<SpanState> = Slab::new(0x5A, "span");

pub fn now_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

thread_local! {
    /// (fork generation, splitmix64 state) of this thread's id generator.
    static RNG: Cell<(u64, u64)> = Cell::new((crate::fork::generation(), seed()));
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

/// splitmix64: fast, full-period, good enough for random trace and span ids. Reseeded after
/// fork(), so a child never repeats its parent's ids.
fn next_u64() -> u64 {
    RNG.with(|s| {
        let (generation, state) = s.get();
        let now = crate::fork::generation();
        let state = if generation == now { state } else { seed() };
        let mut z = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        s.set((now, z));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

fn new_span_id() -> [u8; 8] {
    loop {
        let v = next_u64();
        if v != 0 {
            return v.to_be_bytes();
        }
    }
}

fn new_trace_id() -> [u8; 16] {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&next_u64().to_be_bytes());
    id[8..].copy_from_slice(&new_span_id());
    id
}

fn check_kind(kind: otlp_span_kind_arg) -> Result<i32> {
    if (1..=5).contains(&kind) {
        Ok(kind)
    } else {
        Err(Error::invalid_argument(format!("argument `kind` is {kind}, not an otlp_span_kind_t (1..=5)")))
    }
}

/// Starts a span of `tracer`; the safe core of `otlp_span_start`.
/// Options of `otlp_span_start_with_options`. Size-prefixed so it can grow without breaking
/// the ABI: set `struct_size = sizeof(otlp_span_options_t)` and zero what you do not use (a
/// zeroed struct with only `struct_size` set means: INTERNAL, root, no attributes or links,
/// started now).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct otlp_span_options_t {
    /// `sizeof(otlp_span_options_t)` as the caller compiled it.
    pub struct_size: usize,
    /// An otlp_span_kind_t; 0 means OTLP_SPAN_KIND_INTERNAL.
    pub kind: otlp_span_kind_arg,
    /// Parent context (from `otlp_context_extract*` or `otlp_span_get_context`), or NULL for a
    /// root span. Only read; the caller still frees it.
    pub parent: *const otlp_context_t,
    /// Attributes set at start (visible to the sampler's decision); NULL when the count is 0.
    pub attributes: *const otlp_attribute_t,
    pub attribute_count: usize,
    /// Links to other spans' contexts; NULL when the count is 0.
    pub links: *const otlp_link_t,
    pub link_count: usize,
    /// Start time in nanoseconds since the Unix epoch; 0 means now.
    pub start_time_unix_nano: u64,
}

/// A link from a new span to another span's context, with attributes.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct otlp_link_t {
    /// The linked context (only read; the caller still frees it). Not NULL.
    pub context: *const otlp_context_t,
    /// NULL when `attribute_count` is 0.
    pub attributes: *const otlp_attribute_t,
    pub attribute_count: usize,
}

/// A span that already finished, described by value for `otlp_span_emit`: what
/// `otlp_span_start_with_options` takes, plus the attributes set while it ran and its end.
/// Size-prefixed like otlp_span_options_t: set `struct_size = sizeof(otlp_finished_span_t)` and
/// zero what you do not use.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct otlp_finished_span_t {
    /// `sizeof(otlp_finished_span_t)` as the caller compiled it.
    pub struct_size: usize,
    /// The span name (UTF-8, copied). Not NULL.
    pub name: *const c_char,
    /// An otlp_span_kind_t; 0 means OTLP_SPAN_KIND_INTERNAL.
    pub kind: otlp_span_kind_arg,
    /// Parent context, or NULL for a root span. Only read; the caller still frees it.
    pub parent: *const otlp_context_t,
    /// Attributes the span started with (visible to the sampler's decision); NULL when the
    /// count is 0.
    pub start_attributes: *const otlp_attribute_t,
    pub start_attribute_count: usize,
    /// Links to other spans' contexts; NULL when the count is 0.
    pub links: *const otlp_link_t,
    pub link_count: usize,
    /// Start time in nanoseconds since the Unix epoch; 0 means now.
    pub start_time_unix_nano: u64,
    /// Attributes set after the start, applied in order (a key set again replaces the earlier
    /// value, start attributes included); NULL when the count is 0.
    pub attributes: *const otlp_attribute_t,
    pub attribute_count: usize,
    /// End time in nanoseconds since the Unix epoch; 0 means now; clamped to the start.
    pub end_time_unix_nano: u64,
}

/// What a new span starts with, beyond its tracer and name.
#[derive(Default)]
pub struct StartOptions<'a> {
    pub kind: i32,
    pub parent: Option<SpanContext>,
    pub attributes: Vec<(&'a str, Value<'a>)>,
    pub links: Vec<(SpanContext, Vec<(&'a str, Value<'a>)>)>,
    pub start_ns: Option<u64>,
}

/// A new span of `tracer` (ids, sampling decision, start attributes and links), not yet in
/// the slab; the safe core of every start function and of `otlp_span_emit`.
fn begin(tracer: &tracer::Tracer, name: &str, opts: StartOptions<'_>) -> SpanState {
    let span_id = new_span_id();
    let trace_id = opts.parent.as_ref().map_or_else(new_trace_id, |p| p.trace_id);
    let sampled = tracer.sampler.should_sample(opts.parent.as_ref(), &trace_id);
    let (ctx, parent_span_id, parent_is_remote) = match &opts.parent {
        Some(p) => (
            SpanContext {
                span_id,
                flags: if sampled { p.flags | SAMPLED } else { p.flags & !SAMPLED },
                is_remote: false,
                ..p.clone()
            },
            Some(p.span_id),
            p.is_remote,
        ),
        None => (
            SpanContext {
                trace_id,
                span_id,
                flags: if sampled { SAMPLED } else { 0 },
                trace_state: None,
                is_remote: false,
            },
            None,
            false,
        ),
    };
    // A span that is not sampled does not record but keeps its identity for propagation.
    let pipeline = if sampled { tracer.pipeline().cloned() } else { None };
    let start_ns = opts.start_ns.unwrap_or_else(now_ns);
    let mut data = pooled_data(&tracer.scope);
    data.ctx = ctx;
    data.parent_span_id = parent_span_id;
    data.parent_is_remote = parent_is_remote;
    data.kind = opts.kind;
    data.start_ns = start_ns;
    if let Some(p) = &pipeline {
        p.span_started();
        data.arena.reserve(name.len() + 96);
        data.name = data.arena.intern(name);
        data.set_attributes(&opts.attributes, &p.limits);
        for (ctx, attrs) in opts.links {
            data.add_link(ctx, &attrs, &p.limits);
        }
    }
    SpanState { provider_id: tracer.provider_id, data, pipeline }
}

/// Starts a span of `tracer` and registers it: its handle value.
pub fn start(tracer: &tracer::Tracer, name: &str, opts: StartOptions<'_>) -> Result<usize> {
    SPANS.insert(begin(tracer, name, opts))
}

/// Hands a finished span to its pipeline (or back to the pool when it does not record).
fn finish(state: SpanState, end_ns: Option<u64>) {
    match state.pipeline {
        Some(pipeline) => {
            let mut data = state.data;
            data.end_ns = end_ns.unwrap_or_else(now_ns).max(data.start_ns);
            pipeline.span_ended(data);
        }
        None => recycle(state.data),
    }
}

/// A whole span in one step: started with `opts`, given `attributes` after the sampler ran,
/// ended at `end_ns` (None: now). Never enters the slab: no handle exists to misuse.
pub fn emit(
    tracer: &tracer::Tracer,
    name: &str,
    opts: StartOptions<'_>,
    attributes: &[(&str, Value<'_>)],
    end_ns: Option<u64>,
) {
    let mut state = begin(tracer, name, opts);
    if let Some(p) = &state.pipeline {
        state.data.set_attributes(attributes, &p.limits);
    }
    finish(state, end_ns);
}

/// Span records are recycled: the export thread hands encoded ones back (their arena and
/// attribute list keep their allocations), so a steady stream of spans allocates nothing.
/// Bounded in count and in the size of what a pooled record may keep.
#[allow(clippy::vec_box)] // records travel as boxes (slab, queue, pool): moving one moves a pointer
static POOL: Mutex<Vec<Box<SpanData>>> = Mutex::new(Vec::new());
const POOL_MAX: usize = 1024;
const POOL_MAX_TEXT: usize = 1024;
const POOL_MAX_ATTRIBUTES: usize = 32;

fn empty_data(scope: &Arc<Scope>) -> Box<SpanData> {
    Box::new(SpanData {
        ctx: SpanContext { trace_id: [0; 16], span_id: [0; 8], flags: 0, trace_state: None, is_remote: false },
        parent_span_id: None,
        parent_is_remote: false,
        kind: 1,
        start_ns: 0,
        end_ns: 0,
        arena: Arena::default(),
        name: Text::default(),
        attributes: AttrList::default(),
        events: Vec::new(),
        dropped_events: 0,
        links: Vec::new(),
        dropped_links: 0,
        status_code: 0,
        status_message: String::new(),
        scope: scope.clone(),
    })
}

/// A cleared span record of `scope`: from the pool when one is there, else a new one.
fn pooled_data(scope: &Arc<Scope>) -> Box<SpanData> {
    let reused = POOL.lock().unwrap_or_else(|e| e.into_inner()).pop();
    match reused {
        Some(mut d) => {
            if !Arc::ptr_eq(&d.scope, scope) {
                d.scope = scope.clone();
            }
            d
        }
        None => empty_data(scope),
    }
}

/// Clears a record for reuse; `None` when it holds too much to be worth keeping.
fn cleared(mut d: Box<SpanData>) -> Option<Box<SpanData>> {
    if d.arena.capacity() > POOL_MAX_TEXT || d.attributes.capacity() > POOL_MAX_ATTRIBUTES {
        return None;
    }
    d.ctx.trace_state = None;
    d.arena.clear();
    d.name = Text::default();
    d.attributes.clear();
    d.events.clear();
    d.dropped_events = 0;
    d.links.clear();
    d.dropped_links = 0;
    d.status_code = 0;
    d.status_message.clear();
    Some(d)
}

/// Returns a record that will not be exported (dropped) to the pool.
pub fn recycle(d: Box<SpanData>) {
    if let Some(d) = cleared(d) {
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < POOL_MAX {
            pool.push(d);
        }
    }
}

/// Returns an exported batch to the pool (cleared outside the lock, pushed under one lock).
#[allow(clippy::vec_box)]
pub fn recycle_all(batch: Vec<Box<SpanData>>) {
    #[allow(clippy::vec_box)]
    let ready: Vec<Box<SpanData>> = batch.into_iter().filter_map(cleared).collect();
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    let room = POOL_MAX.saturating_sub(pool.len());
    pool.extend(ready.into_iter().take(room));
}

/// Runs `f` on a recording span's data; a non-recording span accepts and ignores the call.
fn with_data(span: *const otlp_span_t, f: impl FnOnce(&mut SpanData, &SpanLimits)) -> Result<()> {
    SPANS.with(span as usize, |s| {
        if let Some(p) = &s.pipeline {
            f(&mut s.data, &p.limits)
        }
    })
}

/// The span's context (for inject and `otlp_span_get_context`).
pub fn context_of(span: *const otlp_span_t) -> Result<SpanContext> {
    SPANS.with(span as usize, |s| s.data.ctx.clone())
}

/// Ends a span: removes it from the slab and queues its data for export.
pub fn end(span: *mut otlp_span_t, end_ns: Option<u64>) -> Result<()> {
    finish(SPANS.remove(span as usize)?, end_ns);
    Ok(())
}

/// Drops every live span of a freed provider without exporting it.
pub fn forget_provider(provider_id: u64) {
    drop(SPANS.remove_where(|s| s.provider_id == provider_id));
}

fn set_attr(span: *mut otlp_span_t, key: *const c_char, value: Value<'_>) -> Result<()> {
    check_ptr(span, "span")?;
    let key = unsafe { arg_str(key, "key") }?;
    if key.is_empty() {
        return Err(Error::invalid_argument("argument `key` is empty"));
    }
    with_data(span, |d, l| d.set_attributes(&[(key, value)], l))
}

fn write_out<T>(out: *mut *mut T, handle: usize) {
    // SAFETY: every caller checked `out` for NULL; writable per the API contract.
    unsafe { out.write(handle as *mut T) };
}

/// The start fields shared by `otlp_span_options_t` and `otlp_finished_span_t`, validated;
/// errors name the field under `owner` (`options.links[0].context`) or, for the attributes,
/// `attributes_field` (`span.start_attributes[1].key`).
struct StartFields {
    kind: otlp_span_kind_arg,
    parent: *const otlp_context_t,
    attributes: *const otlp_attribute_t,
    attribute_count: usize,
    links: *const otlp_link_t,
    link_count: usize,
    start_time_unix_nano: u64,
}

impl StartFields {
    /// # Safety
    /// The arrays hold the counts they claim, as the C API documents.
    unsafe fn read<'a>(self, owner: &str, attributes_field: &str) -> Result<StartOptions<'a>> {
        let mut opts = StartOptions {
            kind: if self.kind == 0 { 1 } else { check_kind(self.kind)? },
            start_ns: (self.start_time_unix_nano != 0).then_some(self.start_time_unix_nano),
            ..Default::default()
        };
        if !self.parent.is_null() {
            opts.parent = Some(context::lookup(self.parent)?);
        }
        opts.attributes = unsafe { read_c_attributes(self.attributes, self.attribute_count, attributes_field) }?;
        if self.link_count > 0 {
            check_ptr(self.links, &format!("{owner}.links"))?;
            // SAFETY: non-NULL, `link_count` entries per the caller.
            let links = unsafe { std::slice::from_raw_parts(self.links, self.link_count) };
            for (i, l) in links.iter().enumerate() {
                check_ptr(l.context, &format!("{owner}.links[{i}].context"))?;
                let ctx = context::lookup(l.context)?;
                let name = format!("{owner}.links[{i}].attributes");
                let attrs = unsafe { read_c_attributes(l.attributes, l.attribute_count, &name) }?;
                opts.links.push((ctx, attrs));
            }
        }
        Ok(opts)
    }
}

/// Reads a size-prefixed struct whose first field is `struct_size`: a copy of it, or an error
/// naming `what` when the caller's struct is older (smaller) than the first version of ours.
///
/// # Safety
/// `ptr` is non-NULL and points to at least `struct_size` readable bytes.
unsafe fn read_sized<T: Copy>(ptr: *const T, what: &str, type_name: &str) -> Result<T> {
    // SAFETY: the first field is read alone before trusting the rest.
    let size = unsafe { ptr.cast::<usize>().read_unaligned() };
    let ours = std::mem::size_of::<T>();
    if size < ours {
        return Err(Error::invalid_argument(format!(
            "argument `{what}.struct_size` is {size}, expected at least {ours} (sizeof({type_name}))"
        )));
    }
    Ok(unsafe { ptr.read_unaligned() })
}

/// Reads an `otlp_span_options_t` (NULL: all defaults), validating every entry; errors name
/// the field (`options.attributes[1].key`, `options.links[0].context`).
///
/// # Safety
/// `options` is NULL or points to at least `options->struct_size` readable bytes whose arrays
/// hold the counts they claim, as the C API documents.
unsafe fn read_options<'a>(options: *const otlp_span_options_t) -> Result<StartOptions<'a>> {
    if options.is_null() {
        return Ok(StartOptions { kind: 1, ..Default::default() });
    }
    let o = unsafe { read_sized(options, "options", "otlp_span_options_t") }?;
    let fields = StartFields {
        kind: o.kind,
        parent: o.parent,
        attributes: o.attributes,
        attribute_count: o.attribute_count,
        links: o.links,
        link_count: o.link_count,
        start_time_unix_nano: o.start_time_unix_nano,
    };
    unsafe { fields.read("options", "options.attributes") }
}

/// Starts a span; the general form of `otlp_span_create`.
///
/// `kind` is one of otlp_span_kind_t (an out-of-range value returns
/// OTLP_ERROR_INVALID_ARGUMENT). `parent` NULL starts a new trace (a root span); otherwise it is
/// a context from `otlp_context_extract*` (remote parent: the span joins the caller's trace and
/// inherits its flags and tracestate) or from `otlp_span_get_context` (local parent). The
/// sampler (OTEL_TRACES_SAMPLER, default parent-based always-on) decides whether it records;
/// a span that is not sampled does not record or export but still propagates (flags 00).
/// `parent` is only read: the caller still owns and frees it.
///
/// On success `*span` receives a new span that the caller must end with `otlp_span_end`
/// (which frees it). `name` is copied. Threads: any thread, concurrently.
///
/// Errors: OTLP_ERROR_NULL_POINTER (tracer, name, span), OTLP_ERROR_INVALID_HANDLE (tracer or
/// parent not live), OTLP_ERROR_INVALID_ARGUMENT (name not UTF-8, kind out of range).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_start(
    tracer: *mut otlp_tracer_t,
    name: *const c_char,
    kind: otlp_span_kind_arg,
    parent: *const otlp_context_t,
    span: *mut *mut otlp_span_t,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(tracer, "tracer")?;
        let name = unsafe { arg_str(name, "name") }?;
        check_ptr(span, "span")?;
        let kind = check_kind(kind)?;
        let tracer = tracer::lookup(tracer)?;
        let parent = if parent.is_null() { None } else { Some(context::lookup(parent)?) };
        write_out(span, start(&tracer, name, StartOptions { kind, parent, ..Default::default() })?);
        Ok(())
    })
}

/// Starts a root span of kind INTERNAL: `otlp_span_start(tracer, name,
/// OTLP_SPAN_KIND_INTERNAL, NULL, span)`.
///
/// Ownership, threading and errors as for `otlp_span_start`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_create(
    tracer: *mut otlp_tracer_t,
    name: *const c_char,
    span: *mut *mut otlp_span_t,
) -> otlp_error_t {
    unsafe { otlp_span_start(tracer, name, otlp_span_kind_t::OTLP_SPAN_KIND_INTERNAL as i32, std::ptr::null(), span) }
}

/// Starts a span with everything known at start in one call: kind, parent, attributes,
/// links and an explicit start time (see otlp_span_options_t). `options` NULL means all
/// defaults. Bindings use it to cross the boundary once per span start.
///
/// All inputs are validated before the span starts; an invalid entry fails the call and its
/// message names it (e.g. `options.attributes[1].key`, `options.links[0].context`).
///
/// Errors: OTLP_ERROR_NULL_POINTER (tracer, name, span, an array with a count but no
/// pointer), OTLP_ERROR_INVALID_HANDLE (tracer, parent or a link context not live),
/// OTLP_ERROR_INVALID_ARGUMENT (struct_size smaller than the first version of the struct,
/// kind out of range, invalid attribute). Ownership and threading as for otlp_span_start.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_start_with_options(
    tracer: *mut otlp_tracer_t,
    name: *const c_char,
    options: *const otlp_span_options_t,
    span: *mut *mut otlp_span_t,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(tracer, "tracer")?;
        let name = unsafe { arg_str(name, "name") }?;
        check_ptr(span, "span")?;
        let opts = unsafe { read_options(options) }?;
        let tracer = tracer::lookup(tracer)?;
        write_out(span, start(&tracer, name, opts)?);
        Ok(())
    })
}

/// Records a whole span in one call: starts it as otlp_span_start_with_options would, sets
/// `span->attributes` as otlp_span_set_attributes would (after the sampler's decision, which
/// sees only `span->start_attributes`), ends it at `span->end_time_unix_nano` and queues it
/// for export.
///
/// For bindings that keep a span on their side while it runs (its start time, the attributes
/// set on it) and cross the boundary once, when it ends. No handle is created; the span's ids
/// are generated here, so a span whose context is needed while it runs is started with
/// otlp_span_start* instead. `span` is only read during the call.
///
/// Everything is validated before the span is created: if any input is invalid, nothing is
/// recorded and the message names the field (`span.name`, `span.start_attributes[0].key`,
/// `span.attributes[2].value.string_value`, `span.struct_size`). Never blocks on the network
/// (a full queue drops the span and counts it). Threads: any thread, concurrently.
///
/// Errors: OTLP_ERROR_NULL_POINTER (tracer, span, span->name, an array with a count but no
/// pointer), OTLP_ERROR_INVALID_HANDLE (tracer, parent or a link context not live),
/// OTLP_ERROR_INVALID_ARGUMENT (struct_size smaller than the first version of the struct, kind
/// out of range, name not UTF-8, invalid attribute).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_emit(tracer: *mut otlp_tracer_t, span: *const otlp_finished_span_t) -> otlp_error_t {
    ffi_result!({
        check_ptr(tracer, "tracer")?;
        check_ptr(span, "span")?;
        let f = unsafe { read_sized(span, "span", "otlp_finished_span_t") }?;
        let name = unsafe { arg_str(f.name, "span.name") }?;
        let fields = StartFields {
            kind: f.kind,
            parent: f.parent,
            attributes: f.start_attributes,
            attribute_count: f.start_attribute_count,
            links: f.links,
            link_count: f.link_count,
            start_time_unix_nano: f.start_time_unix_nano,
        };
        let opts = unsafe { fields.read("span", "span.start_attributes") }?;
        let attrs = unsafe { read_c_attributes(f.attributes, f.attribute_count, "span.attributes") }?;
        let tracer = tracer::lookup(tracer)?;
        emit(&tracer, name, opts, &attrs, (f.end_time_unix_nano != 0).then_some(f.end_time_unix_nano));
        Ok(())
    })
}

/// Returns the context of `span`, to parent local children or to inject elsewhere.
///
/// `*context` receives a new context (trace id, span id, flags, tracestate) that the caller
/// frees with `otlp_context_free`; it stays valid after the span ends.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, context), OTLP_ERROR_INVALID_HANDLE (span not live).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_get_context(
    span: *const otlp_span_t,
    context: *mut *mut otlp_context_t,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        check_ptr(context, "context")?;
        let ctx = context_of(span)?;
        unsafe { context::publish(ctx, context) }
    })
}

/// Sets a string attribute (`key` and `value` are copied; setting a key again replaces it).
///
/// At most OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT (default 128) attributes are kept per span; more
/// are counted in the exported dropped_attributes_count; string values longer than
/// OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT characters are truncated. Thread-safe; calls on a span that
/// is not sampled succeed and do nothing.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, key, value), OTLP_ERROR_INVALID_HANDLE (span ended or
/// not live), OTLP_ERROR_INVALID_ARGUMENT (key empty, key or value not UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_set_attribute_string(
    span: *mut otlp_span_t,
    key: *const c_char,
    value: *const c_char,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        check_ptr(key, "key")?;
        let value = unsafe { arg_str(value, "value") }?;
        set_attr(span, key, Value::Str(value))
    })
}

/// Sets a 64-bit integer attribute. Rules and errors as for otlp_span_set_attribute_string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_set_attribute_int(
    span: *mut otlp_span_t,
    key: *const c_char,
    value: i64,
) -> otlp_error_t {
    ffi_result!({ set_attr(span, key, Value::Int(value)) })
}

/// Sets a boolean attribute. Rules and errors as for otlp_span_set_attribute_string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_set_attribute_bool(
    span: *mut otlp_span_t,
    key: *const c_char,
    value: bool,
) -> otlp_error_t {
    ffi_result!({ set_attr(span, key, Value::Bool(value)) })
}

/// Sets a double attribute. Rules and errors as for otlp_span_set_attribute_string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_set_attribute_double(
    span: *mut otlp_span_t,
    key: *const c_char,
    value: f64,
) -> otlp_error_t {
    ffi_result!({ set_attr(span, key, Value::Double(value)) })
}

/// Sets `count` typed attributes in one call (one boundary crossing for many attributes, as
/// bindings want), scalars or homogeneous arrays. All entries are validated first: if any is
/// invalid, none is set and the message names the entry (e.g. `attributes[2].key`). Keys and
/// strings are copied. `attributes` may be NULL only when `count` is 0. Limits as for
/// otlp_span_set_attribute_string.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, attributes, a key, string or array pointer),
/// OTLP_ERROR_INVALID_HANDLE, OTLP_ERROR_INVALID_ARGUMENT (bad type tag, empty key, not UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_set_attributes(
    span: *mut otlp_span_t,
    attributes: *const otlp_attribute_t,
    count: usize,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let parsed = unsafe { read_c_attributes(attributes, count, "attributes") }?;
        with_data(span, |d, l| d.set_attributes(&parsed, l))
    })
}

/// Adds an event named `name` (copied), timestamped now. At most OTEL_SPAN_EVENT_COUNT_LIMIT
/// (default 128) events are kept; more are counted in dropped_events_count.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, name), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (name not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_add_event(span: *mut otlp_span_t, name: *const c_char) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let name = unsafe { arg_str(name, "name") }?;
        with_data(span, |d, l| d.add_event(name, now_ns(), &[], l))
    })
}

/// Adds an event with attributes and an optional timestamp (`time_unix_nano` 0 = now).
/// `attributes` may be NULL when `count` is 0; an invalid entry fails the call and is named
/// (`attributes[i]`). At most OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT attributes per event are kept.
///
/// Errors: as for otlp_span_add_event and otlp_span_set_attributes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_add_event_with_attributes(
    span: *mut otlp_span_t,
    name: *const c_char,
    time_unix_nano: u64,
    attributes: *const otlp_attribute_t,
    count: usize,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let name = unsafe { arg_str(name, "name") }?;
        let parsed = unsafe { read_c_attributes(attributes, count, "attributes") }?;
        let time = if time_unix_nano == 0 { now_ns() } else { time_unix_nano };
        with_data(span, |d, l| d.add_event(name, time, &parsed, l))
    })
}

/// Sets the span status. `description` (copied; pass "" for none) is kept only with
/// OTLP_STATUS_ERROR. Per OpenTelemetry, OTLP_STATUS_OK is final and OTLP_STATUS_UNSET is
/// ignored.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, description), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (code out of range, description not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_set_status(
    span: *mut otlp_span_t,
    code: otlp_status_code_arg,
    description: *const c_char,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let description = unsafe { arg_str(description, "description") }?;
        if !(0..=2).contains(&code) {
            return Err(Error::invalid_argument(format!(
                "argument `code` is {code}, not an otlp_status_code_t (0..=2)"
            )));
        }
        with_data(span, |d, _| d.set_status(code, description))
    })
}

/// Records an error: adds an `exception` event with attribute `exception.message` = `message`
/// and sets the status to ERROR with `message` as its description (OpenTelemetry semantic
/// conventions). `message` is copied.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, message), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (message not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_record_error(span: *mut otlp_span_t, message: *const c_char) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let message = unsafe { arg_str(message, "message") }?;
        with_data(span, |d, l| d.record_exception(None, message, None, l))
    })
}

/// Like otlp_span_record_error, with the exception's type (`exception.type`, e.g.
/// "ValueError") and stack trace (`exception.stacktrace`); both may be NULL.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, message), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (a string not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_record_exception(
    span: *mut otlp_span_t,
    exception_type: *const c_char,
    message: *const c_char,
    stacktrace: *const c_char,
) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let kind = unsafe { arg_opt_str(exception_type, "exception_type") }?;
        let message = unsafe { arg_str(message, "message") }?;
        let stack = unsafe { arg_opt_str(stacktrace, "stacktrace") }?;
        with_data(span, |d, l| d.record_exception(kind, message, stack, l))
    })
}

/// Renames the span (`name` copied).
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, name), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (name not UTF-8). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_update_name(span: *mut otlp_span_t, name: *const c_char) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        let name = unsafe { arg_str(name, "name") }?;
        with_data(span, |d, _| d.name = d.arena.intern(name))
    })
}

/// Writes whether the span records (sampled, and its provider not shut down) to `*recording`.
/// A span that does not record accepts every call and exports nothing; skip expensive
/// attribute computation for it.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, recording), OTLP_ERROR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_is_recording(span: *const otlp_span_t, recording: *mut bool) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        check_ptr(recording, "recording")?;
        let r = SPANS.with(span as usize, |s| s.pipeline.is_some())?;
        // SAFETY: checked non-NULL; writable per the API contract.
        unsafe { recording.write(r) };
        Ok(())
    })
}

/// Writes text derived from a live span's context into a caller buffer (NUL-terminated);
/// the shared body of the inject and id functions.
///
/// # Safety
/// `buf` is NULL or valid for `buf_len` bytes of writes.
pub(crate) unsafe fn write_from_context(
    span: *const otlp_span_t,
    buf: *mut c_char,
    buf_len: usize,
    buf_name: &str,
    text: impl FnOnce(&SpanContext) -> String,
) -> Result<()> {
    check_ptr(span, "span")?;
    check_ptr(buf, buf_name)?;
    let value = text(&context_of(span)?);
    // SAFETY: non-NULL; the caller provides `buf_len` writable bytes.
    unsafe { write_c_string(buf, buf_len, &value, buf_name) }
}

/// Writes the span's trace id as 32 lowercase hex characters + NUL (`buf_len` >= 33), for
/// log correlation.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span, buf), OTLP_ERROR_INVALID_HANDLE,
/// OTLP_ERROR_INVALID_ARGUMENT (buffer too small; nothing written).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_get_trace_id(
    span: *const otlp_span_t,
    buf: *mut c_char,
    buf_len: usize,
) -> otlp_error_t {
    ffi_result!({ unsafe { write_from_context(span, buf, buf_len, "buf", |c| context::to_hex(&c.trace_id)) } })
}

/// Writes the span's id as 16 lowercase hex characters + NUL (`buf_len` >= 17).
///
/// Errors: as for otlp_span_get_trace_id.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_get_span_id(
    span: *const otlp_span_t,
    buf: *mut c_char,
    buf_len: usize,
) -> otlp_error_t {
    ffi_result!({ unsafe { write_from_context(span, buf, buf_len, "buf", |c| context::to_hex(&c.span_id)) } })
}

/// Ends the span, queues it for export and frees the handle.
///
/// Never blocks on the network: the span goes to a bounded queue (a full queue drops it and
/// counts it in spans_dropped). NULL is a no-op. Ending a span twice, or a handle that is not
/// live, does nothing and sets the last error (OTLP_ERROR_INVALID_HANDLE): the span is exported
/// once. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_end(span: *mut otlp_span_t) {
    if span.is_null() {
        return;
    }
    ffi_void!({ end(span, None) })
}

/// Ends the span at an explicit time (nanoseconds since the Unix epoch; 0 = now; a time
/// before the start is clamped to the start). Otherwise as otlp_span_end, but reports a span
/// that is not live as OTLP_ERROR_INVALID_HANDLE.
///
/// Errors: OTLP_ERROR_NULL_POINTER (span), OTLP_ERROR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn otlp_span_end_with_timestamp(span: *mut otlp_span_t, end_time_unix_nano: u64) -> otlp_error_t {
    ffi_result!({
        check_ptr(span, "span")?;
        end(span, (end_time_unix_nano != 0).then_some(end_time_unix_nano))
    })
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

    fn data() -> SpanData {
        SpanData {
            ctx: SpanContext { trace_id: [1; 16], span_id: [2; 8], flags: 1, trace_state: None, is_remote: false },
            parent_span_id: None,
            parent_is_remote: false,
            kind: 1,
            start_ns: 1,
            end_ns: 2,
            arena: Arena::default(),
            name: Text::default(),
            attributes: AttrList::default(),
            events: vec![],
            dropped_events: 0,
            links: vec![],
            dropped_links: 0,
            status_code: 0,
            status_message: String::new(),
            scope: Arc::new(Scope::default()),
        }
    }

    #[test]
    fn limits_count_what_they_drop() {
        let mut d = data();
        let limits = SpanLimits {
            attribute_count: 2,
            event_count: 1,
            link_count: 1,
            event_attribute_count: 1,
            ..Default::default()
        };
        d.set_attributes(
            &[("k", Value::Int(1)), ("k", Value::Int(2)), ("b", Value::Bool(true)), ("c", Value::Int(3))],
            &limits,
        );
        assert_eq!((d.attributes.len(), d.attributes.dropped), (2, 1));
        d.add_event("e1", 5, &[("x", Value::Int(1)), ("y", Value::Int(2))], &limits);
        d.add_event("e2", 6, &[], &limits);
        assert_eq!((d.events.len(), d.dropped_events, d.events[0].attributes.dropped), (1, 1, 1));
        assert_eq!(d.arena.get(d.events[0].name), "e1");
        d.add_link(d.ctx.clone(), &[], &limits);
        d.add_link(d.ctx.clone(), &[], &limits);
        assert_eq!((d.links.len(), d.dropped_links), (1, 1));
    }

    #[test]
    fn exceptions_follow_semantic_conventions() {
        let mut d = data();
        d.record_exception(Some("ValueError"), "boom", Some("at line 1"), &SpanLimits::default());
        assert_eq!((d.status_code, d.status_message.as_str()), (2, "boom"));
        assert_eq!(d.arena.get(d.events[0].name), "exception");
        let keys: Vec<_> = d.events[0].attributes.to_proto(&d.arena).into_iter().map(|kv| kv.key).collect();
        assert_eq!(keys, ["exception.type", "exception.message", "exception.stacktrace"]);
    }

    #[test]
    fn recycled_records_come_back_empty() {
        let mut d = data();
        d.name = d.arena.intern("old");
        d.attributes.set(&mut d.arena, "k", &Value::Int(1), SpanLimits::default().attrs());
        d.set_status(2, "bad");
        d.ctx.trace_state = Some(Arc::from("a=1"));
        let d = cleared(Box::new(d)).expect("small records are kept");
        assert!(d.attributes.is_empty() && d.events.is_empty() && d.links.is_empty());
        assert_eq!((d.name(), d.status_code, d.status_message.as_str()), ("", 0, ""));
        assert_eq!(d.ctx.trace_state, None);
        let mut big = data();
        big.arena.intern(&"x".repeat(POOL_MAX_TEXT + 1));
        assert!(cleared(Box::new(big)).is_none(), "records holding a lot are not pooled");
    }

    #[test]
    fn status_rules() {
        let mut d = data();
        d.set_status(2, "boom");
        assert_eq!((d.status_code, d.status_message.as_str()), (2, "boom"));
        d.set_status(0, "");
        assert_eq!(d.status_code, 2, "unset is ignored");
        d.set_status(1, "ignored");
        assert_eq!((d.status_code, d.status_message.as_str()), (1, ""));
        d.set_status(2, "late");
        assert_eq!(d.status_code, 1, "ok is final");
    }

    #[test]
    fn kind_range() {
        assert!(check_kind(0).is_err());
        assert!(check_kind(6).is_err());
        assert_eq!(check_kind(5).unwrap(), 5);
    }
}
