package otlp

//go:generate go run ./internal/rawgen/gen

// The raw layer: every fallible function of include/otlp_ffi.h is reached through its
// generated wrapper C.ogo_<name> (ogo_raw.h), which returns the code together with a copy of
// the thread-local message taken inside the same C call. Void functions are called directly.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include -Wall -Werror
#include "ogo.h"
*/
import "C"

import "unsafe"

// check turns a wrapper's result into nil or an *Error (freeing the copied message).
func check(r C.ogo_res) error {
	if r.rc == 0 {
		return nil
	}
	msg := ""
	if r.msg != nil {
		msg = C.GoString(r.msg)
		C.free(unsafe.Pointer(r.msg))
	}
	return newError(Code(r.rc), msg)
}

// Version returns the library version ("major.minor.patch").
func Version() string { return C.GoString(C.otlp_version()) }
