// Command smoke sends the rich trace of tests/test_collector.py through the Go binding
// (bindings/go, linked statically against dist/lib/libotlp_ffi.a). Exporter settings come from
// the OTEL_* environment; rich.config is a resource attribute given to the provider. Prints
// "SPAN <label> <trace-id> <span-id>", "STATS ..." and "OK".
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"otlp-ffi/otlp"
)

const (
	text        = "Grüße, 世界 🚀"
	t0          = int64(1700000000123456789)
	traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	tracestate  = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
)

func at(offset int64) time.Time { return time.Unix(0, t0+offset) }

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
}

func show(label string, span *otlp.Span) {
	traceID, err := span.TraceID()
	must(err)
	spanID, err := span.SpanID()
	must(err)
	fmt.Printf("SPAN %s %s %s\n", label, traceID, spanID)
}

func main() {
	provider, err := otlp.NewTracerProvider("", "", otlp.WithResourceAttribute("rich.config", text))
	must(err)
	alpha, err := provider.Tracer("rich.scope.alpha", otlp.WithVersion("1.2.3"),
		otlp.WithSchemaURL("https://opentelemetry.io/schemas/1.26.0"))
	must(err)
	beta, err := provider.Tracer("rich.scope.beta ✓", otlp.WithVersion("2.0.0-β"),
		otlp.WithSchemaURL("https://example.com/schemas/beta"))
	must(err)
	remote, err := otlp.ParseTraceparent(traceparent, tracestate)
	must(err)
	defer remote.Free()

	server, err := alpha.StartSpan("GET /grüße/🚀", otlp.WithKind(otlp.KindServer),
		otlp.WithParent(remote), otlp.WithStartTime(at(0)),
		otlp.WithAttributes(otlp.String("rich.string", text), otlp.Bool("rich.bool", true),
			otlp.Int("rich.int", -42), otlp.Float64("rich.double", 3.14159)))
	must(err)
	must(server.SetAttribute("rich.bool.false", false))
	must(server.SetAttribute("rich.int.big", int64(9007199254740993)))
	must(server.SetAttribute("rich.double.small", 2.5e-8))
	must(server.SetAttribute("rich.string.ascii", "plain"))
	must(server.SetAttributes(
		otlp.StringSlice("rich.string_array", []string{"a", text, "z"}),
		otlp.BoolSlice("rich.bool_array", []bool{true, false, true}),
		otlp.Int64Slice("rich.int_array", []int64{1, -2, 9223372036854775807}),
		otlp.Float64Slice("rich.double_array", []float64{0.5, -1.25, 1e10}),
	))
	must(server.AddEventAt("cache.miss", at(1000), otlp.String("cache.key", text), otlp.Int("cache.size", 7)))
	must(server.AddEventAt("retry 🚀", at(2000), otlp.Float64Slice("retry.delays", []float64{0.5, 1.5}),
		otlp.Bool("retry.final", true)))
	must(server.SetStatus(otlp.StatusOK, ""))
	show("server", server)

	client, err := beta.StartSpan("SELECT grüße", otlp.WithKind(otlp.KindClient), otlp.WithParent(server),
		otlp.WithAttributes(otlp.String("db.system", "postgresql")),
		otlp.WithLinks(otlp.Link{Context: remote, Attributes: []otlp.Attribute{
			otlp.String("link.kind", "caller"), otlp.Int("link.index", 0)}}),
		otlp.WithStartTime(at(100_000)))
	must(err)
	must(client.SetStatus(otlp.StatusError, "query failed: Grüße"))
	show("client", client)
	clientCtx, err := client.SpanContext()
	must(err)
	defer clientCtx.Free()
	must(client.EndAt(at(900_000)))

	producer, err := alpha.StartSpan("publish", otlp.WithKind(otlp.KindProducer), otlp.WithParent(server),
		otlp.WithStartTime(at(1_000_000)))
	must(err)
	must(producer.RecordException("ValueError", "bad value: 世界", "Traceback:\n  at publish()"))
	show("producer", producer)
	producerCtx, err := producer.SpanContext()
	must(err)
	defer producerCtx.Free()
	must(producer.EndAt(at(1_500_000)))

	consumer, err := beta.StartSpan("consume", otlp.WithKind(otlp.KindConsumer), otlp.WithParent(server),
		otlp.WithLinks(otlp.Link{Context: clientCtx, Attributes: []otlp.Attribute{otlp.String("link.note", text)}},
			otlp.Link{Context: producerCtx}),
		otlp.WithStartTime(at(2_000_000)))
	must(err)
	must(consumer.RecordError(errors.New("timeout ⏱")))
	show("consumer", consumer)
	must(consumer.EndAt(at(3_000_000)))
	must(server.EndAt(at(5_000_000)))

	job, err := alpha.StartSpan("background job", otlp.WithStartTime(at(10_000_000)))
	must(err)
	must(job.AddEventAt("tick", at(15_000_000)))
	show("job", job)
	must(job.EndAt(at(20_000_000)))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(provider.ForceFlush(ctx))
	s, err := provider.Stats()
	must(err)
	fmt.Printf("STATS started=%d ended=%d exported=%d dropped=%d failures=%d\n",
		s.SpansStarted, s.SpansEnded, s.SpansExported, s.SpansDropped, s.ExportFailures)
	must(provider.Shutdown(ctx))
	provider.Free()
	fmt.Println("OK")
}
