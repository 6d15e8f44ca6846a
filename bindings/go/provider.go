package otlp

/*
#include "ogo.h"
*/
import "C"

import (
	"context"
	"errors"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// TracerProvider owns the configuration, the export pipeline and the tracers
// (otlp_tracer_provider_t). Safe for concurrent use.
//
// Free it when done (defer provider.Free()): Free flushes what was ended, bounded by the
// export timeout. A provider that becomes unreachable without Free is freed by a finalizer
// as a backstop, on its own goroutine.
type TracerProvider struct {
	h        *C.otlp_tracer_provider_t
	freeOnce sync.Once
	freed    atomic.Bool
	mu       sync.Mutex
	tracer   *Tracer
}

// NewTracerProvider creates a provider exporting over OTLP to endpoint (a base URL such as
// "http://localhost:4318"; /v1/traces is appended) with service.name serviceName. An empty
// endpoint or service name means "not given": the options, then OTEL_* environment
// variables, then the defaults apply. No network traffic happens here.
//
// Errors: ErrInvalidArgument (a bad URL, option key or value), ErrInitializationFailed.
func NewTracerProvider(endpoint, serviceName string, opts ...Option) (*TracerProvider, error) {
	var s settings
	for _, o := range opts {
		o(&s)
	}
	var cs cstrs
	defer cs.free()

	var cfg *C.otlp_config_t
	if err := check(C.ogo_config_new(&cfg)); err != nil {
		return nil, err
	}
	defer C.otlp_config_free(cfg)
	set := func(k, v string) error {
		ck, cv := cs.str("key", k), cs.str(k, v)
		if cs.err != nil {
			return cs.err
		}
		return check(C.ogo_config_set(cfg, ck, cv))
	}
	// The explicit arguments win over the options and the environment.
	if endpoint != "" {
		s.set("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
	}
	if serviceName != "" {
		s.set("OTEL_SERVICE_NAME", serviceName)
	}
	for _, k := range s.keys {
		if err := set(k, s.values[k]); err != nil {
			return nil, err
		}
	}
	resource := append([][2]string{{"telemetry.sdk.language", "go"}}, s.resource...)
	for _, kv := range resource {
		ck, cv := cs.str("key", kv[0]), cs.str(kv[0], kv[1])
		if cs.err != nil {
			return nil, cs.err
		}
		if err := check(C.ogo_config_add_resource_attribute(cfg, ck, cv)); err != nil {
			return nil, err
		}
	}
	var h *C.otlp_tracer_provider_t
	if err := check(C.ogo_init_with_config(cfg, &h)); err != nil {
		return nil, err
	}
	p := &TracerProvider{h: h}
	runtime.SetFinalizer(p, func(p *TracerProvider) { go p.Free() })
	return p, nil
}

// Free shuts the provider down (flushing what was ended, bounded by the export timeout) and
// frees it, its tracers and any span still open. Idempotent and safe from several
// goroutines: the first call frees, the others wait for it. Every later use of the provider,
// its tracers or its open spans returns ErrInvalidHandle.
func (p *TracerProvider) Free() {
	p.freeOnce.Do(func() {
		runtime.SetFinalizer(p, nil)
		p.freed.Store(true)
		C.otlp_tracer_provider_free(p.h)
		runtime.KeepAlive(p)
	})
}

// GetTracer returns the provider's tracer (instrumentation scope "otlp-ffi"); every call
// returns the same tracer. Errors: ErrInvalidHandle after Free.
func (p *TracerProvider) GetTracer() (*Tracer, error) {
	var h *C.otlp_tracer_t
	err := check(C.ogo_get_tracer(p.h, &h))
	runtime.KeepAlive(p)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tracer == nil || p.tracer.h != h {
		p.tracer = &Tracer{h: h, p: p}
	}
	return p.tracer, nil
}

// Tracer returns the tracer of an instrumentation scope (the same scope gives the same
// tracer); its spans are exported under that scope. Errors: ErrInvalidArgument (empty name),
// ErrInvalidHandle after Free.
func (p *TracerProvider) Tracer(name string, opts ...TracerOption) (*Tracer, error) {
	var sc scope
	for _, o := range opts {
		o(&sc)
	}
	var cs cstrs
	defer cs.free()
	cn, cv, cu := cs.str("name", name), cs.opt("version", sc.version), cs.opt("schema_url", sc.schemaURL)
	if cs.err != nil {
		return nil, cs.err
	}
	var h *C.otlp_tracer_t
	err := check(C.ogo_get_tracer_with_scope(p.h, cn, cv, cu, &h))
	runtime.KeepAlive(p)
	if err != nil {
		return nil, err
	}
	return &Tracer{h: h, p: p}, nil
}

// ForceFlush exports every span ended so far and waits for the receiver, up to the context's
// deadline (without one, up to 30 s). A cancelled context returns ctx.Err() at once (the
// flush goes on in the background). Errors: ErrTimeout (also matching
// context.DeadlineExceeded when the deadline chose the timeout), ErrExportFailed,
// ErrInvalidHandle.
func (p *TracerProvider) ForceFlush(ctx context.Context) error {
	return p.bounded(ctx, func(ms C.uint32_t) C.ogo_res { return C.ogo_tracer_provider_force_flush(p.h, ms) })
}

// Shutdown flushes (bounded like ForceFlush) and stops exporting: spans started afterwards
// do not record. A second Shutdown returns nil. The provider must still be freed.
func (p *TracerProvider) Shutdown(ctx context.Context) error {
	return p.bounded(ctx, func(ms C.uint32_t) C.ogo_res { return C.ogo_tracer_provider_shutdown(p.h, ms) })
}

const defaultFlushTimeout = 30 * time.Second

func (p *TracerProvider) bounded(ctx context.Context, call func(C.uint32_t) C.ogo_res) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	timeout, byDeadline := defaultFlushTimeout, false
	if dl, ok := ctx.Deadline(); ok {
		timeout, byDeadline = time.Until(dl), true
		if timeout < 0 {
			timeout = 0
		}
	}
	ms := timeout.Milliseconds()
	if timeout > 0 && ms == 0 {
		ms = 1
	}
	if ms > math.MaxUint32 {
		ms = math.MaxUint32
	}
	done := make(chan error, 1)
	go func() {
		done <- check(call(C.uint32_t(ms)))
		runtime.KeepAlive(p)
	}()
	result := func(err error) error {
		if e, ok := err.(*Error); ok && e.Code == CodeTimeout && byDeadline {
			e.deadline = true
		}
		return err
	}
	select {
	case err := <-done:
		return result(err)
	case <-ctx.Done():
		if byDeadline && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// The library was given the same deadline: its answer (a timeout with the
			// library's message, or success at the last moment) is due now; prefer it.
			select {
			case err := <-done:
				return result(err)
			case <-time.After(200 * time.Millisecond):
			}
		}
		return ctx.Err()
	}
}

