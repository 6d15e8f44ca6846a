"""The idiomatic layer: TracerProvider, Tracer, Span, SpanContext, propagation helpers.

What a span costs (crossings of the C boundary, ~0.2-0.4 us each through ctypes): a root span
without links crosses once - it is kept on this side while it runs (start time, attributes
validated and packed as they are set) and ``end()`` hands the whole span over with
``otlp_span_emit``; the first call that needs the library's span (context, ids, events,
status, a child) starts it there instead (see :class:`Span`). Other spans cross at
start (``otlp_span_start`` / ``otlp_span_start_with_options``), once per attribute call
(``set_attributes`` sets many in one) and at end. The per-span calls go through argtypes-free
ctypes function objects that keep the GIL (``_raw.fast``: they never wait), with exactly-typed
arguments; attribute arrays and span records are packed with :mod:`struct` from cached per-key
records (:func:`_pack_attributes`) rather than built field by field with ctypes.
"""

from __future__ import annotations

import atexit
import ctypes
import enum
import os
import struct
import sys
import threading
import time
import traceback
import weakref
from ctypes import byref, c_bool, c_double, c_int64, c_size_t, c_uint64, c_void_p, create_string_buffer
from dataclasses import dataclass
from types import TracebackType
from typing import (Any, Dict, Iterable, List, Mapping, MutableMapping, Optional, Sequence, Tuple,
                    Type, TypeVar, Union)
from urllib.parse import quote

from . import _raw
from .errors import (
    ErrorCode,
    InvalidArgumentError,
    InvalidHandleError,
    OtlpError,
    ProviderClosedError,
    SpanEndedError,
    error_for,
)

_raw.load()
_lib = _raw.lib
_fast = _raw.fast

__all__ = [
    "SpanKind",
    "StatusCode",
    "Stats",
    "TracerProvider",
    "Tracer",
    "Span",
    "SpanContext",
    "Baggage",
    "AttributeValue",
    "inject",
    "extract",
    "library_version",
]

AttributeValue = Union[str, bool, int, float, Sequence[str], Sequence[bool], Sequence[int],
                       Sequence[float]]


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


@dataclass(frozen=True)
class Stats:
    """A provider's counters (``otlp_stats_t``), all since the provider was created.

    After a ``force_flush``/``shutdown`` that succeeded,
    ``spans_ended == spans_exported + spans_dropped``.
    """

    spans_started: int
    spans_ended: int
    spans_exported: int
    spans_dropped: int
    export_failures: int


def library_version() -> str:
    """The version of the loaded libotlp_ffi (``otlp_version()``)."""
    return str(_lib.otlp_version().decode())


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

_last_error = _fast.otlp_get_last_error  # restype c_char_p -> bytes


def _error(rc: int) -> OtlpError:
    """The exception for a failed call; reads the thread-local message at once (same thread)."""
    msg = _last_error()
    text = msg.decode("utf-8", "replace") if msg else ""
    try:
        name = ErrorCode(rc).name
    except ValueError:
        name = str(rc)
    return error_for(rc, text or f"OTLP_ERROR_{name}")


def _invalid(message: str) -> InvalidArgumentError:
    return InvalidArgumentError(ErrorCode.INVALID_ARGUMENT, "OTLP_ERROR_INVALID_ARGUMENT: " + message)


# ---------------------------------------------------------------------------------------------
# Strings and attribute packing
# ---------------------------------------------------------------------------------------------

_CACHE_MAX = 4096
_NAMES: Dict[str, bytes] = {}
_NAME_ADDR: Dict[str, int] = {}  # cached name -> address of its bytes (alive for the process)
_KEYS: Dict[str, bytes] = {}
# key -> (address, (record for False, record for True), {str value: record}): packed
# otlp_attribute_t records reused across spans. String values are cached per key (a bounded
# number in all), their encoded bytes kept alive by _STR_VALUES.
_KEY_INFO: Dict[str, Tuple[int, Tuple[bytes, bytes], Dict[str, bytes]]] = {}
_STR_VALUES: List[bytes] = []
_STR_CACHE_MAX = 8192  # string values cached over all keys
_STR_PER_KEY_MAX = 64

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


