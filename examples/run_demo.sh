#!/usr/bin/env bash
# The main job: one trace across five languages, seen at once.
#
# Builds the library, otlp-view (the project's trace viewer) and every binding this machine's
# toolchains allow, starts otlp-view on the standard OTLP ports (4318 http/protobuf + http/json,
# 4317 gRPC), then runs a chain of tiny services over loopback HTTP, each instrumented with its
# own binding and each passing traceparent/tracestate/baggage on:
#
#   C client (demo-c) -> Python (demo-python) -> Node (demo-node) -> Go (demo-go) -> Java (demo-java)
#
# otlp-view prints the trace as a tree when it is complete; the script then checks it and
# exits 0, leaving no process behind. A language whose toolchain is missing is skipped (its
# hop is left out of the chain) with one line. With OTEL_EXPORTER_OTLP_ENDPOINT set the
# services export there instead (a Collector, Jaeger) and no viewer is started.
#
# Options (for scripts and the test suite; none is needed):
#   --json FILE        also keep every received span as JSON lines in FILE
#   --web [ADDR]       serve otlp-view's page too (default 127.0.0.1:16686)
#   --browser-check    load the page in headless chromium and check the trace is shown
#                      (needs --web, /usr/bin/chromium or $CHROMIUM, and otlp-view/tests/browser's npm packages)
#   --screenshot FILE  with --browser-check: save a 1280x800 screenshot of the page
#   --any-port         listen on free ports instead of 4318/4317 (tests)
#   --hold             keep otlp-view running after the trace (Ctrl-C to stop; with --web)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/target/demo
mkdir -p "$OUT"

json_out="" web="" browser_check="" screenshot="" any_port="" hold=""
while [ $# -gt 0 ]; do
  case "$1" in
    --json) json_out=$2; shift 2 ;;
    --web) if [ $# -gt 1 ] && [[ "$2" != --* ]]; then web=$2; shift 2; else web=127.0.0.1:16686; shift; fi ;;
    --browser-check) browser_check=1; shift ;;
    --screenshot) screenshot=$2; shift 2 ;;
    --any-port) any_port=1; shift ;;
    --hold) hold=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run_demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -n "$browser_check" ] && [ -z "$web" ]; then web=127.0.0.1:16686; fi
[ -n "$json_out" ] || json_out=$OUT/spans.jsonl

say() { printf '==> %s\n' "$*"; }
skip() { printf '    skipped: %s\n' "$*"; }
for tool in cargo cc python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "run_demo.sh: $tool is required" >&2; exit 1; }
done

# ---------------------------------------------------------------- build
if [ ! -f dist/lib/libotlp_ffi.so ] || [ -n "$(find src core/src include Cargo.toml -newer dist/lib/libotlp_ffi.so -print -quit)" ]; then
  say "building the library (./build_all.sh)"
  ./build_all.sh >/dev/null
fi
external=${OTEL_EXPORTER_OTLP_ENDPOINT:-}
if [ -z "$external" ]; then
  say "building otlp-view (cargo build -p otlp-view)"
  cargo build --quiet --locked -p otlp-view
fi
say "building the demo services"
cc -std=c11 -Wall -Wextra -O2 examples/demo/client.c -Idist/include -Ldist/lib -lotlp_ffi \
   -Wl,-rpath,"$ROOT/dist/lib" -o "$OUT/demo-c"
echo "    C       examples/demo/client.c"
echo "    Python  examples/demo/service.py"

have_node="" have_go="" have_java=""
if command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]; then
  if [ -d bindings/node/node_modules/koffi ] || (cd bindings/node && npm ci --no-audit --no-fund --silent >/dev/null 2>&1); then
    have_node=1; echo "    Node    examples/demo/service.js"
  else skip "Node: npm ci in bindings/node failed (koffi not installed)"; fi
