package otlp_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"otlp-ffi/otlp"
)

func TestErrorsAndSentinels(t *testing.T) {
	cleanEnv(t)
	_, err := otlp.NewTracerProvider("ftp://nowhere", "x")
	var e *otlp.Error
	if !errors.Is(err, otlp.ErrInvalidArgument) || !errors.As(err, &e) || e.Code != otlp.CodeInvalidArgument ||
		!strings.HasPrefix(e.Message, "OTLP_ERROR_INVALID_ARGUMENT: ") || !strings.Contains(e.Message, "OTEL_EXPORTER_OTLP_ENDPOINT") {
		t.Errorf("bad endpoint: %v", err)
	}
	_, err = otlp.NewTracerProvider("", "x", otlp.WithSetting("OTEL_NOT_A_KEY", "1"))
	if !errors.Is(err, otlp.ErrInvalidArgument) || !strings.Contains(err.Error(), "OTEL_NOT_A_KEY") {
		t.Errorf("unknown key: %v", err)
	}
	_, err = otlp.NewTracerProvider("", "x", otlp.WithSetting("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem"))
	if !errors.Is(err, otlp.ErrInitializationFailed) || errors.Is(err, otlp.ErrInvalidArgument) {
		t.Errorf("missing CA file: %v", err)
	}
	_, err = otlp.NewTracerProvider("", "nul\x00name")
	if !errors.Is(err, otlp.ErrInvalidArgument) || !strings.Contains(err.Error(), "NUL") {
		t.Errorf("NUL in service name: %v", err)
	}
	_, err = otlp.ParseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01", "")
	if !errors.Is(err, otlp.ErrInvalidArgument) || !strings.Contains(err.Error(), "trace") {
		t.Errorf("zero trace id: %v", err)
	}
	codes := map[otlp.Code]error{
		otlp.CodeInvalidArgument: otlp.ErrInvalidArgument, otlp.CodeNullPointer: otlp.ErrNullPointer,
		otlp.CodeInitializationFailed: otlp.ErrInitializationFailed, otlp.CodeExportFailed: otlp.ErrExportFailed,
		otlp.CodeOutOfMemory: otlp.ErrOutOfMemory, otlp.CodeInvalidHandle: otlp.ErrInvalidHandle,
		otlp.CodeTimeout: otlp.ErrTimeout, otlp.CodeInternal: otlp.ErrInternal,
	}
	for c, s := range codes {
		if c.Sentinel() != s || c.String() != s.Error() {
			t.Errorf("code %d: sentinel %v, name %s", c, c.Sentinel(), c)
		}
	}

	rx := newReceiver(t)
	p, tr := provider(t, rx, "go-errors")
	s, _ := tr.StartSpan("bad values")
	for _, bad := range []struct {
		key   string
		value interface{}
		want  string
	}{
		{"u64", uint64(1 << 63), "does not fit"},
		{"struct", struct{}{}, "struct {}"},
		{"nil", nil, "nil"},
		{"", "v", "empty"},
		{"utf8", "a\xffb", "UTF-8 at byte 1"},
		{"nul", "a\x00b", "NUL"},
	} {
		if err := s.SetAttribute(bad.key, bad.value); !errors.Is(err, otlp.ErrInvalidArgument) || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("SetAttribute(%q, %#v) = %v, want ErrInvalidArgument with %q", bad.key, bad.value, err, bad.want)
		}
	}
	_ = s.SetAttribute("good", "kept")
	if _, err := tr.StartSpan("bad\xffname"); !errors.Is(err, otlp.ErrInvalidArgument) {
		t.Errorf("StartSpan(bad UTF-8) = %v", err)
	}
	if _, err := tr.StartSpan("k", otlp.WithKind(9)); !errors.Is(err, otlp.ErrInvalidArgument) {
		t.Errorf("kind 9 = %v", err)
	}
	s.End()
	if err := p.ForceFlush(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	got := rx.Wait(t, 1, named("bad values"))[0]
	if len(got.Attributes) != 1 {
		t.Errorf("attributes %v: only the valid one must arrive", got.Attributes)
	}
	wantAttr(t, got.Attributes, "good", "string", "kept")
}

