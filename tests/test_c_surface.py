"""The tracing surface beyond the seed API (tests/c/test_surface.c), checked against what the
OTLP receiver decoded: span options, typed array attributes, links, events with attributes,
exceptions, explicit timestamps, scoped tracers, limits, ratio sampling, baggage, resource,
and whole spans recorded in one call (otlp_span_emit)."""

from __future__ import annotations

import pytest

from otlp_receiver import attr, resource_attr

SERVER = 2
PRODUCER = 4
STATUS_ERROR = 2


@pytest.fixture(scope="module")
def surface(build_c):
    return {link: build_c("test_surface.c", link=link) for link in ("static", "shared")}


def lines(stdout: str) -> dict:
    out = {}
    for line in stdout.splitlines():
        tag, _, rest = line.partition(" ")
        out[tag] = rest
    return out


def run_scenario(run, surface, link, scenario, env=None):
    res = run(surface[link], scenario, env=env, timeout=120)
    out = lines(res.stdout)
    assert out.get("OK") == scenario, res.stdout + res.stderr
    return out


def test_span_options_links_arrays_events_exceptions(run, receiver, surface, link):
    out = run_scenario(run, surface, link, "options")
    trace_id, span_id = out["IDS"].split()
    [span] = receiver.wait_for_spans(lambda s: s["name"] == "publish orders")
    assert (span["trace_id"], span["span_id"]) == (trace_id, span_id), "ids as hex match the export"
    assert span["service_name"] == "surface-options"
    assert (span["scope_name"], span["scope_version"]) == ("checkout-lib", "2.1.0")
    assert span["scope_schema_url"] == "https://opentelemetry.io/schemas/1.26.0"
    assert span["kind"] == PRODUCER
    assert span["parent_span_id"] == ""
    assert span["start_time_unix_nano"] == 1700000000000000000
    assert span["end_time_unix_nano"] == 1700000001000000000
    assert attr(span, "s") == ("string", "text")
    assert attr(span, "b") == ("bool", True)
    assert attr(span, "i") == ("int", -42)
    assert attr(span, "d") == ("double", 2.5)
    assert attr(span, "tags") == ("array", [("string", "a"), ("string", "b"), ("string", "c")])
    assert attr(span, "flags") == ("array", [("bool", True), ("bool", False)])
    assert attr(span, "sizes") == ("array", [("int", 1), ("int", 2), ("int", 3), ("int", 5)])
    assert attr(span, "ratios") == ("array", [("double", 0.5), ("double", 1.25)])
    [lnk] = span["links"]
    assert (lnk["trace_id"], lnk["span_id"]) == ("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331")
    assert lnk["trace_state"] == "vendor=x"
    assert lnk["flags"] & 0xFF == 0x01 and lnk["flags"] & 0x300 == 0x300, "sampled, remote"
    assert lnk["attributes"]["link.kind"] == ("string", "follows")
    retry, exc = span["events"]
    assert retry["name"] == "retrying" and retry["time_unix_nano"] == 1700000000500000000
    assert retry["attributes"] == {"attempt": ("int", 3), "cache": ("string", "miss")}
    assert exc["name"] == "exception"
    assert exc["attributes"] == {
        "exception.type": ("string", "ValueError"),
        "exception.message": ("string", "bad input"),
        "exception.stacktrace": ("string", "at handler.c:42"),
    }
    assert (span["status_code"], span["status_message"]) == (STATUS_ERROR, "bad input")
    [d] = receiver.wait_for_spans(lambda s: s["name"] == "defaults")
    assert d["kind"] == 1 and d["scope_name"] == "checkout-lib"


def test_span_limits_from_the_environment(run, receiver, surface, link):
    env = {
        "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "2",
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "4",
        "OTEL_SPAN_EVENT_COUNT_LIMIT": "1",
        "OTEL_SPAN_LINK_COUNT_LIMIT": "1",
    }
    run_scenario(run, surface, link, "limits", env=env)
    [s] = receiver.wait_for_spans(lambda s: s["name"] == "limited")
    assert s["attributes"] == {"first": ("string", "abcd"), "second": ("int", 2)}
    assert s["dropped_attributes_count"] == 1
    assert [e["name"] for e in s["events"]] == ["e1"] and s["dropped_events_count"] == 1
    [l] = receiver.wait_for_spans(lambda s: s["name"] == "linked")
    assert len(l["links"]) == 1 and l["dropped_links_count"] == 1