else skip "Node: node >= 20 not found"; fi
if command -v go >/dev/null 2>&1; then
  if (cd examples/demo/go && CGO_ENABLED=1 go build -o "$OUT/demo-go" .) >"$OUT/go-build.log" 2>&1; then
    have_go=1; echo "    Go      examples/demo/go"
  else skip "Go: the build failed ($OUT/go-build.log)"; fi
else skip "Go: the go command not found"; fi
if command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then
  jar=$(ls bindings/java/target/otlp-ffi-*.jar 2>/dev/null | sed -n 1p || true)
  if [ -z "$jar" ] || [ dist/lib/libotlp_ffi.a -nt "$jar" ]; then
    (cd bindings/java && mvn -q -B package -DskipTests) >"$OUT/java-build.log" 2>&1 || true
    jar=$(ls bindings/java/target/otlp-ffi-*.jar 2>/dev/null | sed -n 1p || true)
  fi
  if [ -n "$jar" ]; then have_java=1; echo "    Java    examples/demo/java/DemoService.java"
  else skip "Java: mvn package of bindings/java failed ($OUT/java-build.log)"; fi
else skip "Java: java or mvn not found"; fi

# ---------------------------------------------------------------- processes
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# waits for a {"listening": PORT} line (services) and prints PORT
listening_port() {
  local log=$1 pid=$2
  for _ in $(seq 300); do
    local p
    p=$(head -n1 "$log" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["listening"])' 2>/dev/null) && { echo "$p"; return 0; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "run_demo.sh: $(basename "$log" .log) did not start:" >&2; cat "$log" >&2; return 1
}

export OTEL_BSP_SCHEDULE_DELAY=100 OTLP_FFI_LIBRARY=$ROOT/dist/lib/libotlp_ffi.so
: >"$json_out"
if [ -z "$external" ]; then
  http_addr=127.0.0.1:4318 grpc_addr=127.0.0.1:4317
  [ -z "$any_port" ] || { http_addr=127.0.0.1:0; grpc_addr=127.0.0.1:0; [ -z "$web" ] || web=127.0.0.1:0; }
  ready=$OUT/ready.json; rm -f "$ready"
  view_args=(--http "$http_addr" --grpc "$grpc_addr" --ready-file "$ready" --json "$json_out")
  [ -z "$web" ] || view_args+=(--web "$web")
  [ -n "$web" ] || view_args+=(--exit-after-traces 1)
  say "starting otlp-view"
  target/debug/otlp-view "${view_args[@]}" &
  viewer=$!; pids+=("$viewer")
  for _ in $(seq 100); do [ -f "$ready" ] && break; kill -0 "$viewer" 2>/dev/null || break; sleep 0.1; done
  [ -f "$ready" ] || { echo "run_demo.sh: otlp-view did not start (ports 4318/4317 busy? try --any-port)" >&2; exit 1; }
  read -r http_port grpc_port web_port < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["http"], r["grpc"], r.get("web") or "-")' "$ready")
  http_ep=http://127.0.0.1:$http_port grpc_ep=http://127.0.0.1:$grpc_port
  # each service exports with another OTLP protocol: otlp-view takes all three
  declare -A endpoint=([c]=$http_ep [python]=$http_ep [node]=$grpc_ep [go]=$http_ep [java]=$grpc_ep)
  declare -A protocol=([c]=http/protobuf [python]=http/json [node]=grpc [go]=http/protobuf [java]=grpc)
  declare -A compression=([c]=none [python]=none [node]=none [go]=gzip [java]=gzip)
else
  say "exporting to $external (OTEL_EXPORTER_OTLP_ENDPOINT); no viewer started"
  p=${OTEL_EXPORTER_OTLP_PROTOCOL:-http/protobuf} z=${OTEL_EXPORTER_OTLP_COMPRESSION:-none}
  declare -A endpoint=([c]=$external [python]=$external [node]=$external [go]=$external [java]=$external)
  declare -A protocol=([c]=$p [python]=$p [node]=$p [go]=$p [java]=$p)
  declare -A compression=([c]=$z [python]=$z [node]=$z [go]=$z [java]=$z)
