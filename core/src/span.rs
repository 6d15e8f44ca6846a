//! A live span: recorded in memory while it runs, handed to its provider's pipeline when it
//! ends. Nothing on this path touches the network.

use crate::attributes::Value;
use crate::context::SpanContext;
use crate::data::{SpanData, StatusCode};
use crate::export::lane::Lane;
use crate::pool;
use crate::util::now_ns;
use std::sync::Arc;

/// A span started by [`Tracer::start`](crate::Tracer::start).
///
/// A span that is not sampled (or whose provider is shut down) does not record: every call
/// succeeds and does nothing, and its context still propagates. Ending it — explicitly with
/// [`end`](Span::end) / [`end_at`](Span::end_at), or by dropping it — queues it for export
/// once; [`discard`](Span::discard) drops it without exporting.
#[must_use = "a span is exported when it ends; call end() (dropping it also ends it)"]
pub struct Span {
    provider_id: u64,
    /// The record; taken when the span ends or is discarded.
    data: Option<Box<SpanData>>,
    /// Where the span goes when it ends (the lane of the thread that started it into its
    /// provider's pipeline); `None` when it does not record.
    lane: Option<Arc<Lane>>,
}

impl Span {
    pub(crate) fn new(provider_id: u64, data: Box<SpanData>, lane: Option<Arc<Lane>>) -> Self {
        Self { provider_id, data: Some(data), lane }
    }

    /// The id of the provider whose tracer started this span.
    pub fn provider_id(&self) -> u64 {
        self.provider_id
    }

    /// Whether the span records (sampled, and its provider not shut down): false as soon as
    /// its provider's shutdown has begun, for spans started before it too. Two loads, no lock.
    pub fn is_recording(&self) -> bool {
        self.lane.as_ref().is_some_and(|l| !l.pipeline.is_shut_down())
    }

    /// The span's context (trace id, span id, flags, tracestate), to parent children or to
    /// inject into outgoing requests.
    pub fn context(&self) -> SpanContext {
        self.data.as_ref().map(|d| d.ctx.clone()).unwrap_or_else(SpanContext::invalid)
    }

    /// Runs `f` on the record of a recording span; a non-recording span ignores the call.
    #[inline(always)]
    fn record(&mut self, f: impl FnOnce(&mut SpanData, &crate::data::SpanLimits)) {
        if let (Some(l), Some(d)) = (&self.lane, self.data.as_deref_mut()) {
            f(d, &l.pipeline.limits);
        }
    }

    /// Sets an attribute (a key set again replaces its value). Beyond the attribute count
    /// limit the attribute is counted as dropped. `key` must not be empty (OpenTelemetry).
    #[inline(always)]
    pub fn set_attribute(&mut self, key: &str, value: Value<'_>) {
        self.set_attribute_ref(key, &value);
    }

    /// [`set_attribute`](Span::set_attribute) with a borrowed value (the caller keeps and drops
    /// it: where its variant is known, as on the C boundary, that drop costs nothing).
    #[inline(always)]
    pub fn set_attribute_ref(&mut self, key: &str, value: &Value<'_>) {
        self.record(|d, l| d.set_attribute(key, value, l));
    }

    /// Sets several attributes in order (as repeated [`set_attribute`](Span::set_attribute)).
    pub fn set_attributes(&mut self, attributes: &[(&str, Value<'_>)]) {
        self.record(|d, l| d.set_attributes(attributes, l));
    }

    /// Adds an event at `time_unix_nano` (`None`: now).
    pub fn add_event(&mut self, name: &str, time_unix_nano: Option<u64>, attributes: &[(&str, Value<'_>)]) {
        self.record(|d, l| d.add_event(name, time_unix_nano.unwrap_or_else(now_ns), attributes, l));
    }

    /// Sets the status: Ok is final, Unset is ignored, `description` only goes with Error.
    pub fn set_status(&mut self, code: StatusCode, description: &str) {
        self.record(|d, _| d.set_status(code, description));
    }

    /// Records an exception: an `exception` event (`exception.type`, `exception.message`,
    /// `exception.stacktrace`) and status Error with `message` as its description.
    pub fn record_exception(&mut self, exception_type: Option<&str>, message: &str, stacktrace: Option<&str>) {
        self.record(|d, l| d.record_exception(exception_type, message, stacktrace, l));
    }

    /// Renames the span.
    pub fn update_name(&mut self, name: &str) {
        self.record(|d, _| d.set_name(name));
    }

    /// Ends the span now and queues it for export (a full queue drops it, counted).
    pub fn end(mut self) {
        self.finish(None);
    }

    /// Ends the span at `end_unix_nano` (clamped to its start) and queues it for export.
    pub fn end_at(mut self, end_unix_nano: u64) {
        self.finish(Some(end_unix_nano));
    }

    /// Drops the span without exporting it (its provider is gone).
    pub fn discard(mut self) {
        if let Some(d) = self.data.take() {
            pool::recycle(d);
        }
    }

    fn finish(&mut self, end_ns: Option<u64>) {
        let Some(mut data) = self.data.take() else { return };
        match self.lane.take() {
            Some(lane) => {
                data.end_ns = end_ns.unwrap_or_else(now_ns).max(data.start_ns);
                lane.pipeline.span_ended(&lane.shared, data);
            }
            None => pool::recycle(data),
        }
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        self.finish(None);
    }
}
