"""What arrives at a real OTLP receiver: names, typed attributes, kinds, status, events, parents,
links, scopes, timestamps, resource."""

from __future__ import annotations

import pytest

import otlp_ffi
from otlp_ffi import SpanKind, StatusCode
from otlp_ffi_testutil import attr


def _one(receiver, name, timeout=10):
    [span] = receiver.wait_for_spans(lambda s: s["name"] == name, timeout=timeout)
    return span


def test_typed_attributes_bool_is_not_int(make_provider, receiver):
    p = make_provider()
    t = p.get_tracer()
    with t.start_span("typed") as span:
        span.set_attribute("s", "text")
        span.set_attribute("i", 12345)
        span.set_attribute("neg", -(2**63))
        span.set_attribute("big", 2**63 - 1)
        span.set_attribute("t", True)
        span.set_attribute("f", False)
        span.set_attribute("d", 2.5)
        span.set_attribute("unicode", "héllo ✓")
    p.force_flush(5000)
    s = _one(receiver, "typed")
    assert attr(s, "s") == ("string", "text")
    assert attr(s, "i") == ("int", 12345)
    assert attr(s, "neg") == ("int", -(2**63))
    assert attr(s, "big") == ("int", 2**63 - 1)
    assert attr(s, "t") == ("bool", True)
    assert attr(s, "f") == ("bool", False)
    assert attr(s, "d") == ("double", 2.5)
    assert attr(s, "unicode") == ("string", "héllo ✓")
    assert s["service_name"] == "py-test"


def test_set_attributes_one_call_and_start_attributes(make_provider, receiver):
    p = make_provider()
    t = p.get_tracer()
    span = t.start_span("at-start", attributes={"user.id": 7, "action": "buy", "ok": True, "r": 0.25})
    span.set_attributes({"more": "x", "flag": False, "n": 3, "ratio": 1.0})
    span.set_attributes({})  # nothing, no error
    span.end()
    p.force_flush(5000)
    s = _one(receiver, "at-start")
    assert s["attributes"] == {
        "user.id": ("int", 7), "action": ("string", "buy"), "ok": ("bool", True), "r": ("double", 0.25),
        "more": ("string", "x"), "flag": ("bool", False), "n": ("int", 3), "ratio": ("double", 1.0),
    }


def test_array_attributes_and_subclasses(make_provider, receiver):
    import enum

    class Color(enum.IntEnum):
        RED = 3

    class Name(str):
        pass

    p = make_provider()
    t = p.get_tracer()
    with t.start_span("arrays", attributes={"ints": [1, 2, 3], "strs": ("a", "b")}) as span:
        span.set_attribute("bools", [True, False])
        span.set_attributes({"floats": [0.5, 1.5], "empty": [], "enum": Color.RED, "sub": Name("n")})
        span.set_attribute("enum1", Color.RED)
    p.force_flush(5000)
    s = _one(receiver, "arrays")
    assert attr(s, "ints") == ("array", [("int", 1), ("int", 2), ("int", 3)])
    assert attr(s, "strs") == ("array", [("string", "a"), ("string", "b")])
    assert attr(s, "bools") == ("array", [("bool", True), ("bool", False)])
    assert attr(s, "floats") == ("array", [("double", 0.5), ("double", 1.5)])
    assert attr(s, "empty") == ("array", [])
    assert attr(s, "enum") == ("int", 3)
    assert attr(s, "enum1") == ("int", 3)
    assert attr(s, "sub") == ("string", "n")


def test_kinds(make_provider, receiver):
    p = make_provider()
    t = p.get_tracer()
    for kind in SpanKind:
        t.start_span(f"kind-{kind.name}", kind=kind).end()
    t.start_span("kind-int", kind=3).end()
    p.force_flush(5000)
    for kind in SpanKind:
        assert _one(receiver, f"kind-{kind.name}")["kind"] == int(kind)
    assert _one(receiver, "kind-int")["kind"] == 3


def test_status_events_and_exception(make_provider, receiver):
    p = make_provider()
    t = p.get_tracer()
    with t.start_span("ok-status") as span:
        span.set_status(StatusCode.OK)
        span.add_event("started")
        span.add_event("with-attrs", {"n": 1, "what": "x"}, timestamp=1_700_000_000_123_456_789)
    with t.start_span("err-status") as span:
        span.set_status(StatusCode.ERROR, "it broke")
    span = t.start_span("exc")
    try:
        raise ValueError("boom")
    except ValueError as e:
        span.record_exception(e)
    span.end()
    p.force_flush(5000)

    ok = _one(receiver, "ok-status")
    assert ok["status_code"] == 1
    assert [e["name"] for e in ok["events"]] == ["started", "with-attrs"]
    assert ok["events"][1]["attributes"] == {"n": ("int", 1), "what": ("string", "x")}
    assert ok["events"][1]["time_unix_nano"] == 1_700_000_000_123_456_789

    err = _one(receiver, "err-status")
    assert (err["status_code"], err["status_message"]) == (2, "it broke")

    exc = _one(receiver, "exc")
    assert (exc["status_code"], exc["status_message"]) == (2, "ValueError: boom")
    [event] = exc["events"]
    assert event["name"] == "exception"
    assert event["attributes"]["exception.type"] == ("string", "ValueError")
    assert event["attributes"]["exception.message"] == ("string", "ValueError: boom")
    assert "raise ValueError" in event["attributes"]["exception.stacktrace"].value


