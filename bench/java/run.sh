#!/usr/bin/env bash
# JMH: the otlp-ffi Java binding vs the OpenTelemetry Java SDK 1.68.0, same sink receiver.
# Needs ./build_all.sh and the binding's jar (cd bindings/java && mvn -q package -DskipTests).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
[[ -f "$REPO/bindings/java/target/otlp-ffi-0.1.0.jar" ]] || (cd "$REPO/bindings/java" && mvn -q -B package -DskipTests)
cd "$HERE"
mvn -q -B package
CP="target/classes:$(cat target/classpath.txt)"
# JMH_OPTS replaces the forks / warm-up / iteration settings (bench/run_all.sh's quick mode passes
# fewer, shorter iterations); further JMH options go after it as arguments.
# shellcheck disable=SC2086
exec java -Dotlpffi.repo="$REPO" -cp "$CP" org.openjdk.jmh.Main ${JMH_OPTS:--f 1 -wi 2 -i 3 -w 2s -r 2s} -prof gc \
  -jvmArgsAppend "-Dotlpffi.repo=$REPO" "$@"
