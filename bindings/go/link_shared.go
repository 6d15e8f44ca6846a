//go:build cgo && otlp_shared

package otlp

// Shared linking (go build -tags otlp_shared): the program loads libotlp_ffi.so from the
// checkout's dist/lib (an rpath is recorded), or from wherever LD_LIBRARY_PATH points.

/*
#cgo LDFLAGS: -L${SRCDIR}/../../dist/lib -Wl,-rpath,${SRCDIR}/../../dist/lib -lotlp_ffi
*/
import "C"
