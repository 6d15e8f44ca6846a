package otlp

/*
#include "ogo.h"
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// spanRec is the reusable state of one running span: its C memory (ogo_rec) and the arena
// over it. Records are pooled; a record the pool lets go frees its C memory in a finalizer
// (memory only: a span that is never ended is never exported).
type spanRec struct {
	arena
	n int // attributes collected in c.attrs
}

var recPool = sync.Pool{New: func() any {
	c := C.ogo_rec_new()
	if c == nil {
		panic("otlp: out of memory for a span record")
	}
	r := &spanRec{arena: arena{c: c}}
	runtime.SetFinalizer(r, func(r *spanRec) {
		r.reset()
		C.free(unsafe.Pointer(r.c))
	})
	return r
}}

func getRec() *spanRec { return recPool.Get().(*spanRec) }

func putRec(r *spanRec) {
	r.reset()
	r.n = 0
	f := &r.c.fin
	*f = C.otlp_finished_span_t{}
	r.c.span = nil
	recPool.Put(r)
}

func unsafeSlice[T any](p *T, n int) []T { return unsafe.Slice(p, n) }

func itoa(i int) string { return strconv.Itoa(i) }

// Span is a running span. Its methods are safe from several goroutines; End is idempotent.
// Every method called after End returns ErrInvalidHandle (End itself does nothing). A span
// that is never ended is never exported.
type Span struct {
	mu   spanLock
	t    *Tracer
	rec  *spanRec // nil once ended
	live bool     // rec.c.span is a handle of the library
}

// spanLock is a small lock of atomics: unlike sync.Mutex (whose slow path publishes its
// address) it lets a *Span that does not escape its caller stay on the caller's stack. Calls
// on one span from several goroutines are rare and short; a waiter yields.
type spanLock struct{ v atomic.Int32 }

func (l *spanLock) Lock() {
	for !l.v.CompareAndSwap(0, 1) {
		runtime.Gosched()
	}
}

func (l *spanLock) Unlock() { l.v.Store(0) }

// errEnded is what a call on an ended span returns.
func errEnded() error { return errorf(CodeInvalidHandle, "the span has ended") }

// startLive turns the record into a span of the library (one call: start with options at the
// recorded start time + the attributes collected so far).
func (s *Span) startLive(t *Tracer, r *spanRec) error {
	err := check(C.ogo_rec_start(t.h, r.c))
	runtime.KeepAlive(t)
	if r.c.span == nil {
		return err
	}
	s.live = true
	r.n = 0
	f := &r.c.fin
	f.parent, f.links, f.link_count = nil, nil, 0
	f.start_attributes, f.start_attribute_count = nil, 0
	f.attributes, f.attribute_count = nil, 0
	f.name = nil
	r.reset()
	return err
}

// lockLive locks the span and makes sure it is a span of the library; the caller unlocks.
func (s *Span) lockLive() (*spanRec, error) {
	s.mu.Lock()
	r := s.rec
	if r == nil {
		return nil, errEnded()
	}
	if !s.live {
		s.sync(r)
		if err := s.startLive(s.t, r); err != nil && !s.live {
			return nil, err
		}
	}
	r.reset()
	return r, nil
}

// sync publishes the collected attributes in the finished-span description.
func (s *Span) sync(r *spanRec) {
	f := &r.c.fin
	if r.n > 0 {
		f.attributes, f.attribute_count = &r.c.attrs[0], C.size_t(r.n)
	} else {
		f.attributes, f.attribute_count = nil, 0
	}
}

// SetAttribute sets an attribute; setting a key again replaces its value. Every Go value
// that has an OTLP type is set with that type, none is dropped silently:
//
//   - string -> string; bool -> bool; float32, float64 -> double;
//   - int, int8..int64, uint8..uint32 -> int; uint and uint64 -> int when they fit int64,
//     otherwise reported (ErrInvalidArgument: OTLP has no unsigned 64-bit integer, and a
//     wrapped-around negative number or a string would misreport the value);
//   - []string, []bool, []int, []int64, []float64 -> arrays; a Value as it is.
//
// Any other type, nil, an empty key, or a string that is not UTF-8 or holds a NUL byte is
// reported with ErrInvalidArgument and sets nothing. The document's sketch returned nothing;
// the error can be ignored as there.
func (s *Span) SetAttribute(key string, value interface{}) error {
	switch v := value.(type) {
	case string:
		return s.set(key, TypeString, 0, v, nil)
	case int:
		return s.set(key, TypeInt, uint64(int64(v)), "", nil)
	case int64:
		return s.set(key, TypeInt, uint64(v), "", nil)
	case bool:
		return s.SetBool(key, v)
	case float64:
		return s.SetFloat64(key, v)
	}
	val, err := valueOf(value)
	if err != nil {
		return err
	}
	return s.set(key, val.typ, val.num, val.str, val.slice)
}

// SetString sets a string attribute.
func (s *Span) SetString(key, value string) error { return s.set(key, TypeString, 0, value, nil) }

// SetInt64 sets an int attribute.
func (s *Span) SetInt64(key string, value int64) error {
	return s.set(key, TypeInt, uint64(value), "", nil)
}

// SetBool sets a bool attribute.
func (s *Span) SetBool(key string, value bool) error {
	var n uint64
	if value {
		n = 1
	}
	return s.set(key, TypeBool, n, "", nil)
}

// SetFloat64 sets a double attribute.
func (s *Span) SetFloat64(key string, value float64) error {
	return s.set(key, TypeDouble, math.Float64bits(value), "", nil)
}

// SetAttributes sets several attributes; if one is invalid, none is set.
func (s *Span) SetAttributes(attrs ...Attribute) error {
	r, err := s.lockLive()
	defer s.mu.Unlock()
	if err != nil {
		return err
	}
	p, n, err := r.attrs(attrs)
	if err != nil || n == 0 {
		return err
	}
	err = check(C.ogo_span_set_attributes(r.c.span, p, n))
	runtime.KeepAlive(s.t)
	return err
}

func (s *Span) set(key string, typ ValueType, num uint64, str string, slice any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rec
	if r == nil {
		return errEnded()
	}
	v := Value{typ: typ, num: num, str: str, slice: slice}
	if !s.live && r.n < C.OGO_REC_ATTRS {
		// Kept with the span until End: validated and copied here, nothing crosses.
		mark, extra := r.off, len(r.extra)
		if err := r.put(&r.c.attrs[r.n], key, v); err != nil {
			r.off = mark
			r.trim(extra)
			return err
		}
		r.n++
		return nil
	}
	if !s.live {
		s.sync(r)
		if err := s.startLive(s.t, r); err != nil && !s.live {
			return err
		}
	}
	r.reset()
	if err := r.put(&r.c.attrs[0], key, v); err != nil {
		return err
	}
	err := check(C.ogo_span_set_attributes(r.c.span, &r.c.attrs[0], 1))
	runtime.KeepAlive(s.t)
	return err
}

// trim frees the arena blocks allocated after the first n.
func (a *arena) trim(n int) {
	for _, p := range a.extra[n:] {
		C.free(p)
	}
	a.extra = a.extra[:n]
}

// End ends the span and queues it for export (never blocking on the network). Idempotent and
// safe from several goroutines: the span is exported once. Ending a span after its provider
// was freed does nothing.
func (s *Span) End() { _ = s.end(0) }

// EndAt ends the span at t (a time before the start is clamped to the start). Errors:
// ErrInvalidHandle when the span had already ended or its provider was freed.
func (s *Span) EndAt(t time.Time) error { return s.end(uint64(t.UnixNano())) }

func (s *Span) end(at uint64) error {
	s.mu.Lock()
	r, live := s.rec, s.live
	s.rec = nil
	s.mu.Unlock()
	if r == nil {
		return errEnded()
	}
	var err error
	if live {
		if at == 0 {
			C.otlp_span_end(r.c.span)
		} else {
			err = check(C.ogo_span_end_with_timestamp(r.c.span, C.uint64_t(at)))
		}
	} else {
		s.sync(r)
		r.c.fin.end_time_unix_nano = C.uint64_t(at)
		err = check(C.ogo_rec_emit(s.t.h, r.c))
	}
	runtime.KeepAlive(s.t)
	putRec(r)
	return err
}

// AddEvent adds an event timestamped now, with attributes.
func (s *Span) AddEvent(name string, attrs ...Attribute) error {
	return s.AddEventAt(name, time.Time{}, attrs...)
}

// AddEventAt adds an event at t (the zero time means now), with attributes.
func (s *Span) AddEventAt(name string, t time.Time, attrs ...Attribute) error {
	r, err := s.lockLive()
	defer s.mu.Unlock()
	if err != nil {
		return err
	}
	cname, err := r.text("name", name)
	if err != nil {
		return err
	}
	p, n, err := r.attrs(attrs)
	if err != nil {
		return err
	}
	var ts uint64
	if !t.IsZero() {
		ts = uint64(t.UnixNano())
	}
	err = check(C.ogo_span_add_event_with_attributes(r.c.span, cname, C.uint64_t(ts), p, n))
	runtime.KeepAlive(s.t)
	return err
}

// StatusCode is a span status (otlp_status_code_t).
type StatusCode int32

// The status codes; the numbers are OTLP's.
const (
	StatusUnset StatusCode = 0
	StatusOK    StatusCode = 1
	StatusError StatusCode = 2
)

// SetStatus sets the status; description is kept only with StatusError. StatusOK is final;
// StatusUnset is ignored. Errors: ErrInvalidArgument (code out of range).
func (s *Span) SetStatus(code StatusCode, description string) error {
	if code == StatusUnset {
		s.mu.Lock()
		ended := s.rec == nil
		s.mu.Unlock()
		if ended {
			return errEnded()
		}
		return nil
	}
	r, err := s.lockLive()
	defer s.mu.Unlock()
	if err != nil {
		return err
	}
	d, err := r.text("description", description)
	if err != nil {
		return err
	}
	err = check(C.ogo_span_set_status(r.c.span, C.otlp_status_code_t(code), d))
	runtime.KeepAlive(s.t)
	return err
}

// RecordError records err as an `exception` event (exception.type = err's dynamic type,
// e.g. "*fs.PathError"; exception.message = err.Error()) and sets the status to ERROR.
// Errors: ErrInvalidArgument for a nil err.
func (s *Span) RecordError(err error) error {
	if err == nil {
		return errorf(CodeInvalidArgument, "argument `err` is nil")
	}
	return s.RecordException(fmt.Sprintf("%T", err), err.Error(), "")
}

// RecordException records an exception event with an explicit type and stack trace (both
// may be empty) and sets the status to ERROR.
func (s *Span) RecordException(typ, message, stacktrace string) error {
	r, err := s.lockLive()
	defer s.mu.Unlock()
	if err != nil {
		return err
	}
	var ct, cst *C.char
	if typ != "" {
		if ct, err = r.text("exception_type", typ); err != nil {
			return err
		}
	}
	cm, err := r.text("message", message)
	if err != nil {
		return err
	}
	if stacktrace != "" {
		if cst, err = r.text("stacktrace", stacktrace); err != nil {
			return err
		}
	}
	err = check(C.ogo_span_record_exception(r.c.span, ct, cm, cst))
	runtime.KeepAlive(s.t)
	return err
}

// UpdateName renames the span.
func (s *Span) UpdateName(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rec
	if r == nil {
		return errEnded()
	}
	if !s.live {
		cname, err := r.text("name", name)
		if err != nil {
			return err
		}
		r.c.fin.name = cname
		return nil
	}
	r.reset()
	cname, err := r.text("name", name)
	if err != nil {
		return err
	}
	err = check(C.ogo_span_update_name(r.c.span, cname))
	runtime.KeepAlive(s.t)
	return err
}

// IsRecording says whether the span records (sampled, provider not shut down).
func (s *Span) IsRecording() (bool, error) {
	r, err := s.lockLive()
	defer s.mu.Unlock()
	if err != nil {
		return false, err
	}
	b := (*C.bool)(r.alloc(1, 1))
	err = check(C.ogo_span_is_recording(r.c.span, b))
	runtime.KeepAlive(s.t)
	return bool(*b), err
}

// TraceID returns the trace id as 32 lowercase hex characters.
func (s *Span) TraceID() (string, error) { return s.id(33, true) }

// SpanID returns the span id as 16 lowercase hex characters.
func (s *Span) SpanID() (string, error) { return s.id(17, false) }

func (s *Span) id(n int, trace bool) (string, error) {
	r, err := s.lockLive()
	defer s.mu.Unlock()
	if err != nil {
		return "", err
	}
	buf := (*C.char)(r.alloc(n, 1))
	if trace {
		err = check(C.ogo_span_get_trace_id(r.c.span, buf, C.size_t(n)))
	} else {
		err = check(C.ogo_span_get_span_id(r.c.span, buf, C.size_t(n)))
	}
	runtime.KeepAlive(s.t)
	if err != nil {
		return "", err
	}
	return C.GoString(buf), nil
}

// SpanContext returns the span's context (trace id, span id, flags, tracestate), to parent
// children elsewhere or keep after the span ends. Free it when done (a finalizer is the
// backstop).
func (s *Span) SpanContext() (*SpanContext, error) {
	r, err := s.lockLive()
	defer s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var h *C.otlp_context_t
	err = check(C.ogo_span_get_context(r.c.span, &h))
	runtime.KeepAlive(s.t)
	if err != nil {
		return nil, err
	}
	return newSpanContext(h), nil
}

// parentContext makes a Span usable as a parent (WithParent).
func (s *Span) parentContext() (*C.otlp_context_t, func(), error) {
	if s == nil {
		return nil, nil, nil
	}
	sc, err := s.SpanContext()
	if err != nil {
		return nil, nil, err
	}
	h, err := sc.handle()
	if err != nil {
		return nil, nil, err
	}
	return h, sc.Free, nil
}
