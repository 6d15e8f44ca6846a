#!/usr/bin/env python3
"""An OTLP/HTTP receiver in its own process, for bench_spans.py.

It runs outside the benchmark's process so that decoding what arrives does not compete for the
benchmark's GIL. It counts received spans per resource ``service.name``.

Two receivers:

* ``--kind otlp`` (default): tests/receiver/otlp_receiver.py's OtlpReceiver (decodes every
  span field by field; its stored spans are cleared after each count to bound memory).
* ``--kind sink``: a minimal sink written here: parses each ExportTraceServiceRequest with
  opentelemetry-proto and only counts spans (cheaper per span; use it on small machines).

Protocol (line based, stdin/stdout): prints ``PORT <n>`` once listening; then answers
``count`` with a JSON object {service_name: spans, "_requests": n, "_errors": n} and ``quit`` by
exiting.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

REPO = Path(__file__).resolve().parents[2]


class Counts:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_service: Counter = Counter()
        self.requests = 0
        self.errors = 0

    def snapshot(self) -> dict:
        with self.lock:
            out = dict(self.by_service)
            out["_requests"] = self.requests
            out["_errors"] = self.errors
        return out


def _service_of(resource) -> str:
    for kv in resource.attributes:
        if kv.key == "service.name":
            return kv.value.string_value
    return ""


def run_sink(counts: Counts):
    ok_body = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):  # noqa: N802
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                # (the OpenTelemetry JS exporter streams its body)
                parts = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        break
                    parts.append(self.rfile.read(size))
                    self.rfile.readline()
                body = b"".join(parts)
            else:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
            status = 200
            try:
                if self.path.split("?", 1)[0] != "/v1/traces":
                    raise ValueError("unknown path")
                if self.headers.get("Content-Encoding", "identity") == "gzip":
                    import gzip

                    body = gzip.decompress(body)
                req = trace_service_pb2.ExportTraceServiceRequest()
                req.ParseFromString(body)
                per = Counter()
                for rs in req.resource_spans:
                    svc = _service_of(rs.resource)
                    per[svc] += sum(len(ss.spans) for ss in rs.scope_spans)
                with counts.lock:
                    counts.by_service.update(per)
                    counts.requests += 1
            except Exception:
                status = 400
                with counts.lock:
                    counts.errors += 1
            body_out = ok_body if status == 200 else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(body_out)))
            self.end_headers()
            self.wfile.write(body_out)

    class Server(ThreadingHTTPServer):
        daemon_threads = True

    srv = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv.server_address[1], lambda: None


def run_otlp_receiver(counts: Counts):
    sys.path.insert(0, str(REPO / "tests" / "receiver"))
    from otlp_receiver import OtlpReceiver  # type: ignore

    def on_span(span: dict) -> None:
        with counts.lock:
            counts.by_service[span["service_name"] or ""] += 1

    rx = OtlpReceiver(port=0, on_span=on_span).start()

    def after_count() -> None:
        reqs = rx.get_requests()
        rx.clear()  # bound memory: the span counts live in `counts` (on_span)
        with counts.lock:
            counts.requests += len(reqs)
            counts.errors += sum(1 for r in reqs if r["status"] != 200)

    return rx.port, after_count


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", choices=("otlp", "sink"), default="otlp")
    args = ap.parse_args()
    counts = Counts()
    if args.kind == "otlp":
        try:
            port, after_count = run_otlp_receiver(counts)
        except ImportError as exc:
            print(f"NOTE tests/receiver unavailable ({exc}); using the minimal sink", flush=True)
            port, after_count = run_sink(counts)
    else:
        port, after_count = run_sink(counts)
    print(f"PORT {port}", flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "count":
            after_count()
            print(json.dumps(counts.snapshot()), flush=True)
        elif cmd == "quit":
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
