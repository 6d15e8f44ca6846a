"""Raw layer: the C API of ``include/otlp_ffi.h``, one to one.

Everything here is data taken from the header - the enums (:data:`ENUMS`), the structs
(:data:`STRUCTS`) and every function prototype (:data:`FUNCTIONS`), with the C types spelled as in
the header - plus :func:`bind`, which turns that data into ctypes prototypes. A test
(``tests/test_raw_header.py``) parses the header and fails when this table drifts from it.

Use :data:`lib` (set by :func:`load`) to call the library as C would::

    from ctypes import byref, c_void_p
    from otlp_ffi import _raw
    provider = c_void_p()
    rc = _raw.lib.otlp_init(b"http://localhost:4318", b"svc", byref(provider))
    if rc != _raw.OTLP_OK:
        print(_raw.lib.otlp_get_last_error().decode())

Pointer arguments: opaque handles are ``c_void_p`` (``T **`` out-parameters are
``POINTER(c_void_p)``; pass ``byref(c_void_p())``), ``const char *`` is ``c_char_p`` (bytes),
a writable ``char *`` buffer is ``POINTER(c_char)`` (pass ``create_string_buffer(n)``).

:data:`fast` holds a second set of function objects for the hot path of the idiomatic layer:
the same symbols with the same ``restype`` but **no** ``argtypes``, which saves ctypes'
per-argument ``from_param`` calls, and called **with the GIL held** (``ctypes.PyDLL``): they
are the per-span calls, which never wait (ending a span queues it; a full queue drops it),
so releasing and re-taking the GIL around them would cost more than the call. Everything
that can wait (init, flush, shutdown, free) goes through :data:`lib`, which releases the GIL.
Callers of ``fast`` must pass exactly-typed values: handles as ``c_void_p`` instances (never
plain ints: they would be truncated to 32 bits), ``int64_t`` as ``c_int64``, ``double`` as
``c_double``, ``bool`` as ``c_bool``, strings and packed structs as ``bytes``, enums as ``int``.
(A mistake there is still memory-safe: the library validates every handle.)
"""

from __future__ import annotations

import ctypes
import enum
from ctypes import (
    POINTER,
    Structure,
    Union,
    c_bool,
    c_char,
    c_char_p,
    c_double,
    c_int,
    c_int64,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)
from types import SimpleNamespace
from typing import Any, Dict, List, Optional, Tuple

# ---------------------------------------------------------------------------------------------
# Enums (typedef enum { ... } name;) - values exactly as in the header
# ---------------------------------------------------------------------------------------------

ENUMS: Dict[str, Dict[str, int]] = {
    "otlp_error_t": {
        "OTLP_OK": 0,
        "OTLP_ERROR_INVALID_ARGUMENT": -1,
        "OTLP_ERROR_NULL_POINTER": -2,
        "OTLP_ERROR_INITIALIZATION_FAILED": -3,
        "OTLP_ERROR_EXPORT_FAILED": -4,
        "OTLP_ERROR_OUT_OF_MEMORY": -5,
        "OTLP_ERROR_INVALID_HANDLE": -6,
        "OTLP_ERROR_TIMEOUT": -7,
        "OTLP_ERROR_INTERNAL": -99,
    },
    "otlp_span_kind_t": {
        "OTLP_SPAN_KIND_INTERNAL": 1,
        "OTLP_SPAN_KIND_SERVER": 2,
        "OTLP_SPAN_KIND_CLIENT": 3,
        "OTLP_SPAN_KIND_PRODUCER": 4,
        "OTLP_SPAN_KIND_CONSUMER": 5,
    },
    "otlp_status_code_t": {
        "OTLP_STATUS_UNSET": 0,
        "OTLP_STATUS_OK": 1,
        "OTLP_STATUS_ERROR": 2,
    },
    "otlp_attribute_type_t": {
        "OTLP_ATTRIBUTE_STRING": 1,
        "OTLP_ATTRIBUTE_BOOL": 2,
        "OTLP_ATTRIBUTE_INT": 3,
        "OTLP_ATTRIBUTE_DOUBLE": 4,
        "OTLP_ATTRIBUTE_STRING_ARRAY": 5,
        "OTLP_ATTRIBUTE_BOOL_ARRAY": 6,
        "OTLP_ATTRIBUTE_INT_ARRAY": 7,
        "OTLP_ATTRIBUTE_DOUBLE_ARRAY": 8,
    },
}

