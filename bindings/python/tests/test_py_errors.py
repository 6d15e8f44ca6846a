"""Error paths: every exception class, with the C code and the library's message; use after
end/close raises (never crashes); double end exports once."""

from __future__ import annotations

import ctypes
import gc
import time

import pytest

import otlp_ffi
from otlp_ffi import (
    ErrorCode,
    ExportFailedError,
    InvalidArgumentError,
    InvalidHandleError,
    NullPointerError,
    OtlpError,
    OtlpTimeoutError,
    ProviderClosedError,
    SpanContext,
    SpanEndedError,
    TracerProvider,
)
from otlp_ffi import _raw
from otlp_ffi.errors import _error, error_for


def test_invalid_endpoint_is_value_error_with_library_message():
    with pytest.raises(ValueError) as ei:
        TracerProvider("ftp://example.com", "svc")
    e = ei.value
    assert isinstance(e, InvalidArgumentError) and isinstance(e, OtlpError)
    assert e.code == ErrorCode.INVALID_ARGUMENT == -1
    assert e.message.startswith("OTLP_ERROR_INVALID_ARGUMENT")
    assert "ftp" in e.message


def test_unknown_config_key_names_the_key():
    with pytest.raises(InvalidArgumentError, match="OTEL_NOT_A_KEY"):
        TracerProvider("http://127.0.0.1:1", "svc", config={"OTEL_NOT_A_KEY": "1"})
    with pytest.raises(InvalidArgumentError, match="OTEL_BSP_MAX_QUEUE_SIZE"):
        TracerProvider("http://127.0.0.1:1", "svc", max_queue_size=0)


def test_headers_are_never_echoed_in_errors():
    with pytest.raises(InvalidArgumentError) as ei:
        TracerProvider("http://127.0.0.1:1", "svc", config={"OTEL_EXPORTER_OTLP_HEADERS": "bad header=s3cret"})
    assert "s3cret" not in str(ei.value)


def test_bad_span_arguments(make_provider):
    t = make_provider().get_tracer()
    with pytest.raises(InvalidArgumentError):
        t.start_span("x", kind=9)
    with pytest.raises(TypeError):
        t.start_span("x", kind="server")
    with pytest.raises(TypeError):
        t.start_span(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="NUL"):
        t.start_span("a\0b")
    with pytest.raises(TypeError):
        t.start_span("x", parent="00-abc")  # type: ignore[arg-type]
    with t.start_span("attrs") as span:
        with pytest.raises(InvalidArgumentError, match="empty"):
            span.set_attribute("", 1)
        with pytest.raises(ValueError, match="64 bits"):
            span.set_attribute("big", 2**64)
        with pytest.raises(ValueError, match="64 bits"):
            span.set_attributes({"ok": 1, "big": -(2**63) - 1})
        with pytest.raises(TypeError, match="dict"):
            span.set_attribute("d", {"nested": 1})  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="one type"):
            span.set_attribute("mixed", [1, "a"])
        with pytest.raises(TypeError):
            span.set_attribute("none", None)  # type: ignore[arg-type]
        with pytest.raises(InvalidArgumentError, match="NUL"):
            span.set_attributes({"s": "a\0b"})
        with pytest.raises(UnicodeEncodeError):  # a ValueError too
            span.set_attribute("surrogate", "\udc80")
        with pytest.raises(InvalidArgumentError):
            span.set_status(7)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        t.start_span("x", attributes={"": 1})


def test_bad_attribute_starts_nothing(make_provider):
    p = make_provider()
    t = p.get_tracer()
    with pytest.raises(TypeError):
        t.start_span("never", attributes={"ok": 1, "bad": object()})
    assert p.stats().spans_started == 0


def test_use_after_end_raises_and_double_end_exports_once(make_provider, receiver):
    p = make_provider()
    t = p.get_tracer()
    span = t.start_span("ended")
    span.end()
    span.end()  # idempotent
    with t.start_span("with-and-end") as s2:
        s2.end()  # the with block's end is then a no-op
    assert span.ended
    for call in (lambda: span.set_attribute("k", 1), lambda: span.set_attributes({"k": 1}),
                 lambda: span.add_event("e"), lambda: span.set_status(otlp_ffi.StatusCode.OK),
                 lambda: span.record_exception(ValueError("x")), lambda: span.inject({}),
                 lambda: span.context, lambda: span.trace_id, lambda: span.is_recording(),
                 lambda: span.update_name("n"), lambda: span.start_child("c")):
        with pytest.raises(SpanEndedError) as ei:
            call()
        assert isinstance(ei.value, InvalidHandleError)
        assert ei.value.code == ErrorCode.INVALID_HANDLE
    p.force_flush(5000)
    assert len(receiver.spans_named("ended")) == 1
    assert len(receiver.spans_named("with-and-end")) == 1
    st = p.stats()
    assert st.spans_ended == st.spans_started == 2


