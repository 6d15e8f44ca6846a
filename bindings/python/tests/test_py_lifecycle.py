"""Provider lifecycle (close, with, atexit, __del__, shutdown), stats and configuration."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import otlp_ffi
from otlp_ffi import Stats, TracerProvider
from otlp_ffi_testutil import attr, child_env

PKG_PARENT = str(Path(otlp_ffi.__file__).resolve().parent.parent)


def run_script(code: str, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    """Runs ``code`` in a fresh interpreter that imports the same otlp_ffi as the tests."""
    res = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True,
                         text=True, timeout=timeout, env=child_env(PYTHONPATH=PKG_PARENT, **env))
    assert res.returncode == 0, f"exit {res.returncode}\n--- stdout\n{res.stdout}\n--- stderr\n{res.stderr}"
    return res


def test_atexit_flushes_a_provider_never_closed(receiver):
    t0 = time.monotonic()
    run_script("""
        import sys
        from otlp_ffi import TracerProvider
        provider = TracerProvider(sys.argv[1], "atexit-app")   # never closed
        with provider.get_tracer().start_span("at-exit") as span:
            span.set_attribute("n", 1)
    """, receiver.endpoint)
    assert time.monotonic() - t0 < 20
    [s] = receiver.wait_for_spans(lambda s: s["name"] == "at-exit", timeout=5)
    assert s["service_name"] == "atexit-app" and attr(s, "n") == ("int", 1)


def test_atexit_does_not_hang_without_collector():
    t0 = time.monotonic()
    run_script("""
        from otlp_ffi import TracerProvider
        p = TracerProvider("http://127.0.0.1:9", "nobody-listens", timeout_ms=1000)
        p.get_tracer().start_span("lost").end()
    """)
    assert time.monotonic() - t0 < 15


def test_del_is_a_backstop(receiver):
    p = TracerProvider(receiver.endpoint, "gc-app", schedule_delay_ms=60_000)
    p.get_tracer().start_span("collected").end()
    del p
    gc.collect()
    # freeing flushed it: the span is there without waiting for the 60 s schedule delay
    receiver.wait_for_spans(lambda s: s["name"] == "collected", timeout=5)


def test_with_block_closes_and_delivers(receiver):
    with TracerProvider(receiver.endpoint, "with-app", schedule_delay_ms=60_000) as p:
        p.get_tracer().start_span("in-with").end()
    assert p.closed
    receiver.wait_for_spans(lambda s: s["name"] == "in-with", timeout=5)


def test_shutdown_then_non_recording_spans(make_provider, receiver):
    p = make_provider()
    t = p.get_tracer()
    t.start_span("before-shutdown").end()
    p.shutdown(5000)
    p.shutdown(5000)  # second shutdown: OK
    span = t.start_span("after-shutdown")
    assert not span.is_recording()
    span.set_attribute("k", 1)
    span.end()
    assert p.force_flush(1000) is True
    receiver.wait_for_spans(lambda s: s["name"] == "before-shutdown")
    time.sleep(0.3)
    assert receiver.spans_named("after-shutdown") == []


def test_stats_dataclass_and_invariant(make_provider, receiver):
    p = make_provider()
    t = p.get_tracer()
    for i in range(50):
        t.start_span("counted", attributes={"i": i}).end()
    open_root = t.start_span("still-open")  # a root span: kept on the Python side, not counted yet
    p.force_flush(5000)
    assert p.stats().spans_started == 50
    open_child = t.start_span("open-child", parent=open_root)  # hands the root over, starts the child
    st = p.stats()
    assert isinstance(st, Stats)
    assert (st.spans_started, st.spans_ended, st.spans_exported, st.spans_dropped) == (52, 50, 50, 0)
    assert st.spans_ended == st.spans_exported + st.spans_dropped
    open_child.end()
    open_root.end()
    p.force_flush(5000)
    st = p.stats()
    assert (st.spans_started, st.spans_ended, st.spans_exported, st.spans_dropped) == (52, 52, 52, 0)
    assert len(receiver.wait_for_spans(lambda s: s["name"] == "counted", count=50)) == 50
    root, child = receiver.wait_for_spans(lambda s: s["name"] == "still-open")[0], \
        receiver.wait_for_spans(lambda s: s["name"] == "open-child")[0]
    assert child["parent_span_id"] == root["span_id"] and child["trace_id"] == root["trace_id"]


def test_full_queue_drops_and_counts(receiver):
    receiver.set_delay(1.0)
    p = TracerProvider(receiver.endpoint, "tiny-queue", max_queue_size=10, max_export_batch_size=5,
                       schedule_delay_ms=10)
    try:
        t = p.get_tracer()
        for _ in range(200):
            t.start_span("q").end()
        receiver.set_delay(0)
        p.force_flush(10_000)
        st = p.stats()
        assert st.spans_ended == 200
        assert st.spans_dropped >= 150
        assert st.spans_exported + st.spans_dropped == 200
    finally:
        receiver.set_delay(0)
        p.close()


def test_config_keywords_reach_the_exporter(receiver):
    p = TracerProvider(endpoint=receiver.endpoint, service_name="kw-app",
                       headers={"x-api-key": "s3cret=1,2", "x-team": "blue"},
                       timeout_ms=5000, max_queue_size=100, max_export_batch_size=10,
                       schedule_delay_ms=50, export_timeout_ms=5000,
                       attribute_count_limit=2, attribute_value_length_limit=4,
                       sampler="parentbased_always_on",
                       config={"OTEL_SPAN_EVENT_COUNT_LIMIT": "1"})
    try:
        with p.get_tracer().start_span("kw", attributes={"a": "long value", "b": 2, "c": 3}) as span:
            span.add_event("e1")
            span.add_event("e2")
        [s] = receiver.wait_for_spans(lambda s: s["name"] == "kw", timeout=5)  # no flush: 50 ms delay
        assert s["service_name"] == "kw-app"
        assert s["request_headers"]["x-api-key"] == "s3cret=1,2"
        assert s["request_headers"]["x-team"] == "blue"
        assert attr(s, "a") == ("string", "long")
        assert len(s["attributes"]) == 2 and s["dropped_attributes_count"] == 1
        assert len(s["events"]) == 1 and s["dropped_events_count"] == 1
    finally:
        p.close()


def test_traces_endpoint_is_used_as_is(receiver):
    receiver.accept_path("/custom/path")
    p = TracerProvider(traces_endpoint=receiver.endpoint + "/custom/path", service_name="custom")
    try:
        p.get_tracer().start_span("custom-path").end()
        p.force_flush(5000)
        assert [r["path"] for r in receiver.get_requests()] == ["/custom/path"]
    finally:
        p.close()


def test_disabled_exports_nothing(receiver):
    p = TracerProvider(receiver.endpoint, "off", disabled=True)
    try:
        span = p.get_tracer().start_span("disabled")
        assert not span.is_recording()
        span.end()
        p.force_flush(2000)
        assert p.stats() == Stats(0, 0, 0, 0, 0)
    finally:
        p.close()
    time.sleep(0.2)
    assert receiver.get_requests() == []


def test_explicit_arguments_win_over_environment(receiver, monkeypatch):
    monkeypatch.setenv("OTEL_SERVICE_NAME", "from-env")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
    with TracerProvider(service_name="explicit") as p:  # endpoint from the environment
        p.get_tracer().start_span("env-1").end()
    with TracerProvider() as p:                          # everything from the environment
        p.get_tracer().start_span("env-2").end()
    with TracerProvider("", "") as p:                    # "" means "not given", as in C
        p.get_tracer().start_span("env-3").end()
    names = {s["name"]: s["service_name"] for s in receiver.wait_for_spans(count=3, timeout=5)}
    assert names == {"env-1": "explicit", "env-2": "from-env", "env-3": "from-env"}


def test_every_config_keyword_maps_to_a_supported_key():
    from otlp_ffi._config import CONFIG_KEYWORDS

    samples = {"endpoint": "http://127.0.0.1:1", "service_name": "s", "traces_endpoint": "http://127.0.0.1:1/x",
               "headers": {"a": "b"}, "timeout_ms": 100, "max_queue_size": 10,
               "max_export_batch_size": 5, "schedule_delay_ms": 10, "export_timeout_ms": 100,
               "disabled": False, "sampler": "traceidratio", "sampler_arg": 0.5,
               "attribute_count_limit": 10, "attribute_value_length_limit": 10,
               "exporter": "otlp", "protocol": "http/protobuf", "compression": "gzip"}
    tls_files = {"certificate": "OTEL_EXPORTER_OTLP_CERTIFICATE",
                 "client_key": "OTEL_EXPORTER_OTLP_CLIENT_KEY",
                 "client_certificate": "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"}
    assert set(samples) | set(tls_files) == set(CONFIG_KEYWORDS)
    with TracerProvider(**samples) as p:
        assert not p.closed
    # The TLS keywords name files the core reads at init: a missing file names the variable.
    for kw, var in tls_files.items():
        with pytest.raises(otlp_ffi.OtlpError, match=var):
            TracerProvider("https://127.0.0.1:1", "s", **{kw: "/nonexistent/otlp-ffi.pem"})
    with pytest.raises(TypeError):
        TracerProvider(timeout_ms="10")  # type: ignore[arg-type]


def test_spans_survive_a_collector_that_is_down_for_a_while():
    """API-NOTES: failed batches are kept while the queue has room, so a collector that is down
    and comes back loses nothing that fitted in the queue."""
    import socket

    from otlp_ffi_testutil import OtlpReceiver

    with socket.socket() as s:  # a free port, nothing listening on it yet
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = TracerProvider(f"http://127.0.0.1:{port}", "comes-back", schedule_delay_ms=50, timeout_ms=2000)
    try:
        tracer = p.get_tracer()
        for i in range(20):
            with tracer.start_span("while-down") as span:
                span.set_attribute("i", i)
        deadline = time.monotonic() + 10
        while p.stats().export_failures == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert p.stats().export_failures > 0, "the exporter never tried the dead collector"
        assert p.stats().spans_dropped == 0
        rx = OtlpReceiver(port=port)
        rx.start()
        try:
            p.force_flush(10000)
            spans = rx.wait_for_spans(lambda s: s["name"] == "while-down", count=20, timeout=10)
            assert sorted(s["attributes"]["i"][1] for s in spans) == list(range(20))
            st = p.stats()
            assert (st.spans_ended, st.spans_exported, st.spans_dropped) == (20, 20, 0)
        finally:
            rx.stop()
    finally:
        p.close()
