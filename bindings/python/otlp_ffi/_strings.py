"""Strings crossing the C boundary: encoding, validation, the span name cache, and text the
library writes back.

Span names are cached as bytes (with their buffer's address) for the process, up to
``_CACHE_MAX`` of them, so that starting a span with a name seen before converts nothing
(attribute keys have their own cache, in :mod:`otlp_ffi._attributes`). ``_addr`` gives a bytes
object's buffer address for packed records (:mod:`otlp_ffi._layout`): on CPython ``id(b)`` plus
the bytes header size, checked at import against ctypes' own answer. :func:`_read_text` reads
text the library writes into a caller's buffer, growing the buffer while it is too small.
"""

from __future__ import annotations

import ctypes
import sys
from ctypes import Array, c_char, c_void_p, create_string_buffer
from typing import Any, Callable, Dict, Iterable, Tuple

from .errors import ErrorCode, _invalid

_CACHE_MAX = 4096
_NAMES: Dict[str, bytes] = {}
_NAME_ADDR: Dict[str, int] = {}  # cached name -> address of its bytes (alive for the process)

# Address of a bytes object's buffer. On CPython it is id(b) + the bytes header size (checked
# below against ctypes' own answer); elsewhere ctypes computes it (slower, same result).
_BYTES_OFFSET = sys.getsizeof(b"") - 1
_cast = ctypes.cast


def _addr_slow(b: bytes) -> int:
    return _cast(b, c_void_p).value or 0  # type: ignore[arg-type]


def _check_id_trick() -> bool:
    if sys.implementation.name != "cpython":
        return False
    for sample in (bytes(bytearray(b"otlp-ffi address check")), "é-check".encode()):
        if _addr_slow(sample) != id(sample) + _BYTES_OFFSET:
            return False
    return True


_ID_TRICK = _check_id_trick()


def _encode(text: Any, what: str) -> bytes:
    if text.__class__ is not str:
        if isinstance(text, str):
            text = str(text)
        else:
            raise TypeError(f"{what} must be str, not {type(text).__name__}")
    if "\0" in text:
        raise _invalid(f"{what} contains a NUL character: {text!r}")
    encoded: bytes = text.encode("utf-8")
    return encoded


def _lossless(text: str) -> bytes:
    """UTF-8 for free text from Python objects (messages, tracebacks): NUL and lone surrogates
    are escaped rather than refused."""
    return text.replace("\0", "\\0").encode("utf-8", "backslashreplace")


def _name_bytes(name: Any) -> bytes:
    b = _NAMES.get(name) if name.__class__ is str else None
    if b is None:
        b = _encode(name, "span name")
        if len(_NAMES) < _CACHE_MAX and name.__class__ is str:
            b = _NAMES.setdefault(name, b)  # atomic: racing threads agree on one bytes object
            if _ID_TRICK:
                _NAME_ADDR.setdefault(name, id(b) + _BYTES_OFFSET)
    return b


def _addr(b: bytes) -> int:
    return id(b) + _BYTES_OFFSET if _ID_TRICK else _addr_slow(b)


def _read_text(fill: Callable[["Array[c_char]", int], int], sizes: Iterable[int]) -> Tuple[int, bytes]:
    """Text the library writes into a caller's buffer (``char *buf, size_t len``):
    ``fill(buffer, size)`` is called with each size in turn while the library answers that the
    buffer is too small (OTLP_ERROR_INVALID_ARGUMENT). Returns ``(0, text)``, or ``(rc, b"")``
    for the last failure."""
    rc = 0
    for size in sizes:
        buf = create_string_buffer(size)
        rc = fill(buf, size)
        if rc == 0:
            return 0, buf.value
        if rc != ErrorCode.INVALID_ARGUMENT:
            break
    return rc, b""