otlp_error_t = enum.IntEnum("otlp_error_t", ENUMS["otlp_error_t"])  # type: ignore[misc]
otlp_span_kind_t = enum.IntEnum("otlp_span_kind_t", ENUMS["otlp_span_kind_t"])  # type: ignore[misc]
otlp_status_code_t = enum.IntEnum("otlp_status_code_t", ENUMS["otlp_status_code_t"])  # type: ignore[misc]
otlp_attribute_type_t = enum.IntEnum("otlp_attribute_type_t", ENUMS["otlp_attribute_type_t"])  # type: ignore[misc]

# Every enumerator as a module constant too (OTLP_OK, OTLP_SPAN_KIND_SERVER, ...), as in C.
for _members in ENUMS.values():
    globals().update(_members)
OTLP_OK: int
OTLP_ERROR_INVALID_ARGUMENT: int
OTLP_ERROR_NULL_POINTER: int
OTLP_ERROR_INITIALIZATION_FAILED: int
OTLP_ERROR_EXPORT_FAILED: int
OTLP_ERROR_OUT_OF_MEMORY: int
OTLP_ERROR_INVALID_HANDLE: int
OTLP_ERROR_TIMEOUT: int
OTLP_ERROR_INTERNAL: int
OTLP_SPAN_KIND_INTERNAL: int
OTLP_SPAN_KIND_SERVER: int
OTLP_SPAN_KIND_CLIENT: int
OTLP_SPAN_KIND_PRODUCER: int
OTLP_SPAN_KIND_CONSUMER: int
OTLP_STATUS_UNSET: int
OTLP_STATUS_OK: int
OTLP_STATUS_ERROR: int
OTLP_ATTRIBUTE_STRING: int
OTLP_ATTRIBUTE_BOOL: int
OTLP_ATTRIBUTE_INT: int
OTLP_ATTRIBUTE_DOUBLE: int
OTLP_ATTRIBUTE_STRING_ARRAY: int
OTLP_ATTRIBUTE_BOOL_ARRAY: int
OTLP_ATTRIBUTE_INT_ARRAY: int
OTLP_ATTRIBUTE_DOUBLE_ARRAY: int

#: Opaque handle types (typedef struct otlp_X otlp_X;): only ever used through pointers.
OPAQUE_TYPES: Tuple[str, ...] = (
    "otlp_baggage_t",
    "otlp_config_t",
    "otlp_context_t",
    "otlp_span_t",
    "otlp_tracer_provider_t",
    "otlp_tracer_t",
)

# ---------------------------------------------------------------------------------------------
# Structs and unions: (C type, field name) in declaration order
# ---------------------------------------------------------------------------------------------

STRUCTS: Dict[str, Tuple[str, List[Tuple[str, str]]]] = {
    "otlp_array_t": ("struct", [
        ("const void *", "items"),
        ("size_t", "len"),
    ]),
    "otlp_attribute_value_t": ("union", [
        ("const char *", "string_value"),
        ("bool", "bool_value"),
        ("int64_t", "int_value"),
        ("double", "double_value"),
        ("otlp_array_t", "array_value"),
    ]),
    "otlp_attribute_t": ("struct", [
        ("const char *", "key"),
        ("otlp_attribute_type_t", "type"),
        ("otlp_attribute_value_t", "value"),
    ]),
    "otlp_link_t": ("struct", [
        ("const otlp_context_t *", "context"),
        ("const otlp_attribute_t *", "attributes"),
        ("size_t", "attribute_count"),
    ]),
    "otlp_span_options_t": ("struct", [
        ("size_t", "struct_size"),
        ("otlp_span_kind_t", "kind"),
        ("const otlp_context_t *", "parent"),
        ("const otlp_attribute_t *", "attributes"),
        ("size_t", "attribute_count"),
        ("const otlp_link_t *", "links"),
        ("size_t", "link_count"),
        ("uint64_t", "start_time_unix_nano"),
    ]),
    "otlp_finished_span_t": ("struct", [
        ("size_t", "struct_size"),
        ("const char *", "name"),
        ("otlp_span_kind_t", "kind"),
        ("const otlp_context_t *", "parent"),
        ("const otlp_attribute_t *", "start_attributes"),
        ("size_t", "start_attribute_count"),
        ("const otlp_link_t *", "links"),
        ("size_t", "link_count"),
        ("uint64_t", "start_time_unix_nano"),
        ("const otlp_attribute_t *", "attributes"),
        ("size_t", "attribute_count"),
        ("uint64_t", "end_time_unix_nano"),
    ]),
    "otlp_stats_t": ("struct", [
        ("uint64_t", "spans_started"),
        ("uint64_t", "spans_ended"),
        ("uint64_t", "spans_exported"),
        ("uint64_t", "spans_dropped"),
        ("uint64_t", "export_failures"),
    ]),
}

