"""Span, with its kept-in-Python state machine; SpanKind and StatusCode.

What a span costs (crossings of the C boundary, ~0.2-0.4 us each through ctypes): a root span
without links crosses once - it is kept on this side while it runs (start time, attributes
validated and packed as they are set) and ``end()`` hands the whole span over with
``otlp_span_emit``; the first call that needs the library's span (context, ids, events,
status, a child) starts it there instead (see :class:`Span`). Other spans cross at
start (``otlp_span_start`` / ``otlp_span_start_with_options``), once per attribute call
(``set_attributes`` sets many in one) and at end. The per-span calls go through argtypes-free
ctypes function objects that keep the GIL (``_raw.fast``: they never wait), with exactly-typed
arguments; attribute arrays and span records are packed with :mod:`struct` from cached per-key
records (:mod:`otlp_ffi._attributes`) rather than built field by field with ctypes.
"""

from __future__ import annotations

import enum
import os
import struct
import threading
import traceback
from ctypes import byref, c_bool, c_double, c_int64, c_size_t, c_uint64, c_void_p, create_string_buffer
from types import TracebackType
from typing import TYPE_CHECKING, Any, List, Mapping, MutableMapping, Optional, Tuple, Type

from . import _attributes, _raw
from ._attributes import (_INT64_MAX, _INT64_MIN, _KEY_INFO, _T_DOUBLE, _T_INT, AttributeValue, _coerce,
                          _join_kept, _join_records, _key_bytes, _pack_attributes, _pack_general, _str_miss)
from ._layout import _ATTR_SIZE, _FIN_HEAD, _OPTS_SIZE, _P_DOUBLE, _P_FIN_TAIL, _P_INT, _P_OPTIONS, _U_FIN_START
from ._propagation import SpanContext
from ._strings import _BYTES_OFFSET, _encode, _lossless, _name_bytes, _read_text
from .errors import ErrorCode, OtlpError, ProviderClosedError, SpanEndedError, _invalid

if TYPE_CHECKING:
    from ._tracer import Tracer

_lib = _raw.load()
_fast = _raw.fast

# Assigned, not imported by name, on purpose (see _tracer: a from-imported name's .get() would be
# compiled without LOAD_METHOD and cost a bound method per set_attribute)
_KEYS = _attributes._KEYS
_adopt_context = SpanContext._adopt  # (the same for Span.context: one bound method for all)


class SpanKind(enum.IntEnum):
    """The role of a span (``otlp_span_kind_t``; values from the raw layer's table)."""

    INTERNAL = _raw.OTLP_SPAN_KIND_INTERNAL
    SERVER = _raw.OTLP_SPAN_KIND_SERVER
    CLIENT = _raw.OTLP_SPAN_KIND_CLIENT
    PRODUCER = _raw.OTLP_SPAN_KIND_PRODUCER
    CONSUMER = _raw.OTLP_SPAN_KIND_CONSUMER


class StatusCode(enum.IntEnum):
    """Span status (``otlp_status_code_t``; values from the raw layer's table)."""

    UNSET = _raw.OTLP_STATUS_UNSET
    OK = _raw.OTLP_STATUS_OK
    ERROR = _raw.OTLP_STATUS_ERROR


_KIND_INTERNAL = SpanKind.INTERNAL

_f_start_opts = _fast.otlp_span_start_with_options  # also Tracer's (a hand-over starts the span)
_f_emit = _fast.otlp_span_emit
_f_end = _fast.otlp_span_end
_f_set_attributes = _fast.otlp_span_set_attributes
_f_set_str = _fast.otlp_span_set_attribute_string
_f_set_int = _fast.otlp_span_set_attribute_int
_f_set_bool = _fast.otlp_span_set_attribute_bool
_f_set_double = _fast.otlp_span_set_attribute_double
_SIZE_T = [c_size_t(i) for i in range(64)]  # shared read-only size_t arguments
_C_TRUE = c_bool(True)   # shared read-only arguments for otlp_span_set_attribute_bool
_C_FALSE = c_bool(False)

# Held while a span kept on this side is started in the library (Span._hand_over), so that a
# concurrent end() or set_attribute() that finds the span's box empty can wait for its handle.
_HANDOVER = threading.Lock()
_NO_BOX: List[List[Any]] = []  # the box of spans started in the library (never filled)


