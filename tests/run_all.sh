#!/usr/bin/env bash
# Every test of the project, in order: the Rust crates (the core's unit and transport tests over
# its Rust API; the boundary's unit, C-contract, fork and header-staleness tests), clippy, the
# release build into dist/, then pytest: the C programs (the seed's four and the
# API suite, static and shared, valgrind) against a real OTLP receiver, the header compiled as
# C11 and C++17, the Python, Node, Go and Java bindings, a rich trace from C and each binding
# at the real OpenTelemetry Collector (tests/test_collector.py); last the main job (examples/run_demo.sh:
# one trace across five languages in otlp-view, its page checked in headless chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

# Each section prints the seconds since the start; a failure names the section it happened in
# (the last lines of a CI log are often all that is kept).
SECONDS=0
current="start"
section() { current="$*"; echo "==> [${SECONDS} s] $*"; }
trap 'rc=$?; if [ "$rc" -ne 0 ]; then echo "tests/run_all.sh: FAILED (exit $rc) after ${SECONDS} s in: ${current}" >&2; else echo "tests/run_all.sh: all passed in ${SECONDS} s"; fi' EXIT

section "cargo test"
cargo test --locked --workspace --exclude otlp-ffi-bench
if cargo clippy --version >/dev/null 2>&1; then
  section "cargo clippy"
  cargo clippy --locked -p otlp-ffi -p otlp-ffi-core -p otlp-view --all-targets -- -D warnings
fi
section "bench/gates.sh (instructions and allocations per span against bench/gates.toml)"; bash bench/gates.sh

section "./build_all.sh"
./build_all.sh >/dev/null
git diff --quiet -- include/otlp_ffi.h 2>/dev/null || { echo "include/otlp_ffi.h changed by the build: commit it" >&2; exit 1; }

section "pytest tests (C programs, header, receiver)"
python3 -m pytest -q tests --ignore=tests/test_demo.py --ignore=tests/test_collector.py --ignore=tests/test_faults.py

section "faults: collector down and back, 503/429 storms, blackhole, slow receiver, resets, stalled TLS, freed provider, 16-thread load (tests/faults.rs); RSS, dlclose, valgrind (tests/test_faults.py)"
faults_log=$(mktemp)
if cargo test --locked -p otlp-ffi --test faults -- --nocapture >"$faults_log" 2>&1; then
  grep -E '^(faults:|test result)' "$faults_log"
else
  cat "$faults_log"; rm -f "$faults_log"; exit 1
fi
rm -f "$faults_log"
python3 -m pytest -q -s tests/test_faults.py

section "tests/w3c/run.sh: the W3C Trace Context test suite, SPEC_LEVEL=2"
w3c_log=$(mktemp)
w3c_rc=0
bash tests/w3c/run.sh >"$w3c_log" 2>&1 || w3c_rc=$?
if [ "$w3c_rc" -eq 0 ]; then
  tail -1 "$w3c_log"
elif [ "$w3c_rc" -eq 3 ]; then
  echo "skipped: the W3C suite is not available ($(tail -1 "$w3c_log")); set W3C_TRACE_CONTEXT_DIR to a checkout of https://github.com/w3c/trace-context"
else
  cat "$w3c_log"; rm -f "$w3c_log"; exit 1
fi
rm -f "$w3c_log"

section "fuzz/run.sh: the cargo-fuzz targets, 10 s each from fuzz/corpus/ (nightly + cargo-fuzz)"
bash fuzz/run.sh
section "tests/sanitizers/asan.sh: the C API suite and hostile input under ASan + UBSan (clang-14)"
bash tests/sanitizers/asan.sh

if [ -f bindings/python/pyproject.toml ]; then
  section "pip install ./bindings/python"
  python3 -m pip install -q --force-reinstall --no-deps ./bindings/python
  section "pytest bindings/python/tests (the Python binding, installed)"
  (cd bindings/python && python3 -m pytest -q tests)
  if python3 -m ruff --version >/dev/null 2>&1 && python3 -m mypy --version >/dev/null 2>&1; then
    section "ruff + mypy (the Python binding and its benchmark)"
    (cd bindings/python && python3 -m ruff check . ../../bench/python && python3 -m mypy)
  fi
fi

section "bindings/node: node --test + tsc (the Node binding)"
bash bindings/node/run_tests.sh

section "bindings/go: go vet + go test -race (the Go binding)"
bash bindings/go/run_tests.sh

section "bindings/java: mvn test + the packaged jar (the Java binding)"
bash bindings/java/run_tests.sh

section "the real OpenTelemetry Collector: a rich trace from C and each binding, every protocol (tests/test_collector.py)"
python3 -m pytest -q tests/test_collector.py

section "the main job: examples/run_demo.sh, five languages, one trace (tests/test_demo.py)"
python3 -m pytest -q tests/test_demo.py
