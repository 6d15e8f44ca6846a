"""The owned-handle base (otlp_ffi._managed.Managed) and the classes built on it: SpanContext,
Baggage, TracerProvider. A handle is freed exactly once however the object is closed."""

from __future__ import annotations

import gc
import threading
from ctypes import c_void_p

import pytest

from otlp_ffi import Baggage, InvalidHandleError, ProviderClosedError, SpanContext, TracerProvider
from otlp_ffi._managed import Managed

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _counted():
    """A Managed subclass whose 'free' function records what it frees."""
    freed = []

    class Counted(Managed):
        __slots__ = ()
        _what = "Counted"
        _free = staticmethod(lambda h: freed.append(h.value))

    return Counted, freed


def test_close_twice_frees_once_and_handle_access_then_raises():
    Counted, freed = _counted()
    obj = Counted._adopt(c_void_p(1234))
    assert not obj.closed and obj._handle().value == 1234
    obj.close()
    obj.close()
    assert obj.closed and freed == [1234]
    with pytest.raises(InvalidHandleError) as ei:
        obj._handle()
    assert ei.value.message == "OTLP_ERROR_INVALID_HANDLE: the Counted is closed"
    assert obj._closed_error("parent").message == "OTLP_ERROR_INVALID_HANDLE: argument `parent`: the Counted is closed"


def test_with_closes_and_del_is_a_backstop():
    Counted, freed = _counted()
    with Counted._adopt(c_void_p(1)) as obj:
        assert not obj.closed
    assert obj.closed and freed == [1]
    del obj
    gc.collect()
    assert freed == [1]  # closed already: __del__ frees nothing more
    other = Counted._adopt(c_void_p(2))
    del other
    gc.collect()
    assert freed == [1, 2]
    unset = object.__new__(Counted)  # as after an __init__ that failed before it had a handle
    del unset
    gc.collect()
    assert freed == [1, 2]


def test_threads_closing_one_object_free_it_once():
    Counted, freed = _counted()
    objects = [Counted._adopt(c_void_p(i + 1)) for i in range(200)]
    barrier = threading.Barrier(4)

    def close_all():
        barrier.wait()
        for o in objects:
            o.close()

    threads = [threading.Thread(target=close_all) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(freed) == list(range(1, 201))


def test_span_context_and_baggage_say_they_are_closed():
    ctx = SpanContext.from_traceparent(TRACEPARENT)
    ctx.close()
    ctx.close()
    assert ctx.closed
    bag = Baggage({"k": "v"})
    with bag:
        assert bag["k"] == "v"
    assert bag.closed
    bag.close()
    with pytest.raises(InvalidHandleError) as ei:
        bag["k"]
    assert ei.value.message == "OTLP_ERROR_INVALID_HANDLE: the Baggage is closed"


def test_closed_context_as_parent_names_the_argument(make_provider):
    t = make_provider().get_tracer()
    ctx = SpanContext.from_traceparent(TRACEPARENT)
    ctx.close()
    with pytest.raises(InvalidHandleError) as ei:
        t.start_span("orphan", parent=ctx)
    assert ei.value.message == "OTLP_ERROR_INVALID_HANDLE: argument `parent`: the SpanContext is closed"


def test_provider_close_is_idempotent_and_then_raises(receiver):
    p = TracerProvider(receiver.endpoint, "managed")
    with p:
        assert not p.closed
    assert p.closed
    p.close()
    with pytest.raises(ProviderClosedError) as ei:
        p.force_flush()
    assert ei.value.message == "OTLP_ERROR_INVALID_HANDLE: the TracerProvider is closed"
