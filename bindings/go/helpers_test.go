package otlp_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// wantArray checks an array attribute: its element type and each element's JSON value.
func wantArray(t testing.TB, attrs map[string]Attr, key, elemType string, values ...string) {
	t.Helper()
	a, ok := attrs[key]
	if !ok || a.Type != "array" {
		t.Errorf("attribute %q = %+v, want an array", key, a)
		return
	}
	var items []Attr
	if err := json.Unmarshal(a.Value, &items); err != nil {
		t.Errorf("attribute %q: %v in %s", key, err, a.Value)
		return
	}
	if len(items) != len(values) {
		t.Errorf("attribute %q has %d items, want %d: %s", key, len(items), len(values), a.Value)
		return
	}
	for i, it := range items {
		if it.Type != elemType || string(it.Value) != values[i] {
			t.Errorf("attribute %q[%d] = %s %s, want %s %s", key, i, it.Type, it.Value, elemType, values[i])
		}
	}
}
