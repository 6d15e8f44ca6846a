"""os.fork(): what the core allows, and that nothing hangs.

libotlp_ffi exports on a background thread; threads do not survive fork(). So in a child:
* a provider created before the fork cannot export there: the binding makes its tracers raise
  ProviderClosedError (explaining why) instead of queueing spans that would never leave, and
  does not flush it at the child's exit (that would wait for a thread that does not exist);
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
        parent = TracerProvider(endpoint, "fork-parent")
        tracer = parent.get_tracer()
        tracer.start_span("before-fork").end()
        parent.force_flush(5000)
        open_root = tracer.start_span("open-across-fork")  # kept on the Python side
        open_root.set_attribute("set.in", "parent")

        def child():
            t0 = time.monotonic()
            try:
                tracer.start_span("child-inherited")
                started = "yes"
            except ProviderClosedError as exc:
                started = str(exc)
            open_root.set_attribute("set.in", "child")
            open_root.end()  # the parent's provider cannot export here: a no-op
            return {"started": started, "took": time.monotonic() - t0, "ended": open_root.ended}

        result, code, exit_time = in_child(child)
        tracer.start_span("after-fork").end()
        open_root.end()  # the parent's copy of the span is still open: exported once, from here
        parent.force_flush(5000)
        print(json.dumps({"child": result, "code": code, "exit_time": exit_time}))
    """, receiver.endpoint)
    assert out["code"] == 0
    assert "before os.fork()" in out["child"]["started"]
    assert out["child"]["took"] < 1
    assert out["child"]["ended"] is True
    assert out["exit_time"] < 5, "the child's exit waited for an export thread that does not exist"
    names = sorted(s["name"] for s in receiver.wait_for_spans(count=3, timeout=5))
    assert names == ["after-fork", "before-fork", "open-across-fork"]
    [kept] = receiver.spans_named("open-across-fork")
    assert kept["attributes"] == {"set.in": ("string", "parent")}
    assert receiver.spans_named("child-inherited") == []


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
