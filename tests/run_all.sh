#!/usr/bin/env bash
# Every test of the project, in order: the Rust crates (the core's unit and transport tests over
# its Rust API; the boundary's unit, C-contract, fork and header-staleness tests), clippy, the
# release build into dist/, then pytest: the C programs (the seed's four and the
# API suite, static and shared, valgrind) against a real OTLP receiver, the header compiled as
# C11 and C++17, the Python, Node, Go and Java bindings.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo test"
cargo test --locked --workspace --exclude otlp-ffi-bench
if cargo clippy --version >/dev/null 2>&1; then
  echo "==> cargo clippy"
  cargo clippy --locked -p otlp-ffi -p otlp-ffi-core --all-targets -- -D warnings
fi

echo "==> ./build_all.sh"
./build_all.sh >/dev/null
git diff --quiet -- include/otlp_ffi.h 2>/dev/null || { echo "include/otlp_ffi.h changed by the build: commit it" >&2; exit 1; }

echo "==> pytest tests (C programs, header, receiver)"
python3 -m pytest -q tests

if [ -f bindings/python/pyproject.toml ]; then
  echo "==> pip install ./bindings/python"
  python3 -m pip install -q --force-reinstall --no-deps ./bindings/python
  echo "==> pytest bindings/python/tests (the Python binding, installed)"
  (cd bindings/python && python3 -m pytest -q tests)
  if python3 -m ruff --version >/dev/null 2>&1 && python3 -m mypy --version >/dev/null 2>&1; then
    echo "==> ruff + mypy (the Python binding and its benchmark)"
    (cd bindings/python && python3 -m ruff check . ../../bench/python && python3 -m mypy)
  fi
fi

echo "==> bindings/node: node --test + tsc (the Node binding)"
bash bindings/node/run_tests.sh

echo "==> bindings/go: go vet + go test -race (the Go binding)"
bash bindings/go/run_tests.sh

echo "==> bindings/java: mvn test + the packaged jar (the Java binding)"
bash bindings/java/run_tests.sh