def _after_fork_in_child() -> None:
    global _HANDOVER
    _HANDOVER = threading.Lock()  # another parent thread may have held it at fork time


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _check_ns(value: Any, what: str) -> int:
    """A timestamp argument: an int of nanoseconds since the epoch, at most 2**63 - 1 (the
    year 2262; the C API takes uint64_t, the binding packs int64)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{what} must be a non-negative int (nanoseconds since the epoch)")
    if value > _INT64_MAX:
        raise _invalid(f"{what}={value} is beyond 2**63 - 1 nanoseconds (the year 2262)")
    return value


class Span:
    """An operation being timed. Created by :meth:`Tracer.start_span`.

    ``with tracer.start_span("op") as span:`` ends the span when the block exits; an exception
    leaving the block is recorded first (:meth:`record_exception`) and then propagates.
    :meth:`end` may be called more than once (later calls do nothing). Every other method
    raises :class:`~otlp_ffi.errors.SpanEndedError` after the span ended. A span is safe to use
    from several threads (the library serializes calls on one span).

    A root span (no parent, no links) is kept on this side while it runs: its start time, the
    attributes given at start and those set afterwards (validated and packed as they are set);
    :meth:`end` hands the whole span to the library in one call (``otlp_span_emit``), where the
    sampler decides, ids are generated and the span is queued. The first call that needs the
    library's span (:attr:`context`, :meth:`inject`, ids, events, status, :meth:`is_recording`,
    a child) starts it there (``otlp_span_start_with_options`` with the recorded start time and
    start attributes, then the later attributes) and the span continues as any other. The
    exported span is the same either way; provider stats count a root span once it was handed
    over. Spans with a parent or links are started in the library at once.
    """

    __slots__ = ("_h", "_box", "_st", "_tracer", "_name", "_ctx", "__weakref__")
    _h: Optional[c_void_p]  # the library's span, once started there; None before and after
    # While the span is kept on this side: [records], the records being the packed attributes
    # set so far (bytes, or (bytes, keep-alive) pairs). Emptied by one atomic list.pop() when
    # the span ends or is handed over: whoever pops owns that step.
    _box: List[List[Any]]
    # While kept on this side: (its otlp_finished_span_t as start_span packed it, then what the
    # record points into, unless cached for the process: start attributes, keep-alives, name).
    _st: Tuple[Any, ...]
    _tracer: Tracer
    _name: str
    _ctx: Optional["SpanContext"]

    def __init__(self) -> None:  # pragma: no cover - guard
        raise TypeError("use Tracer.start_span()")

    # -- lifecycle ----------------------------------------------------------------------------
    def end(self, end_time: Optional[int] = None) -> None:
        """Ends the span and queues it for export (never waits on the network). Idempotent:
        a second call does nothing.

        ``end_time``: nanoseconds since the epoch (default: now).
        """
        box = self._box
        if box:  # kept on this side
            if end_time is not None:
                end_time = _check_ns(end_time, "end_time")
            try:
                recs = box.pop()
            except IndexError:  # ended, or handed over by another thread, meanwhile
                return self._end_handed_over(end_time)
            rc = self._emit(recs, end_time) if recs or end_time else _f_emit(self._tracer._h, self._st[0])
            if rc:
                self._emit_failed(rc)
            return
        h = self._h
        if h is None:
            return
        if end_time is None:
            self._h = None
            _f_end(h)
            return
        end_time = _check_ns(end_time, "end_time")
        self._h = None
        rc = _fast.otlp_span_end_with_timestamp(h, c_uint64(end_time))
        if rc:
            raise self._fail(rc)

    def __enter__(self) -> "Span":
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        if exc is None:  # end() without an end time, inline: calling end() costs 2-3% of a span
            box = self._box
            if box:
                try:
                    recs = box.pop()
                except IndexError:
                    return self._end_handed_over(None)
                rc = self._emit(recs, None) if recs else _f_emit(self._tracer._h, self._st[0])
                if rc:
                    self._emit_failed(rc)
                return
            h = self._h
            if h is not None:
                self._h = None
                _f_end(h)
            return
        if not self.ended:
            try:
                self.record_exception(exc)
            except OtlpError:
                pass
        self.end()

    def _emit(self, recs: List[Any], end_time: Optional[int]) -> int:
        """end() of a span kept on this side, with attributes set after the start or an end
        time: its record completed, then otlp_span_emit."""
        if recs:
            try:
                # One C-level step under the GIL: a record appended after it is re-applied by
                # its caller (Span._late); the list keeps the records' keep-alives.
                abuf = b"".join(recs)
            except TypeError:  # some records come with a keep-alive
                abuf = _join_kept(recs)
            tail = _P_FIN_TAIL(id(abuf) + _BYTES_OFFSET, len(abuf) // _ATTR_SIZE, end_time or 0)
        else:
            tail = _P_FIN_TAIL(0, 0, end_time)
        rc: int = _f_emit(self._tracer._h, self._st[0][:_FIN_HEAD] + tail)
        return rc

    def _emit_failed(self, rc: int) -> None:
        if self._tracer._h is None:
            return  # provider closed: a no-op, as for any open span
        raise self._fail(rc)

    def _end_handed_over(self, end_time: Optional[int]) -> None:
        with _HANDOVER:  # wait for a hand-over in progress
            pass
        if self._h is not None:
            self.end(end_time)

    def _hand_over(self) -> c_void_p:
        """Starts a span kept on this side in the library (with its recorded start time and
        attributes), for a call that needs the library's span. Returns the handle."""
        with _HANDOVER:
            h = self._h
            if h is not None:
                return h
            try:
                recs = self._box.pop()
            except IndexError:
                raise self._ended_error() from None
            st = self._st
            _name, kind, sattrs, scount, t0 = _U_FIN_START(st[0])
            tracer = self._tracer
            h = c_void_p()
            rc = _f_start_opts(tracer._h, _name_bytes(self._name),
                               _P_OPTIONS(_OPTS_SIZE, kind, 0, sattrs, scount, 0, 0, t0), byref(h))
            if rc:
                raise tracer._start_error(rc)
            self._h = h
            if recs:  # (appends after the pop are re-applied by their caller: _late)
                buf, n = _join_records(recs)
                rc = _f_set_attributes(h, buf, c_size_t(n))
                if rc:
                    raise self._fail(rc)
        return h

    def _late(self, again: Any, *args: Any) -> None:
        """An attribute call found the span's box empty, or emptied while it appended: the span
        ended or was handed over (maybe by another thread, maybe still in progress). Wait for a
        hand-over in progress, then apply the call the ordinary way (setting the same value
        twice is harmless) or report the span ended."""
        with _HANDOVER:
            pass
        if self._h is None:
            raise self._ended_error()
        again(self, *args)

    @property
    def name(self) -> str:
        """The span's name."""
        return self._name

    @property
    def ended(self) -> bool:
        """True once :meth:`end` ran."""
        return self._h is None and not self._box

    def __repr__(self) -> str:
        return f"<otlp_ffi.Span {self._name!r}{' ended' if self.ended else ''}>"

    def _live(self) -> c_void_p:
        h = self._h
        if h is None:
            return self._hand_over()  # raises SpanEndedError once ended
        return h

    def _fail(self, rc: int) -> OtlpError:
        return self._tracer._provider._closed_or(rc)

    # -- attributes, events, status ---------------------------------------------------------------
    def set_attribute(self, key: str, value: AttributeValue) -> None:
        """Sets one attribute. ``str``, ``bool``, ``int`` (64-bit) and ``float`` keep their type
        (``True`` is a bool, not 1). Setting a key again replaces its value.

        Raises TypeError for other value types, InvalidArgumentError (ValueError) for an empty
        key, a NUL character or an int outside 64 bits, SpanEndedError after :meth:`end`.
        """
        box = self._box
        if box:  # kept on this side: validated and packed now, handed over at the end
            if self._tracer._h is None and self._tracer._provider._h is None:
                raise self._ended_error()  # the provider is closed
            # The loop body of _pack_attributes for one attribute, inline on purpose: going
            # through _pack_attributes({key: value}) costs about 0.4 us more per call.
            rec: Any = None
            try:
                info = _KEY_INFO[key]  # KeyError: not cached yet; TypeError: unhashable
                cls = value.__class__
                if cls is str:
                    rec = info[2].get(value) or _str_miss(info, value)  # type: ignore[arg-type]
                elif cls is int:
                    rec = _P_INT(info[0], _T_INT, value)  # struct.error beyond 64 bits
                elif cls is bool:
                    rec = info[1][value]  # type: ignore[index]
                elif cls is float:
                    rec = _P_DOUBLE(info[0], _T_DOUBLE, value)
            except (KeyError, TypeError, struct.error):
                pass
            if rec is None:  # anything else, every error included: validated, packed or raised
                buf, _, keep = _pack_general({key: value})
                rec = (buf, keep)
            try:
                box[0].append(rec)
            except IndexError:  # ended or handed over by another thread meanwhile
                return self._late(Span.set_attribute, key, value)
            if not box:  # ... maybe just after this append: too late for it
                self._late(Span.set_attribute, key, value)
            return
        h = self._h
        if h is None:  # ended (or being handed over by another thread)
            return self._late(Span.set_attribute, key, value)
        kb = _KEYS.get(key)
        if kb is None:
            kb = _key_bytes(key)
        v: Any = value
        cls = v.__class__
        if cls is str:
            if "\0" in v:
                raise _invalid(f"attribute {key!r}: string value contains a NUL character")
            rc = _f_set_str(h, kb, v.encode())
        elif cls is int and _INT64_MIN <= v <= _INT64_MAX:
            rc = _f_set_int(h, kb, c_int64(v))
        elif cls is bool:
            rc = _f_set_bool(h, kb, _C_TRUE if v else _C_FALSE)
        elif cls is float:
            rc = _f_set_double(h, kb, c_double(v))
        else:
            cls, v = _coerce(key, v)
            if cls is str or cls is list:
                self.set_attributes({key: v if cls is str else v[1]})
                return
            if cls is int:
                rc = _f_set_int(h, kb, c_int64(v))
            elif cls is bool:
                rc = _f_set_bool(h, kb, _C_TRUE if v else _C_FALSE)
            else:
                rc = _f_set_double(h, kb, c_double(v))
        if rc:
            raise self._fail(rc)

    def set_attributes(self, attributes: Mapping[str, AttributeValue]) -> None:
        """Sets several attributes with one C call (``otlp_span_set_attributes``).

        All are validated first; if one is invalid none is set. Types as for
        :meth:`set_attribute`.
        """
        box = self._box
        if box:  # kept on this side
            if self._tracer._h is None and self._tracer._provider._h is None:
                raise self._ended_error()  # the provider is closed
            if attributes:
                buf, count, keep = _pack_attributes(attributes)
                try:
                    box[0].append(buf if keep is None else (buf, keep))
                except IndexError:
                    return self._late(Span.set_attributes, attributes)
                if not box:
                    self._late(Span.set_attributes, attributes)
            return
        h = self._h
        if h is None:
            return self._late(Span.set_attributes, attributes)
        if not attributes:
            return
        buf, count, keep = _pack_attributes(attributes)
        rc = _f_set_attributes(h, buf, _SIZE_T[count] if count < 64 else c_size_t(count))
        del keep
        if rc:
            raise self._fail(rc)

    def add_event(self, name: str, attributes: Optional[Mapping[str, AttributeValue]] = None,
                  timestamp: Optional[int] = None) -> None:
        """Adds an event named ``name`` with optional attributes, at ``timestamp`` (nanoseconds
        since the epoch; default: now)."""
        h = self._live()
        nb = _encode(name, "event name")
        if not attributes and timestamp is None:
            rc = _fast.otlp_span_add_event(h, nb)
        else:
            if timestamp is None:
                timestamp = 0
            elif isinstance(timestamp, bool) or not isinstance(timestamp, int) or \
                    not 0 <= timestamp <= 0xFFFFFFFFFFFFFFFF:
                raise TypeError("timestamp must be a non-negative int (nanoseconds since the epoch)")
            if attributes:
                buf, count, keep = _pack_attributes(attributes)
            else:
                buf, count, keep = None, 0, None
            rc = _fast.otlp_span_add_event_with_attributes(h, nb, c_uint64(timestamp), buf,
                                                           c_size_t(count))
            del keep
        if rc:
            raise self._fail(rc)

    def set_status(self, status: StatusCode, description: str = "") -> None:
        """Sets the status. ``description`` is kept only with :attr:`StatusCode.ERROR`; OK is
        final and UNSET is ignored (OpenTelemetry rules)."""
        h = self._live()
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError(f"status must be a StatusCode, not {type(status).__name__}")
        rc = _fast.otlp_span_set_status(h, int(status), _encode(description or "", "description"))
        if rc:
            raise self._fail(rc)

    def record_exception(self, exception: BaseException, *, stacktrace: Optional[str] = None) -> None:
        """Records ``exception`` (``otlp_span_record_exception``): an ``exception`` event with
        ``exception.type`` (``"ValueError"``), ``exception.message`` (``"ValueError: boom"``)
        and ``exception.stacktrace`` (the formatted traceback, or ``stacktrace``), and status
        ERROR with description ``"ValueError: boom"``.
        """
        h = self._live()
        kind = type(exception).__name__
        text = str(exception)
        message = f"{kind}: {text}" if text else kind
        if stacktrace is None:
            stacktrace = "".join(traceback.format_exception(type(exception), exception,
                                                            exception.__traceback__))
        rc = _fast.otlp_span_record_exception(h, _lossless(kind), _lossless(message), _lossless(stacktrace))
        if rc:
            raise self._fail(rc)

    def update_name(self, name: str) -> None:
        """Renames the span."""
        rc = _lib.otlp_span_update_name(self._live(), _encode(name, "span name"))
        if rc:
            raise self._fail(rc)
        self._name = name

    def is_recording(self) -> bool:
        """Whether the span records (sampled, provider not shut down). A span that does not
        record accepts every call and exports nothing: skip costly attribute computation."""
        out = c_bool()
        rc = _lib.otlp_span_is_recording(self._live(), byref(out))
        if rc:
            raise self._fail(rc)
        return out.value

    # -- context and propagation ----------------------------------------------------------------------
    @property
    def context(self) -> "SpanContext":
        """This span's :class:`SpanContext` (to parent children or keep after the span ends).

        Computed once per span and cached; it stays valid after the span ends.
        """
        ctx = getattr(self, "_ctx", None)
        if ctx is None:
            h = self._live()
            ch = c_void_p()
            rc = _lib.otlp_span_get_context(h, byref(ch))
            if rc:
                raise self._fail(rc)
            ctx = _adopt_context(ch)
            self._ctx = ctx
        return ctx

    def start_child(self, name: str, kind: SpanKind = _KIND_INTERNAL,
                    attributes: Optional[Mapping[str, AttributeValue]] = None) -> "Span":
        """Starts a span whose parent is this span (same tracer)."""
        return self._tracer.start_span(name, kind, self, attributes)

    @property
    def traceparent(self) -> str:
        """The W3C ``traceparent`` of this span (``00-<trace id>-<span id>-<flags>``)."""
        h = self._live()
        buf = create_string_buffer(56)
        rc = _lib.otlp_context_inject(h, buf, 56)
        if rc:
            raise self._fail(rc)
        return buf.value.decode("ascii")

    @property
    def tracestate(self) -> str:
        """The W3C ``tracestate`` carried by this span (``""`` when none)."""
        h = self._live()
        rc, text = _read_text(lambda buf, size: _lib.otlp_context_inject_tracestate(h, buf, size), (512, 65536))
        if rc:
            raise self._fail(rc)
        return text.decode("utf-8", "replace")

    @property
    def trace_id(self) -> str:
        """The trace id as 32 lowercase hex digits (for log correlation)."""
        buf = create_string_buffer(33)
        rc = _lib.otlp_span_get_trace_id(self._live(), buf, 33)
        if rc:
            raise self._fail(rc)
        return buf.value.decode("ascii")

    @property
    def span_id(self) -> str:
        """The span id as 16 lowercase hex digits."""
        buf = create_string_buffer(17)
        rc = _lib.otlp_span_get_span_id(self._live(), buf, 17)
        if rc:
            raise self._fail(rc)
        return buf.value.decode("ascii")

    def inject(self, headers: Optional[MutableMapping[str, str]] = None) -> MutableMapping[str, str]:
        """Writes ``traceparent`` (and ``tracestate`` when the span carries one) into
        ``headers`` (a new dict when omitted) and returns it."""
        if headers is None:
            headers = {}
        headers["traceparent"] = self.traceparent
        state = self.tracestate
        if state:
            headers["tracestate"] = state
        else:
            headers.pop("tracestate", None)
        return headers

    def _ended_error(self) -> OtlpError:
        if self._tracer._provider._h is None:
            return ProviderClosedError(
                ErrorCode.INVALID_HANDLE,
                f"OTLP_ERROR_INVALID_HANDLE: span {self._name!r}: the TracerProvider is closed",
            )
        return SpanEndedError(ErrorCode.INVALID_HANDLE,
                              f"OTLP_ERROR_INVALID_HANDLE: span {self._name!r} has already ended")
