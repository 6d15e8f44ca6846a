package otlp

/*
#include "ogo.h"
*/
import "C"

import (
	"net/http"
	"runtime"
	"strings"
	"sync"
)

// Parent is what WithParent accepts: a *SpanContext or a *Span.
type Parent interface {
	parentContext() (*C.otlp_context_t, func(), error)
}

// SpanContext is an immutable span context (otlp_context_t): trace id, span id, flags and
// tracestate, from Extract or Span.SpanContext. It stays valid after its span ends or its
// provider is freed. Free it when done; Free is idempotent, and a finalizer frees a context
// that is dropped without it. Using a freed context returns ErrInvalidHandle.
type SpanContext struct {
	mu sync.Mutex
	h  *C.otlp_context_t
}

func newSpanContext(h *C.otlp_context_t) *SpanContext {
	sc := &SpanContext{h: h}
	runtime.SetFinalizer(sc, (*SpanContext).Free)
	return sc
}

// Free frees the context. Spans started with it as parent are not affected.
func (sc *SpanContext) Free() {
	if sc == nil {
		return
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.h != nil {
		C.otlp_context_free(sc.h)
		sc.h = nil
		runtime.SetFinalizer(sc, nil)
	}
}

func (sc *SpanContext) handle() (*C.otlp_context_t, error) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.h == nil {
		return nil, errorf(CodeInvalidHandle, "the SpanContext was freed")
	}
	return sc.h, nil
}

func (sc *SpanContext) parentContext() (*C.otlp_context_t, func(), error) {
	if sc == nil {
		return nil, nil, nil
	}
	h, err := sc.handle()
	return h, nil, err
}

// Carrier is a generic text-map carrier for Inject/Extract (HTTP headers, message metadata).
type Carrier interface {
	Get(key string) string
	Set(key, value string)
}

// HeaderCarrier adapts http.Header to Carrier.
type HeaderCarrier http.Header

// Get returns the first value of key.
func (h HeaderCarrier) Get(key string) string { return http.Header(h).Get(key) }

// Set replaces key's values with value.
func (h HeaderCarrier) Set(key, value string) { http.Header(h).Set(key, value) }

// MapCarrier is a Carrier over a map with lowercase keys.
type MapCarrier map[string]string

// Get returns the value of key.
func (m MapCarrier) Get(key string) string { return m[strings.ToLower(key)] }

// Set sets key to value.
func (m MapCarrier) Set(key, value string) { m[strings.ToLower(key)] = value }

// The W3C header names.
const (
	TraceparentHeader = "traceparent"
	TracestateHeader  = "tracestate"
	BaggageHeader     = "baggage"
)

// Extract reads the W3C traceparent, tracestate and baggage headers of an incoming request.
// ctx is nil when there is no traceparent; an invalid traceparent gives a nil ctx and an
// ErrInvalidArgument error (start a new trace); an invalid tracestate is dropped. bag is nil
// when there is no baggage header. The caller frees what it gets.
func Extract(h http.Header) (ctx *SpanContext, bag *Baggage, err error) {
	return ExtractCarrier(HeaderCarrier(h))
}

// ExtractCarrier is Extract over any carrier.
func ExtractCarrier(c Carrier) (ctx *SpanContext, bag *Baggage, err error) {
	if b := c.Get(BaggageHeader); b != "" {
		if bag, err = ParseBaggage(b); err != nil {
			return nil, nil, err
		}
	}
	tp := c.Get(TraceparentHeader)
	if tp == "" {
		return nil, bag, nil
	}
	ctx, err = ParseTraceparent(tp, c.Get(TracestateHeader))
	return ctx, bag, err
}

// ParseTraceparent parses a traceparent (and an optional tracestate, "" for none) into a
// remote parent context.
func ParseTraceparent(traceparent, tracestate string) (*SpanContext, error) {
	var cs cstrs
	defer cs.free()
	tp, ts := cs.str("traceparent", traceparent), cs.opt("tracestate", tracestate)
	if cs.err != nil {
		return nil, cs.err
	}
	var h *C.otlp_context_t
	if err := check(C.ogo_context_extract_with_state(tp, ts, &h)); err != nil {
		return nil, err
	}
	return newSpanContext(h), nil
}

// Inject writes span's traceparent and tracestate (when it has one) and bag's baggage header
// (when not empty) into the headers of an outgoing request. Either may be nil.
func Inject(h http.Header, span *Span, bag *Baggage) error {
	return InjectCarrier(HeaderCarrier(h), span, bag)
}

// InjectCarrier is Inject over any carrier.
func InjectCarrier(c Carrier, span *Span, bag *Baggage) error {
	if span != nil {
		if err := span.InjectCarrier(c); err != nil {
			return err
		}
	}
	if bag != nil {
		v, err := bag.Header()
		if err != nil {
			return err
		}
		if v != "" {
			c.Set(BaggageHeader, v)
		}
	}
	return nil
}

// Inject writes the span's traceparent and tracestate (when it has one) into h.
func (s *Span) Inject(h http.Header) error { return s.InjectCarrier(HeaderCarrier(h)) }

// InjectCarrier is Inject over any carrier.
func (s *Span) InjectCarrier(c Carrier) error {
	tp, ts, err := s.traceHeaders()
	if err != nil {
		return err
	}
	c.Set(TraceparentHeader, tp)
	if ts != "" {
		c.Set(TracestateHeader, ts)
	}
	return nil
}

// W3C tracestate: at most 32 members of at most 256 + 1 + 256 bytes, and 31 commas.
const maxTracestate = 32*513 + 32

func (s *Span) traceHeaders() (tp, ts string, err error) {
	r, err := s.lockLive()
	defer s.mu.Unlock()
	if err != nil {
		return "", "", err
	}
	buf := (*C.char)(r.alloc(56, 1))
	if err = check(C.ogo_context_inject(r.c.span, buf, 56)); err != nil {
		return "", "", err
	}
	tp = C.GoString(buf)
	sbuf := (*C.char)(r.alloc(maxTracestate, 1))
	err = check(C.ogo_context_inject_tracestate(r.c.span, sbuf, maxTracestate))
	runtime.KeepAlive(s.t)
	if err != nil {
		return "", "", err
	}
	return tp, C.GoString(sbuf), nil
}
