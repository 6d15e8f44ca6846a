package otlp

/*
#include "ogo.h"
*/
import "C"

import (
	"runtime"
	"time"
)

// Tracer starts spans (otlp_tracer_t). It belongs to its provider: valid until the provider
// is freed, shared freely across goroutines.
type Tracer struct {
	h *C.otlp_tracer_t
	p *TracerProvider
}

// TracerOption configures a scoped tracer (TracerProvider.Tracer).
type TracerOption func(*scope)

type scope struct{ version, schemaURL string }

// WithVersion sets the instrumentation scope's version.
func WithVersion(v string) TracerOption { return func(s *scope) { s.version = v } }

// WithSchemaURL sets the instrumentation scope's schema URL.
func WithSchemaURL(u string) TracerOption { return func(s *scope) { s.schemaURL = u } }

// SpanKind is the role of a span (otlp_span_kind_t).
type SpanKind int32

// The span kinds; the numbers are OTLP's.
const (
	KindInternal SpanKind = 1
	KindServer   SpanKind = 2
	KindClient   SpanKind = 3
	KindProducer SpanKind = 4
	KindConsumer SpanKind = 5
)

// SpanStartOption configures StartSpan.
type SpanStartOption func(*startConfig)

type startConfig struct {
	kind   SpanKind
	parent Parent
	attrs  []Attribute
	links  []Link
	start  time.Time
}

// WithKind sets the span kind (default KindInternal).
func WithKind(k SpanKind) SpanStartOption { return func(c *startConfig) { c.kind = k } }

// WithParent makes the span a child of p: a *SpanContext (from Extract, or Span.SpanContext)
// or a *Span of this process. A nil parent starts a new trace.
func WithParent(p Parent) SpanStartOption { return func(c *startConfig) { c.parent = p } }

// WithAttributes sets attributes at start (the sampler sees them).
func WithAttributes(attrs ...Attribute) SpanStartOption {
	return func(c *startConfig) { c.attrs = append(c.attrs, attrs...) }
}

// WithLinks links the span to other spans' contexts.
func WithLinks(links ...Link) SpanStartOption {
	return func(c *startConfig) { c.links = append(c.links, links...) }
}

// WithStartTime sets an explicit start time (default: now).
func WithStartTime(t time.Time) SpanStartOption { return func(c *startConfig) { c.start = t } }

// Link is a link from a new span to another span's context, with attributes.
type Link struct {
	Context    *SpanContext
	Attributes []Attribute
}

// StartSpan starts a span named name; end it with End. Without a parent or links the span is
// kept on the Go side while it runs and crosses into the library once, at End (one call for
// the whole span); a span that needs the library earlier (an event, a status, its context or
// ids, a child, Inject) is started there at its recorded start time, transparently.
//
// Errors: ErrInvalidArgument (name not UTF-8 or with a NUL, kind out of range, an invalid
// attribute), ErrInvalidHandle (the provider was freed, a parent or link context was freed).
func (t *Tracer) StartSpan(name string, opts ...SpanStartOption) (s *Span, err error) {
	// Small enough to inline: a caller that keeps the span local keeps it on its stack.
	s = &Span{}
	if err = t.start(s, name, opts); err != nil {
		s = nil
	}
	return
}

func (t *Tracer) start(s *Span, name string, opts []SpanStartOption) error {
	if t.p.freed.Load() {
		return errorf(CodeInvalidHandle, "the TracerProvider was freed")
	}
	r := getRec()
	cname, err := r.text("name", name)
	if err != nil {
		putRec(r)
		return err
	}
	f := &r.c.fin
	f.name = cname
	if len(opts) > 0 {
		if err := t.startWith(s, r, opts); err != nil {
			putRec(r)
			return err
		}
	} else {
		f.start_time_unix_nano = C.uint64_t(time.Now().UnixNano())
	}
	s.t, s.rec = t, r
	return nil
}

// startWith applies the options: start attributes stay on the Go side with the span; a
// parent or links need the library now (their contexts are only valid during the call).
func (t *Tracer) startWith(s *Span, r *spanRec, opts []SpanStartOption) error {
	var c startConfig
	for _, o := range opts {
		o(&c)
	}
	f := &r.c.fin
	if c.kind != 0 {
		if c.kind < KindInternal || c.kind > KindConsumer {
			return errorf(CodeInvalidArgument, "argument `kind` is out of range")
		}
		f.kind = C.otlp_span_kind_t(c.kind)
	}
	if c.start.IsZero() {
		f.start_time_unix_nano = C.uint64_t(time.Now().UnixNano())
	} else {
		f.start_time_unix_nano = C.uint64_t(c.start.UnixNano())
	}
	var err error
	if f.start_attributes, f.start_attribute_count, err = r.attrs(c.attrs); err != nil {
		return err
	}
	if c.parent == nil && len(c.links) == 0 {
		return nil
	}
	var release []func()
	defer func() {
		for _, fn := range release {
			fn()
		}
	}()
	if c.parent != nil {
		ctx, rel, err := c.parent.parentContext()
		if err != nil {
			return err
		}
		if rel != nil {
			release = append(release, rel)
		}
		f.parent = ctx
	}
	if len(c.links) > 0 {
		links := make([]C.otlp_link_t, 0, len(c.links))
		for i, l := range c.links {
			if l.Context == nil {
				return errorf(CodeInvalidArgument, "argument `links["+itoa(i)+"].Context` is nil")
			}
			h, err := l.Context.handle()
			if err != nil {
				return err
			}
			var lk C.otlp_link_t
			lk.context = h
			if lk.attributes, lk.attribute_count, err = r.attrs(l.Attributes); err != nil {
				return err
			}
			links = append(links, lk)
		}
		arr := (*C.otlp_link_t)(r.alloc(len(links)*C.sizeof_otlp_link_t, 8))
		copy(unsafeSlice(arr, len(links)), links)
		f.links, f.link_count = arr, C.size_t(len(links))
	}
	err = s.startLive(t, r)
	for _, l := range c.links {
		runtime.KeepAlive(l.Context)
	}
	runtime.KeepAlive(c.parent)
	return err
}