def _key_bytes(key: Any) -> bytes:
    """An attribute key as validated bytes (cached, with its address, for exact str keys)."""
    b = _KEYS.get(key) if key.__class__ is str else None
    if b is None:
        b = _encode(key, "attribute key")
        if not b:
            raise _invalid("attribute key is empty")
        if len(_KEYS) < _CACHE_MAX and key.__class__ is str:
            # Cached keys live for the process, so their addresses stay valid. setdefault (atomic)
            # and never replacing an entry: two threads racing here agree on one bytes object.
            b = _KEYS.setdefault(key, b)
            if _ID_TRICK:
                ka = id(b) + _BYTES_OFFSET
                _KEY_INFO.setdefault(
                    key, (ka, (_P_BOOL(ka, _T_BOOL, False), _P_BOOL(ka, _T_BOOL, True)), {}))
    return b


def _addr(b: bytes) -> int:
    return id(b) + _BYTES_OFFSET if _ID_TRICK else _addr_slow(b)


_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1

# Packed records of otlp_attribute_t, otlp_span_options_t, otlp_finished_span_t and otlp_link_t:
# their layouts come from the ctypes Structures of _raw (see _layout).
from ._layout import (  # noqa: E402
    _ATTR_SIZE, _FIN_HEAD, _FIN_SIZE, _OPTS_SIZE, _P_ARRAY, _P_BOOL, _P_DOUBLE, _P_FIN_START, _P_FIN_TAIL,
    _P_INT, _P_LINK, _P_OPTIONS, _P_STRING, _U_FIN_START,
)

_T_STRING = _raw.OTLP_ATTRIBUTE_STRING
_T_BOOL = _raw.OTLP_ATTRIBUTE_BOOL
_T_INT = _raw.OTLP_ATTRIBUTE_INT
_T_DOUBLE = _raw.OTLP_ATTRIBUTE_DOUBLE
_T_ARRAY = {
    str: _raw.OTLP_ATTRIBUTE_STRING_ARRAY,
    bool: _raw.OTLP_ATTRIBUTE_BOOL_ARRAY,
    int: _raw.OTLP_ATTRIBUTE_INT_ARRAY,
    float: _raw.OTLP_ATTRIBUTE_DOUBLE_ARRAY,
}
_SIZE_T = [c_size_t(i) for i in range(64)]  # shared read-only size_t arguments
_C_TRUE = c_bool(True)   # shared read-only arguments for otlp_span_set_attribute_bool
_C_FALSE = c_bool(False)


def _coerce(key: Any, value: Any) -> Tuple[type, Any]:
    """(kind, value) of an attribute value: str, bool, int (64-bit) or float."""
    cls = value.__class__
    if cls is str or cls is bool or cls is float:
        return cls, value
    # bool before int: bool is a subclass of int, and True must not become 1.
    if isinstance(value, bool):
        return bool, bool(value)
    if isinstance(value, int) or (hasattr(value, "__index__") and not isinstance(value, (bytes, bytearray))):
        v = value.__index__()  # int, IntEnum, numpy integers
        if v < _INT64_MIN or v > _INT64_MAX:
            raise _invalid(f"attribute {key!r}: int {v} does not fit in 64 bits")
        return int, v
    if isinstance(value, float):
        return float, float(value)
    if isinstance(value, str):
        return str, str(value)
    if isinstance(value, (list, tuple)):
        return list, _coerce_array(key, value)
    raise TypeError(
        f"attribute {key!r}: value must be str, bool, int, float or a list of one of those, "
        f"not {type(value).__name__}"
    )


def _coerce_array(key: Any, values: Any) -> Tuple[type, List[Any]]:
    """(element kind, values) of a homogeneous list/tuple attribute value."""
    kinds = set()
    out = []
    for v in values:
        kind, v = _coerce(key, v)
        if kind is list:
            raise TypeError(f"attribute {key!r}: nested sequences are not attribute values")
        kinds.add(kind)
        out.append(v)
    if len(kinds) > 1:  # OTLP arrays are homogeneous
        raise TypeError(f"attribute {key!r}: a list must hold one type, not "
                        f"{', '.join(sorted(k.__name__ for k in kinds))}")
    return (kinds.pop() if kinds else str), out


