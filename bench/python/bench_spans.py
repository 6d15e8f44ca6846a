#!/usr/bin/env python3
"""Per-span cost: otlp_ffi (this project) vs opentelemetry-sdk, in one process, same workload.

Workload: N spans per round, each with three attributes (int, str, bool), in two shapes (and a
third without attributes):

* ``start+attrs+end``: ``span = tracer.start_span("op", attributes={...}); span.end()``;
* ``with+set_attribute*3``: the seed's style, ``with tracer.start_span("op") as span:`` and
  three ``span.set_attribute`` calls;
* ``start+end (no attrs)``: no attributes, to separate the cost of a span from that of attributes.

(otlp_ffi crosses into the library once per span in each shape: a root span is kept on the
Python side and handed over by ``end()`` with ``otlp_span_emit``.)

Both SDKs export over OTLP/HTTP (protobuf) with a batch processor configured alike (queue,
batch size, delay) to the same receiver, which runs in a separate process (receiver_proc.py)
so that decoding does not compete for this process's GIL. Rounds alternate the two SDKs. Per
round and SDK: the loop's wall time and the calling thread's CPU time, then a flush (its wall
time is "drain", the export work left when the loop ended) and the process CPU time over loop
and flush (every thread of this process: the spans' whole in-process cost, export included).
Prints the median of each per shape, the ratios, and the exported/dropped counts of each:
otlp_ffi's from ``provider.stats()``, the SDK's by counting what the receiver got (dropped =
ended - received). Also the cost of one crossing into the library: ``otlp_version()`` (a getter
that returns a static string) called through ctypes, the ``for`` loop and the bytes object
included, median of 5 runs of ``--crossing-calls`` calls. And the interpreter's floor per
shape: the same workload code over a do-nothing tracer written in Python (start_span returns an
object whose methods store their arguments; a context manager; no checks, no packing, no C), the
calling thread's CPU time measured the same way: what any Python tracer pays for the loop itself,
so that the ratio goal can be read against what is left above it.

The receiver is the minimal sink by default: it parses every request with opentelemetry-proto
and counts spans. ``--receiver otlp`` uses tests/receiver's OtlpReceiver, which decodes every
span into Python dicts - on a 2-core machine that process takes a core and the benchmark's
loops measure CPU contention more than span cost.

    python3 bench/python/bench_spans.py [--spans 20000] [--rounds 7] [--receiver sink|otlp]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "bindings" / "python"))  # use the checkout when not installed

SVC_FFI = "bench-otlp-ffi"
SVC_SDK = "bench-otel-sdk"


class Receiver:
    def __init__(self, kind: str):
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "receiver_proc.py"), "--kind", kind],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("receiver process exited")
            if line.startswith("NOTE"):
                print(line.strip())
            if line.startswith("PORT "):
                self.port = int(line.split()[1])
                break
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def counts(self) -> Dict[str, int]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("count\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def wait_for(self, service: str, n: int, timeout: float = 60.0) -> Dict[str, int]:
        deadline = time.monotonic() + timeout
        while True:
            c = self.counts()
            if c.get(service, 0) >= n or time.monotonic() > deadline:
                return c
            time.sleep(0.05)

    def close(self) -> None:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()


# ---------------------------------------------------------------------------------------------
# workloads: (name, function(tracer, n)) - identical code for both SDKs
# ---------------------------------------------------------------------------------------------

def w_start_attrs_end(tracer, n: int) -> None:
    start = tracer.start_span
    for i in range(n):
        span = start("op", attributes={"user.id": i, "action": "purchase", "ok": True})
        span.end()


def w_with_set_attribute(tracer, n: int) -> None:
    start = tracer.start_span
    for i in range(n):
        with start("op") as span:
            span.set_attribute("user.id", i)
            span.set_attribute("action", "purchase")
            span.set_attribute("ok", True)


def w_start_end(tracer, n: int) -> None:
    start = tracer.start_span
    for _ in range(n):
        start("op").end()


WORKLOADS: List[tuple] = [
    ("start+attrs+end", w_start_attrs_end),
    ("with+set_attribute*3", w_with_set_attribute),
    ("start+end (no attrs)", w_start_end),
]


class _FloorSpan:
    """The least a span object can do in these workloads: keep what it is given."""

    __slots__ = ("name", "attributes", "ended")

    def __init__(self, name, attributes=None):
        self.name = name
        self.attributes = attributes if attributes is not None else {}
        self.ended = False

    def set_attribute(self, key, value):
        self.attributes[key] = value

    def end(self):
        self.ended = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.end()
        return False


class _FloorTracer:
    def start_span(self, name, attributes=None):
        return _FloorSpan(name, attributes)


def floor_ns(fn: Callable, n: int, rounds: int) -> float:
    """Calling-thread CPU ns/span of workload ``fn`` over the do-nothing tracer, median."""
    tracer = _FloorTracer()
    fn(tracer, 500)
    runs = []
    for _ in range(rounds):
        gc.collect()
        c0 = time.thread_time_ns()
        fn(tracer, n)
        runs.append((time.thread_time_ns() - c0) / n)
    return statistics.median(runs)


def make_ffi(endpoint: str, queue: int, batch: int, delay_ms: int):
    from otlp_ffi import TracerProvider

    provider = TracerProvider(endpoint, SVC_FFI, max_queue_size=queue,
                              max_export_batch_size=batch, schedule_delay_ms=delay_ms)
    return provider, provider.get_tracer(), lambda: provider.force_flush(60_000)


def make_sdk(endpoint: str, queue: int, batch: int, delay_ms: int):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = SdkTracerProvider(resource=Resource.create({"service.name": SVC_SDK}))
    provider.add_span_processor(BatchSpanProcessor(
        OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces"),
        max_queue_size=queue, max_export_batch_size=batch, schedule_delay_millis=delay_ms))
    return provider, provider.get_tracer("bench"), lambda: provider.force_flush(60_000)


def timed(fn: Callable, tracer, n: int, flush: Callable) -> tuple:
    """(wall ns/span, CPU ns/span of the calling thread, drain ns/span, process CPU ns/span).

    The loop is timed on the calling thread; then the provider is flushed (drain: the export
    work left when the loop ended). Process CPU covers loop and flush, every thread of this
    process: the whole in-process cost of the spans, export included (the receiver runs in
    another process)."""
    gc.collect()
    p0 = time.process_time_ns()
    c0 = time.thread_time_ns()
    t0 = time.perf_counter_ns()
    fn(tracer, n)
    t1 = time.perf_counter_ns()
    c1 = time.thread_time_ns()
    flush()
    t2 = time.perf_counter_ns()
    p1 = time.process_time_ns()
    return (t1 - t0) / n, (c1 - c0) / n, (t2 - t1) / n, (p1 - p0) / n


def crossing_ns(calls: int) -> float:
    """ns per call of ``otlp_version()`` through ctypes (argtypes set, GIL released: how the
    binding makes its non-hot-path calls), the loop included; median of 5 runs."""
    from otlp_ffi import _raw

    fn = _raw.lib.otlp_version
    runs = []
    for _ in range(5):
        t0 = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        runs.append((time.perf_counter_ns() - t0) / calls)
    return statistics.median(runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--spans", type=int, default=20000, help="spans per round and shape (default 20000)")
    ap.add_argument("--rounds", type=int, default=7, help="rounds (default 7; the median is reported)")
    ap.add_argument("--shapes", default=",".join(w[0] for w in WORKLOADS),
                    help="comma-separated workload shapes to run (default: all)")
    ap.add_argument("--queue", type=int, default=None,
                    help="max queue size for both (default: --spans, so a round fits and nothing "
                         "needs to be dropped; 2048 is both SDKs' default)")
    ap.add_argument("--batch", type=int, default=512, help="max export batch size (default 512)")
    ap.add_argument("--delay-ms", type=int, default=5000, help="schedule delay (default 5000)")
    ap.add_argument("--receiver", choices=("sink", "otlp"), default="sink",
                    help="sink: parses and counts (default); otlp: tests/receiver's decoding OtlpReceiver")
    ap.add_argument("--crossing-calls", type=int, default=200_000,
                    help="calls of otlp_version() timed for the cost of one crossing (0: skip)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args()
    n, queue = args.spans, args.queue or args.spans
    workloads = [w for w in WORKLOADS if w[0] in args.shapes.split(",")]

    import otlp_ffi
    import opentelemetry.sdk.version as sdkv

    rx = Receiver(args.receiver)
    print(f"python {sys.version.split()[0]}; otlp_ffi {otlp_ffi.__version__} "
          f"(libotlp_ffi {otlp_ffi.library_version()} from {otlp_ffi._raw.library_path}); "
          f"opentelemetry-sdk {sdkv.__version__}; cpus {os.cpu_count()}")
    print(f"receiver: {args.receiver} on {rx.endpoint}; {n} spans x {args.rounds} rounds per shape; "
          f"queue {queue}, batch {args.batch}, delay {args.delay_ms} ms (both)")

    ffi_provider, ffi_tracer, ffi_flush = make_ffi(rx.endpoint, queue, args.batch, args.delay_ms)
    sdk_provider, sdk_tracer, sdk_flush = make_sdk(rx.endpoint, queue, args.batch, args.delay_ms)

    # warm up both paths (imports, caches, connections)
    for _, fn in workloads:
        fn(ffi_tracer, 500)
        fn(sdk_tracer, 500)
    ffi_flush()
    sdk_flush()
    warm = 500 * len(workloads)

    results: Dict[str, Dict[str, List[float]]] = {
        shape: {k: [] for k in ("ffi", "sdk", "ffi_cpu", "sdk_cpu", "ffi_drain", "sdk_drain", "ffi_proc",
                                "sdk_proc")}
        for shape, _ in workloads
    }
    for r in range(args.rounds):
        for shape, fn in workloads:
            order = [("ffi", ffi_tracer, ffi_flush), ("sdk", sdk_tracer, sdk_flush)]
            if r % 2:
                order.reverse()
            for who, tracer, flush in order:
                wall, cpu, drain, proc = timed(fn, tracer, n, flush)
                results[shape][who].append(wall)
                results[shape][who + "_cpu"].append(cpu)
                results[shape][who + "_drain"].append(drain)
                results[shape][who + "_proc"].append(proc)

    total = warm + n * args.rounds * len(workloads)
    ffi_flush()
    sdk_flush()
    stats = ffi_provider.stats()
    counts = rx.wait_for(SVC_SDK, total, timeout=30)
    counts = rx.wait_for(SVC_FFI, stats.spans_exported, timeout=10)
    ffi_provider.close()
    sdk_provider.shutdown()
    rx.close()

    print()
    print("median ns/span over the rounds. wall: elapsed time of the loop on the calling thread "
          "(what the application waits, GIL waits included); thread cpu: CPU time of the calling "
          "thread in the loop; process cpu: CPU time of every thread of this process over loop + "
          "flush (the spans' whole cost here, export included); drain: flush time after the loop")
    print(f"{'shape':<22} {'wall ffi':>8} {'sdk':>7} {'ratio':>6}   {'thread cpu ffi':>14} {'sdk':>7} "
          f"{'ratio':>6}   {'process cpu ffi':>15} {'sdk':>7} {'ratio':>6}   {'drain ffi/sdk':>14}")
    summary: Dict[str, Any] = {}
    for shape, _ in workloads:
        res = results[shape]
        med = {k: statistics.median(v) for k, v in res.items()}
        f, s, fc, sc, fp, sp = (med[k] for k in ("ffi", "sdk", "ffi_cpu", "sdk_cpu", "ffi_proc", "sdk_proc"))
        print(f"{shape:<22} {f:>8.0f} {s:>7.0f} {s / f:>5.1f}x   {fc:>14.0f} {sc:>7.0f} {sc / fc:>5.1f}x"
              f"   {fp:>15.0f} {sp:>7.0f} {sp / fp:>5.1f}x   {med['ffi_drain']:>6.0f}/{med['sdk_drain']:<7.0f}")
        fl = floor_ns(dict(workloads)[shape], n, args.rounds)
        print(f"{'':<22} interpreter floor (do-nothing Python tracer, thread cpu): {fl:.0f} ns/span")
        summary[shape] = {"floor_cpu_ns": fl,
                          "ffi_wall_ns": f, "sdk_wall_ns": s, "wall_ratio": s / f, "ffi_cpu_ns": fc,
                          "sdk_cpu_ns": sc, "cpu_ratio": sc / fc, "ffi_process_cpu_ns": fp,
                          "sdk_process_cpu_ns": sp, "process_cpu_ratio": sp / fp,
                          "ffi_drain_ns": med["ffi_drain"], "sdk_drain_ns": med["sdk_drain"], "rounds": res}
    got_sdk = counts.get(SVC_SDK, 0)
    got_ffi = counts.get(SVC_FFI, 0)
    print()
    print(f"otlp_ffi: ended {stats.spans_ended}, exported {stats.spans_exported}, dropped "
          f"{stats.spans_dropped}, export failures {stats.export_failures} (stats()); "
          f"receiver got {got_ffi}")
    print(f"otel-sdk: ended {total}, receiver got {got_sdk}, dropped {total - got_sdk}")
    print(f"receiver: {counts.get('_requests')} requests, {counts.get('_errors')} errors")
    crossing = crossing_ns(args.crossing_calls) if args.crossing_calls > 0 else None
    if crossing is not None:
        print(f"one crossing: otlp_version() through ctypes {crossing:.0f} ns/call (loop included, "
              f"median of 5 x {args.crossing_calls})")
    if args.json:
        summary["crossing_ns"] = crossing
        summary["counts"] = {"ffi": vars(stats), "ffi_received": got_ffi, "sdk_ended": total,
                             "sdk_received": got_sdk}
        Path(args.json).write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
