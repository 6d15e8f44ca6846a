package otlp_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// repoRoot is the checkout's root (bindings/go/../..).
func repoRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	root, err := filepath.Abs(filepath.Join(filepath.Dir(file), "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// Attr is one received attribute value.
type Attr struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// Str is the attribute's value as JSON text without quotes for strings.
func (a Attr) Str() string {
	var s string
	if json.Unmarshal(a.Value, &s) == nil {
		return s
	}
	return string(a.Value)
}

// Event is one received span event.
type Event struct {
	Name         string          `json:"name"`
	TimeUnixNano string          `json:"time_unix_nano"`
	Attributes   map[string]Attr `json:"attributes"`
}

// Link is one received span link.
type Link struct {
	TraceID    string          `json:"trace_id"`
	SpanID     string          `json:"span_id"`
	TraceState string          `json:"trace_state"`
	Attributes map[string]Attr `json:"attributes"`
}

// RxSpan is one span as the project's test receiver decoded it.
type RxSpan struct {
	ServiceName       string          `json:"service_name"`
	Resource          map[string]Attr `json:"resource"`
	ScopeName         string          `json:"scope_name"`
	ScopeVersion      string          `json:"scope_version"`
	Name              string          `json:"name"`
	TraceID           string          `json:"trace_id"`
	SpanID            string          `json:"span_id"`
	ParentSpanID      string          `json:"parent_span_id"`
	TraceState        string          `json:"trace_state"`
	Flags             int64           `json:"flags"`
	Kind              int             `json:"kind"`
	StatusCode        int             `json:"status_code"`
	StatusMessage     string          `json:"status_message"`
	Attributes        map[string]Attr `json:"attributes"`
	Events            []Event         `json:"events"`
	Links             []Link          `json:"links"`
	StartTimeUnixNano string          `json:"start_time_unix_nano"`
	EndTimeUnixNano   string          `json:"end_time_unix_nano"`
}

// Receiver is tests/receiver/otlp_receiver.py --jsonl as a subprocess.
type Receiver struct {
	Port     int
	Endpoint string
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	mu       sync.Mutex
	cond     *sync.Cond
	spans    []RxSpan
	done     bool
}

// startReceiver starts a receiver on port (0: any free port) and stops it after the test.
func startReceiver(t testing.TB, port int) (*Receiver, error) {
	script := filepath.Join(repoRoot(t), "tests", "receiver", "otlp_receiver.py")
	cmd := exec.Command("python3", script, "--port", fmt.Sprint(port), "--jsonl")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	rx := &Receiver{cmd: cmd, stdin: stdin}
	rx.cond = sync.NewCond(&rx.mu)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	if !sc.Scan() {
		_ = stdin.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("receiver did not start (port %d busy?)", port)
	}
	var hello struct {
		Listening int `json:"listening"`
	}
	if err := json.Unmarshal(sc.Bytes(), &hello); err != nil || hello.Listening == 0 {
		return nil, fmt.Errorf("unexpected first receiver line %q", sc.Text())
	}
	rx.Port = hello.Listening
	rx.Endpoint = fmt.Sprintf("http://127.0.0.1:%d", rx.Port)
	go func() {
		for sc.Scan() {
			var s RxSpan
			if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
				panic(fmt.Sprintf("bad receiver line %q: %v", sc.Text(), err))
			}
			rx.mu.Lock()
			rx.spans = append(rx.spans, s)
			rx.cond.Broadcast()
			rx.mu.Unlock()
		}
		rx.mu.Lock()
		rx.done = true
		rx.cond.Broadcast()
		rx.mu.Unlock()
	}()
	t.Cleanup(rx.Stop)
	return rx, nil
}

func newReceiver(t testing.TB) *Receiver {
	t.Helper()
	rx, err := startReceiver(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	return rx
}

// Stop closes the receiver's stdin and waits for it to exit.
func (rx *Receiver) Stop() {
	if rx.stdin != nil {
		_ = rx.stdin.Close()
		_ = rx.cmd.Wait()
		rx.stdin = nil
	}
}

// Spans returns the spans received so far that match.
func (rx *Receiver) Spans(match func(RxSpan) bool) []RxSpan {
	rx.mu.Lock()
	defer rx.mu.Unlock()
	var out []RxSpan
	for _, s := range rx.spans {
		if match == nil || match(s) {
			out = append(out, s)
		}
	}
	return out
}

// Wait waits until n spans that match arrived and returns them (failing the test after
// the timeout).
func (rx *Receiver) Wait(t testing.TB, n int, match func(RxSpan) bool) []RxSpan {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := rx.Spans(match)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("received %d matching spans, want %d", len(got), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func named(name string) func(RxSpan) bool {
	return func(s RxSpan) bool { return s.Name == name }
}

func service(name string) func(RxSpan) bool {
	return func(s RxSpan) bool { return s.ServiceName == name }
}

func byName(spans []RxSpan) map[string]RxSpan {
	m := map[string]RxSpan{}
	for _, s := range spans {
		m[s.Name] = s
	}
	return m
}

func wantAttr(t testing.TB, attrs map[string]Attr, key, typ, value string) {
	t.Helper()
	a, ok := attrs[key]
	if !ok {
		t.Errorf("attribute %q missing (have %v)", key, attrs)
		return
	}
	if a.Type != typ || a.Str() != value {
		t.Errorf("attribute %q = %s %s, want %s %s", key, a.Type, a.Str(), typ, value)
	}
}

// cleanEnv removes the developer's OTEL_* variables for the test.
func cleanEnv(t testing.TB) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "OTEL_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}
