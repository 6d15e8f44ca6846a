// Package bench compares the Go binding of otlp-ffi with the OpenTelemetry Go SDK
// (BatchSpanProcessor + otlptracehttp) on the same span, both exporting OTLP/HTTP to the same
// local sink (bench/python/receiver_proc.py --kind sink, which answers 200 at once and
// counts the spans per service.name).
//
//	cd bench/go && go test -bench . -benchmem -benchtime 20000x [-queue 2048]
//
// Each sub-benchmark reports exported and dropped spans of its last run (what the sink
// counted after a shutdown, and for otlp-ffi also its stats).
package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"otlp-ffi/otlp"
)

var queue = flag.Int("queue", 2048, "export queue size of both pipelines (OTEL_BSP_MAX_QUEUE_SIZE / WithMaxQueueSize)")

type sink struct {
	port int
	in   io.WriteCloser
	out  *bufio.Scanner
	cmd  *exec.Cmd
}

var theSink *sink

func TestMain(m *testing.M) {
	flag.Parse()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "OTEL_") {
			os.Unsetenv(k)
		}
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "python", "receiver_proc.py")
	cmd := exec.Command("python3", script, "--kind", "sink")
	cmd.Stderr = os.Stderr
	in, _ := cmd.StdinPipe()
	outp, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		fmt.Println("cannot start the sink:", err)
		os.Exit(1)
	}
	s := &sink{in: in, out: bufio.NewScanner(outp), cmd: cmd}
	if !s.out.Scan() || !strings.HasPrefix(s.out.Text(), "PORT ") {
		fmt.Println("the sink did not start")
		os.Exit(1)
	}
	fmt.Sscanf(s.out.Text(), "PORT %d", &s.port)
	theSink = s
	code := m.Run()
	fmt.Fprintln(in, "quit")
	in.Close()
	_ = cmd.Wait()
	os.Exit(code)
}

func (s *sink) count(service string) int {
	fmt.Fprintln(s.in, "count")
	s.out.Scan()
	var m map[string]int
	_ = json.Unmarshal(s.out.Bytes(), &m)
	return m[service]
}

// waitCount waits until the sink's count for service stops growing.
func (s *sink) waitCount(service string, want int) int {
	last, stable := -1, 0
	for i := 0; i < 200 && stable < 5; i++ {
		n := s.count(service)
		if n >= want {
			return n
		}
		if n == last {
			stable++
		} else {
			stable = 0
		}
		last = n
		time.Sleep(20 * time.Millisecond)
	}
	return last
}

var runs atomic.Int64

func serviceName(kind string) string { return fmt.Sprintf("bench-%s-%d", kind, runs.Add(1)) }

func report(b *testing.B, exported, made int) {
	b.ReportMetric(float64(exported), "exported")
	b.ReportMetric(float64(made-exported), "dropped")
}

func benchFFI(b *testing.B, attrs bool) {
	svc := serviceName("ffi")
	p, err := otlp.NewTracerProvider(fmt.Sprintf("http://127.0.0.1:%d", theSink.port), svc,
		otlp.WithBatch(*queue, 512, 0))
	if err != nil {
		b.Fatal(err)
	}
	tr, _ := p.GetTracer()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		span, err := tr.StartSpan("op")
		if err != nil {
			b.Fatal(err)
		}
		if attrs {
			span.SetAttribute("http.method", "GET")
			span.SetAttribute("http.status_code", 200+i%300)
			span.SetAttribute("cache.hit", i%2 == 0)
		}
		span.End()
		i++
	}
	b.StopTimer()
	if err := p.Shutdown(context.Background()); err != nil {
		b.Log("shutdown:", err)
	}
	st, _ := p.Stats()
	p.Free()
	got := theSink.waitCount(svc, int(st.SpansExported))
	if uint64(got) != st.SpansExported || st.SpansEnded != uint64(i) || st.SpansExported+st.SpansDropped != st.SpansEnded {
		b.Errorf("sink counted %d, stats %+v, spans made %d", got, st, i)
	}
	report(b, got, i)
}

func benchSDK(b *testing.B, attrs bool) {
	svc := serviceName("sdk")
	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(fmt.Sprintf("127.0.0.1:%d", theSink.port)),
		otlptracehttp.WithInsecure())
	if err != nil {
		b.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, sdktrace.WithMaxQueueSize(*queue), sdktrace.WithMaxExportBatchSize(512)),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", svc))))
	tr := tp.Tracer("bench")
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		_, span := tr.Start(ctx, "op")
		if attrs {
			span.SetAttributes(attribute.String("http.method", "GET"),
				attribute.Int("http.status_code", 200+i%300), attribute.Bool("cache.hit", i%2 == 0))
		}
		span.End()
		i++
	}
	b.StopTimer()
	if err := tp.Shutdown(ctx); err != nil {
		b.Log("shutdown:", err)
	}
	report(b, theSink.waitCount(svc, i), i)
}

// BenchmarkSpan: start + 3 attributes (string, int, bool) + end.
func BenchmarkSpan(b *testing.B) {
	b.Run("otlp-ffi", func(b *testing.B) { benchFFI(b, true) })
	b.Run("otel-sdk", func(b *testing.B) { benchSDK(b, true) })
}

// BenchmarkStartEnd: start + end alone.
func BenchmarkStartEnd(b *testing.B) {
	b.Run("otlp-ffi", func(b *testing.B) { benchFFI(b, false) })
	b.Run("otel-sdk", func(b *testing.B) { benchSDK(b, false) })
}

// BenchmarkCrossing: one cgo call into the library, otlp.Version() (otlp_version(), a getter
// that returns a static string; the C.GoString conversion included).
func BenchmarkCrossing(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n += len(otlp.Version())
	}
	if n == 0 {
		b.Fatal("empty version")
	}
}
