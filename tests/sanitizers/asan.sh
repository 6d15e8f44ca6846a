#!/usr/bin/env bash
# The C API suite (tests/test_c_api.py: tests/c/test_api.c, static and shared) and the hostile
# input tests (tests/test_hostile_input.py: tests/c/test_hostile.c) with the C programs built
# under AddressSanitizer + UndefinedBehaviorSanitizer (tests/sanitizers/asan-cc), against the
# real OTLP receiver; then tests/sanitizers/threads.c under ASan. The valgrind tests of
# tests/test_c_api.py are left out here (valgrind and ASan do not mix; they run in the plain
# suite). The Rust library itself is not instrumented here: the fuzz targets (fuzz/) run it
# under ASan. Needs clang-14 and libclang-rt-14-dev; prints one "skipped: ..." line without.
set -euo pipefail
cd "$(dirname "$0")/../.."
clang=${ASAN_CLANG:-clang-14}
if ! command -v "$clang" >/dev/null 2>&1; then
  echo "skipped: $clang is not installed (apt-get install clang-14 libclang-rt-14-dev)"; exit 0
fi
if ! echo 'int main(void){return 0;}' | "$clang" -x c -fsanitize=address,undefined -o /dev/null - 2>/dev/null; then
  echo "skipped: $clang cannot link AddressSanitizer (apt-get install libclang-rt-14-dev)"; exit 0
fi
[ -f dist/lib/libotlp_ffi.a ] || ./build_all.sh >/dev/null
start=$(date +%s)
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:exitcode=43${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
CC="$PWD/tests/sanitizers/asan-cc" python3 -m pytest -q -p no:cacheprovider \
  tests/test_c_api.py tests/test_hostile_input.py -k "not valgrind"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tests/sanitizers/asan-cc -std=c11 -Wall -Wextra -Werror -g -pthread -I include tests/sanitizers/threads.c \
  -o "$tmp/threads" dist/lib/libotlp_ffi.a -lm -ldl -lpthread
out=$(env -u OTEL_TRACES_EXPORTER "$tmp/threads")
[ "$out" = "OK threads" ] || { echo "tests/sanitizers/threads.c under ASan: $out" >&2; exit 1; }
echo "ASan+UBSan: C API suite, hostile input, threads.c clean in $(( $(date +%s) - start )) s"
