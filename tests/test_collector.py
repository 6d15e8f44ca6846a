"""The real OpenTelemetry Collector as the receiver: a rich trace sent from C
(tests/c/rich_trace.c) and from each binding's smoke program
(tests/collector/smoke/) over every protocol, with and without gzip, is read
back from the Collector's file exporter (OTLP JSON) and compared field by
field with what the program set.

The Collector is built from the Go module proxy by tests/collector/build.sh
(cached in target/collector/). Without ``go`` the tests skip locally; in CI
(``CI`` set) a missing tool or an unbuilt binding fails them instead.

Each test starts its own Collector on free ports (OTLP gRPC and HTTP), with
the file exporter writing JSON lines and the Collector's own log written to a
file at level info; after the program exits the Collector is stopped
(SIGTERM: the file exporter flushes) and its log must hold no warn/error line.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from conftest import ROOT, SHARED_LIB, STATIC_LIB, clean_env

COLLECTOR_DIR = ROOT / "tests" / "collector"
SMOKE = COLLECTOR_DIR / "smoke"
IN_CI = bool(os.environ.get("CI"))

PROTOCOLS = ["http/protobuf", "http/json", "grpc"]
COMPRESSIONS = ["none", "gzip"]
CASES = [pytest.param(p, c, id=f"{p.replace('/', '-')}-{c}") for p in PROTOCOLS for c in COMPRESSIONS]

# --------------------------------------------------------------------------
# what every program sends (tests/c/rich_trace.c and tests/collector/smoke/*)
# --------------------------------------------------------------------------

TEXT = "Grüße, 世界 🚀"
T0 = 1_700_000_000_123_456_789
REMOTE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
REMOTE_SPAN = "00f067aa0ba902b7"
TRACESTATE = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER = 1, 2, 3, 4, 5
UNSET, STATUS_OK, STATUS_ERROR = 0, 1, 2

SCOPE_ALPHA = ("rich.scope.alpha", "1.2.3", "https://opentelemetry.io/schemas/1.26.0")
SCOPE_BETA = ("rich.scope.beta ✓", "2.0.0-β", "https://example.com/schemas/beta")

SERVER_ATTRIBUTES = {
    "rich.string": TEXT,
    "rich.bool": True,
    "rich.int": -42,
    "rich.double": 3.14159,
    "rich.bool.false": False,
    "rich.int.big": 9007199254740993,
    "rich.double.small": 2.5e-8,
    "rich.string.ascii": "plain",
    "rich.string_array": ["a", TEXT, "z"],
    "rich.bool_array": [True, False, True],
    "rich.int_array": [1, -2, 9223372036854775807],
    "rich.double_array": [0.5, -1.25, 1e10],
}

# The service name and the resource attributes each run sets: OTEL_SERVICE_NAME and
# OTEL_RESOURCE_ATTRIBUTES (percent-encoded, as the specification has it) in the environment,
# rich.config through the config API of the program's language.
RESOURCE_ENV = "deployment.environment.name=collector-test,rich.env.text=Gr%C3%BC%C3%9Fe%20%F0%9F%9A%80"
RESOURCE = {
    "deployment.environment.name": "collector-test",
    "rich.env.text": "Grüße 🚀",
    "rich.config": TEXT,
}

# What the library adds to every resource by itself (detectors, telemetry.sdk.*).
DETECTED_RESOURCE = {"telemetry.sdk.name", "telemetry.sdk.language", "telemetry.sdk.version",
                     "process.pid", "process.executable.name", "os.type", "host.name"}


def expected_spans(lang: str) -> Dict[str, dict]:
    """The five spans, by the label the program prints with their ids. ``parent`` and link
    targets are labels (or "remote"); exception events are recorded "now" (time None)."""
    produced, consumed = EXCEPTIONS[lang]
    return {
        "server": dict(
            name="GET /grüße/🚀", kind=SERVER, scope=SCOPE_ALPHA, parent="remote",
            start=T0, end=T0 + 5_000_000, attributes=SERVER_ATTRIBUTES,
            events=[("cache.miss", T0 + 1000, {"cache.key": TEXT, "cache.size": 7}),
                    ("retry 🚀", T0 + 2000, {"retry.delays": [0.5, 1.5], "retry.final": True})],
            links=[], status=(STATUS_OK, "")),
        "client": dict(
            name="SELECT grüße", kind=CLIENT, scope=SCOPE_BETA, parent="server",
            start=T0 + 100_000, end=T0 + 900_000, attributes={"db.system": "postgresql"},
            events=[], links=[("remote", {"link.kind": "caller", "link.index": 0})],
            status=(STATUS_ERROR, "query failed: Grüße")),
        "producer": dict(
            name="publish", kind=PRODUCER, scope=SCOPE_ALPHA, parent="server",
            start=T0 + 1_000_000, end=T0 + 1_500_000, attributes={},
            events=[("exception", None, produced[0])], links=[],
            status=(STATUS_ERROR, produced[1])),
        "consumer": dict(
            name="consume", kind=CONSUMER, scope=SCOPE_BETA, parent="server",
            start=T0 + 2_000_000, end=T0 + 3_000_000, attributes={},
            events=[("exception", None, consumed[0])],
            links=[("client", {"link.note": TEXT}), ("producer", {})],
            status=(STATUS_ERROR, consumed[1])),
        "job": dict(
            name="background job", kind=INTERNAL, scope=SCOPE_ALPHA, parent=None,
            start=T0 + 10_000_000, end=T0 + 20_000_000, attributes={},
            events=[("tick", T0 + 15_000_000, {})], links=[], status=(UNSET, "")),
    }


class AnyText:
    """An attribute value that the language fills in itself (a stack trace): any non-empty
    string that contains ``part``."""

    def __init__(self, part: str = ""):
        self.part = part

    def __eq__(self, other):
        return (isinstance(other, tuple) and other[0] == "string" and isinstance(other[1], str)
                and other[1] != "" and self.part in other[1])

    def __repr__(self):
        return f"<any non-empty string containing {self.part!r}>"


def _exc(typ: Optional[str], message: str, stack, status: str) -> Tuple[dict, str]:
    attrs = {"exception.message": message}
    if typ is not None:
        attrs["exception.type"] = typ
    if stack is not None:
        attrs["exception.stacktrace"] = stack
    return attrs, status


# What the producer's and the consumer's errors become in each language, as (the exception
# event's attributes, the status description): the producer records an exception of type
# ValueError (or the language's nearest) with message "bad value: 世界" and, where the API takes
# one, the stack trace "Traceback:\n  at publish()"; the consumer records "timeout ⏱" as the
# language records errors (C: otlp_span_record_error, a message only).
EXCEPTIONS = {
    "c": (_exc("ValueError", "bad value: 世界", "Traceback:\n  at publish()", "bad value: 世界"),
          _exc(None, "timeout ⏱", None, "timeout ⏱")),
    "python": (_exc("ValueError", "ValueError: bad value: 世界", "Traceback:\n  at publish()",
                    "ValueError: bad value: 世界"),
               _exc("TimeoutError", "TimeoutError: timeout ⏱", AnyText("TimeoutError: timeout ⏱"),
                    "TimeoutError: timeout ⏱")),
    "node": (_exc("ValueError", "bad value: 世界", "Traceback:\n  at publish()", "bad value: 世界"),
             _exc("TimeoutError", "timeout ⏱", AnyText("timeout ⏱"), "timeout ⏱")),
    "go": (_exc("ValueError", "bad value: 世界", "Traceback:\n  at publish()", "bad value: 世界"),
           _exc("*errors.errorString", "timeout ⏱", None, "timeout ⏱")),
    "java": (_exc("ValueError", "bad value: 世界", AnyText("ValueError: bad value: 世界"), "bad value: 世界"),
             _exc("java.util.concurrent.TimeoutException", "timeout ⏱",
                  AnyText("java.util.concurrent.TimeoutException: timeout ⏱"), "timeout ⏱")),
}

# telemetry.sdk.language on each language's resource
SDK_LANGUAGE = {"c": "rust", "python": "python", "node": "nodejs", "go": "go", "java": "java"}


# --------------------------------------------------------------------------
# tools
# --------------------------------------------------------------------------

def need(condition: bool, reason: str) -> None:
    """Skip locally, fail in CI: CI must run these tests."""
    if not condition:
        if IN_CI:
            pytest.fail(f"{reason} (CI must run the Collector tests)", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def collector_bin() -> Path:
    need(shutil.which("go") is not None,
         "go is not installed: the OpenTelemetry Collector is built from source with it")
    start = time.monotonic()
    res = subprocess.run(["bash", str(COLLECTOR_DIR / "build.sh")], capture_output=True, text=True,
                         timeout=1800)
    if res.returncode != 0:
        pytest.fail(f"tests/collector/build.sh failed:\n{res.stdout}{res.stderr}", pytrace=False)
    sys.stderr.write(f"\n[collector] build.sh: {time.monotonic() - start:.1f} s {res.stderr.strip()}\n")
    return Path(res.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Collector:
    """One Collector process: OTLP receiver on two free ports, the file exporter, the debug
    exporter at basic verbosity, its own log (JSON lines) in a file."""

    def __init__(self, binary: Path, workdir: Path):
        self.binary = binary
        self.dir = workdir
        self.traces = workdir / "traces.jsonl"
        self.log = workdir / "collector.log"
        self.config = workdir / "collector.yaml"
        self.grpc_port = free_port()
        self.http_port = free_port()
        self.proc: Optional[subprocess.Popen] = None

    def start(self) -> None:
        self.config.write_text(f"""\
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{self.grpc_port}
      http:
        endpoint: 127.0.0.1:{self.http_port}