# ---------------------------------------------------------------------------------------------
# C type spelling -> ctypes type
# ---------------------------------------------------------------------------------------------

_SCALARS: Dict[str, Any] = {
    "void": None,
    "bool": c_bool,
    "int64_t": c_int64,
    "uint64_t": c_uint64,
    "uint32_t": c_uint32,
    "size_t": c_size_t,
    "double": c_double,
    "const char *": c_char_p,
    "const void *": c_void_p,
    "char *": POINTER(c_char),
    "bool *": POINTER(c_bool),
}
for _enum in ENUMS:
    _SCALARS[_enum] = c_int  # C enums are int-sized here (all values fit in int)


def _ctype(spelling: str) -> Any:
    """ctypes type for a C type as spelled in the header (``otlp_span_t **``, ``const char *``)."""
    if spelling in _SCALARS:
        return _SCALARS[spelling]
    if spelling in _STRUCT_CLASSES:
        return _STRUCT_CLASSES[spelling]
    base = spelling.replace("const ", "").replace("*", "").strip()
    stars = spelling.count("*")
    if base in OPAQUE_TYPES:
        if stars == 1:
            return c_void_p
        if stars == 2:
            return POINTER(c_void_p)
    if base in _STRUCT_CLASSES and stars == 1:
        return POINTER(_STRUCT_CLASSES[base])
    raise KeyError(f"no ctypes mapping for C type {spelling!r}")


_STRUCT_CLASSES: Dict[str, Any] = {}


def _make_struct(name: str) -> Any:
    kind, fields = STRUCTS[name]
    base = Union if kind == "union" else Structure
    cls = type(name, (base,), {"_fields_": [(f, _ctype(t)) for t, f in fields]})
    _STRUCT_CLASSES[name] = cls
    return cls


otlp_array_t = _make_struct("otlp_array_t")
otlp_attribute_value_t = _make_struct("otlp_attribute_value_t")
otlp_attribute_t = _make_struct("otlp_attribute_t")
otlp_link_t = _make_struct("otlp_link_t")
otlp_span_options_t = _make_struct("otlp_span_options_t")
otlp_finished_span_t = _make_struct("otlp_finished_span_t")
otlp_stats_t = _make_struct("otlp_stats_t")

# ---------------------------------------------------------------------------------------------
# Functions: (name, return type, [parameter types]) in header order
# ---------------------------------------------------------------------------------------------

