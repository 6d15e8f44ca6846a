// Command gen writes bindings/go/ogo_raw.h from include/otlp_ffi.h (run by go generate in
// bindings/go).
package main

import (
	"log"
	"os"

	"otlp-ffi/otlp/internal/rawgen"
)

func main() {
	header, err := os.ReadFile("../../include/otlp_ffi.h")
	if err != nil {
		log.Fatal(err)
	}
	out, err := rawgen.Generate(header)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("ogo_raw.h", out, 0o644); err != nil {
		log.Fatal(err)
	}
}
