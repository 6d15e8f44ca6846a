"""The struct packers of otlp_ffi._layout produce exactly the bytes of the raw layer's ctypes
Structures (checked against the header and the C compiler by test_raw_header.py) filled field
by field. Addresses here are arbitrary numbers: nothing is dereferenced."""

from __future__ import annotations

import ctypes

import pytest

from otlp_ffi import _layout, _raw

KEY = 0x7F00_1234_5678_9A00
ADDR = 0x7F00_0BAD_C0DE_0010
ADDR2 = 0x7F00_0BAD_C0DE_0020
HANDLE = 0xFEDC_BA98_7654_3210  # handles are any 64-bit value (packed unsigned)
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
T = _raw.ENUMS["otlp_attribute_type_t"]


def _ptr(ctype, addr: int):
    return ctypes.cast(ctypes.c_void_p(addr), ctype)


def _attribute(type_name: str, **value) -> bytes:
    a = _raw.otlp_attribute_t()
    a.key = KEY
    a.type = T[type_name]
    for member, v in value.items():
        if member == "array_value":
            a.value.array_value.items, a.value.array_value.len = v
        else:
            setattr(a.value, member, v)
    return bytes(a)


@pytest.mark.parametrize("value", ["addr", 0])
def test_string_attribute(value):
    addr = ADDR if value else 0
    assert _layout._P_STRING(KEY, T["OTLP_ATTRIBUTE_STRING"], addr) == \
        _attribute("OTLP_ATTRIBUTE_STRING", string_value=addr)


@pytest.mark.parametrize("value", [True, False])
def test_bool_attribute(value):
    assert _layout._P_BOOL(KEY, T["OTLP_ATTRIBUTE_BOOL"], value) == _attribute("OTLP_ATTRIBUTE_BOOL", bool_value=value)


@pytest.mark.parametrize("value", [0, 1, -1, 12345, INT64_MIN, INT64_MAX])
def test_int_attribute(value):
    assert _layout._P_INT(KEY, T["OTLP_ATTRIBUTE_INT"], value) == _attribute("OTLP_ATTRIBUTE_INT", int_value=value)


@pytest.mark.parametrize("value", [0.0, -0.0, 0.5, -1e300, float("inf")])
def test_double_attribute(value):
    assert _layout._P_DOUBLE(KEY, T["OTLP_ATTRIBUTE_DOUBLE"], value) == \
        _attribute("OTLP_ATTRIBUTE_DOUBLE", double_value=value)


@pytest.mark.parametrize("type_name", ["OTLP_ATTRIBUTE_STRING_ARRAY", "OTLP_ATTRIBUTE_BOOL_ARRAY",
                                       "OTLP_ATTRIBUTE_INT_ARRAY", "OTLP_ATTRIBUTE_DOUBLE_ARRAY"])
@pytest.mark.parametrize("items,length", [(ADDR, 3), (0, 0), (ADDR2, 1 << 40)])
def test_array_attribute(type_name, items, length):
    assert _layout._P_ARRAY(KEY, T[type_name], items, length) == \
        _attribute(type_name, array_value=(items, length))


def test_every_attribute_type_is_covered():
    covered = {"OTLP_ATTRIBUTE_STRING", "OTLP_ATTRIBUTE_BOOL", "OTLP_ATTRIBUTE_INT", "OTLP_ATTRIBUTE_DOUBLE",
               "OTLP_ATTRIBUTE_STRING_ARRAY", "OTLP_ATTRIBUTE_BOOL_ARRAY", "OTLP_ATTRIBUTE_INT_ARRAY",
               "OTLP_ATTRIBUTE_DOUBLE_ARRAY"}
    assert set(T) == covered  # a new attribute type needs a packer and a test here


@pytest.mark.parametrize("parent", [0, HANDLE])
def test_span_options(parent):
    o = _raw.otlp_span_options_t()
    o.struct_size = ctypes.sizeof(o)
    o.kind = _raw.ENUMS["otlp_span_kind_t"]["OTLP_SPAN_KIND_CLIENT"]
    o.parent = parent
    o.attributes = _ptr(ctypes.POINTER(_raw.otlp_attribute_t), ADDR)
    o.attribute_count = 7
    o.links = _ptr(ctypes.POINTER(_raw.otlp_link_t), ADDR2)
    o.link_count = 2
    o.start_time_unix_nano = 1_700_000_000_123_456_789
    packed = _layout._P_OPTIONS(_layout._OPTS_SIZE, o.kind, parent, ADDR, 7, ADDR2, 2, o.start_time_unix_nano)
    assert packed == bytes(o)


