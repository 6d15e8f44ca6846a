#!/usr/bin/env bash
# Runs the W3C Trace Context test suite (https://github.com/w3c/trace-context, test/) at
# SPEC_LEVEL=2 against tests/w3c/service.c, a test service built on the C API.
#
#   tests/w3c/run.sh [PATH_TO_trace-context]
#
# The suite's folder (a checkout of w3c/trace-context, or its test/ folder) comes from the
# argument, else from W3C_TRACE_CONTEXT_DIR; with neither, the repository is cloned into a
# temporary folder. Needs dist/ (./build_all.sh), gcc, libjansson-dev and a Python with aiohttp
# (PYTHON, default python3; `pip install aiohttp`). Prints the harness's summary; exits 0 only
# when every test passed. Exit 3: the suite could not be found or cloned.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

suite=${1:-${W3C_TRACE_CONTEXT_DIR:-}}
work=$(mktemp -d)
service_pid=
cleanup() {
  if [ -n "$service_pid" ]; then kill "$service_pid" 2>/dev/null || true; wait "$service_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$suite" ]; then
  echo "==> git clone https://github.com/w3c/trace-context (no path given, W3C_TRACE_CONTEXT_DIR unset)"
  if ! GIT_TERMINAL_PROMPT=0 timeout 120 git clone -q --depth 1 https://github.com/w3c/trace-context "$work/trace-context" 2>"$work/clone.err"; then
    echo "cannot clone https://github.com/w3c/trace-context: $(tail -1 "$work/clone.err")" >&2
    exit 3
  fi
  suite=$work/trace-context
fi
if [ -f "$suite/test/test.py" ]; then suite=$suite/test; fi
if [ ! -f "$suite/test.py" ]; then
  echo "$suite: no test.py there (expected a checkout of w3c/trace-context or its test/ folder)" >&2
  exit 3
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import aiohttp' 2>/dev/null; then
  echo "$python cannot import aiohttp, which the harness needs: pip install aiohttp (or set PYTHON)" >&2
  exit 1
fi
for f in dist/include/otlp_ffi.h dist/lib/libotlp_ffi.so; do
  [ -f "$f" ] || { echo "$f missing: run ./build_all.sh first" >&2; exit 1; }
done

echo "==> gcc tests/w3c/service.c (libotlp_ffi, jansson)"
${CC:-gcc} -std=c11 -Wall -Wextra -Werror -g -I dist/include tests/w3c/service.c -o "$work/service" \
  -ljansson -L dist/lib -lotlp_ffi -Wl,-rpath,"$root/dist/lib"

# Spans are not exported (nothing to receive them here); what is checked is propagation.
OTEL_TRACES_EXPORTER=none "$work/service" 0 >"$work/service.out" 2>"$work/service.err" &
service_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^LISTENING \([0-9]*\)$/\1/p' "$work/service.out")
  [ -n "$port" ] && break
  kill -0 "$service_pid" 2>/dev/null || { cat "$work/service.err" >&2; exit 1; }
  sleep 0.05
done
[ -n "$port" ] || { echo "the service did not start listening" >&2; exit 1; }

echo "==> SPEC_LEVEL=2 $python test.py http://127.0.0.1:$port/test (in $suite)"
set +e
(cd "$suite" && SPEC_LEVEL=2 STRICT_LEVEL=2 "$python" test.py "http://127.0.0.1:$port/test") >"$work/harness.log" 2>&1
rc=$?
set -e
cat "$work/harness.log"
if [ -s "$work/service.err" ]; then
  echo "--- service stderr ---"
  cat "$work/service.err"
fi
ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in .*/\1/p' "$work/harness.log")
failed=$(grep -cE '^(FAIL|ERROR):' "$work/harness.log" || true)
echo "W3C Trace Context (SPEC_LEVEL=2): $(( ${ran:-0} - failed ))/${ran:-0} passed"
exit "$rc"
