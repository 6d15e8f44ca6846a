#!/usr/bin/env bash
# Builds the cargo-fuzz targets of fuzz/ and runs each for FUZZ_SECONDS (default 10) seconds
# from the seed corpus of fuzz/corpus/<target>/ (read only: new inputs go to a temporary
# directory), then prints libFuzzer's last line per target (execs, cov, ft). Needs a nightly
# toolchain and cargo-fuzz (`cargo install cargo-fuzz`); prints one "skipped: ..." line without.
# A crash leaves its input in fuzz/artifacts/<target>/ and fails the script.
# Usage: fuzz/run.sh [target...]   (default: all targets)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "skipped: no nightly toolchain (rustup toolchain install nightly)"; exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "skipped: cargo-fuzz is not installed (cargo install cargo-fuzz)"; exit 0
fi
seconds=${FUZZ_SECONDS:-10}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(trace_context baggage config attributes api_sequence)
start=$(date +%s)
cargo +nightly fuzz build -O >/dev/null 2>&1 || cargo +nightly fuzz build -O
echo "    fuzz targets built in $(( $(date +%s) - start )) s"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in "${targets[@]}"; do
  mkdir -p "$tmp/$t"
  log="$tmp/$t.log"
  if ! OTEL_TRACES_EXPORTER=none cargo +nightly fuzz run -O "$t" "$tmp/$t" "fuzz/corpus/$t" -- \
      -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=0 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz target $t failed: the input is in fuzz/artifacts/$t/" >&2
    exit 1
  fi
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  echo "    $t: $last"
done
