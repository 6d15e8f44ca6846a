#!/usr/bin/env bash
# The benchmark suite: runs every benchmark this machine's toolchains allow, then writes
# bench/RESULTS.md (one table, machine info, how each row was measured) from what the
# benchmarks printed (bench/results.py). RESULTS.md is written by this command, never by hand.
#
#   bash bench/run_all.sh            quick defaults (about 8-12 minutes on 2 cores, builds included)
#   bash bench/run_all.sh --full     longer runs: more spans and rounds, JMH's full iterations
#   options: --out FILE (default bench/RESULTS.md); --only step,step (e.g. --only span_cost,go)
#
# Steps: build (the bench binaries; ./build_all.sh for the bindings), span_cost (C API, core
# API and Rust SDK, same loop, same sink), callgrind_c / callgrind_core / callgrind_sdk
# (instructions per span on the calling thread), alloc_count (allocations per span on the
# caller), scaling (thread CPU per span with 1, 2, 4 producer threads),
# export_throughput_isolated / _tight and collector_down (bench/src/bin/*.rs, when they exist), python, node, go, java (each binding
# against its language's SDK, with the cost of one crossing). A step whose toolchain is
# missing is recorded as skipped with the reason; a step that fails or runs past its time
# limit is recorded as such; the others still run. The raw output of every step stays in
# target/bench-suite/ (NAME.log, NAME.status).
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
RAW="$REPO/target/bench-suite"
OUT_FILE="$REPO/bench/RESULTS.md"
MODE=quick
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --full) MODE=full ;;
    --quick) MODE=quick ;;
    --out) OUT_FILE=$2; shift ;;
    --only) ONLY=$2; shift ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench/run_all.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

# Sizes per mode: quick keeps the whole command near 10 minutes on 2 cores.
if [ "$MODE" = full ]; then
  SPAN_COST_ARGS="20000 15"; SCALING_ARGS="400000 7"; ALLOC_ARGS="1000000 200000"
  PY_ARGS="--spans 20000 --rounds 7"; NODE_ARGS="--spans 200000 --rounds 5"; GO_BENCHTIME=200000x
  JMH_OPTS_MODE="-f 1 -wi 2 -i 3 -w 2s -r 2s"
else
  SPAN_COST_ARGS="20000 7"; SCALING_ARGS="200000 7"; ALLOC_ARGS="200000 100000"
  PY_ARGS="--spans 20000 --rounds 5"; NODE_ARGS="--spans 20000 --rounds 3"; GO_BENCHTIME=20000x
  JMH_OPTS_MODE="-f 1 -wi 1 -i 2 -w 1s -r 1s"
fi
# The callgrind runs are the README's command (40 000 spans: 20 000 + the warm-up round) in
# both modes, so that the figure compares with bench/gates.toml.
CALLGRIND_ARGS="20000 1"
# steady state: bursts of 512 spans, each flushed outside the collected loop (nothing dropped,
# records recycled); a plain tight loop under valgrind measures mostly the drop path
CALLGRIND_PACED="--paced 512"

rm -rf "$RAW"
mkdir -p "$RAW"
export REPO RAW

want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

# step NAME LIMIT_S COMMAND: runs COMMAND (a bash command line) with its output in
# $RAW/NAME.log; $RAW/NAME.status says "ok SECONDS", "failed SECONDS rc N" or "timeout SECONDS".
step() {
  local name=$1 limit=$2 cmd=$3
  want "$name" || return 0
  echo "==> $name: $cmd"
  local t0=$SECONDS rc=0
  timeout --kill-after=10 "$limit" bash -c "$cmd" >"$RAW/$name.log" 2>&1 || rc=$?
  local took=$((SECONDS - t0))
  if [ "$rc" -eq 0 ]; then
    echo "ok $took" >"$RAW/$name.status"
  elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "timeout $took limit ${limit}s" >"$RAW/$name.status"
  else
    echo "failed $took rc $rc" >"$RAW/$name.status"
    tail -n 5 "$RAW/$name.log" | sed 's/^/    | /'
  fi
  echo "    $(cat "$RAW/$name.status")"
}
# skip NAME REASON: the step is not run, the table says why.
skip() {
  want "$1" || return 0
  echo "==> $1: skipped: $2"
  echo "skipped $2" >"$RAW/$1.status"
}
have() { command -v "$1" >/dev/null 2>&1; }

