"""Bundles the prebuilt libotlp_ffi into the wheel (pure Python otherwise: no compilation).

``pip install ./bindings/python`` after ``./build_all.sh`` copies the first of these into
``otlp_ffi/_lib/`` of the built package:

1. ``$OTLP_FFI_LIBRARY`` (a path to the shared library),
2. ``<repo>/dist/lib/libotlp_ffi.{so,dylib}`` (what build_all.sh lays out),
3. ``<repo>/target/release/libotlp_ffi.{so,dylib}``.

When none exists the package is still built (with a warning): at run time ``import otlp_ffi``
then looks in ``OTLP_FFI_LIBRARY``, the source tree and the system loader path, and says what it
tried when nothing works. Set ``OTLP_FFI_REQUIRE_LIBRARY=1`` to make a missing library an error
at install time instead.

A wheel that carries the library is platform specific, so it is tagged as such.
"""

import os
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
if sys.platform == "darwin":
    LIB = "libotlp_ffi.dylib"
elif sys.platform == "win32":
    LIB = "otlp_ffi.dll"
else:
    LIB = "libotlp_ffi.so"


def find_library():
    env = os.environ.get("OTLP_FFI_LIBRARY")
    candidates = [Path(env)] if env else []
    candidates += [REPO / "dist" / "lib" / LIB, REPO / "target" / "release" / LIB]
    for c in candidates:
        if c.is_file():
            return c, candidates
    return None, candidates


class BuildPyWithLibrary(build_py):
    def run(self):
        super().run()
        lib, tried = find_library()
        dest_dir = Path(self.build_lib) / "otlp_ffi" / "_lib"
        dest_dir.mkdir(parents=True, exist_ok=True)
        for old in dest_dir.glob("*otlp_ffi*"):
            old.unlink()
        if lib is None:
            msg = ("otlp_ffi: libotlp_ffi was not found to bundle (looked at: "
                   + ", ".join(str(t) for t in tried)
                   + "). Run ./build_all.sh at the repository root first, or set OTLP_FFI_LIBRARY "
                   "when importing.")
            if os.environ.get("OTLP_FFI_REQUIRE_LIBRARY"):
                raise SystemExit(msg)
            print("WARNING: " + msg, file=sys.stderr)
            return
        shutil.copy2(lib, dest_dir / LIB)
        print(f"otlp_ffi: bundled {lib}", file=sys.stderr)


class BinaryDistribution(Distribution):
    """The wheel carries a native library: tag it for this platform."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildPyWithLibrary}, distclass=BinaryDistribution)
