"""fork() with a provider created before it, from C (tests/c/test_fork.c) against the real
receiver: children record on the parent's provider and their spans arrive exactly once; the
spans the parent had queued at fork time arrive once (from the parent); forking while an export
is in flight and while another thread creates and frees providers does not deadlock."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import Runner


@pytest.fixture
def run(own_receiver) -> Runner:
    return Runner(own_receiver)


def test_children_export_on_the_parents_provider(build_c, run, own_receiver):
    n, m, q = 6, 500, 40
    binary = build_c("test_fork.c", extra_flags=["-pthread"])
    # A long schedule delay keeps the parent's spans queued (not exported) at fork time.
    run(binary, "children", own_receiver.endpoint, n, m, q, env={"OTEL_BSP_SCHEDULE_DELAY": "60000"},
        timeout=120)
    spans = own_receiver.wait_for_spans(count=n * m + q + 1, timeout=20)
    ids = Counter(s["span_id"] for s in spans)
    repeated = [i for i, c in ids.items() if c > 1]
    assert not repeated, f"{len(repeated)} span ids arrived more than once"
    names = Counter(s["name"] for s in spans)
    expected = {f"child-{i}": m for i in range(n)}
    expected.update({"parent-queued": q, "parent-after": 1})
    assert dict(names) == expected
    assert len(ids) == n * m + q + 1
    # Trace ids do not repeat across the processes either (the id generator is reseeded).
    assert len({s["trace_id"] for s in spans}) == len(spans)


def test_fork_during_export_and_init_free_does_not_deadlock(build_c, run, own_receiver):
    own_receiver.set_delay(0.3)  # a slow collector: exports are in flight when fork() runs
    binary = build_c("test_fork.c", extra_flags=["-pthread"])
    res = run(binary, "inflight", own_receiver.endpoint, env={"OTEL_EXPORTER_OTLP_TIMEOUT": "5000"},
              timeout=240)
    assert "init/free loops:" in res.stderr
    # Each child's spans (on the pre-fork provider and on its own) arrive, once.
    spans = own_receiver.wait_for_spans(lambda s: s["name"] in ("inflight-child", "inflight-own"),
                                        count=40 * 6, timeout=30)
    ids = Counter(s["span_id"] for s in spans)
    assert all(c == 1 for c in ids.values())
    assert Counter(s["name"] for s in spans) == {"inflight-child": 200, "inflight-own": 40}
