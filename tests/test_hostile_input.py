"""Hostile or unusual input at the C API (tests/c/test_hostile.c, static and
shared): secrets in header settings, a decoded NUL in baggage, NULL optional
strings, is_recording after shutdown. Spans go to the real OTLP receiver."""

from __future__ import annotations

import pytest

from otlp_receiver import resource_attr

TOKEN = "tok3n-9f8e7d6c5b4a"
STATUS_ERROR, STATUS_OK = 2, 1


@pytest.fixture(scope="session")
def _hostile_binaries(build_c):
    return {link: build_c("test_hostile.c", link=link) for link in ("static", "shared")}


@pytest.fixture
def hostile(_hostile_binaries, run, link, receiver):
    def call(scenario, *args, env=None):
        env = {"OTLP_TEST_ENDPOINT": receiver.endpoint, **(env or {})}
        res = run(_hostile_binaries[link], scenario, *args, env=env, timeout=60)
        assert res.stdout.rstrip().endswith(f"OK {scenario}"), f"{res.stdout}\n{res.stderr}"
        return res
    return call


def one(receiver, name):
    receiver.wait_for_spans(lambda s: s["name"] == name)
    spans = receiver.spans_named(name)
    assert len(spans) == 1, receiver.dump()
    return spans[0]


@pytest.mark.parametrize("env_key", ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"])
def test_header_secrets_never_echoed(hostile, receiver, env_key):
    res = hostile("header_secrets", TOKEN, env={env_key: f"Authorization: Bearer {TOKEN}"})
    messages = [line[4:] for line in res.stdout.splitlines() if line.startswith("MSG ")]
    assert len(messages) == 12, res.stdout
    for m in messages:
        assert TOKEN not in m
        assert m.startswith("OTLP_ERROR_INVALID_ARGUMENT") and "entry " in m, m
    assert "entry 1 has no '='" in messages[0]
    assert "entry 2 has no '='" in messages[1]
    # The environment's bad value: one warning naming the key and the problem, not the value.
    warnings = [line for line in res.stderr.splitlines() if "warning" in line]
    assert any(env_key in w and "entry 1 has no '='" in w for w in warnings), res.stderr
    assert TOKEN not in res.stderr and TOKEN not in res.stdout
    # The bad setting was ignored: the span went out without it.
    one(receiver, "secret_probe")
    assert all(TOKEN not in str(r["headers"]) for r in receiver.get_requests())


def test_header_secret_in_valid_setting_is_sent_not_shown(hostile, receiver):
    # The valid form of the same setting reaches the collector as a header, and nowhere else.
    res = hostile("header_secrets", TOKEN, env={"OTEL_EXPORTER_OTLP_HEADERS": f"authorization=Bearer%20{TOKEN}"})
    assert TOKEN not in res.stderr and TOKEN not in res.stdout
    one(receiver, "secret_probe")
    assert {r["headers"].get("authorization") for r in receiver.get_requests()} == {f"Bearer {TOKEN}"}


def test_baggage_decoded_nul_is_skipped(hostile):
    res = hostile("baggage_nul")
    assert "MSG j=ok,y=a%2500b" in res.stdout


def test_null_optional_strings_mean_absent(hostile, receiver):
    hostile("optional_strings", env={"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
                                     "OTEL_SERVICE_NAME": "svc-from-env"})
    for name in ("status_null_description", "status_empty_description", "status_description_cleared"):
        span = one(receiver, name)
        assert (span["status_code"], span["status_message"]) == (STATUS_ERROR, ""), name
        assert span["service_name"] == "svc-from-env", "otlp_init(NULL, NULL) reads OTEL_SERVICE_NAME"
    assert one(receiver, "status_ok_null")["status_code"] == STATUS_OK
    exc = one(receiver, "exception_nulls")
    assert [e["name"] for e in exc["events"]] == ["exception"]
    assert set(exc["events"][0]["attributes"]) == {"exception.message"}
    scoped = one(receiver, "scoped_nulls")
    assert (scoped["scope_name"], scoped["scope_version"], scoped["scope_schema_url"]) == \
        ("scope-null-version", "", "")
    assert one(receiver, "required_probe")["status_code"] == 0, "failed calls left the span alone"
    # An explicit endpoint with a NULL service name: the environment's name applies.
    assert one(receiver, "endpoint_given_service_null")["service_name"] == "svc-from-env"


def test_null_service_name_falls_back_to_the_default(hostile, receiver):
    hostile("optional_strings", env={"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint})
    span = one(receiver, "endpoint_given_service_null")
    assert span["service_name"].startswith("unknown_service"), span["service_name"]
    assert resource_attr(span, "service.name").value == span["service_name"]


def test_is_recording_false_after_shutdown(hostile, receiver):
    res = hostile("recording_after_shutdown")
    one(receiver, "ended_before_shutdown")
    for name in ("started_before_shutdown", "child_before_shutdown", "started_after_shutdown"):
        assert receiver.spans_named(name) == [], f"{name} was exported after shutdown"
    stats = dict(p.split("=") for p in next(
        line for line in res.stdout.splitlines() if line.startswith("STATS ")).split()[2:])
    # The two recording spans that ended after shutdown are counted as dropped.
    assert (stats["started"], stats["ended"], stats["exported"], stats["dropped"]) == ("3", "3", "1", "2"), stats
