"""os.fork(): providers keep working in the child, every span arrives once, nothing hangs.

libotlp_ffi exports on a background thread; threads do not survive fork(). So in a child:
* a provider created before the fork records and exports there: the library starts an export
  thread of the child's own on first use; what the parent had queued is exported by the parent
  only; the child's spans are delivered when it closes the provider (atexit, or
  multiprocessing's exit hook for its workers);
* a provider created in the child works when no provider was open in the parent at fork time;
* a provider created in the child exports even when one was open in the parent at fork time
  (the core leaves the inherited, thread-less export runtime alone and starts a new one).
The parent is unaffected. Each scenario runs in a fresh interpreter (forking pytest itself,
with its threads, would be asking for trouble).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import otlp_ffi
from otlp_ffi_testutil import child_env

PKG_PARENT = str(Path(otlp_ffi.__file__).resolve().parent.parent)

PRELUDE = """
import json, os, sys, time, warnings
from otlp_ffi import TracerProvider, ProviderClosedError
endpoint = sys.argv[1]

def in_child(fn):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            result = fn()
        except BaseException as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        os.write(w, json.dumps(result).encode())
        os.close(w)
        sys.exit(0)          # normal exit: atexit handlers run
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    t0 = time.monotonic()
    _, status = os.waitpid(pid, 0)
    return json.loads(data), os.waitstatus_to_exitcode(status), time.monotonic() - t0
"""


def run_scenario(body: str, endpoint: str, timeout: float = 60) -> dict:
    code = textwrap.dedent(PRELUDE) + textwrap.dedent(body)
    res = subprocess.run([sys.executable, "-c", code, endpoint], capture_output=True, text=True,
                         timeout=timeout, env=child_env(PYTHONPATH=PKG_PARENT))
    assert res.returncode == 0, f"--- stdout\n{res.stdout}\n--- stderr\n{res.stderr}"
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no os.fork on this platform")
def test_provider_created_before_fork(receiver):
    out = run_scenario("""
        parent = TracerProvider(endpoint, "fork-parent", schedule_delay_ms=60000)
        tracer = parent.get_tracer()
        tracer.start_span("before-fork").end()   # queued in the parent at fork time
        open_root = tracer.start_span("open-across-fork")
        open_root.set_attribute("set.in", "parent")
        open_root.context                          # now a span of the library

        def child():
            t0 = time.monotonic()
            tracer.start_span("child-inherited").end()
            open_root.set_attribute("set.in", "child")
            open_root.end()  # the parent's span: ending this copy exports nothing
            parent.force_flush(5000)
            s = parent.stats()
            return {"took": time.monotonic() - t0, "ended": open_root.ended,
                    "stats": [s.spans_started, s.spans_ended, s.spans_exported, s.spans_dropped]}

        result, code, exit_time = in_child(child)
        tracer.start_span("after-fork").end()
        open_root.end()  # the parent's copy of the span: exported once, from here
        parent.force_flush(5000)
        print(json.dumps({"child": result, "code": code, "exit_time": exit_time}))
    """, receiver.endpoint)
    assert out["code"] == 0, out
    assert "error" not in out["child"], out
    assert out["child"]["took"] < 5
    assert out["child"]["ended"] is True
    # The child's own counts: its one span, exported; none of the parent's.
    assert out["child"]["stats"] == [1, 1, 1, 0]
    assert out["exit_time"] < 5
    names = sorted(s["name"] for s in receiver.wait_for_spans(count=4, timeout=5))
    assert names == ["after-fork", "before-fork", "child-inherited", "open-across-fork"]
    [kept] = receiver.spans_named("open-across-fork")
    assert kept["attributes"] == {"set.in": ("string", "parent")}
    [inherited] = receiver.spans_named("child-inherited")
    assert inherited["service_name"] == "fork-parent"


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no os.fork on this platform")
def test_multiprocessing_fork_workers_export_every_span_once(receiver):
    """8 multiprocessing workers (start method 'fork') on the parent's provider, 1,000 spans
    each, nothing called by the worker: all 8,000 arrive, each once (the worker's provider is
    closed by multiprocessing's exit hook, as os._exit skips atexit)."""
    out = run_scenario("""
        import multiprocessing as mp
        provider = TracerProvider(endpoint, "fork-pool", schedule_delay_ms=60000)
        tracer = provider.get_tracer()
        for i in range(50):
            tracer.start_span("parent-queued").end()   # queued at fork time: the parent's

        def work(n):
            for i in range(1000):
                with tracer.start_span(f"worker-{n}") as s:
                    s.set_attribute("i", i)

        ctx = mp.get_context("fork")
        procs = [ctx.Process(target=work, args=(n,)) for n in range(8)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        codes = [p.exitcode for p in procs]
        provider.close()
        print(json.dumps({"codes": codes}))
    """, receiver.endpoint, timeout=120)
    assert out["codes"] == [0] * 8
    spans = receiver.wait_for_spans(count=8050, timeout=20)
    ids = [s["span_id"] for s in spans]
    assert len(ids) == len(set(ids)) == 8050, "a span arrived twice or its id repeated"
    assert len({s["trace_id"] for s in spans}) == 8050
    per_name: dict = {}
    for s in spans:
        per_name[s["name"]] = per_name.get(s["name"], 0) + 1
    assert per_name == {"parent-queued": 50, **{f"worker-{n}": 1000 for n in range(8)}}


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no os.fork on this platform")
def test_provider_created_in_child_when_parent_had_none_open(receiver):
    out = run_scenario("""
        with TracerProvider(endpoint, "closed-before-fork") as p:
            p.get_tracer().start_span("parent-span").end()

        def child():
            with TracerProvider(endpoint, "fork-child") as c:
                c.get_tracer().start_span("child-span").end()
                c.force_flush(5000)
            return {"ok": True}

        result, code, exit_time = in_child(child)
        print(json.dumps({"child": result, "code": code}))
    """, receiver.endpoint)
    assert out == {"child": {"ok": True}, "code": 0}
    [s] = receiver.wait_for_spans(lambda s: s["name"] == "child-span", timeout=5)
    assert s["service_name"] == "fork-child"


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no os.fork on this platform")
def test_provider_created_in_child_while_parent_had_one_open_exports(receiver):
    out = run_scenario("""
        parent = TracerProvider(endpoint, "fork-parent-open")

        def child():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                c = TracerProvider(endpoint, "fork-child-2", timeout_ms=1000)
            c.get_tracer().start_span("child-span-2").end()
            t0 = time.monotonic()
            try:
                c.force_flush(1000)
                flushed = "ok"
            except Exception as exc:
                flushed = type(exc).__name__
            return {"warned": [str(w.message) for w in caught if w.category is RuntimeWarning],
                    "flushed": flushed, "flush_time": time.monotonic() - t0}

        result, code, exit_time = in_child(child)
        print(json.dumps({"child": result, "code": code, "exit_time": exit_time}))
    """, receiver.endpoint)

    assert out["code"] == 0
    assert out["child"]["warned"] == []
    assert out["child"]["flushed"] == "ok", out
    assert out["child"]["flush_time"] < 3
    assert out["exit_time"] < 15  # the child's atexit close is bounded by timeout_ms (+ retries)
    [s] = receiver.wait_for_spans(lambda s: s["name"] == "child-span-2", timeout=5)
    assert s["service_name"] == "fork-child-2"