def _pack_attributes(attributes: Mapping[str, AttributeValue]) -> Tuple[bytes, int, Any]:
    """Packs a dict into an ``otlp_attribute_t[count]`` buffer: ``(buffer, count, keep)``.

    ``keep`` references every bytes object the buffer points into; hold it until the C call
    returned. The common case (cached str keys; exactly str/int/bool/float values) stays in this
    loop; anything else, including every error, is handled by :func:`_pack_general`.
    """
    parts: List[bytes] = []
    append = parts.append
    keep = None
    key: Any
    value: Any
    try:
        for key, value in attributes.items():
            info = _KEY_INFO[key]  # KeyError (not cached yet), TypeError (unhashable)
            cls = value.__class__
            if cls is str:
                rec = info[2].get(value)
                if rec is None:
                    rec = _str_miss(info, value)
                    if rec is None:
                        return _pack_general(attributes)
                    if rec.__class__ is tuple:
                        if keep is None:
                            keep = [rec[1]]
                        else:
                            keep.append(rec[1])
                        rec = rec[0]
                append(rec)
            elif cls is int:
                append(_P_INT(info[0], _T_INT, value))  # struct.error beyond 64 bits
            elif cls is bool:
                append(info[1][value])
            elif cls is float:
                append(_P_DOUBLE(info[0], _T_DOUBLE, value))
            else:
                return _pack_general(attributes)
    except (KeyError, TypeError, AttributeError, struct.error):
        return _pack_general(attributes)  # validates everything and raises the right error
    return b"".join(parts), len(parts), keep


def _str_miss(info: Tuple[int, Tuple[bytes, bytes], Dict[str, bytes]], value: str) -> Any:
    """The record of a str value not (yet) cached for its (cached) key: the record (now cached),
    or ``(record, bytes it points into)`` to keep alive until the C call, or None when the value
    is invalid (NUL, lone surrogate: the general path raises the right error)."""
    if "\0" in value:
        return None
    try:
        b = value.encode()
    except UnicodeEncodeError:
        return None
    rec: bytes = _P_STRING(info[0], _T_STRING, id(b) + _BYTES_OFFSET)
    if len(info[2]) < _STR_PER_KEY_MAX and len(_STR_VALUES) < _STR_CACHE_MAX:
        _STR_VALUES.append(b)  # alive for the process, like the cache entry
        info[2][value] = rec
        return rec
    return rec, b


def _pack_general(attributes: Mapping[str, AttributeValue]) -> Tuple[bytes, int, Any]:
    """:func:`_pack_attributes` for any input: validates everything, raises the right error."""
    if not isinstance(attributes, Mapping):
        raise TypeError(f"attributes must be a mapping (dict), not {type(attributes).__name__}")
    parts: List[bytes] = []
    keep: List[bytes] = []
    for key, value in attributes.items():
        kb = _key_bytes(key)
        keep.append(kb)
        cls, value = _coerce(key, value)
        if cls is str:
            if "\0" in value:
                raise _invalid(f"attribute {key!r}: string value contains a NUL character")
            b = value.encode("utf-8")  # UnicodeEncodeError (a ValueError) for lone surrogates
            keep.append(b)
            parts.append(_P_STRING(_addr(kb), _T_STRING, _addr(b)))
        elif cls is int:
            parts.append(_P_INT(_addr(kb), _T_INT, value))
        elif cls is bool:
            parts.append(_P_BOOL(_addr(kb), _T_BOOL, value))
        elif cls is float:
            parts.append(_P_DOUBLE(_addr(kb), _T_DOUBLE, value))
        else:
            elem, items = value
            n = len(items)
            if not n:
                parts.append(_P_ARRAY(_addr(kb), _T_ARRAY[elem], 0, 0))
                continue
            if elem is str:
                encoded = []
                for item in items:
                    if "\0" in item:
                        raise _invalid(f"attribute {key!r}: string value contains a NUL character")
                    encoded.append(item.encode("utf-8"))
                keep.extend(encoded)
                packed = struct.pack(f"{n}q", *[_addr(e) for e in encoded])
            elif elem is int:
                for item in items:
                    if item < _INT64_MIN or item > _INT64_MAX:
                        raise _invalid(f"attribute {key!r}: int {item} does not fit in 64 bits")
                packed = struct.pack(f"{n}q", *items)
            elif elem is bool:
                packed = struct.pack(f"{n}?", *items)
            else:
                packed = struct.pack(f"{n}d", *items)
            keep.append(packed)
            parts.append(_P_ARRAY(_addr(kb), _T_ARRAY[elem], _addr(packed), n))
    return b"".join(parts), len(parts), keep


def _join_kept(items: List[Any]) -> bytes:
    """The records of a span, some of them (bytes, keep-alive) pairs, as one buffer."""
    return b"".join([r if r.__class__ is bytes else r[0] for r in items])


def _join_records(items: List[Any]) -> Tuple[bytes, int]:
    """One ``otlp_attribute_t`` array from a span's records (bytes, or (bytes, keep-alive)
    pairs): ``(buffer, count)``."""
    try:
        buf = b"".join(items)
    except TypeError:
        buf = _join_kept(items)
    return buf, len(buf) // _ATTR_SIZE


