// demo-go: the fourth hop of the five-language demo (examples/run_demo.sh).
//
// A reservation service: POST /reserve continues the caller's trace (traceparent, tracestate
// and baggage from the request) and reserves the order in a warehouse: the first one it tries
// is full (an INTERNAL span that records the error and ends with status ERROR), the second one
// takes it. Then it calls the next service (POST /ledger) with a CLIENT span whose context and
// the same baggage go into that request. Exporting is configured by the OTEL_* environment.
//
//	go run . --port 0 --next http://127.0.0.1:PORT/ledger
//
// prints {"listening": PORT} once it accepts connections; SIGTERM flushes and exits 0.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	otlp "otlp-ffi/otlp"
)

type line struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

type order struct {
	Customer string `json:"customer"`
	Lines    []line `json:"lines"`
}

var warehouses = []struct {
	name     string
	capacity int
}{{"eu-west-2", 2}, {"eu-west-1", 100}}

func main() {
	port := flag.Int("port", 0, "port to listen on (0: any)")
	next := flag.String("next", "", "URL of the next service")
	flag.Parse()

	provider, err := otlp.NewTracerProvider("", "") // endpoint, protocol, name: OTEL_* variables
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo-go:", err)
		os.Exit(1)
	}
	tracer, err := provider.Tracer("demo.reservations", otlp.WithVersion("1.0.0"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo-go:", err)
		os.Exit(1)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /reserve", func(w http.ResponseWriter, r *http.Request) {
		parent, bag, _ := otlp.Extract(r.Header) // an invalid traceparent: a new trace
		server, _ := tracer.StartSpan("POST /reserve", otlp.WithKind(otlp.KindServer), otlp.WithParent(parent),
			otlp.WithAttributes(otlp.String("http.request.method", "POST"), otlp.String("url.path", r.URL.Path),
				otlp.String("demo.language", "Go")))
		parent.Free()
		defer bag.Free()
		for _, key := range []string{"customer.id", "customer.tier"} { // what travelled from the C client
			if bag == nil {
				break
			}
			if v, ok, _ := bag.Get(key); ok {
				_ = server.SetAttribute("baggage."+key, v)
			}
		}
		status, body := reserve(tracer, server, bag, r.Body, *next)
		_ = server.SetAttribute("http.response.status_code", status)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
		server.End()
	})

	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo-go:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("{\"listening\": %d}\n", ln.Addr().(*net.TCPAddr).Port)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		_ = srv.Close()
	}()
	_ = srv.Serve(ln)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = provider.Shutdown(ctx) // flush what is queued
	provider.Free()
}

// reserve is the hop's own work: place the order in the first warehouse with room, then
// record it in the ledger (the next service).
func reserve(tracer *otlp.Tracer, server *otlp.Span, bag *otlp.Baggage, in io.Reader, next string) (int, []byte) {
	var o order
	if err := json.NewDecoder(in).Decode(&o); err != nil {
		_ = server.RecordError(err)
		return http.StatusBadRequest, []byte(`{"error":"bad order"}`)
	}
	units := 0
	for _, l := range o.Lines {
		units += l.Qty
	}
	_ = server.SetAttribute("demo.reservation.units", units)

	placed := ""
	for _, wh := range warehouses {
		span, _ := tracer.StartSpan("reserve "+wh.name, otlp.WithParent(server),
			otlp.WithAttributes(otlp.String("demo.warehouse", wh.name), otlp.Int("demo.reservation.units", units)))
		if units > wh.capacity {
			err := fmt.Errorf("warehouse %s is full: %d units asked, room for %d", wh.name, units, wh.capacity)
			_ = span.RecordError(err) // an exception event + status ERROR
			_ = span.SetStatus(otlp.StatusError, err.Error())
			span.End()
			continue
		}
		placed = wh.name
		span.End()
		break
	}
	if placed == "" {
		_ = server.SetStatus(otlp.StatusError, "no warehouse has room")
		return http.StatusConflict, []byte(`{"error":"no warehouse has room"}`)
	}
	_ = server.SetAttribute("demo.warehouse", placed)

	call, _ := tracer.StartSpan("POST /ledger", otlp.WithKind(otlp.KindClient), otlp.WithParent(server),
		otlp.WithAttributes(otlp.String("http.request.method", "POST"), otlp.String("url.full", next)))
	defer call.End()
	payload, _ := json.Marshal(map[string]any{"customer": o.Customer, "units": units, "warehouse": placed})
	req, _ := http.NewRequest(http.MethodPost, next, bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	_ = otlp.Inject(req.Header, call, bag) // traceparent, tracestate, baggage
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		_ = call.RecordError(err)
		return http.StatusBadGateway, []byte(`{"error":"ledger unreachable"}`)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	_ = call.SetAttribute("http.response.status_code", resp.StatusCode)
	if resp.StatusCode != http.StatusOK {
		_ = call.SetStatus(otlp.StatusError, fmt.Sprintf("ledger answered %d", resp.StatusCode))
	}
	var ledger map[string]any
	if err := json.Unmarshal(answer, &ledger); err != nil {
		_ = call.RecordError(errors.New("ledger answer is not JSON"))
		return http.StatusBadGateway, []byte(`{"error":"bad ledger answer"}`)
	}
	out, _ := json.Marshal(map[string]any{"warehouse": placed, "ledger": ledger})
	return resp.StatusCode, out
}
