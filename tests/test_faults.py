"""Faults seen from a C host (tests/c/test_faults.c), against dist/:

* RSS stays bounded while the collector is down and a program keeps recording spans;
* dlclose() of libotlp_ffi.so, after shutdown + free or with a provider still alive, does not
  crash the host (the library pinned itself when its first provider started);
* a provider freed while threads still use its spans: OTLP_ERROR_INVALID_HANDLE, no crash,
  no leak (valgrind).

The Rust side of the faults (storms, blackhole, slow receiver, resets, TLS stall, load) is
tests/faults.rs.  Every program here talks to a free port, never 4318.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess

import pytest

from conftest import C_DIR, CC, DIST_INCLUDE, SHARED_LIB, STRICT_WARNINGS, clean_env, format_result
from otlp_receiver import OtlpReceiver

VALGRIND_CMD = ["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
                "--show-leak-kinds=definite,indirect", "--error-exitcode=42", "--num-callers=30"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, timeout=120, env=None):
    res = subprocess.run([str(c) for c in cmd], env=clean_env(env), capture_output=True, text=True,
                         errors="replace", timeout=timeout)
    assert res.returncode == 0, format_result(cmd, res)
    return res


@pytest.fixture(scope="module")
def faults_exe(build_c):
    return build_c("test_faults.c", link="shared", extra_flags=["-pthread"])


@pytest.fixture(scope="module")
def dlclose_exe(dist, tmp_path_factory):
    """tests/c/test_dlclose.c, not linked with the library (it dlopen()s it)."""
    out = tmp_path_factory.mktemp("dlclose") / "test_dlclose"
    cmd = [CC, "-std=c11", *STRICT_WARNINGS, "-g", "-I", str(DIST_INCLUDE), str(C_DIR / "test_dlclose.c"),
           "-o", str(out), "-pthread", "-ldl"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, format_result(cmd, res)
    return out


def test_rss_stays_bounded_while_the_collector_is_down(faults_exe):
    spans = 1_000_000
    res = run([faults_exe, "rss", f"http://127.0.0.1:{free_port()}", spans], timeout=180)
    line = next(l for l in res.stdout.splitlines() if l.startswith("rss "))
    after = next(l for l in res.stdout.splitlines() if l.startswith("after_shutdown "))
    print(f"faults: {spans} spans with the collector down: {line}; {after}")
    fields = dict(kv.split("=") for kv in line.split()[1:])
    assert int(fields["ended"]) == spans
    # Beyond the queue (2048, plus the batches being exported) spans are dropped and counted at
    # once; nothing piles up.
    assert int(fields["dropped"]) >= spans - 2048 - 5 * 512, line
    assert int(fields["max_kib"]) - int(fields["first_kib"]) <= 16 * 1024, line
    # Once the shutdown settled, every span is counted: none delivered, all dropped.
    assert after == f"after_shutdown ended={spans} exported=0 dropped={spans}", after


@pytest.mark.parametrize("how", ["clean", "dirty"])
def test_dlclose_does_not_crash_the_host(dlclose_exe, how):
    res = run([dlclose_exe, SHARED_LIB, how], timeout=60)
    print(f"faults: dlclose {how}: {res.stdout.strip()!r}")
    assert "alive" in res.stdout, res.stdout
    # The first provider pins the library (src/pin.rs: RTLD_NODELETE), so dlclose() leaves it
    # mapped whatever the host did before: an export thread never runs unmapped code.
    assert re.search(r"unloaded=(yes|no)", res.stdout).group(1) == "no", res.stdout


def test_provider_freed_while_threads_use_its_spans(faults_exe):
    with OtlpReceiver(port=0) as rx:
        prefix = []
        if shutil.which("valgrind"):
            prefix = VALGRIND_CMD
        else:
            print("valgrind is not installed: the freed-provider program ran without the leak check")
        res = run([*prefix, faults_exe, "freed", rx.endpoint], timeout=300)
        assert "freed ok" in res.stdout, res.stdout + res.stderr
        if prefix:
            assert "ERROR SUMMARY: 0 errors" in res.stderr, res.stderr[-5000:]
