package otlp_test

import (
	"testing"

	"otlp-ffi/otlp"
)

// The cost of reading the thread-local message: inside the failing C call (what the binding
// does: the generated wrapper) versus runtime.LockOSThread around the call + a second call.
// Both run a successful otlp_tracer_provider_get_stats, the common case.
func BenchmarkLastError(b *testing.B) {
	cleanEnv(b)
	p, err := otlp.NewTracerProvider("http://127.0.0.1:9", "bench-errors", otlp.WithExporter("none"))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Free()
	b.Run("noop-cgo-call", func(b *testing.B) {
		for b.Loop() {
			otlp.NoopCall()
		}
	})
	b.Run("in-call", func(b *testing.B) {
		for b.Loop() {
			if err := otlp.StatsInCall(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lock-os-thread", func(b *testing.B) {
		for b.Loop() {
			if err := otlp.LastErrorLocked(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
