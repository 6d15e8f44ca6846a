"""otlp_ffi: OpenTelemetry tracing for Python on top of libotlp_ffi (a Rust core behind a C ABI).

Quickstart::

    from otlp_ffi import TracerProvider

    provider = TracerProvider("http://localhost:4318", "python-app")
    tracer = provider.get_tracer()
    with tracer.start_span("my_operation") as span:
        span.set_attribute("user.id", 12345)
        span.set_attribute("action", "purchase")

Spans are exported over OTLP/HTTP by a background thread of the library; providers still open
at interpreter exit are flushed and closed by an ``atexit`` handler.

Layers: this module is the idiomatic API (one private module per concept, listed in the
README); :mod:`otlp_ffi._raw` mirrors the C header one to one.
Importing the package loads the native library (see :mod:`otlp_ffi._loader` for the search
order; ``OTLP_FFI_LIBRARY`` overrides it) and raises
:class:`~otlp_ffi._loader.LibraryNotFoundError` listing every place tried when it cannot.
"""

from ._loader import LibraryNotFoundError
from ._attributes import AttributeValue
from ._baggage import Baggage
from ._propagation import SpanContext, extract, inject
from ._provider import Stats, TracerProvider, library_version
from ._span import Span, SpanKind, StatusCode
from ._tracer import Tracer
from .errors import (
    ErrorCode,
    ExportFailedError,
    InitializationError,
    InternalError,
    InvalidArgumentError,
    InvalidHandleError,
    NullPointerError,
    OtlpError,
    OtlpTimeoutError,
    OutOfMemoryError,
    ProviderClosedError,
    SpanEndedError,
)

__version__ = "0.1.0"

__all__ = [
    "TracerProvider",
    "Tracer",
    "Span",
    "SpanContext",
    "Baggage",
    "SpanKind",
    "StatusCode",
    "Stats",
    "AttributeValue",
    "inject",
    "extract",
    "library_version",
    "LibraryNotFoundError",
    "ErrorCode",
    "OtlpError",
    "InvalidArgumentError",
    "NullPointerError",
    "InitializationError",
    "ExportFailedError",
    "OutOfMemoryError",
    "InvalidHandleError",
    "SpanEndedError",
    "ProviderClosedError",
    "OtlpTimeoutError",
    "InternalError",
]
