"""tests/w3c/service.c -- the test service of the W3C Trace Context suite, on
the C API -- driven the way the suite's harness drives it, with the harness's
hard cases reproduced as plain HTTP requests (the suite itself lives on
GitHub, which CI cannot reach; tests/w3c/run.sh runs it where it can).

Each case POSTs to the service with raw header lines (several `tracestate`
lines where the harness sends them) and a body asking for one callback to a
local HTTP server here; the callback's `traceparent` / `tracestate` are what
the service propagated. The SERVER spans reach the real OTLP receiver, whose
trace_state must match what was propagated.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

from conftest import ROOT, clean_env

SERVICE_SOURCE = ROOT / "tests" / "w3c" / "service.c"
TRACE_ID = "12345678901234567890123456789012"
PARENT_ID = "1234567890123456"
TP = f"00-{TRACE_ID}-{PARENT_ID}-01"
TP_RE = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


class Callbacks:
    """An HTTP server recording the trace headers of every POST, by path."""

    def __init__(self) -> None:
        self.received: Dict[str, List[Tuple[List[str], List[str]]]] = {}
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # noqa: A002 - base class signature
                pass

            def do_POST(self):  # noqa: N802 - http.server naming
                length = int(self.headers.get("Content-Length", "0"))
                self.rfile.read(length)
                with outer.lock:
                    outer.received.setdefault(self.path, []).append(
                        (self.headers.get_all("traceparent") or [], self.headers.get_all("tracestate") or []))
                body = b"{}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Service:
    def __init__(self, binary: Path, env: Dict[str, str]) -> None:
        self.proc = subprocess.Popen([str(binary), "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=clean_env(env))
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        m = re.match(r"^LISTENING (\d+)$", line.strip())
        if not m:
            self.proc.kill()
            _, err = self.proc.communicate(timeout=10)
            pytest.fail(f"the service did not start: {line!r}\n{err}", pytrace=False)
        self.port = int(m.group(1))

    def post(self, headers: Sequence[Tuple[str, str]], actions: list) -> list:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        body = json.dumps(actions).encode()
        conn.putrequest("POST", "/test")
        for name, value in headers:
            conn.putheader(name, value)  # repeated names go out as separate lines
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        assert resp.status == 200, f"service answered {resp.status}: {data!r}"
        return json.loads(data)

    def stop(self) -> str:
        self.proc.terminate()
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
            pytest.fail(f"the service did not exit on SIGTERM\n{err}", pytrace=False)
        assert self.proc.returncode == 0, f"service exited {self.proc.returncode}\n{err}"
        return err


@pytest.fixture
def service(build_c, receiver):
    binary = build_c(SERVICE_SOURCE, extra_flags=["-ljansson"], name="w3c-service")
    callbacks = Callbacks()
    svc = Service(binary, {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "50"})
    svc.callbacks = callbacks  # type: ignore[attr-defined]
    yield svc
    err = svc.stop()
    callbacks.stop()
    assert "w3c-service:" not in err, f"the service reported problems:\n{err}"


_counter = iter(range(1_000_000))


def propagate(service, headers: Sequence[Tuple[str, str]]) -> Tuple[str, Optional[str]]:
    """Sends one request with `headers`; returns the callback's traceparent and
    tracestate (None when the service sent no tracestate header)."""
    path = f"/cb{next(_counter)}"
    statuses = service.post(headers, [{"url": service.callbacks.url(path), "arguments": []}])
    assert statuses == [200], statuses
    (tps, tss), = service.callbacks.received[path]
    assert len(tps) == 1 and TP_RE.match(tps[0]), f"callback traceparent lines: {tps!r}"
    assert len(tss) <= 1, f"the service sent several tracestate lines: {tss!r}"
    return tps[0], (tss[0] if tss else None)


def members(tracestate: Optional[str]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for m in (tracestate or "").split(","):
        if m:
            k, v = m.split("=", 1)
            assert k not in out, f"key {k} propagated twice in {tracestate!r}"
            out[k] = v
    return out


def inherits(tp: str) -> bool:
    m = TP_RE.match(tp)
    assert m
    return m.group(1) == TRACE_ID and m.group(2) != PARENT_ID


def test_duplicated_keys_are_inherited(service):
    # test_tracestate_duplicated_keys: inherited, the duplicate kept or dropped
    for lines in (["foo=1,foo=1"], ["foo=1,foo=2"], ["foo=1", "foo=1"], ["foo=1", "foo=2"]):
        tp, ts = propagate(service, [("traceparent", TP)] + [("tracestate", v) for v in lines])
        assert inherits(tp), lines
        assert members(ts).get("foo") in ("1", "2"), f"{lines}: propagated {ts!r}"


def test_at_signs_in_keys(service):
    # test_tracestate_key_illegal_vendor_format: level 2 keys may hold '@' anywhere but first
    for key in ("foo@", "foo@@bar", "foo@bar@baz"):
        tp, ts = propagate(service, [("traceparent", TP), ("tracestate", f"{key}=1,bar=2")])
        assert inherits(tp)
        assert members(ts) == {key: "1", "bar": "2"}, f"{key}: propagated {ts!r}"
    tp, ts = propagate(service, [("traceparent", TP), ("tracestate", "@foo=1,bar=2")])
    assert inherits(tp)
    assert "bar" not in members(ts), f"a key starting with '@' must discard the tracestate: {ts!r}"


def test_key_length_limit(service):
    # test_tracestate_key_length_limit: 256 characters in all, '@' or not
    for key in ("z" * 256, "t" * 241 + "@" + "v" * 14, "t" * 242 + "@v", "t@" + "v" * 15):
        tp, ts = propagate(service, [("traceparent", TP), ("tracestate", "foo=1"), ("tracestate", key + "=1")])
        assert inherits(tp)
        assert members(ts) == {"foo": "1", key: "1"}, f"{len(key)}-character key: propagated {ts!r}"
    tp, ts = propagate(service, [("traceparent", TP), ("tracestate", "foo=1"), ("tracestate", "z" * 257 + "=1")])
    assert inherits(tp)
    assert "foo" not in members(ts), f"a 257-character key must discard the tracestate: {ts!r}"


def test_multiple_tracestate_headers_join_in_order(service, receiver):
    tp, ts = propagate(service, [("traceparent", TP), ("tracestate", "foo=1,bar=2"),
                                 ("tracestate", "rojo=1,congo=2"), ("tracestate", "baz=3"),
                                 ("tracestate", "")])
    assert inherits(tp)
    assert ts == "foo=1,bar=2,rojo=1,congo=2,baz=3"
    # The SERVER span is exported with the same tracestate and the incoming parent.
    server = receiver.wait_for_spans(lambda s: s["kind"] == 2 and s["trace_state"] == ts)[0]
    assert (server["trace_id"], server["parent_span_id"]) == (TRACE_ID, PARENT_ID)
    client = receiver.wait_for_spans(lambda s: s["kind"] == 3 and s["parent_span_id"] == server["span_id"])[0]
    assert TP_RE.match(tp).group(2) == client["span_id"], "the callback carries the CLIENT span's id"


def test_invalid_or_duplicated_traceparent_starts_a_new_trace(service):
    for headers in ([("traceparent", TP.replace("-01", "-0x")), ("tracestate", "foo=1")],
                    [("traceparent", f"00-{TRACE_ID[:-1]}1-{PARENT_ID}-01"), ("traceparent", TP)],
                    [("tracestate", "foo=1")]):
        tp, ts = propagate(service, headers)
        m = TP_RE.match(tp)
        assert m and m.group(1) not in (TRACE_ID, TRACE_ID[:-1] + "1"), f"{headers}: {tp}"
        assert ts is None, f"{headers}: a tracestate without a valid parent was propagated: {ts!r}"