func TestUseAfterEndAndFree(t *testing.T) {
	rx := newReceiver(t)
	p, tr := provider(t, rx, "go-after-free")
	s, _ := tr.StartSpan("once")
	s.End()
	s.End()
	for name, err := range map[string]error{
		"SetAttribute": s.SetAttribute("k", 1), "AddEvent": s.AddEvent("e"),
		"SetStatus": s.SetStatus(otlp.StatusOK, ""), "Inject": s.Inject(map[string][]string{}),
		"EndAt": s.EndAt(time.Now()), "UpdateName": s.UpdateName("x"),
	} {
		if !errors.Is(err, otlp.ErrInvalidHandle) {
			t.Errorf("%s after End = %v", name, err)
		}
	}
	open, _ := tr.StartSpan("open at free")
	live, _ := tr.StartSpan("live at free")
	_ = live.AddEvent("e")
	ctx, _ := live.SpanContext()
	defer ctx.Free()
	if err := p.ForceFlush(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	p.Free()
	p.Free()
	if _, err := p.GetTracer(); !errors.Is(err, otlp.ErrInvalidHandle) {
		t.Errorf("GetTracer after Free = %v", err)
	}
	if _, err := p.Stats(); !errors.Is(err, otlp.ErrInvalidHandle) {
		t.Errorf("Stats after Free = %v", err)
	}
	if err := p.ForceFlush(context.Background()); !errors.Is(err, otlp.ErrInvalidHandle) {
		t.Errorf("ForceFlush after Free = %v", err)
	}
	if _, err := tr.StartSpan("after free"); !errors.Is(err, otlp.ErrInvalidHandle) {
		t.Errorf("StartSpan after Free = %v", err)
	}
	if err := live.SetAttribute("k", "v"); !errors.Is(err, otlp.ErrInvalidHandle) {
		t.Errorf("SetAttribute on a live span after Free = %v", err)
	}
	if err := open.EndAt(time.Now()); !errors.Is(err, otlp.ErrInvalidHandle) {
		t.Errorf("ending a span after Free = %v", err)
	}
	live.End()
	// Contexts are values: still usable as a parent elsewhere after the provider is gone.
	if h, err := otlp.ParseTraceparent(incomingTP, ""); err != nil {
		t.Fatal(err)
	} else {
		h.Free()
		h.Free()
		if _, err := tr.StartSpan("x", otlp.WithParent(h)); !errors.Is(err, otlp.ErrInvalidHandle) {
			t.Errorf("freed context as parent = %v", err)
		}
	}
	b, _ := otlp.NewBaggage()
	b.Free()
	b.Free()
	if err := b.Set("k", "v"); !errors.Is(err, otlp.ErrInvalidHandle) {
		t.Errorf("Baggage.Set after Free = %v", err)
	}
	// Extract without a baggage header gives a nil *Baggage; freeing it, as documented, is fine.
	if _, bag, err := otlp.Extract(http.Header{}); err != nil || bag != nil {
		t.Errorf("Extract(no headers) = %v, %v", bag, err)
	} else {
		bag.Free()
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(rx.Spans(service("go-after-free"))); n != 1 {
		t.Errorf("received %d spans, want only \"once\"", n)
	}
}

func TestConcurrentGoroutinesReconcile(t *testing.T) {
	const goroutines, perG = 100, 1000
	rx := newReceiver(t)
	p, tr := provider(t, rx, "go-concurrent", otlp.WithBatch(goroutines*perG, 2048, 20*time.Millisecond))
	var wg sync.WaitGroup
	shared, _ := tr.StartSpan("shared")
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < perG; i++ {
				s, err := tr.StartSpan("c")
				if err != nil {
					t.Error(err)
					return
				}
				_ = s.SetAttribute("g", g)
				_ = s.SetAttribute("i", i)
				s.End()
			}
			_ = shared.SetAttribute("from", g)
			_ = shared.AddEvent("e")
			shared.End() // many goroutines end it: exported once
		}(g)
	}
	wg.Wait()
	if err := p.Shutdown(ctxTimeout(t, 60*time.Second)); err != nil {
		t.Fatal(err)
	}
	st, err := p.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := uint64(goroutines*perG + 1)
	if st.SpansEnded != want || st.SpansExported+st.SpansDropped != st.SpansEnded || st.SpansDropped != 0 {
		t.Fatalf("stats %+v, want %d ended and exported", st, want)
	}
	got := rx.Wait(t, int(want), service("go-concurrent"))
	time.Sleep(100 * time.Millisecond)
	got = rx.Spans(service("go-concurrent"))
	if uint64(len(got)) != st.SpansExported {
		t.Fatalf("receiver has %d spans, stats say %d exported", len(got), st.SpansExported)
	}
	seen := map[[2]string]bool{}
	sharedN := 0
	for _, s := range got {
		if s.Name == "shared" {
			sharedN++
			continue
		}
		k := [2]string{s.Attributes["g"].Str(), s.Attributes["i"].Str()}
		if seen[k] {
			t.Fatalf("span g=%s i=%s arrived twice", k[0], k[1])
		}
		seen[k] = true
	}
	if len(seen) != goroutines*perG || sharedN != 1 {
		t.Errorf("%d distinct spans, %d shared", len(seen), sharedN)
	}
}

// silentCollector accepts connections and never answers.
func silentCollector(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return "http://" + ln.Addr().String()
}

func TestShutdownHonoursTheContextDeadline(t *testing.T) {
	cleanEnv(t)
	p, err := otlp.NewTracerProvider(silentCollector(t), "go-deadline", otlp.WithExportTimeout(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		done := make(chan struct{})
		go func() { p.Free(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("Free did not return")
		}
	}()
	tr, _ := p.GetTracer()
	s, _ := tr.StartSpan("stuck")
	s.End()

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	err = p.ForceFlush(ctx)
	if el := time.Since(t0); el < 250*time.Millisecond || el > 3*time.Second {
		t.Errorf("ForceFlush took %v with a 300ms deadline", el)
	}
	if !errors.Is(err, otlp.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ForceFlush = %v, want ErrTimeout and DeadlineExceeded", err)
	}

	cctx, ccancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); ccancel() }()
	t0 = time.Now()
	if err := p.ForceFlush(cctx); !errors.Is(err, context.Canceled) || time.Since(t0) > 3*time.Second {
		t.Errorf("cancelled ForceFlush = %v after %v", err, time.Since(t0))
	}
	expired, ecancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer ecancel()
	if err := p.Shutdown(expired); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown with an expired context = %v", err)
	}

	ctx2, cancel2 := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel2()
	t0 = time.Now()
	err = p.Shutdown(ctx2)
	if el := time.Since(t0); el < 300*time.Millisecond || el > 3*time.Second {
		t.Errorf("Shutdown took %v with a 400ms deadline", el)
	}
	if !errors.Is(err, otlp.ErrTimeout) {
		t.Errorf("Shutdown = %v, want ErrTimeout", err)
	}
	st, _ := p.Stats()
	if st.SpansEnded != 1 || st.SpansExported != 0 {
		t.Errorf("stats after a timed-out shutdown %+v", st)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown = %v", err)
	}
	after, _ := tr.StartSpan("after shutdown")
	if rec, err := after.IsRecording(); err != nil || rec {
		t.Errorf("span after shutdown recording=%v err=%v", rec, err)
	}
	after.End()
}