FUNCTIONS: List[Tuple[str, str, List[str]]] = [
    ("otlp_baggage_new", "otlp_error_t", ["otlp_baggage_t **"]),
    ("otlp_baggage_extract", "otlp_error_t", ["const char *", "otlp_baggage_t **"]),
    ("otlp_baggage_set", "otlp_error_t", ["otlp_baggage_t *", "const char *", "const char *"]),
    ("otlp_baggage_get", "otlp_error_t",
     ["const otlp_baggage_t *", "const char *", "char *", "size_t", "bool *"]),
    ("otlp_baggage_remove", "otlp_error_t", ["otlp_baggage_t *", "const char *"]),
    ("otlp_baggage_inject", "otlp_error_t", ["const otlp_baggage_t *", "char *", "size_t"]),
    ("otlp_baggage_free", "void", ["otlp_baggage_t *"]),
    ("otlp_config_new", "otlp_error_t", ["otlp_config_t **"]),
    ("otlp_config_set", "otlp_error_t", ["otlp_config_t *", "const char *", "const char *"]),
    ("otlp_config_free", "void", ["otlp_config_t *"]),
    ("otlp_context_inject", "otlp_error_t", ["otlp_span_t *", "char *", "size_t"]),
    ("otlp_context_inject_tracestate", "otlp_error_t", ["otlp_span_t *", "char *", "size_t"]),
    ("otlp_context_extract", "otlp_error_t", ["const char *", "otlp_context_t **"]),
    ("otlp_context_extract_with_state", "otlp_error_t",
     ["const char *", "const char *", "otlp_context_t **"]),
    ("otlp_context_free", "void", ["otlp_context_t *"]),
    ("otlp_get_last_error", "const char *", []),
    ("otlp_version", "const char *", []),
    ("otlp_now_unix_nano", "uint64_t", []),
    ("otlp_init", "otlp_error_t", ["const char *", "const char *", "otlp_tracer_provider_t **"]),
    ("otlp_init_with_config", "otlp_error_t", ["const otlp_config_t *", "otlp_tracer_provider_t **"]),
    ("otlp_tracer_provider_force_flush", "otlp_error_t", ["otlp_tracer_provider_t *", "uint32_t"]),
    ("otlp_tracer_provider_shutdown", "otlp_error_t", ["otlp_tracer_provider_t *", "uint32_t"]),
    ("otlp_tracer_provider_free", "void", ["otlp_tracer_provider_t *"]),
    ("otlp_config_add_resource_attribute", "otlp_error_t",
     ["otlp_config_t *", "const char *", "const char *"]),
    ("otlp_span_start", "otlp_error_t",
     ["otlp_tracer_t *", "const char *", "otlp_span_kind_t", "const otlp_context_t *", "otlp_span_t **"]),
    ("otlp_span_create", "otlp_error_t", ["otlp_tracer_t *", "const char *", "otlp_span_t **"]),
    ("otlp_span_start_with_options", "otlp_error_t",
     ["otlp_tracer_t *", "const char *", "const otlp_span_options_t *", "otlp_span_t **"]),
    ("otlp_span_emit", "otlp_error_t", ["otlp_tracer_t *", "const otlp_finished_span_t *"]),
    ("otlp_span_get_context", "otlp_error_t", ["const otlp_span_t *", "otlp_context_t **"]),
    ("otlp_span_set_attribute_string", "otlp_error_t", ["otlp_span_t *", "const char *", "const char *"]),
    ("otlp_span_set_attribute_int", "otlp_error_t", ["otlp_span_t *", "const char *", "int64_t"]),
    ("otlp_span_set_attribute_bool", "otlp_error_t", ["otlp_span_t *", "const char *", "bool"]),
    ("otlp_span_set_attribute_double", "otlp_error_t", ["otlp_span_t *", "const char *", "double"]),
    ("otlp_span_set_attributes", "otlp_error_t", ["otlp_span_t *", "const otlp_attribute_t *", "size_t"]),
    ("otlp_span_add_event", "otlp_error_t", ["otlp_span_t *", "const char *"]),
    ("otlp_span_add_event_with_attributes", "otlp_error_t",
     ["otlp_span_t *", "const char *", "uint64_t", "const otlp_attribute_t *", "size_t"]),
    ("otlp_span_set_status", "otlp_error_t", ["otlp_span_t *", "otlp_status_code_t", "const char *"]),
    ("otlp_span_record_error", "otlp_error_t", ["otlp_span_t *", "const char *"]),
    ("otlp_span_record_exception", "otlp_error_t",
     ["otlp_span_t *", "const char *", "const char *", "const char *"]),
    ("otlp_span_update_name", "otlp_error_t", ["otlp_span_t *", "const char *"]),
    ("otlp_span_is_recording", "otlp_error_t", ["const otlp_span_t *", "bool *"]),
    ("otlp_span_get_trace_id", "otlp_error_t", ["const otlp_span_t *", "char *", "size_t"]),
    ("otlp_span_get_span_id", "otlp_error_t", ["const otlp_span_t *", "char *", "size_t"]),
    ("otlp_span_end", "void", ["otlp_span_t *"]),
    ("otlp_span_end_with_timestamp", "otlp_error_t", ["otlp_span_t *", "uint64_t"]),
    ("otlp_tracer_provider_get_stats", "otlp_error_t", ["otlp_tracer_provider_t *", "otlp_stats_t *"]),
    ("otlp_get_tracer", "otlp_error_t", ["otlp_tracer_provider_t *", "otlp_tracer_t **"]),
    ("otlp_get_tracer_with_scope", "otlp_error_t",
     ["otlp_tracer_provider_t *", "const char *", "const char *", "const char *", "otlp_tracer_t **"]),
]