fi

# start_service LANG PATH-OF-NEXT-HOP COMMAND... : starts it, sets next_url to its URL
next_url=""
start_service() {
  local lang=$1 path=$2; shift 2
  local log=$OUT/$lang.log
  local args=(--port 0)
  [ -z "$next_url" ] || args+=(--next "$next_url")
  OTEL_SERVICE_NAME=demo-$lang OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint[$lang]} \
  OTEL_EXPORTER_OTLP_PROTOCOL=${protocol[$lang]} OTEL_EXPORTER_OTLP_COMPRESSION=${compression[$lang]} \
    "$@" "${args[@]}" >"$log" 2>&1 &
  local pid=$!; pids+=("$pid")
  local port; port=$(listening_port "$log" "$pid")
  next_url=http://127.0.0.1:$port$path
  printf '    %-12s %-14s %s (%s)\n' "demo-$lang" "${protocol[$lang]}" "$next_url" "$log"
}

say "starting the services (last hop first)"
chain="demo-c"
[ -z "$have_java" ] || start_service java /ledger java -cp "$jar" examples/demo/java/DemoService.java
[ -z "$have_go" ] || start_service go /reserve "$OUT/demo-go"
[ -z "$have_node" ] || start_service node /inventory node examples/demo/service.js
start_service python /quote env PYTHONPATH="$ROOT/bindings/python" python3 examples/demo/service.py
for l in python node go java; do
  case $l in python) ok=1 ;; node) ok=$have_node ;; go) ok=$have_go ;; java) ok=$have_java ;; esac
  [ -z "$ok" ] || chain="$chain -> demo-$l"
done

say "running the C client: $chain"
OTEL_SERVICE_NAME=demo-c OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint[c]} \
OTEL_EXPORTER_OTLP_PROTOCOL=${protocol[c]} OTEL_EXPORTER_OTLP_COMPRESSION=${compression[c]} \
  "$OUT/demo-c" "$next_url" | sed 's/^/    /'

# the services flush on SIGTERM; the viewer stays until the trace is printed
viewer_pid=${viewer:-}
for p in "${pids[@]}"; do [ "$p" = "$viewer_pid" ] || kill -TERM "$p" 2>/dev/null || true; done
for p in "${pids[@]}"; do
  [ "$p" = "$viewer_pid" ] && continue
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
done
[ -n "$external" ] && { say "done: the spans were sent to $external"; exit 0; }

services=${chain// -> /,}
check() { python3 examples/demo/check_trace.py "$json_out" --expect-services "$services" "$@"; }
if [ -n "$web" ]; then
  # the viewer keeps running for the page: wait until the whole trace has arrived
  check --wait 20 --print nothing
  url=http://127.0.0.1:$web_port/
  say "otlp-view's page: $url"
  if [ -n "$browser_check" ]; then
    say "checking the page in headless chromium"
    (cd otlp-view/tests/browser && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent; })
    node otlp-view/tests/browser/check_page.mjs --url "$url" --trace-id "$(check --print trace-id)" \
      --services "$services" --spans "$(check --print span-count)" ${have_go:+--error-span-name "reserve eu-west-2"} \
      --baggage-key customer.id ${screenshot:+--screenshot "$screenshot"}
  fi
  if [ -n "$hold" ]; then say "holding: Ctrl-C stops otlp-view"; wait "$viewer" || true; fi
else
  # otlp-view exits by itself once it printed the trace (--exit-after-traces 1)
  for _ in $(seq 300); do kill -0 "$viewer" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$viewer" 2>/dev/null; then echo "run_demo.sh: otlp-view printed no complete trace in 30 s" >&2; exit 1; fi
  wait "$viewer" || { echo "run_demo.sh: otlp-view failed" >&2; exit 1; }
fi
say "checking the trace"
check
