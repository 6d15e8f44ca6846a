//go:build cgo && !otlp_shared

package otlp

// Static linking (the default): the program embeds libotlp_ffi.a and has no runtime
// dependency on libotlp_ffi.so. The extra libraries are the ones the Rust standard library
// needs (dist/lib/pkgconfig/otlp_ffi.pc, Libs.private). Build the archive first with
// ./build_all.sh at the repository root.

/*
#cgo LDFLAGS: ${SRCDIR}/../../dist/lib/libotlp_ffi.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
*/
import "C"
