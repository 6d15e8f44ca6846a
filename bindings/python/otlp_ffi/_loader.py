"""Finding and loading libotlp_ffi.

Search order (the first that loads wins):

1. ``$OTLP_FFI_LIBRARY`` - a path to the shared library. When it is set, nothing else is
   tried: an explicit choice that does not work is an error, not a reason to load another copy.
2. The copy bundled into the package at install time (``otlp_ffi/_lib/``; ``pip install
   ./bindings/python`` after ``./build_all.sh`` puts it there).
3. The source tree, when the package is used from a checkout (``PYTHONPATH=bindings/python``
   or an editable install): ``<repo>/dist/lib`` then ``<repo>/target/release``.
4. The system loader (``LD_LIBRARY_PATH``, ``DYLD_LIBRARY_PATH``, ``PATH``, ldconfig).

When none works, :class:`LibraryNotFoundError` lists every place tried and why it failed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from pathlib import Path
from typing import List, Tuple

ENV_VAR = "OTLP_FFI_LIBRARY"

if sys.platform == "win32":  # pragma: no cover - not built there yet
    LIBRARY_FILE = "otlp_ffi.dll"
elif sys.platform == "darwin":  # pragma: no cover
    LIBRARY_FILE = "libotlp_ffi.dylib"
else:
    LIBRARY_FILE = "libotlp_ffi.so"

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED = PACKAGE_DIR / "_lib" / LIBRARY_FILE
#: <repo> when the package is imported from bindings/python/otlp_ffi of a checkout.
SOURCE_REPO = PACKAGE_DIR.parent.parent.parent


class LibraryNotFoundError(ImportError):
    """libotlp_ffi could not be loaded; ``tried`` lists ``(place, reason)`` pairs."""

    def __init__(self, tried: List[Tuple[str, str]]):
        self.tried = tried
        lines = "\n".join(f"  - {place}: {why}" for place, why in tried)
        super().__init__(
            "otlp_ffi: cannot load the native library " + LIBRARY_FILE + ". Tried:\n" + lines +
            "\nBuild it with ./build_all.sh at the repository root and reinstall the package "
            "(pip install ./bindings/python), or set " + ENV_VAR + " to the library's path."
        )


def candidates() -> List[Tuple[str, str]]:
    """The places searched, in order, as ``(kind, path-or-name)``."""
    env = os.environ.get(ENV_VAR)
    if env:
        return [("env", env)]
    out = [("bundled", str(BUNDLED))]
    for sub in ("dist/lib", "target/release"):
        out.append(("source tree", str(SOURCE_REPO / sub / LIBRARY_FILE)))
    found = ctypes.util.find_library("otlp_ffi")
    if found:
        out.append(("system", found))
    out.append(("system", LIBRARY_FILE))
    return out


def load() -> Tuple[ctypes.CDLL, str]:
    """Loads the library; returns ``(cdll, path_or_name)``."""
    tried: List[Tuple[str, str]] = []
    for kind, where in candidates():
        label = f"{where} ({ENV_VAR})" if kind == "env" else f"{where} ({kind})"
        if kind != "system" and not os.path.isfile(where):
            tried.append((label, "no such file"))
            continue
        try:
            # CDLL (not PyDLL): every call releases the GIL while the library runs.
            return ctypes.CDLL(where), where
        except OSError as exc:
            tried.append((label, str(exc) or type(exc).__name__))
    raise LibraryNotFoundError(tried)
