"""Self-test of the OTLP test receiver (tests/receiver/otlp_receiver.py): the
tool every C-level test trusts.  Requests are built here with the official
opentelemetry-proto messages and sent to a receiver on an ephemeral port."""

from __future__ import annotations

import gzip
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from otlp_receiver import OtlpReceiver, Typed, attr, resource_attr

RECEIVER_PY = Path(__file__).resolve().parent / "receiver" / "otlp_receiver.py"


def make_request(name="op", service="svc", n=1) -> bytes:
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    kv = rs.resource.attributes.add()
    kv.key, kv.value.string_value = "service.name", service
    ss = rs.scope_spans.add()
    ss.scope.name, ss.scope.version = "scope", "1.2.3"
    for i in range(n):
        s = ss.spans.add()
        s.name = name
        s.trace_id = bytes.fromhex("4bf92f3577b34da6a3ce929d0e0e4736")
        s.span_id = (i + 1).to_bytes(8, "big")
        s.parent_span_id = bytes.fromhex("00f067aa0ba902b7")
        s.trace_state = "a=1"
        s.flags = 0x301
        s.kind = trace_pb2.Span.SPAN_KIND_CLIENT
        s.start_time_unix_nano, s.end_time_unix_nano = 10, 20
        s.status.code, s.status.message = trace_pb2.Status.STATUS_CODE_ERROR, "boom"
        for key, field, value in [("s", "string_value", "x"), ("i", "int_value", -5),
                                  ("b", "bool_value", True), ("d", "double_value", 2.5)]:
            a = s.attributes.add()
            a.key = key
            setattr(a.value, field, value)
        arr = s.attributes.add()
        arr.key = "arr"
        arr.value.array_value.values.add().int_value = 7
        ev = s.events.add()
        ev.name, ev.time_unix_nano = "exception", 15
        ea = ev.attributes.add()
        ea.key, ea.value.string_value = "exception.message", "boom"
    return req.SerializeToString()