# Held while a span kept on this side is started in the library (Span._hand_over), so that a
# concurrent end() or set_attribute() that finds the span's box empty can wait for its handle.
_HANDOVER = threading.Lock()
_NO_BOX: List[List[Any]] = []  # the box of spans started in the library (never filled)


# ---------------------------------------------------------------------------------------------
# Provider registry: atexit flush, fork
# ---------------------------------------------------------------------------------------------

_LIVE: "weakref.WeakSet[TracerProvider]" = weakref.WeakSet()
_LIVE_LOCK = threading.RLock()  # re-entrant: __del__ may run (GC) while this thread holds it


def _close_all_at_exit() -> None:
    """Flush and free every provider still open when the interpreter exits."""
    with _LIVE_LOCK:
        providers = list(_LIVE)
    for p in providers:
        try:
            p.close()
        except Exception:  # pragma: no cover - never let exit fail
            pass


atexit.register(_close_all_at_exit)


def _after_fork_in_child() -> None:
    global _LIVE_LOCK, _HANDOVER
    _LIVE_LOCK = threading.RLock()  # another parent thread may have held it at fork time
    _HANDOVER = threading.Lock()
    for p in list(_LIVE):
        p._lock = threading.Lock()
        if p._h is not None and p._pid != os.getpid():
            # The core stops recording for providers made before the fork (their export thread
            # is in the parent); the binding goes further and refuses new spans with a clear
            # error. Providers created in the child get a fresh export runtime from the core.
            p._forked = True
            for t in [p._tracer, *p._scoped.values()]:
                if t is not None:
                    t._h = None  # start_span fails (NULL) and explains why


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


# ---------------------------------------------------------------------------------------------
# Configuration keywords -> OTEL_* keys
# ---------------------------------------------------------------------------------------------

def _kv_list(mapping: Mapping[str, Any]) -> str:
    """``k1=v1,k2=v2`` with percent-encoding (the OTEL_RESOURCE_ATTRIBUTES/HEADERS format)."""
    return ",".join(f"{quote(str(k), safe='')}={quote(str(v), safe='')}" for k, v in mapping.items())


def _ms(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected milliseconds as a number, not {type(value).__name__}")
    return str(int(value))


#: keyword argument -> (OTEL_* key, value formatter)
CONFIG_KEYWORDS: Dict[str, Tuple[str, Any]] = {
    "endpoint": ("OTEL_EXPORTER_OTLP_ENDPOINT", str),
    "service_name": ("OTEL_SERVICE_NAME", str),
    "traces_endpoint": ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", str),
    "headers": ("OTEL_EXPORTER_OTLP_HEADERS", _kv_list),
    "timeout_ms": ("OTEL_EXPORTER_OTLP_TIMEOUT", _ms),
    "max_queue_size": ("OTEL_BSP_MAX_QUEUE_SIZE", _ms),
    "max_export_batch_size": ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", _ms),
    "schedule_delay_ms": ("OTEL_BSP_SCHEDULE_DELAY", _ms),
    "export_timeout_ms": ("OTEL_BSP_EXPORT_TIMEOUT", _ms),
    "disabled": ("OTEL_SDK_DISABLED", lambda v: "true" if v else "false"),
    "sampler": ("OTEL_TRACES_SAMPLER", str),
    "sampler_arg": ("OTEL_TRACES_SAMPLER_ARG", str),
    "attribute_count_limit": ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", _ms),
    "attribute_value_length_limit": ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", _ms),
    "exporter": ("OTEL_TRACES_EXPORTER", str),
    "protocol": ("OTEL_EXPORTER_OTLP_PROTOCOL", str),
    "compression": ("OTEL_EXPORTER_OTLP_COMPRESSION", str),
    "certificate": ("OTEL_EXPORTER_OTLP_CERTIFICATE", str),
    "client_key": ("OTEL_EXPORTER_OTLP_CLIENT_KEY", str),
    "client_certificate": ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", str),
}


def _timeout_arg(timeout_ms: Any) -> int:
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, (int, float)):
        raise TypeError(f"timeout_ms must be a number, not {type(timeout_ms).__name__}")
    ms = int(timeout_ms)
    if not 0 <= ms <= 0xFFFFFFFF:
        raise _invalid(f"timeout_ms={timeout_ms} is outside 0..4294967295")
    return ms


# ---------------------------------------------------------------------------------------------
# TracerProvider
# ---------------------------------------------------------------------------------------------

