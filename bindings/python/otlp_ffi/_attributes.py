"""Attribute values: coercion, validation, and packing into ``otlp_attribute_t`` arrays.

Attribute keys are cached as bytes for the process (up to ``_CACHE_MAX``), each with its
address and pre-packed records (:data:`_KEY_INFO`: both bool records, and the records of up to
``_STR_PER_KEY_MAX`` string values), so that the common case - a cached key with a str, int,
bool or float value - packs without converting anything (:func:`_pack_attributes`, and
``Span.set_attribute``'s inlined copy of its loop body). Anything else goes through
:func:`_pack_general`, which validates everything and raises the right error.
"""

from __future__ import annotations

import struct
from typing import Any, Dict, List, Mapping, Sequence, Tuple, Union

from . import _raw
from ._layout import _ATTR_SIZE, _P_ARRAY, _P_BOOL, _P_DOUBLE, _P_INT, _P_STRING
from ._strings import _BYTES_OFFSET, _CACHE_MAX, _ID_TRICK, _addr, _encode
from .errors import _invalid

AttributeValue = Union[str, bool, int, float, Sequence[str], Sequence[bool], Sequence[int],
                       Sequence[float]]

_KEYS: Dict[str, bytes] = {}
# key -> (address, (record for False, record for True), {str value: record}): packed
# otlp_attribute_t records reused across spans. String values are cached per key (a bounded
# number in all), their encoded bytes kept alive by _STR_VALUES.
_KEY_INFO: Dict[str, Tuple[int, Tuple[bytes, bytes], Dict[str, bytes]]] = {}
_STR_VALUES: List[bytes] = []
_STR_CACHE_MAX = 8192  # string values cached over all keys
_STR_PER_KEY_MAX = 64


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


_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1

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