def post(url, body, headers=None, timeout=10):
    h = {"Content-Type": "application/x-protobuf", **(headers or {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=h), timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture
def rx():
    with OtlpReceiver(port=0) as r:
        yield r


def test_decodes_every_field(rx):
    status, _, body = post(f"{rx.endpoint}/v1/traces", make_request(), {"X-Custom": "v"})
    assert status == 200
    assert trace_service_pb2.ExportTraceServiceResponse.FromString(body) == \
        trace_service_pb2.ExportTraceServiceResponse()
    [s] = rx.wait_for_spans()
    assert s["service_name"] == "svc" and resource_attr(s, "service.name") == ("string", "svc")
    assert (s["scope_name"], s["scope_version"]) == ("scope", "1.2.3")
    assert s["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert s["span_id"] == "0000000000000001" and s["parent_span_id"] == "00f067aa0ba902b7"
    assert (s["trace_state"], s["flags"], s["kind"]) == ("a=1", 0x301, 3)
    assert (s["status_code"], s["status_message"]) == (2, "boom")
    assert attr(s, "s") == ("string", "x") and attr(s, "i") == ("int", -5)
    assert attr(s, "b") == ("bool", True) and attr(s, "d") == ("double", 2.5)
    assert attr(s, "arr") == ("array", [Typed("int", 7)])
    assert attr(s, "missing") is None
    assert s["events"] == [{"name": "exception", "time_unix_nano": 15, "dropped_attributes_count": 0,
                            "attributes": {"exception.message": ("string", "boom")}}]
    assert (s["start_time_unix_nano"], s["end_time_unix_nano"]) == (10, 20)
    [r] = rx.get_requests()
    assert r["path"] == "/v1/traces" and r["spans"] == 1 and r["headers"]["x-custom"] == "v"


def test_gzip_and_ipv6(rx):
    assert post(f"{rx.endpoint}/v1/traces", gzip.compress(make_request("gz")), {"Content-Encoding": "gzip"})[0] == 200
    if any(a.startswith("[::1]") for a in rx.addresses):
        assert post(f"http://[::1]:{rx.port}/v1/traces", make_request("v6"))[0] == 200
        rx.wait_for_spans(lambda s: s["name"] == "v6")
    rx.wait_for_spans(lambda s: s["name"] == "gz")


def test_other_paths_are_404_and_recorded(rx):
    assert post(f"{rx.endpoint}/", make_request())[0] == 404
    assert rx.get_spans() == []
    assert [(r["path"], r["status"]) for r in rx.get_requests()] == [("/", 404)]
    rx.accept_path("/custom")
    assert post(f"{rx.endpoint}/custom", make_request())[0] == 200
    rx.clear()
    assert post(f"{rx.endpoint}/custom", make_request())[0] == 404


def test_bad_body_is_400(rx):
    assert post(f"{rx.endpoint}/v1/traces", b"\xff\xff\xff")[0] == 400
    assert post(f"{rx.endpoint}/v1/traces", make_request(), {"Content-Type": "application/json"})[0] == 400
    assert rx.get_spans() == []


def test_fail_next(rx):
    rx.fail_next(2, status=503, retry_after=3)
    s1, h1, _ = post(f"{rx.endpoint}/v1/traces", make_request())
    s2, _, _ = post(f"{rx.endpoint}/v1/traces", make_request())
    s3, _, _ = post(f"{rx.endpoint}/v1/traces", make_request())
    assert (s1, s2, s3) == (503, 503, 200)
    assert h1.get("Retry-After") == "3"
    assert len(rx.get_spans()) == 1


def test_delay_and_clear_abandons_delayed_requests(rx):
    rx.set_delay(0.5)
    t0 = time.monotonic()
    assert post(f"{rx.endpoint}/v1/traces", make_request("slow"))[0] == 200
    assert time.monotonic() - t0 >= 0.45
    rx.set_delay(30)
    result = {}

    def send():
        try:
            result["r"] = post(f"{rx.endpoint}/v1/traces", make_request("abandoned"))
        except OSError as exc:  # the receiver hangs up on an abandoned request
            result["r"] = exc

    th = threading.Thread(target=send, daemon=True)
    th.start()
    time.sleep(0.3)
    rx.clear()
    th.join(5)
    assert isinstance(result.get("r"), OSError), result
    assert rx.get_spans() == [] and rx.get_requests() == []


def test_wait_for_spans_timeout_dumps(rx):
    post(f"{rx.endpoint}/v1/traces", make_request("present"))
    with pytest.raises(AssertionError, match="present"):
        rx.wait_for_spans(lambda s: s["name"] == "absent", timeout=0.3)
    assert len(rx.wait_for_spans(lambda s: s["name"] == "present", count=1)) == 1


def test_cli_print_and_expect():
    with OtlpReceiver(port=0) as probe:  # find a free port, then release it
        port = probe.port
    proc = subprocess.Popen([sys.executable, str(RECEIVER_PY), "--port", str(port), "--print",
                             "--expect", "2", "--timeout", "20"], stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first.startswith("listening on "), first
        assert post(f"http://127.0.0.1:{port}/v1/traces", make_request("cli", "cli-svc", n=2))[0] == 200
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert "service='cli-svc'" in lines[0] and "name='cli'" in lines[0]
    assert "trace_id=4bf92f3577b34da6a3ce929d0e0e4736" in lines[0] and "parent=00f067aa0ba902b7" in lines[0]
    assert "i=int:-5" in lines[0] and "s=string:'x'" in lines[0]


def test_cli_expect_times_out():
    with OtlpReceiver(port=0) as probe:
        port = probe.port
    res = subprocess.run([sys.executable, str(RECEIVER_PY), "--port", str(port), "--expect", "1",
                          "--timeout", "0.5"], capture_output=True, text=True, timeout=20)
    assert res.returncode == 1
    assert res.stdout.startswith("listening on ")
    assert "timed out" in res.stderr


def test_cli_jsonl_for_other_languages():
    """--jsonl: what the Node, Go and Java suites read. 64-bit integers travel as decimal
    strings (OTLP/JSON's rule), the process ends when its stdin closes."""
    import json

    proc = subprocess.Popen([sys.executable, str(RECEIVER_PY), "--port", "0", "--jsonl"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        port = json.loads(proc.stdout.readline())["listening"]
        assert post(f"http://127.0.0.1:{port}/v1/traces", make_request(name="日本語 🎉", n=1))[0] == 200
        span = json.loads(proc.stdout.readline())
        assert span["name"] == "日本語 🎉"
        assert span["service_name"] == "svc"
        assert span["attributes"]["i"] == {"type": "int", "value": "-5"}
        assert span["attributes"]["d"] == {"type": "double", "value": 2.5}
        assert span["attributes"]["b"] == {"type": "bool", "value": True}
        assert span["attributes"]["arr"] == {"type": "array", "value": [{"type": "int", "value": "7"}]}
        assert span["start_time_unix_nano"] == "10" and span["end_time_unix_nano"] == "20"
        assert span["events"][0]["time_unix_nano"] == "15"
        assert span["events"][0]["attributes"]["exception.message"] == {"type": "string", "value": "boom"}
        assert (span["flags"], span["kind"], span["status_code"], span["trace_state"]) == (0x301, 3, 2, "a=1")
        proc.stdin.close()
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
