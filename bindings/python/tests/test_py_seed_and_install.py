"""The design document's Python usage, run as written (plus one import), and how the package
finds / bundles libotlp_ffi."""

from __future__ import annotations

import ctypes.util
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import otlp_ffi
from otlp_ffi import _loader, _raw
from otlp_ffi_testutil import REPO, OtlpReceiver, attr, child_env

PKG_PARENT = str(Path(otlp_ffi.__file__).resolve().parent.parent)
EXAMPLE = REPO / "bindings" / "python" / "examples" / "seed_usage.py"


def seed_usage_from_design_document():
    """Section 6.1's usage block (``if __name__ == '__main__':`` ...), taken from the seed in
    ../shared/seed when it is there."""
    for seed_dir in (REPO.parent / "shared" / "seed", Path("/work/shared/seed")):
        for f in sorted(seed_dir.glob("*.txt")) if seed_dir.is_dir() else []:
            text = f.read_text(encoding="utf-8")
            m = re.search(r"## 6\. Python.*?```python\n(.*?)```", text, flags=re.S)
            if not m:
                continue
            block = m.group(1)
            start = block.index("if __name__ == '__main__':")
            return block[start:]
    return None


def test_example_is_the_seed_usage_verbatim():
    usage = seed_usage_from_design_document()
    if usage is None:
        pytest.skip("the design document (../shared/seed) is not beside this checkout")
    example = EXAMPLE.read_text(encoding="utf-8")
    assert example.rstrip().endswith(usage.rstrip())


def test_seed_usage_runs_as_written_and_its_span_arrives(tmp_path):
    """The seed hardcodes http://localhost:4318: a receiver listens there for this test only."""
    usage = seed_usage_from_design_document()
    script = tmp_path / "seed_usage.py"
    if usage is not None:
        script.write_text("from otlp_ffi import TracerProvider\n\n" + usage, encoding="utf-8")
    else:
        script.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    rx = OtlpReceiver(port=4318)
    try:
        rx.start()
    except OSError as exc:
        why = f"port 4318 is busy ({exc}); the seed's script needs it (is the C suite running?)"
        if os.environ.get("CI"):
            pytest.fail(why)  # CI runs the suites one after the other: never skip there
        pytest.skip(why)
    try:
        res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                             env=child_env(PYTHONPATH=PKG_PARENT))
        assert res.returncode == 0, res.stderr
        assert res.stdout.splitlines() == ["Doing work...", "Span exported!"]
        [span] = rx.wait_for_spans(lambda s: s["name"] == "my_operation", timeout=10)
        assert span["service_name"] == "python-app"
        assert attr(span, "user.id") == ("int", 12345)
        assert attr(span, "action") == ("string", "purchase")
        assert span["parent_span_id"] == "" and span["kind"] == 1
    finally:
        rx.stop()


# ---------------------------------------------------------------------------------------------
# finding the library
# ---------------------------------------------------------------------------------------------

def _import_in_child(**env: str) -> subprocess.CompletedProcess:
    code = "import otlp_ffi, otlp_ffi._raw as r; print(r.library_path)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=child_env(PYTHONPATH=PKG_PARENT, **env))


def test_env_variable_wins():
    lib = _raw.library_path
    assert lib and os.path.isfile(lib)
    res = _import_in_child(OTLP_FFI_LIBRARY=lib)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == lib


def test_env_variable_pointing_nowhere_is_an_error_naming_it():
    res = _import_in_child(OTLP_FFI_LIBRARY="/nonexistent/libotlp_ffi.so")
    assert res.returncode != 0
    assert "LibraryNotFoundError" in res.stderr
    assert "/nonexistent/libotlp_ffi.so (OTLP_FFI_LIBRARY): no such file" in res.stderr


def test_not_found_lists_every_place_tried(monkeypatch, tmp_path):
    monkeypatch.delenv("OTLP_FFI_LIBRARY", raising=False)
    monkeypatch.setattr(_loader, "BUNDLED", tmp_path / "pkg" / "_lib" / _loader.LIBRARY_FILE)
    monkeypatch.setattr(_loader, "SOURCE_REPO", tmp_path / "repo")
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    monkeypatch.setattr(_loader, "LIBRARY_FILE", "libotlp_ffi_does_not_exist.so")
    with pytest.raises(_loader.LibraryNotFoundError) as ei:
        _loader.load()
    msg = str(ei.value)
    assert isinstance(ei.value, ImportError)
    assert [place for place, _ in ei.value.tried] == [
        f"{tmp_path / 'pkg' / '_lib' / 'libotlp_ffi.so'} (bundled)",
        f"{tmp_path / 'repo' / 'dist' / 'lib' / 'libotlp_ffi_does_not_exist.so'} (source tree)",
        f"{tmp_path / 'repo' / 'target' / 'release' / 'libotlp_ffi_does_not_exist.so'} (source tree)",
        "libotlp_ffi_does_not_exist.so (system)",
    ]
    assert "build_all.sh" in msg and "OTLP_FFI_LIBRARY" in msg


def test_library_loaded_from_an_expected_place():
    where = Path(_raw.library_path).resolve()
    expected = {_loader.BUNDLED.resolve(), (REPO / "dist" / "lib" / _loader.LIBRARY_FILE).resolve(),
                (REPO / "target" / "release" / _loader.LIBRARY_FILE).resolve()}
    assert os.environ.get("OTLP_FFI_LIBRARY") or where in expected or not where.is_absolute()


def test_wheel_bundles_the_built_library(tmp_path):
    """``pip wheel ./bindings/python`` (what ``pip install`` builds) carries dist/lib's library."""
    dist_lib = REPO / "dist" / "lib" / _loader.LIBRARY_FILE
    if not dist_lib.is_file():
        pytest.skip("dist/ is not built (./build_all.sh)")
    # Build from a copy laid out like the repository (<copy>/bindings/python + <copy>/dist/lib),
    # so setup.py's own discovery is exercised and the checkout gets no build/ or egg-info.
    copy = tmp_path / "repo"
    shutil.copytree(REPO / "bindings" / "python", copy / "bindings" / "python",
                    ignore=shutil.ignore_patterns("tests", "build", "*.egg-info", "__pycache__", "*.so"))
    (copy / "dist" / "lib").mkdir(parents=True)
    (copy / "dist" / "lib" / _loader.LIBRARY_FILE).symlink_to(dist_lib)
    out = tmp_path / "wheels"
    try:  # with the build backend installed, build offline; otherwise pip fetches it
        import setuptools  # noqa: F401
        import wheel  # noqa: F401
        isolation = ["--no-build-isolation"]
    except ImportError:
        isolation = []
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", *isolation, "-w", str(out),
         str(copy / "bindings" / "python")],
        capture_output=True, text=True, timeout=300,
        env={k: v for k, v in child_env().items() if k != "OTLP_FFI_LIBRARY"})
    if res.returncode != 0 and ("No matching distribution" in res.stderr or "Could not fetch" in res.stderr):
        pytest.skip(f"cannot fetch the build backend (offline?): {res.stderr[-300:]}")
    assert res.returncode == 0, res.stdout + res.stderr
    [wheel] = out.glob("otlp_ffi-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert f"otlp_ffi/_lib/{_loader.LIBRARY_FILE}" in names
        assert "otlp_ffi/py.typed" in names
        assert zf.getinfo(f"otlp_ffi/_lib/{_loader.LIBRARY_FILE}").file_size == dist_lib.stat().st_size
    assert "none-any" not in wheel.name  # platform-specific: it carries a native library
