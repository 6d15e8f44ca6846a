#!/usr/bin/env python3
"""A real OTLP/HTTP trace receiver for tests.

Listens on loopback (127.0.0.1 and, when the machine has it, ::1) and accepts
``POST /v1/traces`` with an ``application/x-protobuf`` body (optionally gzip
encoded).  Every request is decoded with the official ``opentelemetry-proto``
definitions and every span is flattened into a plain dict so tests can assert
field by field:

    service_name, resource, scope_name, scope_version, name, trace_id, span_id,
    parent_span_id, trace_state, flags, kind, status_code, status_message,
    attributes, events, links, start_time_unix_nano, end_time_unix_nano,
    dropped_attributes_count, dropped_events_count, dropped_links_count

Attribute values keep their protobuf type: each value is a ``Typed(type,
value)`` named tuple (``("string", "x")``, ``("int", 42)``, ``("bool", True)``,
``("double", 1.5)``, ``("bytes", b"..")``, ``("array", [Typed, ...])``,
``("kvlist", {key: Typed})``), which compares equal to a plain tuple.

Library use::

    with OtlpReceiver(port=4318) as rx:
        ...run something that exports...
        [span] = rx.wait_for_spans(lambda s: s["name"] == "op")
        assert attr(span, "count") == ("int", 42)

Command line::

    python3 tests/receiver/otlp_receiver.py --port 4318 [--print] [--expect N] [--timeout S]
    python3 tests/receiver/otlp_receiver.py --port 0 --jsonl

``--jsonl`` is the interface for the other languages' test suites: the first stdout line is
``{"listening": PORT}``, then one JSON object per received span (:func:`span_json`), flushed as
it arrives; the process exits when its stdin closes, so a test that dies leaves no receiver.
"""

from __future__ import annotations

import argparse
import errno
import json
import gzip
import socket
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, NamedTuple, Optional

try:
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
except ImportError as exc:  # pragma: no cover - environment problem
    raise ImportError(
        "the OTLP test receiver needs the 'opentelemetry-proto' and 'protobuf' "
        "packages: pip install -r tests/requirements.txt"
    ) from exc

TRACES_PATH = "/v1/traces"

SPAN_KIND_NAMES = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}
STATUS_NAMES = {0: "UNSET", 1: "OK", 2: "ERROR"}


class Typed(NamedTuple):
    """An attribute value together with its OTLP AnyValue type."""

    type: str
    value: Any

    def __repr__(self) -> str:  # short and readable in assertion dumps
        return f"{self.type}:{self.value!r}"


# --------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------

def any_value(v) -> Typed:
    """Convert an opentelemetry.proto.common.v1.AnyValue into a Typed value."""
    which = v.WhichOneof("value")
    if which == "string_value":
        return Typed("string", v.string_value)
    if which == "bool_value":
        return Typed("bool", v.bool_value)
    if which == "int_value":
        return Typed("int", v.int_value)
    if which == "double_value":
        return Typed("double", v.double_value)
    if which == "bytes_value":
        return Typed("bytes", bytes(v.bytes_value))
    if which == "array_value":
        return Typed("array", [any_value(x) for x in v.array_value.values])
    if which == "kvlist_value":
        return Typed("kvlist", {kv.key: any_value(kv.value) for kv in v.kvlist_value.values})
    return Typed("empty", None)


def key_values(kvs) -> Dict[str, Typed]:
    """Repeated KeyValue -> dict.  A duplicated key keeps every value (as a
    list under the key ``"<key>#dup"``) so a test can detect duplicates."""
    out: Dict[str, Typed] = {}
    for kv in kvs:
        val = any_value(kv.value)
        if kv.key in out:
            out.setdefault(kv.key + "#dup", []).append(val)
        out[kv.key] = val
    return out


