#!/usr/bin/env bash
# Builds the OpenTelemetry Collector of the tests (main.go over the modules pinned in go.mod /
# go.sum: otelcol, the otlp receiver, the debug exporter, the contrib file exporter) into
# target/collector/otelcol-otlp-ffi and prints its path. Cached: it rebuilds only when
# go.mod, go.sum or main.go changed (a sha256 stamp next to the binary). Needs `go`; the
# modules come from the Go module proxy (GOMODCACHE/GOCACHE: Go's defaults unless set).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/target/collector"
bin="$out/otelcol-otlp-ffi"
stamp="$bin.sha256"

command -v go >/dev/null 2>&1 || { echo "tests/collector/build.sh: 'go' is not installed (the Collector is built from source)" >&2; exit 2; }

want="$(cd "$here" && cat go.mod go.sum main.go | sha256sum | cut -d' ' -f1) $(go env GOVERSION)"
if [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$out"
start=$(date +%s)
echo "tests/collector/build.sh: building the Collector ($(go env GOVERSION)) into $bin" >&2
rm -f "$stamp"
(cd "$here" && go build -mod=readonly -buildvcs=false -trimpath -ldflags='-s -w' -o "$bin.tmp" .)
mv "$bin.tmp" "$bin"
echo "$want" > "$stamp"
echo "tests/collector/build.sh: built in $(( $(date +%s) - start )) s" >&2
echo "$bin"
