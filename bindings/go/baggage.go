package otlp

/*
#include "ogo.h"
*/
import "C"

import (
	"runtime"
	"sync"
)

// Baggage is a set of W3C baggage entries (otlp_baggage_t). Safe for concurrent use. Free it
// when done; Free is idempotent and a finalizer is the backstop; a freed baggage returns
// ErrInvalidHandle.
type Baggage struct {
	mu sync.Mutex
	h  *C.otlp_baggage_t
}

// NewBaggage returns an empty baggage.
func NewBaggage() (*Baggage, error) {
	var h *C.otlp_baggage_t
	if err := check(C.ogo_baggage_new(&h)); err != nil {
		return nil, err
	}
	return newBaggage(h), nil
}

// ParseBaggage parses an incoming `baggage` header: values percent-decoded, invalid members
// skipped, at most 180 members.
func ParseBaggage(header string) (*Baggage, error) {
	var cs cstrs
	defer cs.free()
	ch := cs.str("header", header)
	if cs.err != nil {
		return nil, cs.err
	}
	var h *C.otlp_baggage_t
	if err := check(C.ogo_baggage_extract(ch, &h)); err != nil {
		return nil, err
	}
	return newBaggage(h), nil
}

func newBaggage(h *C.otlp_baggage_t) *Baggage {
	b := &Baggage{h: h}
	runtime.SetFinalizer(b, (*Baggage).Free)
	return b
}

// Free frees the baggage. A nil *Baggage (Extract without a baggage header) is a no-op.
func (b *Baggage) Free() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.h != nil {
		C.otlp_baggage_free(b.h)
		b.h = nil
		runtime.SetFinalizer(b, nil)
	}
}

func (b *Baggage) lock() error {
	b.mu.Lock()
	if b.h == nil {
		b.mu.Unlock()
		return errorf(CodeInvalidHandle, "the Baggage was freed")
	}
	return nil
}

// Set sets key (an HTTP token) to value (any UTF-8), replacing an earlier value.
func (b *Baggage) Set(key, value string) error {
	if err := b.lock(); err != nil {
		return err
	}
	defer b.mu.Unlock()
	var cs cstrs
	defer cs.free()
	ck, cv := cs.str("key", key), cs.str("value", value)
	if cs.err != nil {
		return cs.err
	}
	return check(C.ogo_baggage_set(b.h, ck, cv))
}

// Get returns key's value and whether it is present.
func (b *Baggage) Get(key string) (string, bool, error) {
	if err := b.lock(); err != nil {
		return "", false, err
	}
	defer b.mu.Unlock()
	var cs cstrs
	defer cs.free()
	ck := cs.str("key", key)
	if cs.err != nil {
		return "", false, cs.err
	}
	buf := newCbuf(maxBaggage + 1 + 1)
	defer buf.free()
	found := (*C.bool)(C.malloc(1))
	defer C.free(unsafePtr(found))
	if err := check(C.ogo_baggage_get(b.h, ck, buf.p, buf.n, found)); err != nil {
		return "", false, err
	}
	return buf.String(), bool(*found), nil
}

// Remove removes key (an absent key is fine).
func (b *Baggage) Remove(key string) error {
	if err := b.lock(); err != nil {
		return err
	}
	defer b.mu.Unlock()
	var cs cstrs
	defer cs.free()
	ck := cs.str("key", key)
	if cs.err != nil {
		return cs.err
	}
	return check(C.ogo_baggage_remove(b.h, ck))
}

const maxBaggage = 8192

// Header returns the `baggage` header value for an outgoing request ("" when empty).
func (b *Baggage) Header() (string, error) {
	if err := b.lock(); err != nil {
		return "", err
	}
	defer b.mu.Unlock()
	buf := newCbuf(maxBaggage + 1)
	defer buf.free()
	if err := check(C.ogo_baggage_inject(b.h, buf.p, buf.n)); err != nil {
		return "", err
	}
	return buf.String(), nil
}