def flatten_request(req) -> List[dict]:
    """ExportTraceServiceRequest -> list of flat span dicts."""
    spans: List[dict] = []
    for rs in req.resource_spans:
        resource = key_values(rs.resource.attributes)
        svc = resource.get("service.name")
        service_name = svc.value if svc is not None else None
        for ss in rs.scope_spans:
            for s in ss.spans:
                spans.append(
                    {
                        "service_name": service_name,
                        "resource": resource,
                        "resource_schema_url": rs.schema_url,
                        "scope_name": ss.scope.name,
                        "scope_version": ss.scope.version,
                        "scope_schema_url": ss.schema_url,
                        "name": s.name,
                        "trace_id": s.trace_id.hex(),
                        "span_id": s.span_id.hex(),
                        "parent_span_id": s.parent_span_id.hex(),
                        "trace_state": s.trace_state,
                        "flags": s.flags,
                        "kind": int(s.kind),
                        "status_code": int(s.status.code),
                        "status_message": s.status.message,
                        "attributes": key_values(s.attributes),
                        "events": [
                            {
                                "name": e.name,
                                "time_unix_nano": e.time_unix_nano,
                                "attributes": key_values(e.attributes),
                                "dropped_attributes_count": e.dropped_attributes_count,
                            }
                            for e in s.events
                        ],
                        "links": [
                            {
                                "trace_id": l.trace_id.hex(),
                                "span_id": l.span_id.hex(),
                                "trace_state": l.trace_state,
                                "flags": l.flags,
                                "attributes": key_values(l.attributes),
                            }
                            for l in s.links
                        ],
                        "start_time_unix_nano": s.start_time_unix_nano,
                        "end_time_unix_nano": s.end_time_unix_nano,
                        "dropped_attributes_count": s.dropped_attributes_count,
                        "dropped_events_count": s.dropped_events_count,
                        "dropped_links_count": s.dropped_links_count,
                    }
                )
    return spans


def attr(span: dict, key: str) -> Optional[Typed]:
    """(type, value) of a span attribute, or None when the span lacks it."""
    return span["attributes"].get(key)


def resource_attr(span: dict, key: str) -> Optional[Typed]:
    """(type, value) of a resource attribute of the span, or None."""
    return span["resource"].get(key)


def format_span(span: dict) -> str:
    """One readable line for a span."""
    attrs = " ".join(f"{k}={v.type}:{v.value!r}" for k, v in span["attributes"].items()
                     if not k.endswith("#dup"))
    events = ",".join(e["name"] for e in span["events"])
    return (
        f"service={span['service_name']!r} name={span['name']!r} "
        f"trace_id={span['trace_id']} span_id={span['span_id']} "
        f"parent={span['parent_span_id'] or '-'} kind={SPAN_KIND_NAMES.get(span['kind'], span['kind'])} "
        f"status={STATUS_NAMES.get(span['status_code'], span['status_code'])}"
        f"{(':' + repr(span['status_message'])) if span['status_message'] else ''} "
        f"flags=0x{span['flags']:x} trace_state={span['trace_state']!r} "
        f"attrs[{attrs}]" + (f" events[{events}]" if events else "")
    )


def _json_value(v: Typed) -> Dict[str, Any]:
    if v.type == "int":
        value: Any = str(v.value)
    elif v.type == "double" and (v.value != v.value or v.value in (float("inf"), float("-inf"))):
        value = "NaN" if v.value != v.value else ("Infinity" if v.value > 0 else "-Infinity")
    elif v.type == "bytes":
        value = v.value.hex()
    elif v.type == "array":
        value = [_json_value(x) for x in v.value]
    elif v.type == "kvlist":
        value = {k: _json_value(x) for k, x in v.value.items()}
    else:
        value = v.value
    return {"type": v.type, "value": value}


def _json_attrs(kvs: Dict[str, Any]) -> Dict[str, Any]:
    return {k: ([_json_value(x) for x in v] if k.endswith("#dup") else _json_value(v)) for k, v in kvs.items()}


_NANO_FIELDS = ("start_time_unix_nano", "end_time_unix_nano", "time_unix_nano")


