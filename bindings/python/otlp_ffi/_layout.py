"""Struct layouts of the C API as :mod:`struct` packers, derived from the raw layer.

The hot path packs ``otlp_attribute_t``, ``otlp_span_options_t``, ``otlp_finished_span_t`` and
``otlp_link_t`` records with :class:`struct.Struct` (much cheaper than filling ctypes
Structures field by field). Nothing about those layouts is typed here: :func:`packer` reads
each field's offset and size from the ctypes Structures of :mod:`otlp_ffi._raw`
(``Structure.field.offset``, ``ctypes.sizeof``), themselves checked against the header and the C
compiler by ``tests/test_raw_header.py``, and the struct format code from the field's C type as
the raw layer spells it (:data:`otlp_ffi._raw.STRUCTS`):

* pointers to opaque handles (``const otlp_context_t *``): ``Q`` - any 64-bit value;
* other pointers, ``size_t``, ``int64_t`` and ``uint64_t``: ``q``, which :mod:`struct` converts
  faster than ``Q``; every value packed fits (addresses, counts; timestamps are checked to be
  at most 2**63 - 1);
* enums: ``i``; ``bool``: ``?``; ``double``: ``d``.

Fields a packer does not list, and the padding between fields, are zero bytes. A layout this
cannot express with native 64-bit sizes raises ImportError when the package is imported.
``tests/test_layout.py`` checks every packer against a ctypes Structure filled field by field.
"""

from __future__ import annotations

import ctypes
import struct
from typing import Optional, Tuple

from . import _raw

_CODES = {"bool": "?", "double": "d", "int64_t": "q", "uint64_t": "q", "size_t": "q"}


def _code(spelling: str) -> str:
    """The struct format code of a field of C type ``spelling`` (see the module docstring)."""
    if "*" in spelling:
        base = spelling.replace("const ", "").replace("*", "").strip()
        return "Q" if base in _raw.OPAQUE_TYPES else "q"
    if spelling in _raw.ENUMS:
        return "i"
    return _CODES[spelling]


def field(struct_name: str, path: str) -> Tuple[int, int, str]:
    """``(offset, size, C type)`` of a field of a raw struct; ``path`` may reach into nested
    structs and unions (``"value.array_value.len"`` in ``otlp_attribute_t``)."""
    offset = 0
    name = struct_name
    size = 0
    for part in path.split("."):
        cls = getattr(_raw, name)
        spelling = {f: t for t, f in _raw.STRUCTS[name][1]}[part]
        member = getattr(cls, part)
        offset += member.offset
        size = member.size
        name = spelling
    return offset, size, name


def packer(struct_name: str, *fields: str, start: Optional[str] = None) -> struct.Struct:
    """A :class:`struct.Struct` that packs ``fields`` (in declaration order) of the raw struct
    ``struct_name``, every other byte zero.

    It covers the whole struct (``ctypes.sizeof``), or with ``start`` the bytes from that
    field's offset to the end (to complete a record packed up to there).
    """
    cls = getattr(_raw, struct_name)
    base = field(struct_name, start)[0] if start else 0
    end = ctypes.sizeof(cls) - base
    fmt = ""
    for path in fields:
        offset, size, spelling = field(struct_name, path)
        offset -= base
        code = _code(spelling)
        pad = offset - struct.calcsize(fmt)
        if pad < 0 or struct.calcsize(code) != size:
            raise ImportError(f"otlp_ffi: cannot pack {struct_name}.{path} ({spelling}, {size} bytes at "
                              f"offset {offset}) with struct code {code!r} after {fmt!r}")  # pragma: no cover
        fmt += (f"{pad}x" if pad else "") + code
        if struct.calcsize(fmt) != offset + size:  # native alignment moved it: not this layout
            raise ImportError(f"otlp_ffi: unexpected {struct_name} layout at {path}")  # pragma: no cover
    tail = end - struct.calcsize(fmt)
    if tail < 0:
        raise ImportError(f"otlp_ffi: unexpected {struct_name} layout")  # pragma: no cover
    if tail:
        fmt += f"{tail}x"
    return struct.Struct(fmt)


# ---------------------------------------------------------------------------------------------
# The packers of the hot path (see otlp_ffi._attributes, _tracer and _span)
# ---------------------------------------------------------------------------------------------

# One otlp_attribute_t: key, type tag, and one member of the value union.
_ATTR_SIZE = ctypes.sizeof(_raw.otlp_attribute_t)
_P_STRING = packer("otlp_attribute_t", "key", "type", "value.string_value").pack
_P_BOOL = packer("otlp_attribute_t", "key", "type", "value.bool_value").pack
_P_INT = packer("otlp_attribute_t", "key", "type", "value.int_value").pack
_P_DOUBLE = packer("otlp_attribute_t", "key", "type", "value.double_value").pack
_P_ARRAY = packer("otlp_attribute_t", "key", "type", "value.array_value.items", "value.array_value.len").pack

# otlp_span_options_t (size-prefixed), every field
_OPTS_SIZE = ctypes.sizeof(_raw.otlp_span_options_t)
_P_OPTIONS = packer("otlp_span_options_t", *[f for _t, f in _raw.STRUCTS["otlp_span_options_t"][1]]).pack

# otlp_finished_span_t, otlp_span_emit's argument. A root span's record as start_span packs it:
# struct_size, name, kind, (parent NULL), start attributes and count, (no links), start time,
# and zeros for what end() may add (attributes set later, their count, the end time: 0 = now).
# end() replaces those by _P_FIN_TAIL's bytes: the record's first _FIN_HEAD bytes, then the tail.
_FIN_SIZE = ctypes.sizeof(_raw.otlp_finished_span_t)
_FIN_START = ("struct_size", "name", "kind", "start_attributes", "start_attribute_count", "start_time_unix_nano")
_P_FIN_START = packer("otlp_finished_span_t", *_FIN_START).pack
_U_FIN_START = packer("otlp_finished_span_t", *_FIN_START[1:]).unpack_from  # (name, kind, attrs, count, start)
_FIN_TAIL = ("attributes", "attribute_count", "end_time_unix_nano")
_FIN_HEAD = field("otlp_finished_span_t", _FIN_TAIL[0])[0]  # bytes before `attributes`
_P_FIN_TAIL = packer("otlp_finished_span_t", *_FIN_TAIL, start=_FIN_TAIL[0]).pack

# otlp_link_t: context handle, attributes, count
_P_LINK = packer("otlp_link_t", "context", "attributes", "attribute_count").pack
