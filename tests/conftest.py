"""Shared fixtures for the C-level tests of libotlp_ffi.

* The library under test is what ``./build_all.sh`` laid out in ``dist/``
  (header, shared and static library, pkg-config file).  The tests never build
  the Rust crate themselves: without ``dist/`` they fail with a message that
  says to run ``./build_all.sh``.
* ``receiver``: a real OTLP/HTTP receiver (tests/receiver/otlp_receiver.py)
  on port 4318 -- the seed's programs hardcode ``http://localhost:4318`` --
  started once per session and cleared before each test.
* ``build_c(source, link="shared"|"static", extra_flags=...)`` compiles a C
  program against ``dist/`` with ``gcc -std=c11 -Wall -Wextra -Werror``
  (assertions stay enabled: no -DNDEBUG).
* ``run(binary, *args, env=..., timeout=...)`` runs it with a timeout and a
  clean OTEL_* environment, and fails the test on a non-zero exit unless told
  otherwise.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterable, Optional, Sequence

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
C_DIR = TESTS / "c"
DIST = ROOT / "dist"
DIST_INCLUDE = DIST / "include"
DIST_LIB = DIST / "lib"
HEADER = DIST_INCLUDE / "otlp_ffi.h"
SHARED_LIB = DIST_LIB / "libotlp_ffi.so"
STATIC_LIB = DIST_LIB / "libotlp_ffi.a"
PKGCONFIG_DIR = DIST_LIB / "pkgconfig"

RECEIVER_PORT = 4318

sys.path.insert(0, str(TESTS / "receiver"))
from otlp_receiver import OtlpReceiver  # noqa: E402

CC = os.environ.get("CC", "gcc")
STRICT_WARNINGS = ["-Wall", "-Wextra", "-Werror"]

# Prefixes of environment variables that the library reads; the tests start
# every program from a clean slate so a developer's shell cannot change them.
SCRUBBED_ENV_PREFIXES = ("OTEL_", "OTLP_TEST_")


# --------------------------------------------------------------------------
# dist/
# --------------------------------------------------------------------------

def _dist_problem() -> Optional[str]:
    missing = [p for p in (HEADER, SHARED_LIB, STATIC_LIB) if not p.is_file()]
    if missing:
        return (
            "the library is not built: missing "
            + ", ".join(str(p.relative_to(ROOT)) for p in missing)
            + f"\nrun ./build_all.sh in {ROOT} first (the tests use dist/, they never build cargo)"
        )
    return None


@pytest.fixture(scope="session")
def dist() -> Path:
    problem = _dist_problem()
    if problem:
        pytest.fail(problem, pytrace=False)
    checked_in = ROOT / "include" / "otlp_ffi.h"
    if checked_in.is_file() and checked_in.read_bytes() != HEADER.read_bytes():
        sys.stderr.write(
            "\nWARNING: dist/include/otlp_ffi.h differs from include/otlp_ffi.h: "
            "dist/ may be stale, re-run ./build_all.sh\n"
        )
    return DIST


def static_link_flags() -> list:
    """Flags to link dist/lib/libotlp_ffi.a: the archive by path (so the .so
    next to it cannot be picked) plus the system libraries the pkg-config file
    lists for a static link (fallback: -lpthread -ldl -lm)."""
    flags = None
    if (PKGCONFIG_DIR / "otlp_ffi.pc").is_file() and shutil.which("pkg-config"):
        env = dict(os.environ, PKG_CONFIG_PATH=str(PKGCONFIG_DIR))
        res = subprocess.run(["pkg-config", "--static", "--libs", "otlp_ffi"], env=env,
                             capture_output=True, text=True)
        if res.returncode == 0:
            flags = [f for f in shlex.split(res.stdout)
                     if not f.startswith("-L") and f not in ("-lotlp_ffi", "-l:libotlp_ffi.a")]
    if flags is None:
        flags = ["-lpthread", "-ldl", "-lm"]
    return [str(STATIC_LIB)] + flags


def shared_link_flags() -> list:
    return ["-L", str(DIST_LIB), "-lotlp_ffi", f"-Wl,-rpath,{DIST_LIB}"]


def _needed_libs(binary: Path) -> list:
    res = subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True)
    return [line.split("[", 1)[1].rstrip("]") for line in res.stdout.splitlines()
            if "(NEEDED)" in line and "[" in line]


class CBuilder:
    """Compiles C programs against dist/ into a per-session directory, once
    per (source, link, flags)."""

    def __init__(self, outdir: Path):
        self.outdir = outdir
        self._cache: Dict[tuple, Path] = {}

    def __call__(self, source, link: str = "shared", extra_flags: Sequence[str] = (),
                 warnings: Optional[Sequence[str]] = None, name: Optional[str] = None) -> Path:
        source = Path(source)
        if not source.is_absolute():
            source = C_DIR / source
        if link not in ("shared", "static"):
            raise ValueError(f"link must be 'shared' or 'static', not {link!r}")
        warnings = list(STRICT_WARNINGS if warnings is None else warnings)
        key = (str(source), link, tuple(extra_flags), tuple(warnings))
        if key in self._cache:
            return self._cache[key]
        out = self.outdir / f"{name or source.stem}-{link}-{len(self._cache)}"
        cmd = [CC, "-std=c11", *warnings, "-g", "-I", str(DIST_INCLUDE), str(source), "-o", str(out),
               *extra_flags, *(static_link_flags() if link == "static" else shared_link_flags())]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if res.returncode != 0:
            pytest.fail(f"compiling {source.name} ({link}) failed:\n$ {shlex.join(cmd)}\n"
                        f"{res.stdout}{res.stderr}", pytrace=False)
        needed = _needed_libs(out)
        if link == "static":
            assert not any("otlp_ffi" in n for n in needed), \
                f"{out.name} was meant to link libotlp_ffi.a statically but needs {needed}"
        else:
            assert "libotlp_ffi.so" in needed, f"{out.name} does not load libotlp_ffi.so: {needed}"
        self._cache[key] = out
        return out


@pytest.fixture(scope="session")
def build_c(dist, tmp_path_factory) -> CBuilder:
    return CBuilder(tmp_path_factory.mktemp("cbuild"))


# --------------------------------------------------------------------------
# running programs
# --------------------------------------------------------------------------

def clean_env(env: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED_ENV_PREFIXES)}
    base.update(env or {})
    return base


def format_result(cmd: Iterable[str], res) -> str:
    return (f"$ {shlex.join(str(c) for c in cmd)}\nexit code: {res.returncode}\n"
            f"--- stdout ---\n{res.stdout}\n--- stderr ---\n{res.stderr}")


class Runner:
    def __init__(self, receiver: Optional[OtlpReceiver] = None):
        self.receiver = receiver

    def __call__(self, binary, *args, env: Optional[Dict[str, str]] = None, timeout: float = 60,
                 check: bool = True, expect_rc: Optional[int] = None,
                 prefix: Sequence[str] = ()) -> subprocess.CompletedProcess:
        """Run ``binary args`` (under ``prefix``, e.g. valgrind) with a clean
        OTEL_* environment plus ``env``.  Fails the test when the program
        times out, or when its exit code is not 0 (``check``) or not
        ``expect_rc``."""
        cmd = [*prefix, str(binary), *[str(a) for a in args]]
        try:
            res = subprocess.run(cmd, env=clean_env(env), capture_output=True, text=True,
                                 errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
            pytest.fail(f"$ {shlex.join(cmd)}\ntimed out after {timeout}s (killed)\n"
                        f"--- stdout ---\n{out}\n--- stderr ---\n{err}" + self._dump(), pytrace=False)
        wanted = expect_rc if expect_rc is not None else (0 if check else None)
        if wanted is not None and res.returncode != wanted:
            pytest.fail(f"expected exit code {wanted}\n" + format_result(cmd, res) + self._dump(),
                        pytrace=False)
        return res

    def _dump(self) -> str:
        return ("\n--- receiver ---\n" + self.receiver.dump()) if self.receiver else ""


# --------------------------------------------------------------------------
# receiver
# --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def _receiver_session():
    rx = OtlpReceiver(port=RECEIVER_PORT)
    try:
        rx.start()
    except OSError as exc:
        pytest.fail(f"cannot start the OTLP test receiver on port {RECEIVER_PORT}: {exc}\n"
                    "(the seed programs hardcode http://localhost:4318: stop whatever listens there)",
                    pytrace=False)
    yield rx
    rx.stop()


@pytest.fixture
def receiver(_receiver_session) -> OtlpReceiver:
    """The session's receiver on port 4318, emptied (and its failures and
    delay reset) before the test."""
    _receiver_session.clear()
    yield _receiver_session
    _receiver_session.clear()


@pytest.fixture
def run(_receiver_session) -> Runner:
    return Runner(_receiver_session)


@pytest.fixture
def own_receiver():
    """A receiver of the test's own on a free port (not the shared 4318)."""
    rx = OtlpReceiver(port=0)
    rx.start()
    yield rx
    rx.stop()


@pytest.fixture(params=["static", "shared"])
def link(request) -> str:
    """Both ways a C program links libotlp_ffi."""
    return request.param