def span_json(span: dict) -> Dict[str, Any]:
    """A flat span (see :func:`flatten_request`) as plain JSON, with the OTLP/JSON conventions
    for what JSON numbers cannot hold exactly: 64-bit integers (int attributes, timestamps) as
    decimal strings, bytes as hex, non-finite doubles as "NaN" / "Infinity" / "-Infinity".
    Attribute values are ``{"type": ..., "value": ...}``."""
    out: Dict[str, Any] = {}
    for k, v in span.items():
        if k in ("attributes", "resource"):
            out[k] = _json_attrs(v)
        elif k in ("events", "links"):
            out[k] = [{ik: (_json_attrs(iv) if ik == "attributes" else str(iv) if ik in _NANO_FIELDS else iv)
                       for ik, iv in item.items()} for item in v]
        elif k in _NANO_FIELDS:
            out[k] = str(v)
        else:
            out[k] = v
    return out


# --------------------------------------------------------------------------
# HTTP server
# --------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as OTLP clients expect
    server_version = "otlp-test-receiver/1.0"

    # silence the default per-request stderr log
    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass

    @property
    def rx(self) -> "OtlpReceiver":
        return self.server.receiver  # type: ignore[attr-defined]

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # trailers until an empty line
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # CRLF after the chunk
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status: int, body: bytes = b"", content_type: str = "application/x-protobuf",
               extra_headers: Optional[Dict[str, str]] = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_POST(self):  # noqa: N802 - http.server naming
        self.rx._handle_post(self)

    def do_GET(self):  # noqa: N802
        self.rx._record_other(self, "GET")
        self._reply(404, b"not found\n", "text/plain")

    do_PUT = do_GET
    do_DELETE = do_GET


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, family, receiver):
        self.address_family = family
        self.receiver = receiver
        super().__init__(addr, _Handler, bind_and_activate=False)
        if family == socket.AF_INET6:
            try:
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            except OSError:
                pass
        try:
            self.server_bind()
            self.server_activate()
        except BaseException:
            self.server_close()
            raise

    def handle_error(self, request, client_address):
        # A client that hangs up mid-request (e.g. on a shutdown timeout) is normal.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class OtlpReceiver:
    """OTLP/HTTP trace receiver on loopback.  See the module docstring."""

    def __init__(self, port: int = 4318, extra_paths: Optional[List[str]] = None,
                 on_span: Optional[Callable[[dict], None]] = None):
        self.port = port
        # Paths accepted besides /v1/traces (e.g. a custom traces endpoint).
        self._default_paths = {TRACES_PATH, *(extra_paths or [])}
        self.accepted_paths = set(self._default_paths)
        self.on_span = on_span
        self._cond = threading.Condition()
        self._servers: List[_Server] = []
        self._threads: List[threading.Thread] = []
        self._generation = 0
        self.requests: List[dict] = []
        self.spans: List[dict] = []
        self._fail_queue: List[tuple] = []
        self._delay = 0.0
        self.addresses: List[str] = []

    # ----------------------------------------------------------- lifecycle
    def start(self) -> "OtlpReceiver":
        if self._servers:
            return self
        self.addresses = []
        v4 = _Server(("127.0.0.1", self.port), socket.AF_INET, self)
        self._servers.append(v4)
        if self.port == 0:
            self.port = v4.server_address[1]
        self.addresses.append(f"127.0.0.1:{self.port}")
        if socket.has_ipv6:
            try:
                v6 = _Server(("::1", self.port, 0, 0), socket.AF_INET6, self)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    v4.server_close()
                    self._servers.clear()
                    raise
                # no IPv6 loopback on this machine: IPv4 only
            else:
                self._servers.append(v6)
                self.addresses.append(f"[::1]:{self.port}")
        for srv in self._servers:
            t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1},
                                 name=f"otlp-receiver-{srv.server_address[0]}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        with self._cond:
            self._generation += 1  # abort delayed requests
            self._cond.notify_all()
        for srv in self._servers:
            srv.shutdown()
            srv.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> "OtlpReceiver":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        """Base endpoint URL (without /v1/traces)."""
        return f"http://127.0.0.1:{self.port}"

    # ----------------------------------------------------------- programming
    def fail_next(self, n: int, status: int = 503, retry_after: Optional[float] = None) -> None:
        """Answer the next ``n`` POSTs with ``status`` (and a Retry-After header
        when given) without storing their spans."""
        with self._cond:
            for _ in range(n):
                self._fail_queue.append((status, retry_after))

    def accept_path(self, path: str) -> None:
        """Also accept exports POSTed to ``path`` (until the next clear())."""
        with self._cond:
            self.accepted_paths.add(path)

    def set_delay(self, seconds: float) -> None:
        """Wait ``seconds`` before answering each POST (a slow collector)."""
        with self._cond:
            self._delay = float(seconds)

    def clear(self) -> None:
        """Forget everything received and reset failures, delay and extra
        paths.  Requests still being delayed are abandoned without being
        stored."""
        with self._cond:
            self._generation += 1
            self.accepted_paths = set(self._default_paths)
            self.requests = []
            self.spans = []
            self._fail_queue = []
            self._delay = 0.0
            self._cond.notify_all()

    # ----------------------------------------------------------- queries
    def get_spans(self, predicate: Optional[Callable[[dict], bool]] = None) -> List[dict]:
        with self._cond:
            return [s for s in self.spans if predicate is None or predicate(s)]

    def get_requests(self) -> List[dict]:
        with self._cond:
            return list(self.requests)

    def spans_named(self, name: str) -> List[dict]:
        return self.get_spans(lambda s: s["name"] == name)

    def wait_for_spans(self, predicate: Optional[Callable[[dict], bool]] = None, count: int = 1,
                       timeout: float = 10.0) -> List[dict]:
        """Return the matching spans as soon as at least ``count`` matched;
        raise AssertionError with a dump of what did arrive on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [s for s in self.spans if predicate is None or predicate(s)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(min(left, 0.2))
        raise AssertionError(
            f"timed out after {timeout}s waiting for {count} matching span(s), "
            f"{len(found)} matched\n" + self.dump()
        )

    def wait_for_requests(self, count: int = 1, timeout: float = 10.0,
                          predicate: Optional[Callable[[dict], bool]] = None) -> List[dict]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [r for r in self.requests if predicate is None or predicate(r)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(min(left, 0.2))
        raise AssertionError(
            f"timed out after {timeout}s waiting for {count} request(s), {len(found)} matched\n" + self.dump()
        )

    def dump(self) -> str:
        with self._cond:
            lines = [f"receiver on {', '.join(self.addresses)}: {len(self.requests)} request(s), "
                     f"{len(self.spans)} span(s)"]
            for r in self.requests:
                lines.append(
                    f"  request {r['method']} {r['path']} -> {r['status']} "
                    f"content-type={r['content_type']!r} spans={r['spans']}"
                    + (f" error={r['error']}" if r.get("error") else "")
                )
            for s in self.spans[:200]:
                lines.append("  span " + format_span(s))
            if len(self.spans) > 200:
                lines.append(f"  ... {len(self.spans) - 200} more spans")
        return "\n".join(lines)

    # ----------------------------------------------------------- handling
    def _record_other(self, h: _Handler, method: str, body: bytes = b"") -> None:
        with self._cond:
            self.requests.append({
                "method": method,
                "path": h.path,
                "headers": {k.lower(): v for k, v in h.headers.items()},
                "content_type": h.headers.get("Content-Type", ""),
                "spans": 0,
                "status": 404,
                "body_len": len(body),
                "client": h.client_address[0],
                "error": "unknown path",
                "time": time.monotonic(),
            })
            self._cond.notify_all()

    def _handle_post(self, h: _Handler) -> None:
        received_at = time.monotonic()
        try:
            body = h._read_body()
        except (ConnectionError, ValueError):
            h.close_connection = True
            return
        path = h.path.split("?", 1)[0]
        if path not in self.accepted_paths:
            self._record_other(h, "POST", body)
            h._reply(404, b"not found\n", "text/plain")
            return

        with self._cond:
            generation = self._generation
            delay = self._delay
        if delay > 0:
            deadline = time.monotonic() + delay
            with self._cond:
                while self._generation == generation:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                if self._generation != generation:
                    # cleared or stopped while we waited: drop this request silently
                    h.close_connection = True
                    return

        headers = {k.lower(): v for k, v in h.headers.items()}
        content_type = headers.get("content-type", "")
        record = {
            "method": "POST",
            "path": path,
            "headers": headers,
            "content_type": content_type,
            "spans": 0,
            "status": 200,
            "body_len": len(body),
            "client": h.client_address[0],
            "error": None,
            "time": received_at,
        }

        with self._cond:
            failure = self._fail_queue.pop(0) if self._fail_queue else None
        if failure is not None:
            status, retry_after = failure
            record["status"] = status
            record["error"] = "programmed failure"
            extra = {"Retry-After": str(int(retry_after) if float(retry_after).is_integer() else retry_after)} \
                if retry_after is not None else {}
            with self._cond:
                self.requests.append(record)
                self._cond.notify_all()
            h._reply(status, b"", "application/x-protobuf", extra)
            return

        status, error = 200, None
        spans: List[dict] = []
        try:
            encoding = headers.get("content-encoding", "identity").lower()
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            elif encoding not in ("", "identity"):
                raise ValueError(f"unsupported Content-Encoding {encoding!r}")
            if not content_type.lower().startswith("application/x-protobuf"):
                raise ValueError(f"unsupported Content-Type {content_type!r}")
            req = trace_service_pb2.ExportTraceServiceRequest()
            req.ParseFromString(body)
            spans = flatten_request(req)
        except Exception as exc:  # malformed request: answer 400 and record it
            status, error = 400, f"{type(exc).__name__}: {exc}"

        record["status"] = status
        record["error"] = error
        record["spans"] = len(spans)
        for s in spans:
            s["request_headers"] = headers
        with self._cond:
            if self._generation != generation:
                h.close_connection = True
                return
            self.requests.append(record)
            self.spans.extend(spans)
            self._cond.notify_all()
        if self.on_span is not None:
            for s in spans:
                self.on_span(s)
        if status == 200:
            h._reply(200, trace_service_pb2.ExportTraceServiceResponse().SerializeToString())
        else:
            h._reply(status, (error or "").encode(), "text/plain")


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="OTLP/HTTP trace receiver for tests")
    ap.add_argument("--port", type=int, default=4318)
    ap.add_argument("--print", action="store_true", dest="print_spans",
                    help="print one line per received span")
    ap.add_argument("--expect", type=int, default=None,
                    help="exit 0 once this many spans arrived (1 on --timeout)")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="seconds to wait for --expect spans (default 30)")
    ap.add_argument("--jsonl", action="store_true",
                    help='print {"listening": PORT}, then one JSON line per span; exit when stdin closes')
    args = ap.parse_args(argv)

    out_lock = threading.Lock()

    def on_span(span: dict) -> None:
        if args.jsonl:
            line = json.dumps(span_json(span), ensure_ascii=False)
            with out_lock:
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
        elif args.print_spans:
            with out_lock:
                print(format_span(span), flush=True)

    rx = OtlpReceiver(port=args.port, on_span=on_span)
    try:
        rx.start()
    except OSError as exc:
        print(f"cannot listen on port {args.port}: {exc}", file=sys.stderr, flush=True)
        return 2
    if args.jsonl:
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
        print(json.dumps({"listening": rx.port}), flush=True)
        try:
            sys.stdin.read()  # until the test closes our stdin (or exits)
        except KeyboardInterrupt:
            pass
        finally:
            rx.stop()
        return 0
    print(f"listening on {', '.join('http://' + a for a in rx.addresses)} (POST {TRACES_PATH})", flush=True)
    try:
        if args.expect is not None:
            try:
                rx.wait_for_spans(count=args.expect, timeout=args.timeout)
            except AssertionError as exc:
                print(str(exc), file=sys.stderr, flush=True)
                return 1
            return 0
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        rx.stop()


if __name__ == "__main__":
    sys.exit(main())
