package otlp_test

import (
	"testing"
	"time"

	"otlp-ffi/otlp"
)

// The span path allocates nothing on the Go heap in steady state: StartSpan inlines, so the
// *Span stays on the caller's stack, and the strings go into pooled C memory.
func TestSpanPathAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race (sync.Pool drops items on purpose)")
	}
	rx := newReceiver(t)
	p, tr := provider(t, rx, "go-allocs", otlp.WithBatch(20000, 512, 20*time.Millisecond))
	i := 0
	allocs := testing.AllocsPerRun(2000, func() {
		s, err := tr.StartSpan("op")
		if err != nil {
			t.Fatal(err)
		}
		s.SetAttribute("http.method", "GET")
		s.SetAttribute("http.status_code", i)
		s.SetAttribute("cache.hit", i%2 == 0)
		s.End()
		i++
	})
	if allocs != 0 {
		t.Errorf("%.2f allocations per span, want 0", allocs)
	}
	if err := p.ForceFlush(ctxTimeout(t, 20*time.Second)); err != nil {
		t.Fatal(err)
	}
	st, _ := p.Stats()
	got := rx.Wait(t, int(st.SpansExported), service("go-allocs"))
	if st.SpansExported != st.SpansEnded || len(got) != int(st.SpansEnded) || st.SpansEnded != uint64(i) {
		t.Errorf("stats %+v, received %d, ran %d", st, len(got), i)
	}
	wantAttr(t, got[len(got)-1].Attributes, "http.method", "string", "GET")
}