// Stats are the provider's counters since it was created (otlp_stats_t). After a ForceFlush
// or Shutdown that returned nil: SpansEnded == SpansExported + SpansDropped.
type Stats struct {
	SpansStarted   uint64 // recording (sampled) spans started
	SpansEnded     uint64 // recording spans ended (handed to the export queue)
	SpansExported  uint64 // spans the receiver acknowledged
	SpansDropped   uint64 // spans that will never be exported (queue full, rejected, ...)
	ExportFailures uint64 // failed export attempts, retries included
}

// Stats returns the provider's counters. Errors: ErrInvalidHandle after Free.
func (p *TracerProvider) Stats() (Stats, error) {
	st := (*C.otlp_stats_t)(C.calloc(1, C.sizeof_otlp_stats_t))
	defer C.free(unsafePtr(st))
	err := check(C.ogo_tracer_provider_get_stats(p.h, st))
	runtime.KeepAlive(p)
	if err != nil {
		return Stats{}, err
	}
	return Stats{
		SpansStarted:   uint64(st.spans_started),
		SpansEnded:     uint64(st.spans_ended),
		SpansExported:  uint64(st.spans_exported),
		SpansDropped:   uint64(st.spans_dropped),
		ExportFailures: uint64(st.export_failures),
	}, nil
}
