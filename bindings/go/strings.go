package otlp

/*
#include <stdlib.h>
*/
import "C"

import (
	"strconv"
	"strings"
	"unsafe"
)

// cstrs makes C copies of Go strings for the calls off the span path (configuration,
// propagation, baggage) and frees them together. A string with a NUL byte cannot cross a
// C-string ABI unchanged: it is reported (ErrInvalidArgument naming the argument) instead of
// being cut short.
type cstrs struct {
	ptrs []unsafe.Pointer
	err  error
}

func (c *cstrs) str(name, s string) *C.char {
	if c.err != nil {
		return nil
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		c.err = errNUL(name, i)
		return nil
	}
	p := C.CString(s)
	c.ptrs = append(c.ptrs, unsafe.Pointer(p))
	return p
}

// opt is str for a nullable argument: "" gives NULL.
func (c *cstrs) opt(name, s string) *C.char {
	if s == "" {
		return nil
	}
	return c.str(name, s)
}

func (c *cstrs) free() {
	for _, p := range c.ptrs {
		C.free(p)
	}
	c.ptrs = nil
}

func errNUL(name string, at int) *Error {
	return errorf(CodeInvalidArgument, "argument `"+name+"` contains a NUL byte at byte "+strconv.Itoa(at))
}

// cbuf is a C buffer for the calls that write a NUL-terminated string.
type cbuf struct {
	p *C.char
	n C.size_t
}

func newCbuf(n int) cbuf      { return cbuf{p: (*C.char)(C.malloc(C.size_t(n))), n: C.size_t(n)} }
func (b cbuf) String() string { return C.GoString(b.p) }
func (b cbuf) free()          { C.free(unsafe.Pointer(b.p)) }

func unsafePtr[T any](p *T) unsafe.Pointer { return unsafe.Pointer(p) }
