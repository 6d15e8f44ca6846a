package otlp_test

import (
	"testing"
	"time"

	"otlp-ffi/otlp"
)

func provider(t *testing.T, rx *Receiver, svc string, opts ...otlp.Option) (*otlp.TracerProvider, *otlp.Tracer) {
	t.Helper()
	cleanEnv(t)
	opts = append([]otlp.Option{otlp.WithBatch(0, 0, 50*time.Millisecond)}, opts...)
	p, err := otlp.NewTracerProvider(rx.Endpoint, svc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Free)
	tr, err := p.GetTracer()
	if err != nil {
		t.Fatal(err)
	}
	return p, tr
}

func TestEveryAttributeType(t *testing.T) {
	rx := newReceiver(t)
	p, tr := provider(t, rx, "go-attr-types")
	s, err := tr.StartSpan("attrs")
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]interface{}{
		"s": "text", "b": true, "i": 12345, "i64": int64(-7), "i32": int32(32), "i8": int8(-8),
		"u8": uint8(200), "u32": uint32(4000000000), "u64": uint64(1 << 62), "f64": 2.5,
		"f32": float32(0.25), "ss": []string{"a", "b"}, "bs": []bool{true, false},
		"is": []int{1, 2, 3}, "i64s": []int64{-1, 9007199254740993}, "fs": []float64{0.5, -1.5},
		"v": otlp.String("", "from a Value").Value,
	}
	for k, v := range set {
		if err := s.SetAttribute(k, v); err != nil {
			t.Errorf("SetAttribute(%q, %T): %v", k, v, err)
		}
	}
	if err := s.SetString("typed.s", "x"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBool("typed.b", false); err != nil {
		t.Fatal(err)
	}
	if err := s.SetInt64("typed.i", 1<<40); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFloat64("typed.f", -0.125); err != nil {
		t.Fatal(err)
	}
	s.End()
	if err := p.ForceFlush(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	got := rx.Wait(t, 1, named("attrs"))[0]
	a := got.Attributes
	wantAttr(t, a, "s", "string", "text")
	wantAttr(t, a, "b", "bool", "true")
	wantAttr(t, a, "i", "int", "12345")
	wantAttr(t, a, "i64", "int", "-7")
	wantAttr(t, a, "i32", "int", "32")
	wantAttr(t, a, "i8", "int", "-8")
	wantAttr(t, a, "u8", "int", "200")
	wantAttr(t, a, "u32", "int", "4000000000")
	wantAttr(t, a, "u64", "int", "4611686018427387904")
	wantAttr(t, a, "f64", "double", "2.5")
	wantAttr(t, a, "f32", "double", "0.25")
	wantAttr(t, a, "v", "string", "from a Value")
	wantAttr(t, a, "typed.s", "string", "x")
	wantAttr(t, a, "typed.b", "bool", "false")
	wantAttr(t, a, "typed.i", "int", "1099511627776")
	wantAttr(t, a, "typed.f", "double", "-0.125")
	wantArray(t, a, "ss", "string", `"a"`, `"b"`)
	wantArray(t, a, "bs", "bool", "true", "false")
	wantArray(t, a, "is", "int", `"1"`, `"2"`, `"3"`)
	wantArray(t, a, "i64s", "int", `"-1"`, `"9007199254740993"`)
	wantArray(t, a, "fs", "double", "0.5", "-1.5")
	if len(a) != len(set)+4 {
		t.Errorf("received %d attributes, want %d: %v", len(a), len(set)+4, a)
	}
}
