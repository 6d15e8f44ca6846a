"""The hostile-input sweep over every function of include/otlp_ffi.h (tests/sweep/).

tests/sweep/gen_sweep.py parses the header and writes one C case per (function, argument,
fault); this test regenerates it, compiles it against dist/ (linked statically, under
AddressSanitizer and UndefinedBehaviorSanitizer when gcc has them) and runs it offline
(OTEL_TRACES_EXPORTER=none). Any mismatch with the documented result fails; so does a crash,
which names its case (the rest of the cases still run, from the one after it).

AddressSanitizer sees the library's writes only where they go through an intercepted call
(memcpy); the canary bytes after every buffer and the valgrind run see every store.
The plain build also runs under valgrind when it is installed (a few seconds: the cases are
offline and small); SWEEP_NO_VALGRIND=1 skips that.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CC, ROOT, clean_env

SWEEP = ROOT / "tests" / "sweep"
GEN = SWEEP / "gen_sweep.py"
HEADER = ROOT / "include" / "otlp_ffi.h"
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]

sys.path.insert(0, str(SWEEP))
import gen_sweep  # noqa: E402


def crate_version() -> str:
    m = re.search(r'^version = "([^"]+)"', (ROOT / "Cargo.toml").read_text(), re.M)
    assert m
    return m.group(1)


def generate(out: Path, header: Path = HEADER) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(GEN), str(header), str(out)], capture_output=True, text=True)


def sanitizers_work(tmp: Path) -> bool:
    src = tmp / "probe.c"
    src.write_text("#include <stdlib.h>\nint main(void) { char *p = malloc(4); p[0] = 1; free(p); return 0; }\n")
    exe = tmp / "probe"
    res = subprocess.run([CC, *SANITIZE, str(src), "-o", str(exe)], capture_output=True)
    return res.returncode == 0 and subprocess.run([str(exe)], capture_output=True).returncode == 0


def run_sweep(binary: Path, prefix=(), timeout=240):
    """Runs every case; after a crash, starts again after the case that crashed. Returns
    (failure lines, crash descriptions, cases run, the seed)."""
    seed = random.getrandbits(64)
    env = clean_env({"SWEEP_EXPECT_VERSION": crate_version(), "OTEL_TRACES_EXPORTER": "none",
                     "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
                     "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"})
    first, fails, crashes, ran = 0, [], [], 0
    for _ in range(100):
        res = subprocess.run([*prefix, str(binary), str(first), str(seed)], env=env, capture_output=True, text=True,
                             errors="replace", timeout=timeout)
        lines = res.stdout.splitlines()
        fails += [line for line in lines if line.startswith(("FAIL ", "SETUP-FAIL"))]
        begun = [line for line in lines if line.startswith("BEGIN ")]
        ran += len([line for line in lines if line.startswith("PASS ")])
        summary = [line for line in lines if line.startswith("SUMMARY ")]
        if summary and res.returncode in (0, 1):
            return fails, crashes, ran, seed, summary[-1]
        last = begun[-1] if begun else "BEGIN ? (before the first case)"
        crashes.append(f"{last[6:]}: exit {res.returncode}\n{res.stderr[-3000:]}")
        try:
            first = int(last.split()[1]) + 1
        except (IndexError, ValueError):
            break
    return fails, crashes, ran, seed, ""


@pytest.fixture(scope="module")
def sweep_source(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "sweep.c"
    res = generate(out)
    assert res.returncode == 0, f"gen_sweep.py failed:\n{res.stdout}{res.stderr}"
    print(res.stdout.strip())
    return out


def compile_sweep(build_c, source: Path, sanitize: bool) -> Path:
    flags = ["-I", str(SWEEP), "-pthread"] + (SANITIZE if sanitize else [])
    return build_c(source, link="static", extra_flags=flags, name="sweep-asan" if sanitize else "sweep")


def report(fails, crashes, seed) -> str:
    return (f"seed {seed}\n" + "\n".join(fails[:200]) + (f"\n... {len(fails) - 200} more" if len(fails) > 200 else "")
            + ("\ncrashes:\n" + "\n".join(crashes) if crashes else ""))


def test_every_function_answers_hostile_input_as_documented(build_c, sweep_source, tmp_path):
    sanitize = sanitizers_work(tmp_path)
    binary = compile_sweep(build_c, sweep_source, sanitize)
    fails, crashes, ran, seed, summary = run_sweep(binary)
    print(f"{summary} (sanitizers: {'address,undefined' if sanitize else 'none: gcc lacks them'})")
    assert not fails and not crashes, report(fails, crashes, seed)
    assert summary, "the sweep did not finish"
    total = int(re.search(r"cases=(\d+)", summary).group(1))
    assert ran == total > 1000, summary


@pytest.mark.skipif(bool(os.environ.get("SWEEP_NO_VALGRIND")), reason="SWEEP_NO_VALGRIND is set")
def test_sweep_under_valgrind(build_c, sweep_source):
    if not shutil.which("valgrind"):
        pytest.skip("valgrind is not installed")
    binary = compile_sweep(build_c, sweep_source, sanitize=False)
    fails, crashes, ran, seed, summary = run_sweep(
        binary, prefix=("valgrind", "-q", "--error-exitcode=97", "--leak-check=full", "--errors-for-leak-kinds=definite"),
        timeout=600)
    assert not fails and not crashes, report(fails, crashes, seed)
    assert summary


# ---------------------------------------------------------------- the generator's own checks

def test_a_function_without_a_table_entry_fails_the_generation(tmp_path):
    header = tmp_path / "otlp_ffi.h"
    text = HEADER.read_text()
    header.write_text(text.replace("#ifdef __cplusplus\n}",
                                   "otlp_error_t otlp_span_frobnicate(otlp_span_t *span);\n\n#ifdef __cplusplus\n}"))
    res = generate(tmp_path / "out.c", header)
    assert res.returncode == 2 and "otlp_span_frobnicate" in res.stderr, res.stderr


def test_a_table_entry_for_a_function_the_header_lacks_fails(tmp_path):
    header = tmp_path / "otlp_ffi.h"
    text = HEADER.read_text()
    header.write_text(re.sub(r"^otlp_error_t otlp_span_update_name\(.*\);$", "", text, flags=re.M))
    res = generate(tmp_path / "out.c", header)
    assert res.returncode == 2 and "otlp_span_update_name" in res.stderr, res.stderr


def test_an_argument_of_an_unknown_type_fails(tmp_path):
    header = tmp_path / "otlp_ffi.h"
    header.write_text(HEADER.read_text().replace(
        "otlp_error_t otlp_span_update_name(otlp_span_t *span, const char *name);",
        "otlp_error_t otlp_span_update_name(otlp_span_t *span, const wchar_t *name);"))
    res = generate(tmp_path / "out.c", header)
    assert res.returncode == 2 and "does not know" in res.stderr, res.stderr


def test_table_and_doc_must_agree_on_required_pointers(monkeypatch):
    # `description` is optional by the doc; a table that forgets it is refused.
    funcs = gen_sweep.parse_header(HEADER.read_text())
    entry = gen_sweep.TABLE["otlp_span_set_status"]
    monkeypatch.setattr(entry, "optional", {})
    with pytest.raises(gen_sweep.TableError, match="description"):
        gen_sweep.Gen(funcs).run()


def test_a_wrong_expectation_is_reported(build_c, tmp_path, monkeypatch):
    """The harness detects a mismatch: with two expectations deliberately wrong, exactly those
    cases fail (and nothing else does)."""
    entry = gen_sweep.TABLE["otlp_baggage_set"]
    monkeypatch.setitem(entry.strings, "key", ("k2", "OTLP_OK", "OTLP_OK"))  # "" is not a token
    monkeypatch.setitem(gen_sweep.TABLE, "otlp_span_start", gen_sweep.Entry(
        strings={"name": ("sweep", "OTLP_OK", "OTLP_OK")}, optional={"parent": "OTLP_ERROR_NULL_POINTER"},
        scalars={"kind": ("OTLP_SPAN_KIND_SERVER", ["0"])}))  # a NULL parent is a root span
    out = tmp_path / "sweep_wrong.c"
    out.write_text(gen_sweep.Gen(gen_sweep.parse_header(HEADER.read_text())).run())
    binary = compile_sweep(build_c, out, sanitize=False)
    fails, crashes, _, seed, summary = run_sweep(binary)
    assert not crashes, report(fails, crashes, seed)
    keys = sorted({" ".join(line.split()[2:5]).rstrip(":") for line in fails})
    assert keys == ["otlp_baggage_set key empty", "otlp_span_start parent null"], report(fails, crashes, seed)