def test_raw_double_end_sets_invalid_handle():
    """The C side itself: a second otlp_span_end leaves memory alone and says INVALID_HANDLE."""
    lib = _raw.lib
    prov, tracer, span = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    assert lib.otlp_init(b"http://127.0.0.1:1", b"raw", ctypes.byref(prov)) == 0
    assert lib.otlp_get_tracer(prov, ctypes.byref(tracer)) == 0
    assert lib.otlp_span_create(tracer, b"raw", ctypes.byref(span)) == 0
    lib.otlp_span_end(span)
    lib.otlp_span_end(span)
    assert lib.otlp_get_last_error().startswith(b"OTLP_ERROR_INVALID_HANDLE")
    assert lib.otlp_span_set_attribute_int(span, b"k", 1) == ErrorCode.INVALID_HANDLE
    assert lib.otlp_span_set_attribute_int(ctypes.c_void_p(0xDEADBEEF), b"k", 1) == ErrorCode.INVALID_HANDLE
    assert lib.otlp_config_new(None) == ErrorCode.NULL_POINTER
    err = _error(ErrorCode.NULL_POINTER)
    assert isinstance(err, NullPointerError) and isinstance(err, ValueError)
    assert "config" in err.message
    lib.otlp_tracer_provider_free(prov)
    lib.otlp_tracer_provider_free(prov)
    assert lib.otlp_get_last_error().startswith(b"OTLP_ERROR_INVALID_HANDLE")


def test_use_after_close_raises(make_provider, receiver):
    p = make_provider()
    t = p.get_tracer()
    open_span = t.start_span("left-open")
    done = t.start_span("done-before-close")
    ctx = done.context
    done.end()
    p.close()
    p.close()  # idempotent
    assert p.closed
    for call in (p.get_tracer, p.stats, p.force_flush, p.shutdown, lambda: p.get_tracer("scoped")):
        with pytest.raises(ProviderClosedError):
            call()
    with pytest.raises(ProviderClosedError):
        t.start_span("after-close")
    with pytest.raises(InvalidHandleError) as ei:
        open_span.set_attribute("k", 1)
    assert ei.value.code == ErrorCode.INVALID_HANDLE
    open_span.end()  # no-op, no crash
    assert not ctx.closed  # contexts survive their provider
    ctx.close()
    with pytest.raises(InvalidHandleError, match="closed"):
        otlp_ffi.TracerProvider(receiver.endpoint, "x").get_tracer().start_span("c", parent=ctx)


def test_closed_context_as_parent_raises(make_provider):
    t = make_provider().get_tracer()
    ctx = SpanContext.from_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    ctx.close()
    with pytest.raises(InvalidHandleError):
        t.start_span("orphan", parent=ctx)


def test_flush_timeout_is_timeout_error(make_provider, receiver):
    receiver.set_delay(2.0)
    p = make_provider()
    p.get_tracer().start_span("slow").end()
    t0 = time.monotonic()
    with pytest.raises(TimeoutError) as ei:
        p.force_flush(200)
    assert time.monotonic() - t0 < 1.5
    assert isinstance(ei.value, OtlpTimeoutError)
    assert ei.value.code == ErrorCode.TIMEOUT == -7
    assert "OTLP_ERROR_TIMEOUT" in str(ei.value)
    receiver.set_delay(0)


def test_export_failed_against_refused_and_rejecting_collectors(receiver):
    refused = TracerProvider("http://127.0.0.1:9", "refused", timeout_ms=2000)
    try:
        refused.get_tracer().start_span("lost").end()
        with pytest.raises(ExportFailedError) as ei:
            refused.force_flush(10_000)
        assert ei.value.code == ErrorCode.EXPORT_FAILED
        assert "127.0.0.1:9" in ei.value.message
        assert refused.stats().export_failures >= 1
        with pytest.raises(ExportFailedError):
            refused.shutdown(10_000)
    finally:
        t0 = time.monotonic()
        refused.close()
        assert time.monotonic() - t0 < 5

    receiver.fail_next(3, status=400)
    rejected = TracerProvider(receiver.endpoint, "rejected")
    try:
        rejected.get_tracer().start_span("rejected").end()
        with pytest.raises(ExportFailedError, match="400"):
            rejected.force_flush(5000)
        st = rejected.stats()
        assert st.spans_dropped == 1 and st.spans_exported == 0
    finally:
        rejected.close()


def test_timeout_argument_is_checked(make_provider):
    p = make_provider()
    with pytest.raises(InvalidArgumentError):
        p.force_flush(-1)
    with pytest.raises(TypeError):
        p.force_flush("soon")  # type: ignore[arg-type]


def test_error_class_for_every_code():
    expected = {
        -1: (otlp_ffi.InvalidArgumentError, ValueError),
        -2: (otlp_ffi.NullPointerError, ValueError),
        -3: (otlp_ffi.InitializationError, OtlpError),
        -4: (otlp_ffi.ExportFailedError, OtlpError),
        -5: (otlp_ffi.OutOfMemoryError, MemoryError),
        -6: (otlp_ffi.InvalidHandleError, OtlpError),
        -7: (otlp_ffi.OtlpTimeoutError, TimeoutError),
        -99: (otlp_ffi.InternalError, OtlpError),
    }
    for code, (cls, also) in expected.items():
        e = error_for(code, f"msg {code}")
        assert type(e) is cls and isinstance(e, also) and isinstance(e, OtlpError)
        assert e.code == code and str(e) == f"msg {code}"
    unknown = error_for(-42, "new code")
    assert type(unknown) is OtlpError and unknown.code == -42
    import pickle

    e2 = pickle.loads(pickle.dumps(error_for(-7, "t")))
    assert type(e2) is otlp_ffi.OtlpTimeoutError and e2.code == -7


def test_garbage_collected_handles_do_not_crash(make_provider):
    t = make_provider().get_tracer()
    for _ in range(1000):
        _ = t.start_span("gc").context  # context freed by __del__, span left open
    gc.collect()
