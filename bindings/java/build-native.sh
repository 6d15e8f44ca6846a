#!/usr/bin/env bash
# Builds libotlp_ffi_jni.so: the JNI shim (src/main/c/otlp_jni.c) statically linked with
# dist/lib/libotlp_ffi.a, so the jar needs nothing else installed. Run by Maven
# (generate-resources) with the output directory as its argument; needs ./build_all.sh first.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="${1:-$HERE/target/classes/dev/otlpffi/native/linux-x86_64}"
SRC="$HERE/src/main/c/otlp_jni.c"
LIB="$REPO/dist/lib/libotlp_ffi.a"
HDR="$REPO/include/otlp_ffi.h"
SO="$OUT/libotlp_ffi_jni.so"

if [[ ! -f "$LIB" ]]; then
  echo "build-native.sh: $LIB is missing; run ./build_all.sh first" >&2
  exit 1
fi
if [[ -z "${JAVA_HOME:-}" ]]; then
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
fi
mkdir -p "$OUT"
if [[ -f "$SO" && "$SO" -nt "$SRC" && "$SO" -nt "$LIB" && "$SO" -nt "$HDR" && "$SO" -nt "$0" ]]; then
  exit 0
fi
${CC:-gcc} -std=c11 -O2 -fPIC -shared -Wall -Wextra -Werror -fvisibility=hidden \
  -I"$JAVA_HOME/include" -I"$JAVA_HOME/include/linux" -I"$REPO/include" \
  -o "$SO.tmp" "$SRC" "$LIB" \
  -s -Wl,--exclude-libs,ALL -Wl,--no-undefined -Wl,--gc-sections \
  -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
mv -f "$SO.tmp" "$SO"
