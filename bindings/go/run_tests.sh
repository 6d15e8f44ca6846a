#!/usr/bin/env bash
# The Go binding's test suite: formatting, go vet, go test -race against the built library
# and the project's real OTLP receiver, the shared-library build, the static binary's
# dependencies, the CGO_ENABLED=0 error, and the benchmark module's build.
# Assumes ./build_all.sh ran at the repository root. Run from anywhere.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if ! command -v go >/dev/null 2>&1; then
  echo "SKIP bindings/go: the go command is not installed"
  exit 0
fi
if [ ! -f "$root/dist/lib/libotlp_ffi.a" ] || [ ! -f "$root/dist/lib/libotlp_ffi.so" ]; then
  echo "bindings/go: dist/lib/libotlp_ffi.{a,so} missing: run ./build_all.sh first" >&2
  exit 1
fi
cd "$here"
export CGO_ENABLED=1

echo "==> go: $(go version)"
echo "==> gofmt"
unformatted="$(gofmt -l . "$root/bench/go")"
if [ -n "$unformatted" ]; then
  echo "not gofmt-formatted:" >&2; echo "$unformatted" >&2; exit 1
fi

echo "==> go vet"
go vet ./...
go vet -tags otlp_shared ./...

echo "==> go test -race ./... (static libotlp_ffi.a)"
go test -race -count=1 ./...

echo "==> go test (0 allocations per span, without -race)"
go test -count=1 -run 'TestSpanPathAllocatesNothing' .

echo "==> go test -tags otlp_shared (libotlp_ffi.so)"
go test -tags otlp_shared -count=1 -run 'TestEveryAttributeType|TestParentsAcrossInjectExtract' .

echo "==> the static test binary does not need libotlp_ffi.so"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/static.test" .
if ldd "$tmp/static.test" | grep otlp_ffi >/dev/null; then
  echo "the default build links libotlp_ffi.so dynamically" >&2; exit 1
fi
go test -tags otlp_shared -c -o "$tmp/shared.test" .
ldd "$tmp/shared.test" | grep libotlp_ffi.so >/dev/null

echo "==> CGO_ENABLED=0 is a build error that says so"
if out="$(CGO_ENABLED=0 go build ./... 2>&1)"; then
  echo "CGO_ENABLED=0 go build succeeded: it must fail" >&2; exit 1
fi
grep -q "otlp_ffi_needs_cgo__build_with_CGO_ENABLED_1" <<<"$out"

echo "==> bench/go builds (run it with: cd bench/go && go test -bench . -benchmem -benchtime 20000x)"
if (cd "$root/bench/go" && go mod download >/dev/null 2>&1); then
  (cd "$root/bench/go" && go vet ./... && go test -c -o "$tmp/bench.test" .)
else
  echo "SKIP bench/go build: its modules (go.opentelemetry.io/otel, pinned in go.sum) cannot be downloaded here"
fi

echo "bindings/go: all green"