class TracerProvider:
    """The export pipeline: configuration, a background exporter, and the tracer.

    ``TracerProvider(endpoint, service_name)`` exports over OTLP/HTTP to ``endpoint`` (a base
    URL such as ``"http://localhost:4318"``; ``/v1/traces`` is appended). Either may be omitted
    (or ``""``): the ``OTEL_*`` environment variables, then the defaults apply. Keyword
    arguments map to ``OTEL_*`` settings (explicit arguments win over the environment):

    =========================  ====================================
    keyword                    setting
    =========================  ====================================
    ``endpoint``               OTEL_EXPORTER_OTLP_ENDPOINT (base URL)
    ``service_name``           OTEL_SERVICE_NAME
    ``traces_endpoint``        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (full URL, used as is)
    ``headers`` (dict)         OTEL_EXPORTER_OTLP_HEADERS
    ``resource_attributes``    resource attributes (dict; win over OTEL_RESOURCE_ATTRIBUTES)
    ``timeout_ms``             OTEL_EXPORTER_OTLP_TIMEOUT
    ``max_queue_size``         OTEL_BSP_MAX_QUEUE_SIZE
    ``max_export_batch_size``  OTEL_BSP_MAX_EXPORT_BATCH_SIZE
    ``schedule_delay_ms``      OTEL_BSP_SCHEDULE_DELAY
    ``export_timeout_ms``      OTEL_BSP_EXPORT_TIMEOUT
    ``disabled`` (bool)        OTEL_SDK_DISABLED
    ``sampler``                OTEL_TRACES_SAMPLER (e.g. "traceidratio")
    ``sampler_arg``            OTEL_TRACES_SAMPLER_ARG (e.g. 0.25)
    ``attribute_count_limit``  OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT
    ``attribute_value_length_limit``  OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT
    ``config`` (dict)          any OTEL_* key the library supports, verbatim
    =========================  ====================================

    Lifecycle: :meth:`close` (idempotent; also ``with TracerProvider(...) as provider:``)
    flushes and frees the provider. Providers still open when the interpreter exits are closed
    by an ``atexit`` handler, so ended spans are delivered even if the program never closes its
    provider; garbage collection (``__del__``) closes an unreferenced provider as a backstop.

    Raises:
        InvalidArgumentError: a bad endpoint, an unsupported key or a value that does not parse.
        InitializationError: the exporter could not start.
    """

    def __init__(
        self,
        endpoint: Optional[str] = None,
        service_name: Optional[str] = None,
        *,
        traces_endpoint: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        resource_attributes: Optional[Mapping[str, Any]] = None,
        timeout_ms: Optional[int] = None,
        max_queue_size: Optional[int] = None,
        max_export_batch_size: Optional[int] = None,
        schedule_delay_ms: Optional[int] = None,
        export_timeout_ms: Optional[int] = None,
        disabled: Optional[bool] = None,
        sampler: Optional[str] = None,
        sampler_arg: Optional[float] = None,
        attribute_count_limit: Optional[int] = None,
        attribute_value_length_limit: Optional[int] = None,
        exporter: Optional[str] = None,
        protocol: Optional[str] = None,
        compression: Optional[str] = None,
        certificate: Optional[str] = None,
        client_key: Optional[str] = None,
        client_certificate: Optional[str] = None,
        config: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self._h: Optional[c_void_p] = None
        self._lock = threading.Lock()
        self._tracer: Optional[Tracer] = None
        self._scoped: Dict[Tuple[str, Optional[str], Optional[str]], Tracer] = {}
        self._pid = os.getpid()
        self._forked = False
        given: Dict[str, Any] = {
            "endpoint": endpoint, "service_name": service_name, "traces_endpoint": traces_endpoint,
            "headers": headers, "resource_attributes": resource_attributes, "timeout_ms": timeout_ms,
            "max_queue_size": max_queue_size, "max_export_batch_size": max_export_batch_size,
            "schedule_delay_ms": schedule_delay_ms, "export_timeout_ms": export_timeout_ms,
            "disabled": disabled, "sampler": sampler, "sampler_arg": sampler_arg,
            "attribute_count_limit": attribute_count_limit,
            "attribute_value_length_limit": attribute_value_length_limit,
            "exporter": exporter, "protocol": protocol, "compression": compression,
            "certificate": certificate, "client_key": client_key, "client_certificate": client_certificate,
        }
        settings: Dict[str, str] = {}
        for key, value in (config or {}).items():
            text = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
            settings[_encode(key, "config key").decode()] = _encode(text, f"config value of {key}").decode()
        for kw, value in given.items():
            if value is None or kw == "resource_attributes" or \
                    (kw in ("endpoint", "service_name") and value == ""):
                continue
            otel_key, fmt = CONFIG_KEYWORDS[kw]
            settings[otel_key] = fmt(value)
        resource = {"telemetry.sdk.language": "python"}
        for key, value in (resource_attributes or {}).items():
            resource[str(key)] = value if isinstance(value, str) else str(value)

        handle = c_void_p()
        cfg = c_void_p()
        rc = _lib.otlp_config_new(byref(cfg))
        if rc:
            raise _error(rc)
        try:
            for key, value in settings.items():
                rc = _lib.otlp_config_set(cfg, _encode(key, "config key"), _encode(value, key))
                if rc:
                    raise _error(rc)
            for key, value in resource.items():
                rc = _lib.otlp_config_add_resource_attribute(
                    cfg, _encode(key, "resource attribute key"), _encode(value, key))
                if rc:
                    raise _error(rc)
            rc = _lib.otlp_init_with_config(cfg, byref(handle))
            if rc:
                raise _error(rc)
        finally:
            _lib.otlp_config_free(cfg)
        self._h = handle
        with _LIVE_LOCK:
            _LIVE.add(self)

    # -- lifecycle ----------------------------------------------------------------------------
    def _handle(self) -> c_void_p:
        h = self._h
        if h is None:
            raise ProviderClosedError(
                ErrorCode.INVALID_HANDLE, "OTLP_ERROR_INVALID_HANDLE: the TracerProvider is closed"
            )
        return h

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran."""
        return self._h is None

    def close(self) -> None:
        """Shuts down (delivering every ended span, bounded by the export timeout) and frees.

        Idempotent. Afterwards every method of the provider, its tracer and its open spans
        raises :class:`~otlp_ffi.errors.InvalidHandleError` (:class:`ProviderClosedError`);
        ``Span.end()`` of a span left open is a no-op. Does not raise on export problems: call
        :meth:`shutdown` first to learn whether everything was delivered.

        In a child process created by ``os.fork()`` after this provider was created, the
        provider is only forgotten (not flushed): its export thread does not exist there.
        """
        with self._lock:
            h = self._h
            if h is None:
                return
            self._h = None
            for t in [self._tracer, *self._scoped.values()]:
                if t is not None:
                    t._h = None  # its spans kept on this side end as no-ops, new ones fail
        with _LIVE_LOCK:
            _LIVE.discard(self)
        if self._forked or self._pid != os.getpid():
            return  # see the docstring: freeing would wait for an export thread that is gone
        _lib.otlp_tracer_provider_free(h)

    def __enter__(self) -> "TracerProvider":
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.close()

    def __del__(self) -> None:
        # Backstop only: the atexit handler and close() are the mechanism.
        try:
            if getattr(self, "_h", None) is not None:
                self.close()
        except Exception:  # pragma: no cover - interpreter teardown
            pass

    def __repr__(self) -> str:
        return f"<otlp_ffi.TracerProvider {'closed' if self._h is None else 'open'}>"

    # -- API ------------------------------------------------------------------------------------
    def get_tracer(self, name: Optional[str] = None, version: Optional[str] = None,
                   schema_url: Optional[str] = None) -> "Tracer":
        """A tracer of this provider (shared across threads; the same object on every call).

        Without ``name`` it is the provider's default tracer (instrumentation scope
        "otlp-ffi"); with ``name`` (and optionally ``version`` / ``schema_url``) its spans are
        exported under that instrumentation scope (``otlp_get_tracer_with_scope``).
        """
        if self._forked:
            raise self._fork_error()
        h = self._handle()
        if name is None:
            t = self._tracer
        else:
            t = self._scoped.get((name, version, schema_url))
        if t is not None:
            return t
        th = c_void_p()
        if name is None:
            rc = _lib.otlp_get_tracer(h, byref(th))
        else:
            rc = _lib.otlp_get_tracer_with_scope(
                h, _encode(name, "tracer name"),
                None if version is None else _encode(version, "version"),
                None if schema_url is None else _encode(schema_url, "schema_url"),
                byref(th))
        if rc:
            raise self._closed_or(rc)
        t = Tracer.__new__(Tracer)
        t._provider = self
        t._h = th
        if name is None:
            self._tracer = t
        else:
            self._scoped[(name, version, schema_url)] = t
        return t

    def force_flush(self, timeout_ms: int = 30_000) -> bool:
        """Exports every span ended so far; waits up to ``timeout_ms`` for the collector.

        Returns True. Raises :class:`~otlp_ffi.errors.OtlpTimeoutError` when time ran out
        (export goes on in the background) or :class:`~otlp_ffi.errors.ExportFailedError` when
        the collector refused the spans or could not be reached (they are kept for a later
        attempt while the queue has room). The GIL is released while waiting.
        """
        rc = _lib.otlp_tracer_provider_force_flush(self._handle(), _timeout_arg(timeout_ms))
        if rc:
            raise self._closed_or(rc)
        return True

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Flushes (bounded by ``timeout_ms``) and stops exporting; a second call does nothing.

        Afterwards the tracer hands out non-recording spans (nothing is exported) until
        :meth:`close`. Raises :class:`~otlp_ffi.errors.OtlpTimeoutError` (spans still queued
        were dropped and counted) or :class:`~otlp_ffi.errors.ExportFailedError`.
        """
        rc = _lib.otlp_tracer_provider_shutdown(self._handle(), _timeout_arg(timeout_ms))
        if rc:
            raise self._closed_or(rc)

    def stats(self) -> Stats:
        """A snapshot of the provider's counters (:class:`Stats`)."""
        s = _raw.otlp_stats_t()
        rc = _lib.otlp_tracer_provider_get_stats(self._handle(), byref(s))
        if rc:
            raise self._closed_or(rc)
        return Stats(s.spans_started, s.spans_ended, s.spans_exported, s.spans_dropped,
                     s.export_failures)

    # -- helpers --------------------------------------------------------------------------------
    def _closed_or(self, rc: int) -> OtlpError:
        err = _error(rc)
        if rc == ErrorCode.INVALID_HANDLE and self._h is None:
            return ProviderClosedError(rc, err.message + " (the TracerProvider is closed)")
        return err

    def _fork_error(self) -> ProviderClosedError:
        return ProviderClosedError(
            ErrorCode.INVALID_HANDLE,
            f"OTLP_ERROR_INVALID_HANDLE: this TracerProvider was created in process {self._pid} "
            "before os.fork(); its export thread does not exist in the child. Create the "
            "provider after forking.",
        )