# ---- machine info (the table's header) ------------------------------------------------------
{
  echo "mode=$MODE"
  echo "cores=$(nproc 2>/dev/null || echo '?')"
  echo "cpu=$( (grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//') || true)"
  echo "kernel=$(uname -srm)"
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  if [ -n "$(git status --porcelain --untracked-files=no -- . ':!bench/RESULTS.md' 2>/dev/null)" ]; then
    echo "dirty=yes"
  fi
  echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
  echo "rustc=$(rustc --version 2>/dev/null)"
  echo "valgrind=$(valgrind --version 2>/dev/null)"
  echo "python=$(python3 --version 2>/dev/null)"
  echo "node=$(node --version 2>/dev/null)"
  echo "go=$(go version 2>/dev/null)"
  echo "java=$(java -version 2>&1 | sed -n 1p)"
} >"$RAW/machine.env"
SUITE_T0=$SECONDS

# ---- build ----------------------------------------------------------------------------------
step build 1500 "cargo build --release --locked -p otlp-ffi-bench --bins && ./build_all.sh"
BIN="$REPO/target/release"

# ---- the Rust side ---------------------------------------------------------------------------
step span_cost 300 "'$BIN/span_cost' $SPAN_COST_ARGS --json"
if have valgrind; then
  for loop in c core sdk; do
    case $loop in c) fn=ffi_loop ;; core) fn=core_loop ;; sdk) fn=sdk_loop ;; esac
    step "callgrind_$loop" 300 "valgrind --tool=callgrind --toggle-collect='*${fn}*' \
      --callgrind-out-file='$RAW/callgrind_$loop.out' '$BIN/span_cost' $CALLGRIND_ARGS $loop $CALLGRIND_PACED \
      && callgrind_annotate --inclusive=yes '$RAW/callgrind_$loop.out' >'$RAW/callgrind_$loop.annotate'"
  done
else
  for loop in c core sdk; do skip "callgrind_$loop" "valgrind not installed"; done
fi
echo "spans=$(( $(echo "$CALLGRIND_ARGS" | cut -d' ' -f1) * ($(echo "$CALLGRIND_ARGS" | cut -d' ' -f2) + 1) ))" \
  >"$RAW/callgrind.env"
step alloc_count 120 "'$BIN/alloc_count' $ALLOC_ARGS --json"
step scaling 300 "'$BIN/scaling' $SCALING_ARGS --json"
# the export side's binaries (one JSON line of results on stdout each), when they exist:
# export_throughput in its two modes (isolated: the export thread's CPU per span with a queue
# that holds every span; tight: 1M spans at the default settings, what was delivered)
for run in "export_throughput isolated" "export_throughput tight" "collector_down"; do
  b=${run%% *}
  name=${run// /_}
  if [ -f "bench/src/bin/$b.rs" ]; then
    step "$name" 480 "'$BIN/$b'${run#"$b"}"
  else
    skip "$name" "not measured: $b missing (bench/src/bin/$b.rs)"
  fi
done

# ---- the bindings against their languages' SDKs ---------------------------------------------
if ! python3 -c 'import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http' 2>/dev/null; then
  skip python "opentelemetry-sdk / opentelemetry-exporter-otlp-proto-http not installed (pip install -r bindings/python/requirements-dev.txt)"
else
  step python 600 "OTLP_FFI_LIBRARY='$REPO/dist/lib/libotlp_ffi.so' python3 bench/python/bench_spans.py $PY_ARGS --json '$RAW/python.json'"
fi
if ! have node || ! have npm; then
  skip node "node / npm not installed"
else
  # bench/node links the binding (file:../../bindings/node), whose own dependency (koffi) comes
  # from its lockfile, as in .ci/run
  step node 600 "(cd bindings/node && npm ci --no-audit --no-fund) && cd bench/node && npm ci --no-audit --no-fund && node bench.js $NODE_ARGS --json '$RAW/node.json'"
fi
if ! have go; then
  skip go "go not installed"
else
  # the library's hash in -ldflags makes go relink the test binary when libotlp_ffi.a changed
  step go 600 "cd bench/go && go test -run '^\$' -bench . -benchmem -benchtime $GO_BENCHTIME \
    -ldflags=-X=otlp-ffi/bench/go.libotlpFFI=$(sha256sum dist/lib/libotlp_ffi.a 2>/dev/null | cut -c1-16)"
fi
if ! have java || ! have javac || ! have mvn; then
  skip java "java / javac / mvn not installed"
else
  step java 600 "(cd bindings/java && mvn -q -B package -DskipTests) && \
    JMH_OPTS='$JMH_OPTS_MODE' bash bench/java/run.sh -rf json -rff '$RAW/java.json'"
  echo "jmh=$JMH_OPTS_MODE" >>"$RAW/machine.env"
fi

{
  echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
  echo "suite_seconds=$((SECONDS - SUITE_T0))"
} >>"$RAW/machine.env"
python3 bench/results.py "$RAW" "$OUT_FILE" && echo "==> wrote ${OUT_FILE#"$REPO"/} (raw output: ${RAW#"$REPO"/}/)"
