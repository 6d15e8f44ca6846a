package otlp_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"otlp-ffi/otlp"
	"otlp-ffi/otlp/internal/rawgen"
)

// The raw layer is generated from include/otlp_ffi.h: the checked-in ogo_raw.h must be what
// the generator makes of today's header (same names, same parameter types), and every
// function of the header must be called by the binding.
func TestRawLayerMatchesTheHeader(t *testing.T) {
	header, err := os.ReadFile(filepath.Join(repoRoot(t), "include", "otlp_ffi.h"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := rawgen.Generate(header)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("ogo_raw.h")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("ogo_raw.h is stale: run `go generate ./...` in bindings/go")
	}
	funcs, err := rawgen.Parse(header)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(header, []byte("\notlp_error_t otlp_")) + bytes.Count(header, []byte("\nvoid otlp_")) +
		bytes.Count(header, []byte("\nconst char *otlp_")); n != len(funcs) {
		t.Fatalf("parsed %d functions, the header declares %d", len(funcs), n)
	}
	var src strings.Builder
	for _, pat := range []string{"*.go", "*.h"} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || f == "ogo_raw.h" {
				continue
			}
			b, _ := os.ReadFile(f)
			src.Write(b)
		}
	}
	for _, f := range funcs {
		name := f.Name
		used := regexp.MustCompile(`C\.` + regexp.QuoteMeta(name) + `\(`).MatchString(src.String())
		if f.Return == "otlp_error_t" {
			used = used || regexp.MustCompile(`C\.ogo_`+regexp.QuoteMeta(strings.TrimPrefix(name, "otlp_"))+`\(`).MatchString(src.String()) ||
				regexp.MustCompile(`[^_]`+regexp.QuoteMeta(name)+`\(`).MatchString(src.String())
		}
		if !used && !unusedOnPurpose[name] {
			t.Errorf("%s (%s) is not used by the binding", name, f.Decl())
		}
	}
}

// Functions the binding reaches through a more general one.
var unusedOnPurpose = map[string]bool{
	"otlp_init":                      true, // otlp_init_with_config (the options, telemetry.sdk.language)
	"otlp_context_extract":           true, // otlp_context_extract_with_state
	"otlp_span_start":                true, // otlp_span_start_with_options
	"otlp_span_create":               true, // otlp_span_start_with_options / otlp_span_emit
	"otlp_span_set_attribute_string": true, // otlp_span_set_attributes (typed, one crossing)
	"otlp_span_set_attribute_int":    true,
	"otlp_span_set_attribute_bool":   true,
	"otlp_span_set_attribute_double": true,
	"otlp_span_add_event":            true, // otlp_span_add_event_with_attributes
	"otlp_span_record_error":         true, // otlp_span_record_exception (with the error's type)
}

func TestLayoutAndEnumsMatchC(t *testing.T) {
	f := otlp.ABI()
	if len(f.C) != len(f.Go) {
		t.Fatal("fact tables differ")
	}
	for k, c := range f.C {
		if f.Go[k] != c {
			t.Errorf("%s: C says %d, cgo's Go view %d", k, c, f.Go[k])
		}
	}
	if f.C["value"] < 16 || f.C["bool"] != 1 {
		t.Errorf("the attribute value union is %d bytes, bool %d: the binding writes 16 and 1", f.C["value"], f.C["bool"])
	}
	for k, c := range f.CEnums {
		if g, ok := f.GoEnums[k]; !ok || g != c {
			t.Errorf("%s: C %d, Go %d", k, c, g)
		}
	}
	header, _ := os.ReadFile(filepath.Join(repoRoot(t), "include", "otlp_ffi.h"))
	for _, m := range regexp.MustCompile(`(?m)^  (OTLP_[A-Z_]+) = -?\d+,$`).FindAllSubmatch(header, -1) {
		if _, ok := f.GoEnums[string(m[1])]; !ok {
			t.Errorf("enum value %s of the header has no Go constant", m[1])
		}
	}
}