# ---------------------------------------------------------------------------------------------
# Tracer
# ---------------------------------------------------------------------------------------------

_f_start = _fast.otlp_span_start
_f_start_opts = _fast.otlp_span_start_with_options
_f_emit = _fast.otlp_span_emit
_f_end = _fast.otlp_span_end
_f_set_attributes = _fast.otlp_span_set_attributes
_f_set_str = _fast.otlp_span_set_attribute_string
_f_set_int = _fast.otlp_span_set_attribute_int
_f_set_bool = _fast.otlp_span_set_attribute_bool
_f_set_double = _fast.otlp_span_set_attribute_double
_KIND_INTERNAL = SpanKind.INTERNAL
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
            # otlp_finished_span_t is packed now but for what end() adds.
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
        if self._h is None:  # closed, or made before os.fork()
            return p._fork_error() if p._forked else p._closed_or(ErrorCode.INVALID_HANDLE)
        return p._closed_or(rc)


_new_span = object.__new__
_time_ns = time.time_ns  # CLOCK_REALTIME, the clock the library stamps spans with


def _check_ns(value: Any, what: str) -> int:
    """A timestamp argument: an int of nanoseconds since the epoch, at most 2**63 - 1 (the
    year 2262; the C API takes uint64_t, the binding packs int64)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{what} must be a non-negative int (nanoseconds since the epoch)")
    if value > _INT64_MAX:
        raise _invalid(f"{what}={value} is beyond 2**63 - 1 nanoseconds (the year 2262)")
    return value


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
            raise InvalidHandleError(ErrorCode.INVALID_HANDLE,
                                     "OTLP_ERROR_INVALID_HANDLE: argument `parent`: the SpanContext is closed")
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


# ---------------------------------------------------------------------------------------------
# Span
# ---------------------------------------------------------------------------------------------

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
            return  # provider closed or made before os.fork(): a no-op, as for any open span
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
            ctx = SpanContext._adopt(ch)
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
        for size in (512, 65536):
            buf = create_string_buffer(size)
            rc = _lib.otlp_context_inject_tracestate(h, buf, size)
            if rc == 0:
                return buf.value.decode("utf-8", "replace")
            if rc != ErrorCode.INVALID_ARGUMENT:
                break
        raise self._fail(rc)

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


# ---------------------------------------------------------------------------------------------
# SpanContext and propagation
# ---------------------------------------------------------------------------------------------

class _Owned:
    """A library object this side owns: freed by :meth:`close` (idempotent), ``with``, or
    garbage collection. Subclasses name the C function that frees it in ``_free``."""

    __slots__ = ("_h", "__weakref__")
    _h: Optional[c_void_p]
    _free: Any  # staticmethod: the otlp_*_free function of the handle type

    def close(self) -> None:
        """Frees the object (idempotent)."""
        h = self._h
        if h is not None:
            self._h = None
            self._free(h)

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran."""
        return self._h is None

    def __enter__(self: _OwnedT) -> _OwnedT:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter teardown
            pass


