#!/usr/bin/env bash
# ThreadSanitizer on the threaded C tests: the library and std built with nightly
# `-Zsanitizer=thread -Zbuild-std` (into target/tsan), the C programs compiled with
# clang -fsanitize=thread and linked with Rust's TSan runtime (clang 14's own runtime lacks
# symbols the Rust side calls, e.g. __tsan_memcpy). Runs tests/sanitizers/threads.c (span
# threads on a shared tracer and span, a force_flush thread, free of the provider under it)
# and test_api.c's threaded scenarios (threads, end_race, free_race) against the real OTLP
# receiver. Needs nightly with rust-src and clang-14; prints one "skipped: ..." line without.
set -euo pipefail
cd "$(dirname "$0")/../.."
clang=${TSAN_CLANG:-clang-14}
if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "skipped: no nightly toolchain (rustup toolchain install nightly --component rust-src)"; exit 0
fi
sysroot=$(rustc +nightly --print sysroot)
if [ ! -d "$sysroot/lib/rustlib/src/rust/library" ]; then
  echo "skipped: nightly has no rust-src (rustup component add rust-src --toolchain nightly)"; exit 0
fi
if ! command -v "$clang" >/dev/null 2>&1; then
  echo "skipped: $clang is not installed (apt-get install clang-14)"; exit 0
fi
host=$(rustc +nightly -vV | sed -n 's/^host: //p')
rt="$sysroot/lib/rustlib/$host/lib/librustc-nightly_rt.tsan.a"
[ -f "$rt" ] || { echo "skipped: no Rust TSan runtime at $rt"; exit 0; }

start=$(date +%s)
RUSTFLAGS="-Zsanitizer=thread" CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  cargo +nightly build --locked -q -Zbuild-std --target "$host" --release -p otlp-ffi --target-dir target/tsan
lib="target/tsan/$host/release/libotlp_ffi.a"
built=$(date +%s)
echo "    library + std built with -Zsanitizer=thread in $(( built - start )) s"

tmp=$(mktemp -d)
receiver_pid=
cleanup() { [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
link() { # source output
  "$clang" -std=c11 -g -O1 -fsanitize=thread -pthread -I include -c "$1" -o "$tmp/$2.o"
  "$clang" -pthread -o "$tmp/$2" "$tmp/$2.o" "$lib" -Wl,--whole-archive "$rt" -Wl,--no-whole-archive \
    -lm -ldl -lpthread -lstdc++
}
link tests/sanitizers/threads.c threads
link tests/c/test_api.c test_api

export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
out=$(env -u OTEL_TRACES_EXPORTER "$tmp/threads")
[ "$out" = "OK threads" ] || { echo "threads.c under TSan: $out" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 tests/receiver/otlp_receiver.py --port "$port" --timeout 600 >"$tmp/receiver.log" 2>&1 &
receiver_pid=$!
for _ in $(seq 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
  sleep 0.1
done
for scenario in threads end_race free_race; do
  out=$(env $(env | sed -n 's/^\(OTEL_[A-Z_]*\)=.*/-u \1/p') OTLP_TEST_ENDPOINT="http://127.0.0.1:$port" \
    "$tmp/test_api" "$scenario")
  grep -qx "OK $scenario" <<<"$out" || { echo "test_api $scenario under TSan did not finish:" >&2; echo "$out" >&2; exit 1; }
done
echo "TSan: threads.c and test_api threads/end_race/free_race race-free ($(( $(date +%s) - built )) s to run)"
