"""SpanContext (a parent context) and W3C trace-context propagation: extract, inject.

``Span.inject`` and the span's ``traceparent`` / ``tracestate`` are in :mod:`otlp_ffi._span`
(they need the library's span); :func:`inject` here is the same as a function.
"""

from __future__ import annotations

from ctypes import byref, c_void_p
from typing import TYPE_CHECKING, Any, Mapping, MutableMapping, Optional

from . import _raw
from ._managed import Managed
from ._strings import _encode
from .errors import InvalidArgumentError, _error

if TYPE_CHECKING:
    from ._span import Span

_lib = _raw.load()

__all__ = ["SpanContext", "extract", "inject"]


class SpanContext(Managed):
    """An immutable parent context (trace id, span id, flags, tracestate).

    From :func:`extract` / :meth:`from_traceparent` (a remote parent) or :attr:`Span.context`
    (a local one). It stays valid after its span ends or its provider closes. Freed by
    :meth:`close` (idempotent; spans started under it are not affected), ``with``, or garbage
    collection.
    """

    __slots__ = ()
    _free = staticmethod(_lib.otlp_context_free)
    _what = "SpanContext"

    def __init__(self) -> None:  # pragma: no cover - guard
        raise TypeError("use extract(), SpanContext.from_traceparent() or Span.context")

    @classmethod
    def from_traceparent(cls, traceparent: str, tracestate: Optional[str] = None) -> "SpanContext":
        """Parses W3C ``traceparent`` (+ optional ``tracestate``).

        Raises InvalidArgumentError (ValueError) when ``traceparent`` is malformed; an invalid
        ``tracestate`` is dropped silently (W3C).
        """
        h = c_void_p()
        tp = _encode(traceparent, "traceparent")
        if tracestate is None:
            rc = _lib.otlp_context_extract(tp, byref(h))
        else:
            rc = _lib.otlp_context_extract_with_state(tp, _encode(tracestate, "tracestate"), byref(h))
        if rc:
            raise _error(rc)
        return cls._adopt(h)


def _header(headers: Mapping[str, Any], name: str) -> Optional[str]:
    """The value of header ``name`` (lowercase) in an HTTP header mapping (also Baggage's)."""
    value = headers.get(name)
    if value is None:
        for k, v in headers.items():
            if isinstance(k, str) and k.lower() == name:
                value = v
                break
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    elif not isinstance(value, str):  # several header lines (list/tuple)
        parts = [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in value]
        if name == "traceparent":
            return parts[0] if len(parts) == 1 else None  # W3C: several traceparents = invalid
        value = ",".join(parts)
    return value


def extract(headers: Mapping[str, Any]) -> Optional[SpanContext]:
    """Reads ``traceparent`` / ``tracestate`` from an HTTP header mapping (names matched
    case-insensitively; values may be str, bytes or a list of lines).

    Returns the remote parent :class:`SpanContext`, or ``None`` when ``traceparent`` is missing
    or invalid (W3C: the receiver then starts a new trace). Pass it as ``parent=`` to
    :meth:`Tracer.start_span`.
    """
    tp = _header(headers, "traceparent")
    if tp is None:
        return None
    ts = _header(headers, "tracestate")
    try:
        return SpanContext.from_traceparent(tp.strip(), ts)
    except (InvalidArgumentError, TypeError):
        return None


def inject(span: Span, headers: Optional[MutableMapping[str, str]] = None) -> MutableMapping[str, str]:
    """``span.inject(headers)``: writes ``traceparent``/``tracestate`` of ``span`` into
    ``headers`` and returns it."""
    return span.inject(headers)

