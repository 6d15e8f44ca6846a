package otlp_test

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"otlp-ffi/otlp"
)

const incomingTP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

func TestParentsAcrossInjectExtract(t *testing.T) {
	rx := newReceiver(t)
	p, tr := provider(t, rx, "go-propagation")

	in := http.Header{}
	in.Set("traceparent", incomingTP)
	in.Set("tracestate", "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7")
	in.Set("baggage", "user=alice%20b,tenant=t1;prop=1")
	remote, bag, err := otlp.Extract(in)
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Free()
	defer bag.Free()
	if v, ok, err := bag.Get("user"); err != nil || !ok || v != "alice b" {
		t.Fatalf("baggage user = %q %v %v", v, ok, err)
	}

	server, err := tr.StartSpan("GET /orders", otlp.WithKind(otlp.KindServer), otlp.WithParent(remote))
	if err != nil {
		t.Fatal(err)
	}
	client, err := tr.StartSpan("SELECT orders", otlp.WithKind(otlp.KindClient), otlp.WithParent(server),
		otlp.WithAttributes(otlp.String("db.system", "postgresql")))
	if err != nil {
		t.Fatal(err)
	}
	if err := bag.Set("session", "s 1"); err != nil {
		t.Fatal(err)
	}
	out := http.Header{}
	if err := otlp.Inject(out, client, bag); err != nil {
		t.Fatal(err)
	}
	clientID, _ := client.SpanID()
	if got, want := out.Get("traceparent"), "00-4bf92f3577b34da6a3ce929d0e0e4736-"+clientID+"-01"; got != want {
		t.Errorf("injected traceparent %q, want %q", got, want)
	}
	if got := out.Get("tracestate"); got != "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7" {
		t.Errorf("injected tracestate %q", got)
	}
	if got := out.Get("baggage"); !strings.Contains(got, "user=alice%20b") || !strings.Contains(got, "session=s%201") {
		t.Errorf("injected baggage %q", got)
	}

	// The downstream service continues the trace from what was injected (generic carrier).
	carrier := otlp.MapCarrier{}
	for k := range out {
		carrier.Set(k, out.Get(k))
	}
	down, dbag, err := otlp.ExtractCarrier(carrier)
	if err != nil {
		t.Fatal(err)
	}
	defer down.Free()
	defer dbag.Free()
	if v, ok, _ := dbag.Get("session"); !ok || v != "s 1" {
		t.Errorf("downstream baggage session = %q %v", v, ok)
	}
	consumer, err := tr.StartSpan("process", otlp.WithKind(otlp.KindConsumer), otlp.WithParent(down))
	if err != nil {
		t.Fatal(err)
	}
	consumer.End()
	client.End()
	server.End()
	if err := p.ForceFlush(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	got := byName(rx.Wait(t, 3, service("go-propagation")))
	s, c, d := got["GET /orders"], got["SELECT orders"], got["process"]
	for _, sp := range []RxSpan{s, c, d} {
		if sp.TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" || sp.TraceState != "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7" {
			t.Errorf("%s: trace %s state %q", sp.Name, sp.TraceID, sp.TraceState)
		}
	}
	if s.ParentSpanID != "00f067aa0ba902b7" || s.Kind != 2 {
		t.Errorf("server parent %s kind %d", s.ParentSpanID, s.Kind)
	}
	if c.ParentSpanID != s.SpanID || c.Kind != 3 || c.SpanID != clientID {
		t.Errorf("client parent %s (server %s) kind %d id %s/%s", c.ParentSpanID, s.SpanID, c.Kind, c.SpanID, clientID)
	}
	wantAttr(t, c.Attributes, "db.system", "string", "postgresql")
	if d.ParentSpanID != c.SpanID || d.Kind != 5 {
		t.Errorf("consumer parent %s (client %s) kind %d", d.ParentSpanID, c.SpanID, d.Kind)
	}
}

func TestInvalidTraceparentStartsANewTrace(t *testing.T) {
	h := http.Header{}
	h.Set("traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")
	ctx, bag, err := otlp.Extract(h)
	if ctx != nil || bag != nil || !errors.Is(err, otlp.ErrInvalidArgument) {
		t.Fatalf("Extract(uppercase) = %v %v %v", ctx, bag, err)
	}
	ctx, bag, err = otlp.Extract(http.Header{})
	if ctx != nil || bag != nil || err != nil {
		t.Fatalf("Extract(no headers) = %v %v %v", ctx, bag, err)
	}
}

type notFound struct{ path string }

func (e *notFound) Error() string { return "no such order " + e.path }

