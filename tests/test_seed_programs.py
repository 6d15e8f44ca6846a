"""The design document's four C programs (tests/c/seed_*.c, copied verbatim
from sections 3.1, 4.1, 5.1 and 10.2) compiled unchanged against
dist/include/otlp_ffi.h, linked statically and dynamically, run, and checked
against what the OTLP receiver on localhost:4318 decoded.
"""

from __future__ import annotations

import re
import shutil
import time

import pytest

from conftest import ROOT
from otlp_receiver import TRACES_PATH, attr, resource_attr

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")

# The seed's code compiles cleanly with -Wall -Wextra -Werror today.  Should a
# future header make the *seed's own* code trip a warning, relax the flags here
# for the seed files only -- never edit the seed programs.
SEED_WARNINGS = ["-Wall", "-Wextra", "-Werror"]


def build_seed(build_c, name, link):
    extra = ["-pthread"] if name == "seed_multi_threaded.c" else []
    return build_c(name, link=link, extra_flags=extra, warnings=SEED_WARNINGS)


def assert_well_formed(span, service):
    assert span["service_name"] == service, span
    assert resource_attr(span, "service.name") == ("string", service)
    assert HEX32.match(span["trace_id"]) and span["trace_id"] != "0" * 32, span["trace_id"]
    assert HEX16.match(span["span_id"]) and span["span_id"] != "0" * 16, span["span_id"]
    assert span["parent_span_id"] == "", "a root span has no parent"
    assert span["kind"] == 1, "otlp_span_create makes INTERNAL spans"
    assert span["status_code"] == 0 and span["status_message"] == ""
    assert 0 < span["start_time_unix_nano"] <= span["end_time_unix_nano"]
    # the span happened during this test run (within the last 10 minutes)
    now = time.time_ns()
    assert now - 600 * 10**9 < span["start_time_unix_nano"] <= now
    assert span["dropped_attributes_count"] == 0 and span["dropped_events_count"] == 0


def assert_requests_clean(receiver):
    reqs = receiver.get_requests()
    assert reqs, "no export request arrived"
    wrong = [r for r in reqs if r["path"] != TRACES_PATH]
    assert not wrong, f"requests went elsewhere than {TRACES_PATH} (the seed's bug posts to '/'): " \
                      f"{[(r['method'], r['path']) for r in wrong]}"
    for r in reqs:
        assert r["method"] == "POST"
        assert r["content_type"].startswith("application/x-protobuf"), r
        assert r["status"] == 200, r


def collect_exactly(receiver, count, service):
    """The program has exited: every span it ended must already be here,
    and only once.  (Spans of other services -- anything else exporting to
    localhost:4318 meanwhile -- are ignored.)"""
    def predicate(s):
        return s["service_name"] == service
    spans = receiver.wait_for_spans(predicate, count=count, timeout=5)
    time.sleep(0.3)
    spans = receiver.get_spans(predicate)
    assert len(spans) == count, f"expected exactly {count} span(s) of {service}\n" + receiver.dump()
    return spans


def test_seed_memory_example(build_c, run, receiver, link):
    exe = build_seed(build_c, "seed_memory.c", link)
    run(exe, timeout=60)
    [span] = collect_exactly(receiver, 1, "my-service")
    assert span["name"] == "my_operation"
    assert_well_formed(span, "my-service")
    assert attr(span, "key") == ("string", "value")
    assert set(span["attributes"]) == {"key"}
    assert span["events"] == []
    assert_requests_clean(receiver)


def test_seed_error_handling(build_c, run, receiver, link):
    exe = build_seed(build_c, "seed_error_handling.c", link)
    res = run(exe, timeout=60)
    assert "OTLP Error" not in res.stderr
    [span] = collect_exactly(receiver, 1, "my-service")
    assert span["name"] == "operation"
    assert_well_formed(span, "my-service")
    assert attr(span, "count") == ("int", 42)
    assert set(span["attributes"]) == {"count"}
    assert_requests_clean(receiver)


def test_seed_multi_threaded(build_c, run, receiver, link):
    exe = build_seed(build_c, "seed_multi_threaded.c", link)
    res = run(exe, timeout=60)
    assert "Init failed" not in res.stderr
    spans = collect_exactly(receiver, 10, "multi-threaded-app")
    by_name = {s["name"]: s for s in spans}
    assert sorted(by_name) == sorted(f"thread_{i}_work" for i in range(10)), sorted(by_name)
    for i in range(10):
        s = by_name[f"thread_{i}_work"]
        assert_well_formed(s, "multi-threaded-app")
        assert attr(s, "thread.id") == ("int", i)
        assert set(s["attributes"]) == {"thread.id"}
    assert len({s["span_id"] for s in spans}) == 10, "span ids must be distinct"
    assert len({s["trace_id"] for s in spans}) == 10, "each root span starts its own trace"
    assert_requests_clean(receiver)


