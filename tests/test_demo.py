"""The main job end to end: examples/run_demo.sh with the toolchains this machine has.

Runs the five-language demo (C -> Python -> Node -> Go -> Java over loopback HTTP, each hop
instrumented with its binding) against otlp-view and asserts on the viewer's JSON lines: one
trace id, the services, the CLIENT -> SERVER parent chain, the error hop, the baggage at the last
hop; the printed tree; otlp-view's page in headless chromium (when chromium is installed; in CI
it must be); no process left behind. A second test sets OTEL_EXPORTER_OTLP_ENDPOINT and checks
the same trace reaches that endpoint (the project's test receiver) instead.

In CI (CI set) every language must take part; elsewhere a missing toolchain drops its hop, as
the demo itself does.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "run_demo.sh"
SERVER, CLIENT, INTERNAL = 2, 3, 1
IN_CI = bool(os.environ.get("CI"))


def chromium() -> str:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or ""


def expected_services() -> list:
    out = ["demo-c", "demo-python"]
    if shutil.which("node") and shutil.which("npm"):
        out.append("demo-node")
    if shutil.which("go"):
        out.append("demo-go")
    if shutil.which("java") and shutil.which("mvn"):
        out.append("demo-java")
    if IN_CI:
        assert out == ["demo-c", "demo-python", "demo-node", "demo-go", "demo-java"], \
            f"CI must have every toolchain: {out}"
    return out


def demo_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(extra)
    env["NO_COLOR"] = "1"
    return env


def leftover_processes() -> list:
    """Processes still running one of the demo's programs."""
    marks = ("target/demo/demo-", "examples/demo/", "otlp-view --http")
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(m in cmd for m in marks) and "pytest" not in cmd:
            found.append(f"{proc.name}: {cmd.strip()}")
    return found


def load(path: Path) -> list:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def attr(span: dict, key: str):
    a = span["attributes"].get(key)
    return None if a is None else a["value"]


def check_trace(spans: list, services: list) -> None:
    assert spans, "no span arrived"
    assert len({s["trace_id"] for s in spans}) == 1, {s["trace_id"] for s in spans}
    assert {s["service_name"] for s in spans} == set(services)
    by_id = {s["span_id"]: s for s in spans}
    assert len(by_id) == len(spans), "a span id arrived twice"

    # one root, in the C client; every other parent present
    roots = [s for s in spans if s["parent_span_id"] == ""]
    assert [(r["service_name"], r["name"], r["kind"]) for r in roots] == [("demo-c", "checkout", INTERNAL)]
    for s in spans:
        if s["parent_span_id"]:
            assert s["parent_span_id"] in by_id, f"{s['service_name']} {s['name']}: parent missing"

    # the chain: checkout -> CLIENT(c) -> SERVER(python) -> CLIENT(python) -> SERVER(node) ...
    node = roots[0]
    for caller, callee in zip(services, services[1:]):
        client = [s for s in spans if s["parent_span_id"] == node["span_id"] and s["kind"] == CLIENT]
        assert len(client) == 1 and client[0]["service_name"] == caller, (caller, client)
        server = [s for s in spans if s["parent_span_id"] == client[0]["span_id"]]
        assert len(server) == 1, (callee, server)
        assert (server[0]["service_name"], server[0]["kind"]) == (callee, SERVER)
        assert attr(server[0], "http.request.method") == "POST"
        assert attr(client[0], "http.response.status_code") == "200"
        assert server[0]["status_code"] != 2 and client[0]["status_code"] != 2
        # baggage from the C client arrives at every hop, the last one included
        assert attr(server[0], "baggage.customer.id") == "alice"
        assert attr(server[0], "baggage.customer.tier") == "gold"
        node = server[0]
    assert node["service_name"] == services[-1]

    # each hop's own work
    work = {"demo-python": "demo.quote.total_cents", "demo-node": "demo.inventory.lines",
            "demo-go": "demo.reservation.units", "demo-java": "demo.ledger.entry"}
    for s in spans:
        if s["kind"] == SERVER and s["service_name"] in work:
            assert attr(s, work[s["service_name"]]) is not None, s["service_name"]

    # the error hop: the Go service's first warehouse is full
    errors = [s for s in spans if s["status_code"] == 2]
    if "demo-go" in services:
        assert [(e["service_name"], e["name"]) for e in errors] == [("demo-go", "reserve eu-west-2")]
        err = errors[0]
        assert "is full" in err["status_message"]
        assert [e["name"] for e in err["events"]] == ["exception"]
        assert "is full" in attr(err["events"][0], "exception.message")
        ok = [s for s in spans if s["name"] == "reserve eu-west-1"]
        assert len(ok) == 1 and ok[0]["parent_span_id"] == err["parent_span_id"]
    else:
        assert errors == []


def test_demo_five_languages_one_trace(tmp_path):
    services = expected_services()
    browser = bool(chromium())
    if IN_CI:
        assert browser, "CI must have Debian's chromium for the page test"
    spans_file = tmp_path / "spans.jsonl"
    shot = tmp_path / "page.png"
    cmd = ["bash", str(DEMO), "--any-port", "--json", str(spans_file)]
    if browser:
        cmd += ["--browser-check", "--screenshot", str(shot)]
    run = subprocess.run(cmd, cwd=ROOT, env=demo_env(), capture_output=True, text=True, timeout=840)
    out = run.stdout
    assert run.returncode == 0, f"run_demo.sh failed:\n{out}\n{run.stderr}"

    spans = load(spans_file)
    check_trace(spans, services)
    trace_id = spans[0]["trace_id"]

    # the tree otlp-view printed: the trace id, every service and span name, the error
    assert trace_id in out, out
    for s in spans:
        assert s["service_name"] in out and s["name"] in out, (s["name"], out)
    if "demo-go" in services:
        assert "ERROR" in out and "is full" in out
    # the script's own closing summary
    assert f"one trace {trace_id}: {len(spans)} spans from {len(services)} services" in out
    assert " -> ".join(services) in out
    # every service exported with the protocol the demo gave it
    protocol = {s["service_name"]: s["protocol"] for s in spans}
    want = {"demo-c": "http/protobuf", "demo-python": "http/json", "demo-node": "grpc",
            "demo-go": "http/protobuf", "demo-java": "grpc"}
    assert protocol == {k: want[k] for k in services}

    if browser:
        assert shot.stat().st_size > 10_000, "no screenshot written"
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert leftover_processes() == []


def test_demo_exports_to_otel_exporter_otlp_endpoint(tmp_path):
    """With OTEL_EXPORTER_OTLP_ENDPOINT set the services export there and no viewer starts."""
    services = expected_services()
    rx = subprocess.Popen([sys.executable, str(ROOT / "tests" / "receiver" / "otlp_receiver.py"),
                           "--port", "0", "--jsonl"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True)
    try:
        port = json.loads(rx.stdout.readline())["listening"]
        run = subprocess.run(["bash", str(DEMO)], cwd=ROOT, capture_output=True, text=True, timeout=540,
                             env=demo_env(OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{port}"))
        assert run.returncode == 0, f"run_demo.sh failed:\n{run.stdout}\n{run.stderr}"
        assert f"exporting to http://127.0.0.1:{port} (OTEL_EXPORTER_OTLP_ENDPOINT); no viewer started" in run.stdout
    finally:
        rx.stdin.close()
        lines = rx.stdout.read().splitlines()
        rx.wait(timeout=10)
    spans = [json.loads(line) for line in lines if line.strip()]
    for s in spans:
        s["protocol"] = "http/protobuf"
    check_trace(spans, services)
    assert leftover_processes() == []
