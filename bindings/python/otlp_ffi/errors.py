"""Exceptions raised by otlp_ffi.

Every failing C call raises an :class:`OtlpError` subclass carrying the C error ``code`` (an
:class:`ErrorCode`) and the library's ``message`` (read from ``otlp_get_last_error()`` right after
the failing call, on the same thread). Invalid arguments raise :class:`InvalidArgumentError`,
which is also a :class:`ValueError`; timeouts raise :class:`OtlpTimeoutError`, which is also the
built-in :class:`TimeoutError`.

=================================  ===================================  ======================
C code                             exception                            also a
=================================  ===================================  ======================
OTLP_ERROR_INVALID_ARGUMENT (-1)   InvalidArgumentError                 ValueError
OTLP_ERROR_NULL_POINTER (-2)       NullPointerError                     ValueError
OTLP_ERROR_INITIALIZATION_FAILED   InitializationError
OTLP_ERROR_EXPORT_FAILED (-4)      ExportFailedError
OTLP_ERROR_OUT_OF_MEMORY (-5)      OutOfMemoryError                     MemoryError
OTLP_ERROR_INVALID_HANDLE (-6)     InvalidHandleError
  (span used after end)              SpanEndedError
  (provider used after close)        ProviderClosedError
OTLP_ERROR_TIMEOUT (-7)            OtlpTimeoutError                     TimeoutError
OTLP_ERROR_INTERNAL (-99)          InternalError
=================================  ===================================  ======================
"""

from __future__ import annotations

import enum
from typing import Dict, Tuple, Type

from . import _raw

__all__ = [
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
    "error_for",
]


class ErrorCode(enum.IntEnum):
    """``otlp_error_t`` without the ``OTLP_ERROR_`` prefix.

    The values are the raw layer's (:data:`otlp_ffi._raw.ENUMS`, checked against the header by
    the tests), never typed here."""

    OK = _raw.OTLP_OK
    INVALID_ARGUMENT = _raw.OTLP_ERROR_INVALID_ARGUMENT
    NULL_POINTER = _raw.OTLP_ERROR_NULL_POINTER
    INITIALIZATION_FAILED = _raw.OTLP_ERROR_INITIALIZATION_FAILED
    EXPORT_FAILED = _raw.OTLP_ERROR_EXPORT_FAILED
    OUT_OF_MEMORY = _raw.OTLP_ERROR_OUT_OF_MEMORY
    INVALID_HANDLE = _raw.OTLP_ERROR_INVALID_HANDLE
    TIMEOUT = _raw.OTLP_ERROR_TIMEOUT
    INTERNAL = _raw.OTLP_ERROR_INTERNAL


class OtlpError(Exception):
    """Base class: a libotlp_ffi call failed.

    Attributes:
        code: the C error code (:class:`ErrorCode`, or a plain int for a code this version of
            the bindings does not know).
        message: the library's message (``otlp_get_last_error()``), e.g.
            ``"OTLP_ERROR_INVALID_HANDLE: argument `span`: ..."``.
    """

    code: int
    message: str

    def __init__(self, code: int, message: str):
        try:
            code = ErrorCode(code)
        except ValueError:
            pass
        self.code = code
        self.message = message
        # one argument only: keeps str(exc) == message for the OSError-based TimeoutError too
        super().__init__(message)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> Tuple[type, Tuple[int, str]]:
        # picklable (multiprocessing) despite the two-argument __init__
        return (self.__class__, (int(self.code), self.message))


class InvalidArgumentError(OtlpError, ValueError):
    """OTLP_ERROR_INVALID_ARGUMENT: an argument the library (or the binding) cannot accept."""


class NullPointerError(OtlpError, ValueError):
    """OTLP_ERROR_NULL_POINTER: a required argument was missing (None)."""


class InitializationError(OtlpError):
    """OTLP_ERROR_INITIALIZATION_FAILED: the provider could not be created."""


class ExportFailedError(OtlpError):
    """OTLP_ERROR_EXPORT_FAILED: the collector refused the spans or could not be reached."""


class OutOfMemoryError(OtlpError, MemoryError):
    """OTLP_ERROR_OUT_OF_MEMORY: a resource limit was reached (e.g. too many open spans)."""


class InvalidHandleError(OtlpError):
    """OTLP_ERROR_INVALID_HANDLE: the object is no longer live (ended, closed, freed)."""


class SpanEndedError(InvalidHandleError):
    """A span was used after :meth:`Span.end`."""


class ProviderClosedError(InvalidHandleError):
    """A provider (or one of its tracers) was used after :meth:`TracerProvider.close`."""


class OtlpTimeoutError(OtlpError, TimeoutError):
    """OTLP_ERROR_TIMEOUT: a flush or shutdown did not finish within its timeout."""


class InternalError(OtlpError):
    """OTLP_ERROR_INTERNAL: a bug inside the library (a caught panic)."""


_BY_CODE: Dict[int, Type[OtlpError]] = {
    ErrorCode.INVALID_ARGUMENT: InvalidArgumentError,
    ErrorCode.NULL_POINTER: NullPointerError,
    ErrorCode.INITIALIZATION_FAILED: InitializationError,
    ErrorCode.EXPORT_FAILED: ExportFailedError,
    ErrorCode.OUT_OF_MEMORY: OutOfMemoryError,
    ErrorCode.INVALID_HANDLE: InvalidHandleError,
    ErrorCode.TIMEOUT: OtlpTimeoutError,
    ErrorCode.INTERNAL: InternalError,
}


def error_for(code: int, message: str) -> OtlpError:
    """The exception for a C error code (an unknown code gives a plain :class:`OtlpError`)."""
    return _BY_CODE.get(code, OtlpError)(code, message)


def _error(rc: int) -> OtlpError:
    """The exception for a failed call; reads the thread-local message at once (same thread)."""
    msg = _raw.fast.otlp_get_last_error()  # restype c_char_p -> bytes
    text = msg.decode("utf-8", "replace") if msg else ""
    try:
        name = ErrorCode(rc).name
    except ValueError:
        name = str(rc)
    return error_for(rc, text or f"OTLP_ERROR_{name}")


def _invalid(message: str) -> InvalidArgumentError:
    """An InvalidArgumentError raised by the binding itself (before any C call)."""
    return InvalidArgumentError(ErrorCode.INVALID_ARGUMENT, "OTLP_ERROR_INVALID_ARGUMENT: " + message)
