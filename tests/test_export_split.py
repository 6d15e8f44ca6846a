"""Export requests split by encoded size, from C (tests/c/test_split.c) against the real
receiver: a limit set small through otlp_config_set (OTEL_BSP_MAX_EXPORT_BYTES) splits a batch
of 3x the limit into several requests, each within it, and every span arrives once; a span
alone over the limit is dropped, counted and named in a warning with its size."""

from __future__ import annotations

from conftest import Runner


def test_small_limit_from_config_splits_requests_and_drops_a_span_over_it(build_c, own_receiver):
    binary = build_c("test_split.c")
    res = Runner(own_receiver)(binary, own_receiver.endpoint, timeout=60)
    spans = own_receiver.wait_for_spans(count=30, timeout=10)
    assert len(spans) == 30 and len({s["span_id"] for s in spans}) == 30
    assert {s["name"] for s in spans} == {"small"}
    requests = own_receiver.get_requests()
    assert len(requests) >= 3, requests
    assert all(r["body_len"] <= 65536 for r in requests), [r["body_len"] for r in requests]
    assert sum(r["spans"] for r in requests) == 30
    assert "too-big" in res.stderr and "OTEL_BSP_MAX_EXPORT_BYTES (65536 bytes)" in res.stderr, res.stderr