def _finished(**fields) -> _raw.otlp_finished_span_t:
    f = _raw.otlp_finished_span_t()
    f.struct_size = ctypes.sizeof(f)
    for name, v in fields.items():
        ctype = dict(f._fields_)[name]
        setattr(f, name, _ptr(ctype, v) if issubclass(ctype, ctypes._Pointer) else v)
    return f


def test_finished_span_as_start_span_packs_it():
    kind = _raw.ENUMS["otlp_span_kind_t"]["OTLP_SPAN_KIND_SERVER"]
    t0 = 1_700_000_000_000_000_001
    f = _finished(name=ADDR, kind=kind, start_attributes=ADDR2, start_attribute_count=3, start_time_unix_nano=t0)
    rec = _layout._P_FIN_START(_layout._FIN_SIZE, ADDR, kind, ADDR2, 3, t0)
    assert rec == bytes(f)
    assert _layout._U_FIN_START(rec) == (ADDR, kind, ADDR2, 3, t0)


@pytest.mark.parametrize("attrs,count,t1", [(KEY, 5, 1_700_000_000_999_999_999), (0, 0, 0)])
def test_finished_span_completed_by_end(attrs, count, t1):
    kind = _raw.ENUMS["otlp_span_kind_t"]["OTLP_SPAN_KIND_INTERNAL"]
    t0 = 1_700_000_000_000_000_001
    f = _finished(name=ADDR, kind=kind, start_time_unix_nano=t0, attributes=attrs, attribute_count=count,
                  end_time_unix_nano=t1)
    rec = _layout._P_FIN_START(_layout._FIN_SIZE, ADDR, kind, 0, 0, t0)
    assert rec[:_layout._FIN_HEAD] + _layout._P_FIN_TAIL(attrs, count, t1) == bytes(f)


def test_finished_span_every_field():
    """Every field of otlp_finished_span_t, packed by a packer that lists them all."""
    names = [f for _t, f in _raw.STRUCTS["otlp_finished_span_t"][1]]
    values = [ctypes.sizeof(_raw.otlp_finished_span_t), ADDR, 4, HANDLE, ADDR2, 2, KEY, 1, 11, ADDR + 64, 3, 22]
    f = _finished(**dict(zip(names[1:], values[1:])))
    assert _layout.packer("otlp_finished_span_t", *names).pack(*values) == bytes(f)


@pytest.mark.parametrize("attrs,count", [(ADDR, 4), (0, 0)])
def test_link(attrs, count):
    link = _raw.otlp_link_t()
    link.context = HANDLE
    link.attributes = _ptr(ctypes.POINTER(_raw.otlp_attribute_t), attrs)
    link.attribute_count = count
    assert _layout._P_LINK(HANDLE, attrs, count) == bytes(link)


def test_packers_cover_their_structs():
    assert _layout._ATTR_SIZE == ctypes.sizeof(_raw.otlp_attribute_t)
    for pack in (_layout._P_STRING, _layout._P_BOOL, _layout._P_INT, _layout._P_DOUBLE, _layout._P_ARRAY):
        assert pack.__self__.size == _layout._ATTR_SIZE
    assert _layout._P_OPTIONS.__self__.size == _layout._OPTS_SIZE == ctypes.sizeof(_raw.otlp_span_options_t)
    assert _layout._P_FIN_START.__self__.size == _layout._FIN_SIZE == ctypes.sizeof(_raw.otlp_finished_span_t)
    assert _layout._FIN_HEAD == _raw.otlp_finished_span_t.attributes.offset
    assert _layout._FIN_HEAD + _layout._P_FIN_TAIL.__self__.size == _layout._FIN_SIZE
    assert _layout._P_LINK.__self__.size == ctypes.sizeof(_raw.otlp_link_t)


def test_a_layout_that_does_not_fit_is_refused():
    with pytest.raises(ImportError):
        _layout.packer("otlp_link_t", "attributes", "context")  # not in declaration order
