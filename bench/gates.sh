#!/usr/bin/env bash
# Deterministic regression gates (called by tests/run_all.sh): instructions per span of the C
# API loop (callgrind) and allocations per span on the calling thread (a counting allocator),
# each against its ceiling in bench/gates.toml. Fails, naming the measured value and the
# ceiling, when either is crossed.
#
#   bash bench/gates.sh             check
#   bash bench/gates.sh --measure   print the measured values, check nothing (to update gates.toml)
set -euo pipefail
cd "$(dirname "$0")/.."
measure_only=0
[ "${1:-}" = "--measure" ] && measure_only=1

ceiling() {
  local v
  v=$(sed -n "s/^$1[[:space:]]*=[[:space:]]*\([0-9.]*\).*/\1/p" bench/gates.toml | sed -n 1p)
  [ -n "$v" ] || { echo "bench/gates.toml has no $1" >&2; exit 1; }
  echo "$v"
}

echo "==> gates: cargo build --release -p otlp-ffi-bench (span_cost, alloc_count)"
cargo build --release --locked -q -p otlp-ffi-bench --bin span_cost --bin alloc_count
bin=target/release
fail=0
check() { # check NAME MEASURED CEILING UNIT
  if [ "$measure_only" = 1 ]; then
    echo "gate $1: measured $2 $4 (ceiling $3)"
  elif awk -v m="$2" -v c="$3" 'BEGIN { exit !(m <= c) }'; then
    echo "gate $1: ok, $2 $4 <= ceiling $3"
  else
    echo "gate $1: FAILED, measured $2 $4 > ceiling $3 (bench/gates.toml; see its comment to update it)" >&2
    fail=1
  fi
}

# instructions per span
if command -v valgrind >/dev/null 2>&1; then
  out=$(mktemp)
  valgrind --tool=callgrind --toggle-collect='*ffi_loop*' --callgrind-out-file="$out" \
    "$bin/span_cost" 20000 1 c --paced 512 >/dev/null 2>&1
  total=$(sed -n 's/^totals:[[:space:]]*\([0-9]*\).*/\1/p' "$out")
  rm -f "$out"
  [ -n "$total" ] || { echo "gate instructions_per_span: callgrind wrote no totals" >&2; exit 1; }
  per_span=$(awk -v t="$total" 'BEGIN { printf "%.0f", t / 40000 }')
  check instructions_per_span "$per_span" "$(ceiling instructions_per_span_ceiling)" "instructions/span (C API loop, callgrind)"
elif [ -n "${CI:-}" ]; then
  echo "gate instructions_per_span: valgrind is not installed (.ci/run installs it)" >&2
  fail=1
else
  echo "gate instructions_per_span: SKIPPED, valgrind is not installed (CI fails instead)"
fi

# allocations per span on the calling thread
line=$("$bin/alloc_count" 200000 100000 --json | tail -n1)
allocs=$(echo "$line" | sed -n 's/.*"paced":{"allocs":[0-9]*,"bytes":[0-9]*,"allocs_per_span":\([0-9.]*\).*/\1/p')
[ -n "$allocs" ] || { echo "gate allocations_per_span: no figure in alloc_count's output: $line" >&2; exit 1; }
check allocations_per_span "$allocs" "$(ceiling allocations_per_span_ceiling)" "allocations/span on the calling thread (C API, paced)"

exit "$fail"