def test_ratio_sampler_keeps_a_quarter(run, receiver, surface, link):
    env = {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25",
           "OTEL_BSP_MAX_QUEUE_SIZE": "20000"}
    out = run_scenario(run, surface, link, "sampler", env=env)
    recorded = int(out["RECORDED"])
    assert 2200 <= recorded <= 2800, f"kept {recorded} of 10000 (25% +- 3%)"
    started, ended, exported, dropped = map(int, out["STATS"].split())
    assert (started, ended, exported, dropped) == (recorded, recorded, recorded, 0)
    spans = receiver.wait_for_spans(lambda s: s["name"] == "sampled", count=recorded, timeout=20)
    assert len(spans) == recorded
    assert all(s["flags"] & 0x01 for s in spans)


def test_baggage_round_trip(run, receiver, surface, link):
    out = run_scenario(run, surface, link, "baggage")
    assert out["BAGGAGE"] == "serverNode=DF%2028;ttl=60,cart=3%20items%2C%201%20coupon"


def test_resource_from_config_and_detectors(run, receiver, surface, link):
    out = run_scenario(run, surface, link, "resource")
    [s] = receiver.wait_for_spans(lambda s: s["name"] == "with-resource")
    assert s["service_name"] == "surface-resource"
    assert resource_attr(s, "deployment.environment") == ("string", "staging")
    assert resource_attr(s, "team") == ("string", "payments"), "added attribute wins over OTEL_RESOURCE_ATTRIBUTES"
    assert resource_attr(s, "telemetry.sdk.language") == ("string", "cpp")
    assert resource_attr(s, "telemetry.sdk.name") == ("string", "otlp-ffi")
    assert resource_attr(s, "process.pid") == ("int", int(out["PID"]))
    assert resource_attr(s, "host.name")[0] == "string" and resource_attr(s, "host.name")[1]
    assert resource_attr(s, "process.executable.name")[1].startswith("test_surface")


def test_emit_records_a_whole_span_in_one_call(run, receiver, surface, link):
    out = run_scenario(run, surface, link, "emit")
    assert out["STATS"].split() == ["3", "3", "3", "0"], "three spans recorded, the invalid call none"
    [span] = receiver.wait_for_spans(lambda s: s["name"] == "GET /orders/{id}")
    assert span["service_name"] == "surface-emit"
    assert span["kind"] == SERVER
    assert span["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736", "joins the remote parent's trace"
    assert span["parent_span_id"] == "00f067aa0ba902b7"
    assert span["trace_state"] == "vendor=y"
    assert span["span_id"] not in ("", "00f067aa0ba902b7")
    assert (span["start_time_unix_nano"], span["end_time_unix_nano"]) == (1700000002000000000, 1700000003000000000)
    assert span["attributes"] == {
        "http.route": ("string", "/orders/{id}"),
        "attempt": ("int", 2),
        "ok": ("bool", True),
        "tags": ("array", [("string", "x"), ("string", "y")]),
    }
    [lnk] = span["links"]
    assert (lnk["trace_id"], lnk["span_id"]) == ("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331")
    [clamped] = receiver.wait_for_spans(lambda s: s["name"] == "clamped")
    assert clamped["start_time_unix_nano"] == clamped["end_time_unix_nano"] == 1700000005000000000
    assert clamped["parent_span_id"] == "" and clamped["kind"] == 1
    [now] = receiver.wait_for_spans(lambda s: s["name"] == "now")
    before, after = map(int, out["WINDOW"].split())
    assert before <= now["start_time_unix_nano"] <= now["end_time_unix_nano"] <= after
    assert now["trace_id"] != span["trace_id"] and now["parent_span_id"] == ""