#: Functions that get an argtypes-free twin in :data:`fast` (the per-span path).
FAST_FUNCTIONS: Tuple[str, ...] = (
    "otlp_span_start",
    "otlp_span_start_with_options",
    "otlp_span_emit",
    "otlp_span_end",
    "otlp_span_end_with_timestamp",
    "otlp_span_set_attributes",
    "otlp_span_set_attribute_string",
    "otlp_span_set_attribute_int",
    "otlp_span_set_attribute_bool",
    "otlp_span_set_attribute_double",
    "otlp_span_add_event",
    "otlp_span_add_event_with_attributes",
    "otlp_span_set_status",
    "otlp_span_record_error",
    "otlp_span_record_exception",
    "otlp_get_last_error",
)


def prototype(name: str) -> Tuple[Any, List[Any]]:
    """``(restype, argtypes)`` of a function of :data:`FUNCTIONS` as ctypes types."""
    for fname, ret, params in FUNCTIONS:
        if fname == name:
            return _ctype(ret), [_ctype(p) for p in params]
    raise KeyError(name)


class MissingSymbolError(ImportError):
    """The loaded library lacks functions the header declares (an older or foreign build)."""


def bind(cdll: ctypes.CDLL) -> Tuple[SimpleNamespace, SimpleNamespace]:
    """Sets argtypes/restype of every function of the header on ``cdll``'s function objects.

    Returns ``(lib, fast)``: ``lib`` has one attribute per C function (fully prototyped, GIL
    released during the call); ``fast`` has the :data:`FAST_FUNCTIONS` with ``restype`` only,
    GIL held (see the module docstring).
    """
    held = ctypes.PyDLL(cdll._name, handle=cdll._handle)  # same library, GIL kept during calls
    lib = SimpleNamespace()
    fast = SimpleNamespace()
    missing = []
    for name, _ret, _params in FUNCTIONS:
        try:
            fn = cdll[name]
        except AttributeError:
            missing.append(name)
            continue
        restype, argtypes = prototype(name)
        fn.restype = restype
        fn.argtypes = argtypes
        setattr(lib, name, fn)
        if name in FAST_FUNCTIONS:
            quick = held[name]  # a distinct function object for the same symbol
            quick.restype = restype
            setattr(fast, name, quick)
    if missing:
        raise MissingSymbolError(
            f"{getattr(cdll, '_name', cdll)} lacks {', '.join(missing)}: it is older than (or not) the "
            "libotlp_ffi these bindings were written for; rebuild it with ./build_all.sh"
        )
    return lib, fast


#: The bound library (set by :func:`load`; the package loads it on import).
lib: SimpleNamespace = SimpleNamespace()
#: argtypes-free twins of the hot-path functions (see the module docstring).
fast: SimpleNamespace = SimpleNamespace()
#: Where the library was loaded from.
library_path: Optional[str] = None


def load() -> SimpleNamespace:
    """Finds, loads and binds libotlp_ffi (once); returns :data:`lib`."""
    global lib, fast, library_path
    if library_path is None:
        from ._loader import load as _find

        cdll, where = _find()
        lib, fast = bind(cdll)
        library_path = where
    return lib