func TestEventsStatusErrorsLinksAndTimes(t *testing.T) {
	rx := newReceiver(t)
	p, tr := provider(t, rx, "go-events")
	linked, _ := otlp.ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "k=v")
	defer linked.Free()
	start := time.Unix(1700000000, 123456789)
	s, err := tr.StartSpan("work", otlp.WithStartTime(start),
		otlp.WithLinks(otlp.Link{Context: linked, Attributes: []otlp.Attribute{otlp.Int("link.n", 1)}}))
	if err != nil {
		t.Fatal(err)
	}
	evAt := start.Add(time.Millisecond)
	if err := s.AddEventAt("cache.miss", evAt, otlp.String("key", "k1"), otlp.Float64Slice("w", []float64{1, 2})); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordError(&notFound{"42"}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateName("work renamed"); err != nil {
		t.Fatal(err)
	}
	if err := s.EndAt(start.Add(2 * time.Second)); err != nil {
		t.Fatal(err)
	}

	// A span kept on the Go side until End gets an event and a status: it is started in the
	// library at its recorded start time, with the attributes set so far.
	root, _ := tr.StartSpan("root")
	_ = root.SetAttribute("before", "x")
	time.Sleep(5 * time.Millisecond)
	if err := root.AddEvent("checkpoint"); err != nil {
		t.Fatal(err)
	}
	_ = root.SetAttribute("after", 2)
	if err := root.SetStatus(otlp.StatusError, "it broke"); err != nil {
		t.Fatal(err)
	}
	_, ferr := os.Open("/nonexistent/x")
	other, _ := tr.StartSpan("fs")
	if err := other.RecordError(ferr); err != nil {
		t.Fatal(err)
	}
	if err := other.SetStatus(otlp.StatusCode(7), ""); !errors.Is(err, otlp.ErrInvalidArgument) {
		t.Errorf("SetStatus(7) = %v", err)
	}
	other.End()
	root.End()
	if err := p.ForceFlush(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	got := byName(rx.Wait(t, 3, service("go-events")))
	w := got["work renamed"]
	if w.StartTimeUnixNano != "1700000000123456789" || w.EndTimeUnixNano != "1700000002123456789" {
		t.Errorf("times %s..%s", w.StartTimeUnixNano, w.EndTimeUnixNano)
	}
	if len(w.Links) != 1 || w.Links[0].TraceID != "0af7651916cd43dd8448eb211c80319c" || w.Links[0].SpanID != "b7ad6b7169203331" {
		t.Errorf("links %+v", w.Links)
	} else {
		wantAttr(t, w.Links[0].Attributes, "link.n", "int", "1")
	}
	if len(w.Events) != 2 || w.Events[0].Name != "cache.miss" || w.Events[0].TimeUnixNano != "1700000000124456789" {
		t.Fatalf("events %+v", w.Events)
	}
	wantAttr(t, w.Events[0].Attributes, "key", "string", "k1")
	wantArray(t, w.Events[0].Attributes, "w", "double", "1.0", "2.0")
	ex := w.Events[1]
	if ex.Name != "exception" {
		t.Errorf("second event %q", ex.Name)
	}
	wantAttr(t, ex.Attributes, "exception.type", "string", "*otlp_test.notFound")
	wantAttr(t, ex.Attributes, "exception.message", "string", "no such order 42")
	if w.StatusCode != 2 || w.StatusMessage != "no such order 42" {
		t.Errorf("status %d %q", w.StatusCode, w.StatusMessage)
	}
	r := got["root"]
	wantAttr(t, r.Attributes, "before", "string", "x")
	wantAttr(t, r.Attributes, "after", "int", "2")
	if r.StatusCode != 2 || r.StatusMessage != "it broke" || len(r.Events) != 1 || r.Events[0].Name != "checkpoint" {
		t.Errorf("root status %d %q events %+v", r.StatusCode, r.StatusMessage, r.Events)
	}
	if r.Events[0].TimeUnixNano <= r.StartTimeUnixNano || len(r.Events[0].TimeUnixNano) != len(r.StartTimeUnixNano) {
		t.Errorf("event at %s, span started %s", r.Events[0].TimeUnixNano, r.StartTimeUnixNano)
	}
	var pe *fs.PathError
	if !errors.As(ferr, &pe) {
		t.Fatal("os.Open did not fail with a *fs.PathError")
	}
	wantAttr(t, got["fs"].Events[0].Attributes, "exception.type", "string", "*fs.PathError")
}

func TestScopedTracerAndResource(t *testing.T) {
	rx := newReceiver(t)
	p, _ := provider(t, rx, "go-scope", otlp.WithResourceAttribute("deployment.environment", "test"))
	tr, err := p.Tracer("orders-lib", otlp.WithVersion("1.2.3"))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.StartSpan("scoped")
	s.End()
	if err := p.ForceFlush(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	got := rx.Wait(t, 1, named("scoped"))[0]
	if got.ScopeName != "orders-lib" || got.ScopeVersion != "1.2.3" || got.ServiceName != "go-scope" {
		t.Errorf("scope %q %q service %q", got.ScopeName, got.ScopeVersion, got.ServiceName)
	}
	wantAttr(t, got.Resource, "deployment.environment", "string", "test")
	wantAttr(t, got.Resource, "telemetry.sdk.language", "string", "go")
}