def test_seed_test_ffi(build_c, run, receiver, link):
    exe = build_seed(build_c, "seed_test_ffi.c", link)
    res = run(exe, timeout=60)
    assert "test_init_and_free passed" in res.stdout
    assert "test_span_lifecycle passed" in res.stdout
    assert "All tests passed" in res.stdout
    [span] = collect_exactly(receiver, 1, "test-app")
    assert span["name"] == "test_span"
    assert_well_formed(span, "test-app")
    assert attr(span, "key") == ("string", "value")
    assert attr(span, "count") == ("int", 42)
    assert set(span["attributes"]) == {"key", "count"}
    assert_requests_clean(receiver)


def test_seed_test_ffi_without_collector(build_c, run, _receiver_session, link):
    """otlp_init succeeds when no collector listens (the seed's tests rely on
    it) and freeing the providers does not hang: stop the receiver, run the
    seed's test suite, restart the receiver."""
    exe = build_seed(build_c, "seed_test_ffi.c", link)
    _receiver_session.stop()
    try:
        t0 = time.monotonic()
        res = run(exe, timeout=90)
        elapsed = time.monotonic() - t0
    finally:
        _receiver_session.start()
    print(f"seed test suite against a closed port took {elapsed:.2f}s")
    assert "All tests passed" in res.stdout
    # two providers, each freed with at most the default 10 s exporter timeout
    assert elapsed < 25, f"the seed test suite took {elapsed:.1f}s with no collector"


VALGRIND_CMD = ["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
                "--show-leak-kinds=definite,indirect", "--error-exitcode=42", "--num-callers=30"]


@pytest.mark.parametrize("vlink", ["shared", "static"])
def test_seed_memory_example_valgrind_clean(build_c, run, receiver, vlink):
    if shutil.which("valgrind") is None:
        reason = "valgrind is not installed (apt-get install valgrind): the leak check of the seed's " \
                 "memory example did not run"
        print(reason)
        pytest.skip(reason)
    exe = build_seed(build_c, "seed_memory.c", vlink)
    res = run(exe, prefix=VALGRIND_CMD, timeout=600, check=False)
    summary = "\n".join(l for l in res.stderr.splitlines()
                        if any(k in l for k in ("definitely lost", "indirectly lost", "possibly lost",
                                                "still reachable", "ERROR SUMMARY", "in use at exit")))
    print(summary)
    assert res.returncode == 0, f"valgrind exit code {res.returncode} (42 = leaks or memory errors)\n" \
                                f"{res.stderr[-20000:]}"
    [span] = collect_exactly(receiver, 1, "my-service")
    assert span["name"] == "my_operation"
    assert attr(span, "key") == ("string", "value")
    assert span["service_name"] == "my-service"
    assert_requests_clean(receiver)


def test_quickstart_example(build_c, run, receiver):
    """examples/quickstart.c, the README's C program: continues an incoming trace with a SERVER
    span and a CLIENT child, against the receiver on localhost:4318."""
    exe = build_c(ROOT / "examples" / "quickstart.c", link="shared")
    res = run(exe, "http://localhost:4318", timeout=60)
    assert "outgoing headers: traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-" in res.stdout
    assert "tracestate: vendor=opaque-value" in res.stdout
    assert "exported 2, dropped 0" in res.stdout, res.stdout
    spans = collect_exactly(receiver, 2, "quickstart-c")
    by_name = {s["name"]: s for s in spans}
    server, client = by_name["GET /orders/{id}"], by_name["SELECT orders"]
    assert server["trace_id"] == client["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert server["parent_span_id"] == "00f067aa0ba902b7" and server["kind"] == 2
    assert client["parent_span_id"] == server["span_id"] and client["kind"] == 3
    assert server["trace_state"] == client["trace_state"] == "vendor=opaque-value"
    assert attr(server, "http.response.status_code") == ("int", 200)
    assert attr(server, "order.total") == ("double", 42.5)
    assert server["status_code"] == 1
    assert client["status_code"] == 2 and [e["name"] for e in client["events"]] == ["query sent", "exception"]
    assert_requests_clean(receiver)
