#!/usr/bin/env bash
# The main job, end to end on one machine: build the library, start a real OTLP/HTTP receiver
# on localhost:4318 that decodes and prints every span, run the C quickstart against it.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -c "import opentelemetry.proto" 2>/dev/null || python3 -m pip install -q -r tests/requirements.txt
[ -f dist/lib/libotlp_ffi.so ] && [ -z "$(find src include Cargo.toml -newer dist/lib/libotlp_ffi.so -print -quit)" ] || ./build_all.sh
mkdir -p target/examples
cc -std=c11 -Wall -Wextra -O2 examples/quickstart.c -Idist/include -Ldist/lib -lotlp_ffi \
   -Wl,-rpath,"$(pwd)/dist/lib" -o target/examples/quickstart

log=$(mktemp)
python3 -u tests/receiver/otlp_receiver.py --port 4318 --print --expect 2 --timeout 30 >"$log" 2>&1 &
receiver=$!
trap 'kill $receiver 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q "listening" "$log" && break; kill -0 $receiver 2>/dev/null || break; sleep 0.1; done
if ! grep -q "listening" "$log"; then cat "$log" >&2; echo "the receiver did not start" >&2; exit 1; fi

echo "==> running examples/quickstart.c"
target/examples/quickstart http://localhost:4318
wait $receiver
echo "==> what the receiver decoded:"
cat "$log"
