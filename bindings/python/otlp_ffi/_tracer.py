"""Tracer: starts spans (the start of the hot path).

A root span without links is not started in the library: :meth:`Tracer.start_span` packs its
``otlp_finished_span_t`` record but for what ``end()`` adds and returns a :class:`Span` kept on
this side (see :mod:`otlp_ffi._span`). Other spans start with one call (``otlp_span_start`` or
``otlp_span_start_with_options``).
"""

from __future__ import annotations

import time
from ctypes import byref, c_void_p
from typing import TYPE_CHECKING, Any, Iterable, List, Mapping, Optional, Tuple, Union

from . import _raw, _strings
from ._attributes import AttributeValue, _pack_attributes
from ._layout import _FIN_SIZE, _OPTS_SIZE, _P_FIN_START, _P_LINK, _P_OPTIONS
from ._propagation import SpanContext
from ._span import _KIND_INTERNAL, _NO_BOX, Span, SpanKind, _check_ns, _f_start_opts
from ._strings import _BYTES_OFFSET, _ID_TRICK, _addr, _name_bytes
from .errors import ErrorCode, OtlpError, _invalid

if TYPE_CHECKING:
    from ._provider import TracerProvider

_raw.load()
_fast = _raw.fast

# Assigned, not imported by name, on purpose: CPython 3.11 compiles ``name.get(...)`` of a
# from-imported name as an attribute load that builds a bound method on every call, instead of
# LOAD_METHOD; on start_span's fast path that costs about 35 ns (3-5% of a root span).
_NAME_ADDR = _strings._NAME_ADDR
_NAMES = _strings._NAMES

_f_start = _fast.otlp_span_start
_KINDS = frozenset(int(k) for k in SpanKind)


