//go:build !cgo

package otlp

// This package is a cgo binding of libotlp_ffi: it cannot be built with CGO_ENABLED=0. The
// undefined name below turns such a build into a compile error that says so, instead of a
// package that silently traces nothing.
var _ = otlp_ffi_needs_cgo__build_with_CGO_ENABLED_1_and_a_C_compiler