def test_exception_leaving_with_block_is_recorded_and_propagates(make_provider, receiver):
    p = make_provider()
    t = p.get_tracer()
    with pytest.raises(KeyError):
        with t.start_span("raises"):
            raise KeyError("k")
    p.force_flush(5000)
    s = _one(receiver, "raises")
    assert s["status_code"] == 2
    assert s["status_message"] == "KeyError: 'k'"
    assert s["events"][0]["attributes"]["exception.type"] == ("string", "KeyError")


def test_local_parents_child_helper_and_trace_ids(make_provider, receiver):
    p = make_provider()
    t = p.get_tracer()
    with t.start_span("root", kind=SpanKind.SERVER) as root:
        child = root.start_child("child", kind=SpanKind.CLIENT)
        grandchild = t.start_span("grandchild", parent=child.context)
        sibling = t.start_span("sibling", parent=root)
        ids = {s.name: (s.trace_id, s.span_id) for s in (root, child, grandchild, sibling)}
        for s in (grandchild, sibling, child):
            s.end()
    p.force_flush(5000)
    r, c, g, sib = (_one(receiver, n) for n in ("root", "child", "grandchild", "sibling"))
    assert r["parent_span_id"] == ""
    assert c["parent_span_id"] == r["span_id"]
    assert g["parent_span_id"] == c["span_id"]
    assert sib["parent_span_id"] == r["span_id"]
    assert len({s["trace_id"] for s in (r, c, g, sib)}) == 1
    for s in (r, c, g, sib):
        assert ids[s["name"]] == (s["trace_id"], s["span_id"])


def test_span_context_outlives_its_span_and_provider(make_provider, receiver):
    p = make_provider()
    t = p.get_tracer()
    parent = t.start_span("p")
    ctx = parent.context
    parent.end()
    child = t.start_span("c-after-parent-ended", parent=ctx)
    child.end()
    p.force_flush(5000)
    assert _one(receiver, "c-after-parent-ended")["parent_span_id"] == _one(receiver, "p")["span_id"]
    p.close()
    p2 = make_provider()
    t2 = p2.get_tracer()
    t2.start_span("c-other-provider", parent=ctx).end()  # contexts stay valid after free
    p2.force_flush(5000)
    assert _one(receiver, "c-other-provider")["parent_span_id"] == _one(receiver, "p")["span_id"]
    ctx.close()
    ctx.close()  # idempotent


def test_links_scope_timestamps_update_name(make_provider, receiver):
    p = make_provider()
    t = p.get_tracer()
    scoped = p.get_tracer("my.library", "2.0")
    assert p.get_tracer("my.library", "2.0") is scoped and p.get_tracer() is t
    a = t.start_span("a")
    b = t.start_span("b")
    linked = scoped.start_span("linked", links=[a, (b.context, {"why": "retry"})],
                               start_time=1_700_000_000_000_000_000)
    linked.update_name("renamed")
    assert linked.name == "renamed"
    linked.end(end_time=1_700_000_002_000_000_000)
    a.end()
    b.end()
    p.force_flush(5000)
    s = _one(receiver, "renamed")
    assert (s["scope_name"], s["scope_version"]) == ("my.library", "2.0")
    assert s["start_time_unix_nano"] == 1_700_000_000_000_000_000
    assert s["end_time_unix_nano"] == 1_700_000_002_000_000_000
    sa, sb = _one(receiver, "a"), _one(receiver, "b")
    assert [(link["span_id"], link["attributes"]) for link in s["links"]] == [
        (sa["span_id"], {}), (sb["span_id"], {"why": ("string", "retry")})]
    assert _one(receiver, "a")["scope_name"] == "otlp-ffi"


def test_resource_attributes_and_service_name(make_provider, receiver):
    p = make_provider("svc-res", resource_attributes={"team": "a b,c=d", "tier": 2})
    p.get_tracer().start_span("res").end()
    p.force_flush(5000)
    s = _one(receiver, "res")
    assert s["service_name"] == "svc-res"
    assert s["resource"]["team"] == ("string", "a b,c=d")
    assert s["resource"]["tier"] == ("string", "2")
    assert s["resource"]["telemetry.sdk.language"] == ("string", "python")


def test_is_recording_and_sampler(make_provider, receiver):
    p = make_provider()
    span = p.get_tracer().start_span("rec")
    assert span.is_recording() is True
    span.end()
    off = make_provider("sampled-out", sampler="always_off")
    span = off.get_tracer().start_span("not-recorded")
    assert span.is_recording() is False
    span.set_attribute("still", "fine")
    assert len(span.traceparent) == 55 and span.traceparent.endswith("-00")
    span.end()
    off.force_flush(5000)
    assert off.stats().spans_started == 0
    p.force_flush(5000)
    assert receiver.spans_named("not-recorded") == []


def test_library_version():
    assert otlp_ffi.library_version().count(".") == 2


def test_transport_keywords_reach_the_exporter(make_provider, receiver):
    p = make_provider("py-gzip", compression="gzip", protocol="http/protobuf")
    with p.get_tracer().start_span("compressed") as span:
        span.set_attribute("k", "v")
    p.force_flush(5000)
    s = _one(receiver, "compressed")
    assert s["service_name"] == "py-gzip"
    assert attr(s, "k") == ("string", "v")
    encodings = {r["headers"].get("content-encoding") for r in receiver.get_requests()}
    assert encodings == {"gzip"}


def test_invalid_transport_keyword_value_is_a_value_error(receiver):
    with pytest.raises(ValueError, match="OTEL_EXPORTER_OTLP_PROTOCOL"):
        otlp_ffi.TracerProvider(receiver.endpoint, "bad", protocol="carrier-pigeon")
