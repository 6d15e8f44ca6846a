"""Threads: many threads tracing at once, one span shared by threads, the GIL released while
the library works."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from otlp_ffi import InvalidHandleError, SpanKind, TracerProvider
from otlp_ffi_testutil import attr


def test_8_threads_x_200_spans_all_arrive(make_provider, receiver):
    p = make_provider("threads", max_queue_size=4096)
    tracer = p.get_tracer()
    barrier = threading.Barrier(8)

    def work(tid: int) -> None:
        barrier.wait()
        t = p.get_tracer()  # same tracer from every thread
        assert t is tracer
        for i in range(200):
            with t.start_span("threaded", kind=SpanKind.INTERNAL,
                              attributes={"thread": tid, "i": i}) as span:
                span.set_attribute("even", i % 2 == 0)
                if i % 50 == 0:
                    child = span.start_child("threaded-child")
                    child.end()

    with ThreadPoolExecutor(8) as ex:
        list(ex.map(work, range(8)))
    p.force_flush(10_000)
    spans = receiver.wait_for_spans(lambda s: s["name"] == "threaded", count=1600, timeout=20)
    assert len(spans) == 1600
    seen = {(attr(s, "thread").value, attr(s, "i").value) for s in spans}
    assert seen == {(t, i) for t in range(8) for i in range(200)}
    assert all(attr(s, "even") == ("bool", attr(s, "i").value % 2 == 0) for s in spans)
    assert len({s["span_id"] for s in spans}) == 1600
    children = receiver.wait_for_spans(lambda s: s["name"] == "threaded-child", count=32)
    parents = {s["span_id"] for s in spans}
    assert all(c["parent_span_id"] in parents for c in children)
    st = p.stats()
    assert st.spans_ended == 1632 == st.spans_exported and st.spans_dropped == 0


def test_one_span_shared_by_threads(make_provider, receiver):
    p = make_provider()
    span = p.get_tracer().start_span("shared")

    def work(tid: int) -> None:
        for i in range(100):
            span.set_attribute(f"t{tid}", i)
            span.set_attributes({f"u{tid}": str(i)})
            span.add_event(f"e{tid}")

    with ThreadPoolExecutor(4) as ex:
        list(ex.map(work, range(4)))
    span.end()
    p.force_flush(5000)
    [s] = receiver.wait_for_spans(lambda s: s["name"] == "shared")
    for tid in range(4):
        assert attr(s, f"t{tid}") == ("int", 99)
        assert attr(s, f"u{tid}") == ("string", "99")
    assert len(s["events"]) + s["dropped_events_count"] == 400


def test_end_racing_with_writers_never_crashes(make_provider):
    p = make_provider()
    t = p.get_tracer()

    def writer(span, stop: threading.Event, errors: list) -> None:
        while not stop.is_set():
            try:
                span.set_attribute("k", 1)
            except InvalidHandleError:
                return
            except Exception as exc:  # anything else is a bug
                errors.append(exc)
                return

    for _ in range(20):
        span = t.start_span("race")
        stop = threading.Event()
        errors: list = []
        threads = [threading.Thread(target=writer, args=(span, stop, errors)) for _ in range(3)]
        for th in threads:
            th.start()
        time.sleep(0.002)
        span.end()
        stop.set()
        for th in threads:
            th.join()
        assert errors == []


def test_gil_is_released_while_the_library_waits(receiver):
    """force_flush blocks in C for ~1 s against a slow collector; meanwhile Python threads run."""
    receiver.set_delay(1.0)
    p = TracerProvider(receiver.endpoint, "gil")
    try:
        p.get_tracer().start_span("slow-export").end()
        counter = [0]
        done = threading.Event()

        def spin() -> None:
            while not done.is_set():
                counter[0] += 1

        th = threading.Thread(target=spin)
        th.start()
        t0 = time.monotonic()
        p.force_flush(10_000)
        blocked = time.monotonic() - t0
        done.set()
        th.join()
        assert blocked >= 0.8
        assert counter[0] > 10_000, "the spinning thread barely ran: the GIL was held"
    finally:
        receiver.set_delay(0)
        p.close()
