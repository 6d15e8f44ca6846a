"""W3C Trace Context propagation through HTTP header dicts: inject / extract."""

from __future__ import annotations

import pytest

import otlp_ffi
from otlp_ffi import SpanContext, SpanKind, extract, inject

INCOMING_TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
INCOMING_TS = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"


def test_extract_child_inject_keeps_trace_id_and_tracestate(make_provider, receiver):
    p = make_provider()
    t = p.get_tracer()
    incoming = {"traceparent": INCOMING_TP, "tracestate": INCOMING_TS}
    ctx = extract(incoming)
    assert isinstance(ctx, SpanContext)
    with t.start_span("server", kind=SpanKind.SERVER, parent=ctx) as server:
        outgoing = server.inject({})
        client = server.start_child("client", kind=SpanKind.CLIENT)
        downstream = inject(client, {"content-type": "application/json"})
        client.end()
    ctx.close()

    version, trace_id, span_id, flags = outgoing["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", "4bf92f3577b34da6a3ce929d0e0e4736", "01")
    assert span_id != "00f067aa0ba902b7"
    assert outgoing["tracestate"] == INCOMING_TS
    assert downstream["content-type"] == "application/json"
    assert downstream["tracestate"] == INCOMING_TS
    assert downstream["traceparent"].split("-")[1] == trace_id

    p.force_flush(5000)
    [s] = receiver.wait_for_spans(lambda s: s["name"] == "server")
    [c] = receiver.wait_for_spans(lambda s: s["name"] == "client")
    assert s["trace_id"] == c["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert s["parent_span_id"] == "00f067aa0ba902b7"
    assert s["span_id"] == span_id
    assert c["parent_span_id"] == s["span_id"]
    assert s["trace_state"] == c["trace_state"] == INCOMING_TS


def test_roundtrip_between_two_services(make_provider, receiver):
    front = make_provider("front")
    back = make_provider("back")
    headers: dict = {}
    with front.get_tracer().start_span("call", kind=SpanKind.CLIENT) as call:
        call.inject(headers)
        assert "tracestate" not in headers  # none to propagate
        with back.get_tracer().start_span("handle", kind=SpanKind.SERVER, parent=extract(headers)):
            pass
    front.force_flush(5000)
    back.force_flush(5000)
    [call_s] = receiver.wait_for_spans(lambda s: s["name"] == "call")
    [handle_s] = receiver.wait_for_spans(lambda s: s["name"] == "handle")
    assert handle_s["trace_id"] == call_s["trace_id"]
    assert handle_s["parent_span_id"] == call_s["span_id"]
    assert (call_s["service_name"], handle_s["service_name"]) == ("front", "back")


def test_extract_is_case_insensitive_and_accepts_lists_and_bytes():
    assert extract({"Traceparent": INCOMING_TP}) is not None
    assert extract({"TRACEPARENT": INCOMING_TP.encode(), "TraceState": [b"a=1", "b=2"]}) is not None
    assert extract({"traceparent": [INCOMING_TP]}) is not None
    assert extract({"traceparent": [INCOMING_TP, INCOMING_TP]}) is None  # two headers: invalid


@pytest.mark.parametrize("bad", [
    "", "garbage", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
])
def test_invalid_traceparent_extracts_to_none_and_raises_in_from_traceparent(bad):
    assert extract({"traceparent": bad}) is None
    with pytest.raises(ValueError) as ei:
        SpanContext.from_traceparent(bad)
    assert isinstance(ei.value, otlp_ffi.InvalidArgumentError)
    assert ei.value.code == otlp_ffi.ErrorCode.INVALID_ARGUMENT
    assert "OTLP_ERROR_INVALID_ARGUMENT" in str(ei.value)


def test_missing_header_and_invalid_tracestate():
    assert extract({}) is None
    assert extract({"content-type": "x"}) is None
    ctx = extract({"traceparent": INCOMING_TP, "tracestate": "not a valid ,,, == tracestate"})
    assert ctx is not None  # an invalid tracestate is dropped, the traceparent still counts


def test_future_version_and_flags_propagate(make_provider):
    p = make_provider()
    t = p.get_tracer()
    ctx = extract({"traceparent": "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03-future"})
    assert ctx is not None
    with t.start_span("future", parent=ctx) as span:
        assert span.traceparent.startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
        assert span.traceparent.endswith("-03")
    unsampled = extract({"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"})
    with t.start_span("unsampled", parent=unsampled) as span:
        assert not span.is_recording()
        assert span.inject()["traceparent"].endswith("-00")


def test_baggage_roundtrip():
    from otlp_ffi import Baggage, InvalidHandleError

    out = Baggage({"user": "alice smith", "tenant": "t1"}).inject({"accept": "*/*"})
    assert out["baggage"] == "user=alice%20smith,tenant=t1"
    incoming = Baggage.extract({"Baggage": out["baggage"] + ", not a member ,k=v;prop=1"})
    assert incoming["user"] == "alice smith"
    assert incoming.get("k") == "v" and "tenant" in incoming and "nope" not in incoming
    with pytest.raises(KeyError):
        incoming["nope"]
    del incoming["tenant"]
    assert "tenant" not in incoming
    with pytest.raises(ValueError):
        incoming["not a token"] = "x"
    assert Baggage.extract({}).inject({}) == {}
    with Baggage() as b:
        b["a"] = "1"
    with pytest.raises(InvalidHandleError):
        b["a"]
