"""demo-python: the second hop of the five-language demo (examples/run_demo.sh).

A pricing service: POST /quote continues the caller's trace (traceparent, tracestate and
baggage from the request), prices the cart, and calls the next service (POST /inventory) with a
CLIENT span whose context and the same baggage go into that request. Exporting is configured by
the OTEL_* environment, as with opentelemetry-sdk.

    python3 service.py --port 0 --next http://127.0.0.1:PORT/inventory
prints {"listening": PORT} once it accepts connections; SIGTERM flushes and exits 0.
"""

import argparse
import json
import signal
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from otlp_ffi import Baggage, SpanKind, StatusCode, TracerProvider, extract

PRICES_CENTS = {"tea": 1250, "cup": 800, "pot": 3400}
TAX_RATE = 0.2

provider = TracerProvider()  # endpoint, protocol, service name: OTEL_* variables
tracer = provider.get_tracer("demo.pricing", "1.0.0")
NEXT_URL = ""


def quote(cart: dict) -> dict:
    """The hop's own work: price each line and add tax."""
    lines = [{"sku": i["sku"], "qty": i["qty"], "cents": PRICES_CENTS[i["sku"]] * i["qty"]}
             for i in cart["items"]]
    net = sum(line["cents"] for line in lines)
    return {"customer": cart["customer"], "lines": lines, "net_cents": net,
            "total_cents": round(net * (1 + TAX_RATE))}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - quiet: the trace is the log
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        parent = extract(self.headers)
        baggage = Baggage.extract(self.headers)
        with tracer.start_span("POST /quote", kind=SpanKind.SERVER, parent=parent,
                               attributes={"http.request.method": "POST", "url.path": self.path,
                                           "demo.language": "Python"}) as server:
            for key in ("customer.id", "customer.tier"):  # what travelled from the C client
                if (value := baggage.get(key)) is not None:
                    server.set_attribute("baggage." + key, value)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            priced = quote(body)
            server.set_attribute("demo.quote.total_cents", priced["total_cents"])
            server.add_event("quote.priced", {"demo.quote.lines": len(priced["lines"])})

            with tracer.start_span("POST /inventory", kind=SpanKind.CLIENT, parent=server,
                                   attributes={"http.request.method": "POST",
                                               "url.full": NEXT_URL}) as call:
                headers = {"content-type": "application/json"}
                call.inject(headers)  # traceparent (+ tracestate)
                baggage.inject(headers)
                request = urllib.request.Request(NEXT_URL, data=json.dumps(priced).encode(),
                                                 headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(request, timeout=20) as response:
                        status, answer = response.status, json.loads(response.read())
                except urllib.error.HTTPError as exc:
                    status, answer = exc.code, {"error": exc.reason}
                call.set_attribute("http.response.status_code", status)
                if status != 200:
                    call.set_status(StatusCode.ERROR, f"inventory answered {status}")

            answer["quote"] = priced
            out = json.dumps(answer).encode()
            server.set_attribute("http.response.status_code", status)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)
        baggage.close()


def main() -> None:
    global NEXT_URL
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--next", required=True)
    args = ap.parse_args()
    NEXT_URL = args.next
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)

    def stop(*_: object) -> None:
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(json.dumps({"listening": server.server_address[1]}), flush=True)
    server.serve_forever()
    provider.shutdown(5_000)  # flush what is queued
    sys.exit(0)


if __name__ == "__main__":
    main()