class Tracer:
    """Starts spans. Get it from :meth:`TracerProvider.get_tracer`; share it across threads."""

    __slots__ = ("_provider", "_h", "__weakref__")
    _provider: TracerProvider
    _h: Optional[c_void_p]

    def __init__(self) -> None:  # pragma: no cover - guard
        raise TypeError("use TracerProvider.get_tracer()")

    @property
    def provider(self) -> TracerProvider:
        """The provider this tracer belongs to."""
        return self._provider

    def start_span(
        self,
        name: str,
        kind: SpanKind = _KIND_INTERNAL,
        parent: Union["SpanContext", "Span", None] = None,
        attributes: Optional[Mapping[str, AttributeValue]] = None,
        links: Optional[Iterable[Any]] = None,
        start_time: Optional[int] = None,
    ) -> "Span":
        """Starts a span (usable as a context manager that ends it).

        Args:
            name: span name.
            kind: a :class:`SpanKind` (default INTERNAL).
            parent: ``None`` for a new trace (root span), a :class:`SpanContext` (from
                :func:`extract`, a remote parent) or a :class:`Span` (a local parent).
            attributes: a dict set at start (the sampler sees them).
            links: an iterable of :class:`SpanContext` / :class:`Span`, or of
                ``(context_or_span, attributes_dict)`` pairs.
            start_time: start time in nanoseconds since the epoch (default: now).

        C calls: none for a root span without links (it is kept on this side and handed to the
        library by ``end()`` in one call, see :class:`Span`); one otherwise
        (``otlp_span_start``, or ``otlp_span_start_with_options`` with attributes, links or a
        start time).

        Raises:
            InvalidArgumentError (ValueError): bad name, kind or attribute (nothing started).
            TypeError: an attribute value of an unsupported type.
            InvalidHandleError: the provider is closed, or ``parent`` is no longer valid.
        """
        na = _NAME_ADDR.get(name)
        if na is not None and parent is None and links is None and start_time is None and \
                kind.__class__ is SpanKind and self._h is not None:
            # A root span is kept on this side until it ends: one C call in all (see Span). Its
            # otlp_finished_span_t is packed now but for what end() adds. Inline on purpose:
            # _start() below does the same for any name, kind or start time, but calling it (and
            # its checks again) costs about 0.1 us of a root span's 1.1 us.
            t0 = _time_ns()
            span = _new_span(Span)
            if attributes:
                sbuf, scount, skeep = _pack_attributes(attributes)
                span._st = (_P_FIN_START(_FIN_SIZE, na, kind, id(sbuf) + _BYTES_OFFSET, scount, t0), sbuf, skeep)
            else:
                span._st = (_P_FIN_START(_FIN_SIZE, na, kind, 0, 0, t0),)
            span._box = [[]]
            span._h = None
            span._tracer = self
            span._name = name
            return span
        return self._start(name, kind, parent, attributes, links, start_time)

    def _start(self, name: str, kind: Any, parent: Any, attributes: Any, links: Any, start_time: Any) -> "Span":
        """start_span beyond its fast path: any name, kind or start time, parents, links."""
        if kind.__class__ is not SpanKind:
            kind = _check_kind(kind)
        nb = _NAMES.get(name)
        if nb is None:
            nb = _name_bytes(name)
        if parent is None and links is None and _ID_TRICK and self._h is not None:
            t0 = _time_ns() if start_time is None else _check_ns(start_time, "start_time")
            span = _new_span(Span)
            na = id(nb) + _BYTES_OFFSET
            if attributes:
                sbuf, scount, skeep = _pack_attributes(attributes)
                span._st = (_P_FIN_START(_FIN_SIZE, na, kind, id(sbuf) + _BYTES_OFFSET, scount, t0), sbuf,
                            skeep, nb)
            else:
                span._st = (_P_FIN_START(_FIN_SIZE, na, kind, 0, 0, t0), nb)
            span._box = [[]]
            span._h = None
            span._tracer = self
            span._name = name
            return span
        h = c_void_p()
        if attributes and links is None and start_time is None and _ID_TRICK:
            # the common case inline: attributes packed, then one otlp_span_start_with_options
            abuf, count, keep = _pack_attributes(attributes)
            rc = _f_start_opts(self._h, nb, _P_OPTIONS(
                _OPTS_SIZE, kind, 0 if parent is None else (_parent_handle(parent).value or 0),
                id(abuf) + _BYTES_OFFSET, count, 0, 0, 0), byref(h))
            del abuf, keep
        elif attributes or links or start_time:
            rc = self._start_with_options(nb, kind, parent, attributes, links, start_time, h)
        elif parent is None:
            rc = _f_start(self._h, nb, kind, None, byref(h))
        else:
            rc = _f_start(self._h, nb, kind, _parent_handle(parent), byref(h))
        if rc:
            raise self._start_error(rc)
        span = _new_span(Span)
        span._h = h
        span._box = _NO_BOX
        span._tracer = self
        span._name = name
        return span

    def _start_with_options(self, nb: bytes, kind: int, parent: Any, attributes: Any, links: Any,
                            start_time: Any, out: c_void_p) -> int:
        count = 0
        abuf = b""
        keep: Any = None
        if attributes:
            abuf, count, keep = _pack_attributes(attributes)
        ph = 0 if parent is None else (_parent_handle(parent).value or 0)
        lbuf, nlinks, lkeep = _pack_links(links) if links else (b"", 0, None)
        start_time = 0 if start_time is None else _check_ns(start_time, "start_time")
        opts = _P_OPTIONS(_OPTS_SIZE, kind, ph, _addr(abuf) if count else 0, count,
                          _addr(lbuf) if nlinks else 0, nlinks, start_time)
        rc = _f_start_opts(self._h, nb, opts, byref(out))
        del keep, lkeep, abuf, lbuf
        return int(rc)

    def _start_error(self, rc: int) -> OtlpError:
        p = self._provider
        if self._h is None:  # closed
            return p._closed_or(ErrorCode.INVALID_HANDLE)
        return p._closed_or(rc)


_new_span = object.__new__
_time_ns = time.time_ns  # CLOCK_REALTIME, the clock the library stamps spans with


def _check_kind(kind: Any) -> SpanKind:
    if isinstance(kind, bool) or not isinstance(kind, int):
        raise TypeError(f"kind must be a SpanKind, not {type(kind).__name__}")
    if kind not in _KINDS:
        raise _invalid(f"kind={kind} is not a SpanKind (1..5)")
    return SpanKind(kind)


def _parent_handle(parent: Any) -> c_void_p:
    if isinstance(parent, Span):
        parent = parent.context
    if isinstance(parent, SpanContext):
        h = parent._h
        if h is None:
            raise parent._closed_error("parent")
        return h
    raise TypeError(f"parent must be a SpanContext, a Span or None, not {type(parent).__name__}")


def _pack_links(links: Iterable[Any]) -> Tuple[bytes, int, List[Any]]:
    """``otlp_link_t[]`` for start_span(links=...): ``(buffer, count, keep)``."""
    parts: List[bytes] = []
    keep: List[Any] = []
    for link in links:
        if isinstance(link, tuple):
            target, attrs = link
        else:
            target, attrs = link, None
        ctx = target.context if isinstance(target, Span) else target
        ch = _parent_handle(ctx)
        keep.append(ctx)
        if attrs:
            abuf, n, akeep = _pack_attributes(attrs)
            keep += (abuf, akeep)
            parts.append(_P_LINK(ch.value or 0, _addr(abuf), n))
        else:
            parts.append(_P_LINK(ch.value or 0, 0, 0))
    buf = b"".join(parts)
    return buf, len(parts), keep
