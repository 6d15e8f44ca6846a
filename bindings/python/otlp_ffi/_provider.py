"""TracerProvider (the export pipeline and its tracers), its Stats, and library_version()."""

from __future__ import annotations

import threading
from ctypes import byref, c_void_p
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

from . import _raw
from ._config import CONFIG_KEYWORDS, _init, _resource, _settings
from ._managed import Managed
from ._registry import _register, _unregister
from ._strings import _encode
from ._tracer import Tracer
from .errors import ErrorCode, OtlpError, ProviderClosedError, _error, _invalid

_lib = _raw.load()

__all__ = ["TracerProvider", "Stats", "library_version", "CONFIG_KEYWORDS"]


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


def _timeout_arg(timeout_ms: Any) -> int:
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, (int, float)):
        raise TypeError(f"timeout_ms must be a number, not {type(timeout_ms).__name__}")
    ms = int(timeout_ms)
    if not 0 <= ms <= 0xFFFFFFFF:
        raise _invalid(f"timeout_ms={timeout_ms} is outside 0..4294967295")
    return ms


class TracerProvider(Managed):
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

    # Managed: _handle() raises ProviderClosedError ("the TracerProvider is closed") once closed
    _what = "TracerProvider"
    _closed_type = ProviderClosedError

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
        self._h = _init(_settings(given, config), _resource(resource_attributes))
        _register(self)

    # -- lifecycle ----------------------------------------------------------------------------
    def close(self) -> None:
        """Shuts down (delivering every ended span, bounded by the export timeout) and frees.

        Idempotent. Afterwards every method of the provider, its tracer and its open spans
        raises :class:`~otlp_ffi.errors.InvalidHandleError` (:class:`ProviderClosedError`);
        ``Span.end()`` of a span left open is a no-op. Does not raise on export problems: call
        :meth:`shutdown` first to learn whether everything was delivered.

        In a child process created by ``os.fork()`` after this provider was created, closing
        delivers the spans the child recorded (from the child's own export thread; what the
        parent had queued is the parent's to deliver).
        """
        super().close()

    def _take(self) -> Optional[c_void_p]:
        with self._lock:
            h = self._h
            if h is None:
                return None
            self._h = None
            self._detach_tracers()
        return h

    def _release(self, handle: c_void_p) -> None:
        _unregister(self)
        _lib.otlp_tracer_provider_free(handle)

    def _after_fork(self) -> None:
        """In the child of os.fork() (called by the registry for every live provider). The
        provider keeps working there: the library starts an export thread of the child's own
        on first use."""
        self._lock = threading.Lock()  # another parent thread may have held it at fork time

    def _detach_tracers(self) -> None:
        """Drops the tracers' handles: their spans kept on this side end as no-ops, and
        start_span fails and says the provider is closed."""
        for t in [self._tracer, *self._scoped.values()]:
            if t is not None:
                t._h = None

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
