//! Tracers: an instrumentation scope bound to a provider's sampler and pipeline. They start
//! spans ([`Tracer::start`]) and record finished ones in one step ([`Tracer::emit`]).

use crate::attributes::Value;
use crate::context::{SAMPLED, SpanContext};
use crate::data::{Scope, SpanKind};
use crate::export::lane::{Current, Lane};
use crate::export::pipelines::Pipelines;
use crate::sampler::Sampler;
use crate::span::Span;
use crate::util::now_ns;
use crate::{ids, pool};
use std::sync::Arc;

/// What a new span starts with, beyond its tracer and name.
#[derive(Debug, Default, Clone)]
pub struct StartOptions<'a> {
    pub kind: SpanKind,
    /// The parent: a remote context from `SpanContext::extract`, or another span's context.
    /// `None` starts a new trace.
    pub parent: Option<SpanContext>,
    /// Attributes set at start; the sampler's decision sees them.
    pub attributes: Vec<(&'a str, Value<'a>)>,
    /// Links to other spans' contexts, with attributes.
    pub links: Vec<(SpanContext, Vec<(&'a str, Value<'a>)>)>,
    /// Start time in nanoseconds since the Unix epoch; `None` means now.
    pub start_ns: Option<u64>,
}

/// A tracer of one instrumentation scope. Cheap to clone; shared freely across threads.
#[derive(Clone)]
pub struct Tracer {
    inner: Arc<Inner>,
}

struct Inner {
    provider_id: u64,
    scope: Arc<Scope>,
    sampler: Sampler,
    /// The provider's pipelines (none when the SDK is disabled).
    pipelines: Option<Arc<Pipelines>>,
}

impl Tracer {
    pub(crate) fn new(provider_id: u64, scope: Scope, sampler: Sampler, pipelines: Option<Arc<Pipelines>>) -> Self {
        let inner = Inner { provider_id, scope: Arc::new(scope), sampler, pipelines };
        Self { inner: Arc::new(inner) }
    }

    /// The id of the provider this tracer belongs to.
    pub fn provider_id(&self) -> u64 {
        self.inner.provider_id
    }

    pub fn scope(&self) -> &Scope {
        &self.inner.scope
    }

    /// The pipeline new spans record into (in a fork()ed child of the process that created
    /// the provider: the child's own, started on first use), or `None` once the provider is
    /// shut down or when the SDK is disabled: spans are then non-recording (they still
    /// propagate).
    #[inline]
    fn pipeline(&self) -> Option<Current<'_>> {
        Lane::current(self.inner.pipelines.as_deref()?)
    }

    /// Starts a span: new ids (the parent's trace id when there is a parent), the sampler's
    /// decision, the start attributes and links.
    pub fn start(&self, name: &str, opts: StartOptions<'_>) -> Span {
        let span_id = ids::new_span_id();
        let trace_id = opts.parent.as_ref().map_or_else(ids::new_trace_id, |p| p.trace_id);
        let sampled = self.inner.sampler.should_sample(opts.parent.as_ref(), &trace_id);
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
        // The thread's lane into the pipeline: no reference count or counter shared by all
        // threads is touched per span.
        let lane = if sampled { self.pipeline().map(Lane::of) } else { None };
        let start_ns = opts.start_ns.unwrap_or_else(now_ns);
        let mut data = pool::take(&self.inner.scope);
        data.ctx = ctx;
        data.parent_span_id = parent_span_id;
        data.parent_is_remote = parent_is_remote;
        data.kind = opts.kind;
        data.start_ns = start_ns;
        if let Some(l) = &lane {
            l.shared.count_start();
            let limits = &l.pipeline.limits;
            data.arena.reserve(name.len() + 96);
            data.name = data.arena.intern(name);
            if !opts.attributes.is_empty() {
                data.set_attributes(&opts.attributes, limits);
            }
            if !opts.links.is_empty() {
                for (ctx, attrs) in opts.links {
                    data.add_link(ctx, &attrs, limits);
                }
            }
        }
        Span::new(self.inner.provider_id, data, lane)
    }

    /// Records a whole span in one step: started with `opts`, given `attributes` after the
    /// sampler ran (a key set again replaces, start attributes included), ended at `end_ns`
    /// (`None`: now; clamped to the start).
    pub fn emit(&self, name: &str, opts: StartOptions<'_>, attributes: &[(&str, Value<'_>)], end_ns: Option<u64>) {
        let mut span = self.start(name, opts);
        span.set_attributes(attributes);
        match end_ns {
            Some(ns) => span.end_at(ns),
            None => span.end(),
        }
    }
}