exporters:
  file:
    path: {self.traces}
    format: json
  debug:
    verbosity: basic
service:
  telemetry:
    logs:
      level: info
      encoding: json
      output_paths: [{self.log}]
      error_output_paths: [{self.log}]
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file, debug]
""", encoding="utf-8")
        self.stdio = open(self.dir / "collector.stdio", "wb")
        self.proc = subprocess.Popen([str(self.binary), "--config", str(self.config)],
                                     stdout=self.stdio, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                self.stdio.close()
                self.proc = None
                pytest.fail(f"the Collector exited with {rc} at start:\n"
                            + self.dump(), pytrace=False)
            if port_open(self.grpc_port) and port_open(self.http_port):
                return
            time.sleep(0.05)
        self.stop()
        pytest.fail("the Collector did not listen within 60 s:\n" + self.dump(), pytrace=False)

    def stop(self) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                pytest.fail("the Collector did not stop within 30 s of SIGTERM:\n" + self.dump(),
                            pytrace=False)
        self.stdio.close()
        rc = self.proc.returncode
        self.proc = None
        return rc

    def endpoint(self, protocol: str) -> str:
        return f"http://127.0.0.1:{self.grpc_port if protocol == 'grpc' else self.http_port}"

    def log_lines(self) -> List[dict]:
        out = []
        if self.log.is_file():
            for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.strip():
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        out.append({"level": "unparsed", "msg": line})
        return out

    def dump(self) -> str:
        parts = []
        for f in (self.dir / "collector.stdio", self.log):
            if f.is_file():
                parts.append(f"--- {f.name} ---\n" + f.read_text(encoding="utf-8", errors="replace")[-6000:])
        return "\n".join(parts)


@pytest.fixture
def collector(collector_bin, tmp_path):
    # free_port() only probes: another process may take a port before the Collector binds it,
    # and the Collector then exits at start saying so; try new ports then (three times).
    for attempt in range(3):
        c = Collector(collector_bin, tmp_path)
        try:
            c.start()
            break
        except pytest.fail.Exception:
            if attempt == 2 or "address already in use" not in c.dump():
                raise
    yield c
    c.stop()


# --------------------------------------------------------------------------
# reading OTLP JSON back
# --------------------------------------------------------------------------

def typed(v) -> Tuple[str, object]:
    """An expected attribute value as (OTLP type, value)."""
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, int):
        return ("int", v)
    if isinstance(v, float):
        return ("double", v)
    if isinstance(v, str):
        return ("string", v)
    if isinstance(v, list):
        return ("array", [typed(x) for x in v])
    raise TypeError(v)


def decode_any(value: dict) -> Tuple[str, object]:
    """An OTLP JSON AnyValue as (type, value); ints are JSON strings in OTLP JSON."""
    assert len(value) == 1, f"an AnyValue with {len(value)} fields: {value}"
    (field, v), = value.items()
    if field == "stringValue":
        return ("string", v)
    if field == "boolValue":
        return ("bool", v)
    if field == "intValue":
        assert isinstance(v, str), f"intValue not written as a JSON string: {value}"
        return ("int", int(v))
    if field == "doubleValue":
        assert isinstance(v, (int, float)) and not isinstance(v, bool), value
        return ("double", float(v))
    if field == "arrayValue":
        return ("array", [decode_any(x) for x in v.get("values", [])])
    raise AssertionError(f"unexpected AnyValue field {field}: {value}")


def decode_attributes(attrs: List[dict]) -> Dict[str, Tuple[str, object]]:
    out = {}
    for a in attrs or []:
        assert a["key"] not in out, f"attribute {a['key']!r} twice: {attrs}"
        out[a["key"]] = decode_any(a.get("value", {}))
    return out


def expect_attributes(expected: dict) -> Dict[str, object]:
    return {k: v if isinstance(v, AnyText) else typed(v) for k, v in expected.items()}


def attr_diff(got: dict, want: dict) -> str:
    keys = sorted(set(got) | set(want))
    return "; ".join(f"{k}: got {got.get(k, '(missing)')}, want {want.get(k, '(missing)')}"
                     for k in keys if not (k in got and k in want and want[k] == got[k]))


def read_export(path: Path) -> List[dict]:
    """Every span the file exporter wrote, with its resource and scope."""
    assert path.is_file(), f"the Collector's file exporter wrote nothing ({path} missing)"
    spans = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        doc = json.loads(line)
        assert set(doc) == {"resourceSpans"}, f"line {n}: unexpected top-level keys {set(doc)}"
        for rs in doc["resourceSpans"]:
            for ss in rs.get("scopeSpans", []):
                for span in ss.get("spans", []):
                    spans.append({"resource": rs.get("resource", {}), "scope": ss.get("scope", {}),
                                  "scope_schema": ss.get("schemaUrl", ""), "span": span})
    return spans


def parse_output(stdout: str) -> Tuple[Dict[str, Tuple[str, str]], Dict[str, int]]:
    ids, stats, ok = {}, {}, False
    for line in stdout.splitlines():
        tag, _, rest = line.partition(" ")
        if tag == "SPAN":
            label, trace_id, span_id = rest.split()
            ids[label] = (trace_id, span_id)
        elif tag == "STATS":
            stats = {k: int(v) for k, v in (p.split("=") for p in rest.split())}
        elif tag == "OK":
            ok = True
    assert ok, f"the program did not print OK:\n{stdout}"
    return ids, stats


def check_export(lang: str, collector: Collector, stdout: str, t_before: int, t_after: int,
                 service: str) -> None:
    ids, stats = parse_output(stdout)
    want = expected_spans(lang)
    assert set(ids) == set(want), f"the program printed ids for {sorted(ids)}"
    assert stats == {"started": 5, "ended": 5, "exported": 5, "dropped": 0, "failures": 0}, stats

    got = read_export(collector.traces)
    by_id = {s["span"]["spanId"]: s for s in got}
    assert len(got) == 5 and len(by_id) == 5, \
        f"the Collector wrote {len(got)} spans ({[s['span']['name'] for s in got]}), 5 were sent"
    span_ids = {label: sid for label, (_, sid) in ids.items()}
    ctx = {label: ids[label] for label in ids}
    ctx["remote"] = (REMOTE_TRACE, REMOTE_SPAN)

    resources = {json.dumps(s["resource"], sort_keys=True) for s in got}
    assert len(resources) == 1, f"spans under {len(resources)} different resources: {resources}"
    resource = got[0]["resource"]
    rattrs = decode_attributes(resource.get("attributes", []))
    expected_resource = expect_attributes({"service.name": service, **RESOURCE})
    for key, value in expected_resource.items():
        assert rattrs.get(key) == value, f"resource attribute {key}: {rattrs.get(key)} != {value}"
    extra = set(rattrs) - set(expected_resource)
    assert extra <= DETECTED_RESOURCE, f"resource attributes nobody set: {extra - DETECTED_RESOURCE}"
    assert rattrs["telemetry.sdk.name"] == ("string", "otlp-ffi"), rattrs
    assert rattrs["telemetry.sdk.language"] == ("string", SDK_LANGUAGE[lang]), rattrs
    assert resource.get("droppedAttributesCount", 0) == 0, resource

    for label, exp in want.items():
        assert span_ids[label] in by_id, f"span {label} ({span_ids[label]}) not in the export"
        entry = by_id[span_ids[label]]
        span, where = entry["span"], f"{lang} span {label}"
        name, version, schema = exp["scope"]
        assert entry["scope"].get("name") == name, f"{where}: scope {entry['scope']}"
        assert entry["scope"].get("version") == version, f"{where}: scope {entry['scope']}"
        assert entry["scope_schema"] == schema, f"{where}: scope schema {entry['scope_schema']!r}"
        assert not entry["scope"].get("attributes") and not entry["scope"].get("droppedAttributesCount"), \
            f"{where}: scope {entry['scope']}"

        assert span["name"] == exp["name"], f"{where}: name {span['name']!r}"
        assert span.get("kind") == exp["kind"], f"{where}: kind {span.get('kind')}"
        trace_id = ids[label][0]
        if exp["parent"] is None:
            assert trace_id != REMOTE_TRACE, f"{where}: a root span in the remote trace"
            assert span.get("parentSpanId", "") == "", f"{where}: parent {span.get('parentSpanId')}"
            assert span.get("traceState", "") == "", f"{where}: traceState {span.get('traceState')!r}"
        else:
            assert trace_id == REMOTE_TRACE, f"{where}: trace id {trace_id}"
            assert span.get("parentSpanId") == ctx[exp["parent"]][1], \
                f"{where}: parent {span.get('parentSpanId')}, want {exp['parent']}"
            assert span.get("traceState") == TRACESTATE, f"{where}: traceState {span.get('traceState')!r}"
        assert span["traceId"] == trace_id, f"{where}: trace id {span['traceId']} != {trace_id}"
        # flags: the W3C flags (sampled) plus OTLP's "is_remote known" bit 0x100 and, for a
        # parent that came from extract, the "is remote" bit 0x200
        want_flags = 0x301 if exp["parent"] == "remote" else 0x101
        assert span.get("flags") == want_flags, f"{where}: flags {span.get('flags')}, want {want_flags:#x}"
        assert int(span["startTimeUnixNano"]) == exp["start"], f"{where}: start {span['startTimeUnixNano']}"
        assert int(span["endTimeUnixNano"]) == exp["end"], f"{where}: end {span['endTimeUnixNano']}"
        got_attrs, want_attrs = decode_attributes(span.get("attributes")), expect_attributes(exp["attributes"])
        assert got_attrs == want_attrs, f"{where}: attributes differ: {attr_diff(got_attrs, want_attrs)}"

        events = span.get("events", [])
        assert [e["name"] for e in events] == [e[0] for e in exp["events"]], f"{where}: events {events}"
        for got_ev, (ev_name, ev_time, ev_attrs) in zip(events, exp["events"]):
            t = int(got_ev["timeUnixNano"])
            if ev_time is None:  # recorded "now" by the program
                assert t_before <= t <= t_after, f"{where}: event {ev_name} at {t}, not in the run"
            else:
                assert t == ev_time, f"{where}: event {ev_name} at {t}, want {ev_time}"
            assert decode_attributes(got_ev.get("attributes")) == expect_attributes(ev_attrs), \
                f"{where}: event {ev_name} attributes {got_ev.get('attributes')}"
            assert got_ev.get("droppedAttributesCount", 0) == 0, f"{where}: {got_ev}"

        links = span.get("links", [])
        assert len(links) == len(exp["links"]), f"{where}: links {links}"
        for got_link, (target, link_attrs) in zip(links, exp["links"]):
            assert (got_link["traceId"], got_link["spanId"]) == ctx[target], \
                f"{where}: link {got_link}, want {target} {ctx[target]}"
            want_state = TRACESTATE if ctx[target][0] == REMOTE_TRACE else ""
            want_flags = 0x301 if target == "remote" else 0x101
            assert got_link.get("flags") == want_flags, f"{where}: link flags {got_link}"
            assert got_link.get("traceState", "") == want_state, f"{where}: link {got_link}"
            assert decode_attributes(got_link.get("attributes")) == expect_attributes(link_attrs), \
                f"{where}: link attributes {got_link.get('attributes')}"
            assert got_link.get("droppedAttributesCount", 0) == 0, f"{where}: {got_link}"

        code, message = exp["status"]
        status = span.get("status", {})
        assert status.get("code", 0) == code and status.get("message", "") == message, \
            f"{where}: status {status}, want code {code} message {message!r}"
        for dropped in ("droppedAttributesCount", "droppedEventsCount", "droppedLinksCount"):
            assert span.get(dropped, 0) == 0, f"{where}: {dropped} = {span.get(dropped)}"


def check_log(collector: Collector) -> None:
    lines = collector.log_lines()
    assert any("Everything is ready" in str(line.get("msg", "")) for line in lines), \
        "the Collector's log (level info) does not say it started:\n" + collector.dump()
    bad = [line for line in lines if str(line.get("level", "")).lower() not in ("info", "debug")]
    assert not bad, "the Collector logged warnings or errors:\n" + "\n".join(json.dumps(b) for b in bad)


def run_program(lang: str, cmd: List[str], collector: Collector, protocol: str, compression: str,
                extra_env: Optional[Dict[str, str]] = None, cwd: Optional[Path] = None) -> None:
    service = f"rich-trace-{lang}"
    env = clean_env({
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint(protocol),
        "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
        "OTEL_EXPORTER_OTLP_COMPRESSION": compression,
        "OTEL_SERVICE_NAME": service,
        "OTEL_RESOURCE_ATTRIBUTES": RESOURCE_ENV,
        **(extra_env or {}),
    })
    t_before = time.time_ns()
    try:
        res = subprocess.run(cmd, env=env, capture_output=True, text=True, encoding="utf-8",
                             errors="replace", timeout=120, cwd=cwd)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{cmd} timed out\n{exc.stdout}\n{exc.stderr}\n" + collector.dump(), pytrace=False)
    t_after = time.time_ns()
    if res.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited with {res.returncode}\n--- stdout ---\n{res.stdout}\n"
                    f"--- stderr ---\n{res.stderr}\n" + collector.dump(), pytrace=False)
    rc = collector.stop()
    assert rc == 0, f"the Collector exited with {rc}:\n" + collector.dump()
    try:
        check_export(lang, collector, res.stdout, t_before, t_after, service)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- program stdout ---\n{res.stdout}\n--- stderr ---\n"
                             f"{res.stderr}\n--- export ---\n"
                             + (collector.traces.read_text(encoding="utf-8")[:20000]
                                if collector.traces.is_file() else "(none)")) from None
    check_log(collector)


# --------------------------------------------------------------------------
# the tests
# --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def rich_trace_c(build_c) -> Path:
    return build_c("rich_trace.c", link="static")


@pytest.mark.parametrize("protocol,compression", CASES)
def test_c_rich_trace(collector, rich_trace_c, protocol, compression):
    run_program("c", [str(rich_trace_c)], collector, protocol, compression)


def python_binding() -> Dict[str, str]:
    need(SHARED_LIB.is_file(), "dist/lib/libotlp_ffi.so is missing: run ./build_all.sh")
    return {"PYTHONPATH": str(ROOT / "bindings" / "python"), "OTLP_FFI_LIBRARY": str(SHARED_LIB)}


@pytest.mark.parametrize("protocol,compression", CASES)
def test_python_rich_trace(collector, protocol, compression):
    run_program("python", [sys.executable, str(SMOKE / "rich_trace.py")], collector, protocol,
                compression, extra_env=python_binding())


@pytest.mark.parametrize("protocol,compression", CASES)
def test_node_rich_trace(collector, protocol, compression):
    node = shutil.which("node")
    need(node is not None, "node is not installed")
    need((ROOT / "bindings" / "node" / "node_modules" / "koffi").is_dir(),
         "bindings/node/node_modules is missing: npm ci in bindings/node")
    need(SHARED_LIB.is_file(), "dist/lib/libotlp_ffi.so is missing: run ./build_all.sh")
    run_program("node", [node, str(SMOKE / "rich_trace.js")], collector, protocol, compression,
                extra_env={"OTLP_FFI_LIBRARY": str(SHARED_LIB)})


@pytest.fixture(scope="session")
def rich_trace_go(tmp_path_factory) -> Path:
    need(shutil.which("go") is not None, "go is not installed")
    need(STATIC_LIB.is_file(), "dist/lib/libotlp_ffi.a is missing: run ./build_all.sh")
    out = tmp_path_factory.mktemp("gosmoke") / "rich_trace_go"
    res = subprocess.run(["go", "build", "-o", str(out), "."], cwd=SMOKE / "go", capture_output=True,
                         text=True, timeout=900, env=dict(os.environ, CGO_ENABLED="1"))
    if res.returncode != 0:
        pytest.fail(f"go build in tests/collector/smoke/go failed:\n{res.stdout}{res.stderr}", pytrace=False)
    return out


@pytest.mark.parametrize("protocol,compression", CASES)
def test_go_rich_trace(collector, rich_trace_go, protocol, compression):
    run_program("go", [str(rich_trace_go)], collector, protocol, compression)


@pytest.fixture(scope="session")
def rich_trace_java(tmp_path_factory) -> List[str]:
    java, javac = shutil.which("java"), shutil.which("javac")
    need(java is not None and javac is not None, "java/javac are not installed")
    jars = sorted((ROOT / "bindings" / "java" / "target").glob("otlp-ffi-*.jar"))
    jars = [j for j in jars if not j.name.endswith(("-sources.jar", "-javadoc.jar"))]
    need(bool(jars), "bindings/java/target/otlp-ffi-*.jar is missing: mvn package in bindings/java")
    classes = tmp_path_factory.mktemp("javasmoke")
    res = subprocess.run([javac, "-encoding", "UTF-8", "-cp", str(jars[0]), "-d", str(classes),
                          str(SMOKE / "java" / "RichTrace.java")], capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        pytest.fail(f"javac RichTrace.java failed:\n{res.stdout}{res.stderr}", pytrace=False)
    return [java, "-cp", f"{jars[0]}{os.pathsep}{classes}", "RichTrace"]


@pytest.mark.parametrize("protocol,compression", CASES)
def test_java_rich_trace(collector, rich_trace_java, protocol, compression):
    run_program("java", rich_trace_java, collector, protocol, compression)
