"""Baggage: the W3C baggage header."""

from __future__ import annotations

from ctypes import byref, c_bool, c_void_p
from typing import Any, Mapping, MutableMapping, Optional

from . import _raw
from ._managed import Managed
from ._propagation import _header
from ._strings import _encode, _read_text
from .errors import _error

_lib = _raw.load()

__all__ = ["Baggage"]


class Baggage(Managed):
    """W3C Baggage: key/value pairs propagated with a request (``baggage`` header).

    ``Baggage()`` is empty; :meth:`extract` reads it from incoming headers; item access gets,
    sets and deletes entries; :meth:`inject` writes the header for an outgoing request. Keys are
    HTTP tokens; values any text (percent-encoded on the wire). Freed by :meth:`close`,
    ``with`` or garbage collection.
    """

    __slots__ = ()
    _free = staticmethod(_lib.otlp_baggage_free)
    _what = "Baggage"

    def __init__(self, entries: Optional[Mapping[str, str]] = None) -> None:
        h = c_void_p()
        rc = _lib.otlp_baggage_new(byref(h))
        if rc:
            raise _error(rc)
        self._h = h
        for k, v in (entries or {}).items():
            self[k] = v

    @classmethod
    def from_header(cls, header: str) -> "Baggage":
        """Parses a ``baggage`` header value (invalid members are skipped)."""
        h = c_void_p()
        rc = _lib.otlp_baggage_extract(_encode(header, "baggage header"), byref(h))
        if rc:
            raise _error(rc)
        return cls._adopt(h)

    @classmethod
    def extract(cls, headers: Mapping[str, Any]) -> "Baggage":
        """The baggage of an incoming request's headers (empty when there is none)."""
        value = _header(headers, "baggage")
        return cls() if value is None else cls.from_header(value)

    def __setitem__(self, key: str, value: str) -> None:
        rc = _lib.otlp_baggage_set(self._handle(), _encode(key, "baggage key"), _encode(value, "baggage value"))
        if rc:
            raise _error(rc)

    def get(self, key: str, default: Optional[str] = None) -> Optional[str]:
        """The value of ``key``, or ``default``."""
        h = self._handle()
        kb = _encode(key, "baggage key")
        found = c_bool()
        rc, text = _read_text(lambda buf, size: _lib.otlp_baggage_get(h, kb, buf, size, byref(found)),
                              (256, 8193, 1 << 20))
        if rc:
            raise _error(rc)
        return text.decode("utf-8") if found.value else default

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __delitem__(self, key: str) -> None:
        rc = _lib.otlp_baggage_remove(self._handle(), _encode(key, "baggage key"))
        if rc:
            raise _error(rc)

    def to_header(self) -> str:
        """The ``baggage`` header value (``""`` when empty)."""
        h = self._handle()
        rc, text = _read_text(lambda buf, size: _lib.otlp_baggage_inject(h, buf, size), (1024, 8193))
        if rc:
            raise _error(rc)
        return text.decode("utf-8")

    def inject(self, headers: Optional[MutableMapping[str, str]] = None) -> MutableMapping[str, str]:
        """Writes the ``baggage`` header into ``headers`` (a new dict when omitted; nothing
        when the baggage is empty) and returns it."""
        if headers is None:
            headers = {}
        value = self.to_header()
        if value:
            headers["baggage"] = value
        return headers