_OwnedT = TypeVar("_OwnedT", bound=_Owned)


class SpanContext(_Owned):
    """An immutable parent context (trace id, span id, flags, tracestate).

    From :func:`extract` / :meth:`from_traceparent` (a remote parent) or :attr:`Span.context`
    (a local one). It stays valid after its span ends or its provider closes. Freed by
    :meth:`close` (idempotent; spans started under it are not affected), ``with``, or garbage
    collection.
    """

    __slots__ = ()
    _free = staticmethod(_lib.otlp_context_free)

    def __init__(self) -> None:  # pragma: no cover - guard
        raise TypeError("use extract(), SpanContext.from_traceparent() or Span.context")

    @classmethod
    def _adopt(cls, handle: c_void_p) -> "SpanContext":
        ctx = object.__new__(cls)
        ctx._h = handle
        return ctx

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


# ---------------------------------------------------------------------------------------------
# Baggage (W3C baggage header)
# ---------------------------------------------------------------------------------------------

class Baggage(_Owned):
    """W3C Baggage: key/value pairs propagated with a request (``baggage`` header).

    ``Baggage()`` is empty; :meth:`extract` reads it from incoming headers; item access gets,
    sets and deletes entries; :meth:`inject` writes the header for an outgoing request. Keys are
    HTTP tokens; values any text (percent-encoded on the wire). Freed by :meth:`close`,
    ``with`` or garbage collection.
    """

    __slots__ = ()
    _free = staticmethod(_lib.otlp_baggage_free)

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
        b = object.__new__(cls)
        b._h = h
        return b

    @classmethod
    def extract(cls, headers: Mapping[str, Any]) -> "Baggage":
        """The baggage of an incoming request's headers (empty when there is none)."""
        value = _header(headers, "baggage")
        return cls() if value is None else cls.from_header(value)

    def _live(self) -> c_void_p:
        h = self._h
        if h is None:
            raise InvalidHandleError(ErrorCode.INVALID_HANDLE, "OTLP_ERROR_INVALID_HANDLE: the Baggage is closed")
        return h

    def __setitem__(self, key: str, value: str) -> None:
        rc = _lib.otlp_baggage_set(self._live(), _encode(key, "baggage key"), _encode(value, "baggage value"))
        if rc:
            raise _error(rc)

    def get(self, key: str, default: Optional[str] = None) -> Optional[str]:
        """The value of ``key``, or ``default``."""
        h = self._live()
        kb = _encode(key, "baggage key")
        found = c_bool()
        for size in (256, 8193, 1 << 20):
            buf = create_string_buffer(size)
            rc = _lib.otlp_baggage_get(h, kb, buf, size, byref(found))
            if rc == 0:
                return buf.value.decode("utf-8") if found.value else default
            if rc != ErrorCode.INVALID_ARGUMENT:
                break
        raise _error(rc)

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __delitem__(self, key: str) -> None:
        rc = _lib.otlp_baggage_remove(self._live(), _encode(key, "baggage key"))
        if rc:
            raise _error(rc)

    def to_header(self) -> str:
        """The ``baggage`` header value (``""`` when empty)."""
        h = self._live()
        for size in (1024, 8193):
            buf = create_string_buffer(size)
            rc = _lib.otlp_baggage_inject(h, buf, size)
            if rc == 0:
                return buf.value.decode("utf-8")
            if rc != ErrorCode.INVALID_ARGUMENT:
                break
        raise _error(rc)

    def inject(self, headers: Optional[MutableMapping[str, str]] = None) -> MutableMapping[str, str]:
        """Writes the ``baggage`` header into ``headers`` (a new dict when omitted; nothing
        when the baggage is empty) and returns it."""
        if headers is None:
            headers = {}
        value = self.to_header()
        if value:
            headers["baggage"] = value
        return headers

