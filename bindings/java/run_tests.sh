#!/usr/bin/env bash
# Java binding tests: JUnit (mvn test) against the built library and the project's receiver,
# then the packaged jar: the document's main compiled against the jar alone and run, its span
# checked at a receiver on port 4318. Assumes ./build_all.sh ran (dist/lib/libotlp_ffi.a).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
for tool in java javac mvn; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bindings/java: skipped ($tool not found)"
    exit 0
  fi
done
cd "$HERE"
echo "bindings/java: mvn test"
mvn -q -B test
echo "bindings/java: mvn package"
mvn -q -B package -DskipTests
JAR="$(ls "$HERE"/target/otlp-ffi-*.jar | sed -n 1p)"
unzip -l "$JAR" | grep 'dev/otlpffi/native/linux-x86_64/libotlp_ffi_jni.so' >/dev/null  # not grep -q: under pipefail an early exit is SIGPIPE (141) for unzip

echo "bindings/java: the document's main against the jar alone"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/src" "$TMP/classes"
cp "$HERE/src/main/java/dev/otlpffi/examples/SeedMain.java" "$TMP/src/SeedMain.java"
javac -encoding UTF-8 -cp "$JAR" -d "$TMP/classes" "$TMP/src/SeedMain.java"
# the receiver on the document's port; it exits when fd 4 (its stdin) closes. Another suite
# may hold 4318 for a moment (each language checks its document example there): retry ~20 s.
mkfifo "$TMP/rx_in"
listening=""
for _attempt in $(seq 1 40); do
  : >"$TMP/rx.jsonl"
  python3 "$REPO/tests/receiver/otlp_receiver.py" --port 4318 --jsonl <"$TMP/rx_in" >"$TMP/rx.jsonl" 2>"$TMP/rx.err" &
  RX=$!
  exec 4>"$TMP/rx_in"
  for _ in $(seq 1 100); do
    [[ -s "$TMP/rx.jsonl" ]] && break
    kill -0 "$RX" 2>/dev/null || break
    sleep 0.1
  done
  if grep -q '"listening": 4318' "$TMP/rx.jsonl"; then listening=1; break; fi
  exec 4>&-
  wait "$RX" 2>/dev/null || true
  sleep 0.5
done
[[ -n "$listening" ]] || { echo "receiver could not listen on 4318" >&2; cat "$TMP/rx.err" >&2; exit 1; }
java -cp "$JAR:$TMP/classes" dev.otlpffi.examples.SeedMain
ok=""
for _ in $(seq 1 100); do
  if python3 - "$TMP/rx.jsonl" <<'PY'
import json, sys
spans = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8").read().splitlines()[1:] if l.strip()]
ok = any(s["name"] == "my_operation" and s["service_name"] == "java-app"
         and s["attributes"]["user.id"] == {"type": "int", "value": "12345"}
         and s["attributes"]["action"] == {"type": "string", "value": "purchase"} for s in spans)
sys.exit(0 if ok else 1)
PY
  then ok=1; break; fi
  sleep 0.1
done
exec 4>&-
wait "$RX" || true
[[ -n "$ok" ]] || { echo "the document's span did not arrive" >&2; cat "$TMP/rx.jsonl" >&2; exit 1; }
echo "bindings/java: OK"
