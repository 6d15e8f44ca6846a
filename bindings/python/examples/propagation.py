"""Propagating a trace through HTTP headers with otlp_ffi (runs without a network: the
"request" is a dict handed from a client function to a server function).

    python3 bindings/python/examples/propagation.py [endpoint]
"""
import sys

from otlp_ffi import SpanKind, TracerProvider, extract

endpoint = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:4318"


def handle_request(tracer, headers: dict) -> None:
    """Server side: continue the caller's trace."""
    parent = extract(headers)  # None when the header is missing or invalid: a new trace
    with tracer.start_span("GET /orders", kind=SpanKind.SERVER, parent=parent) as span:
        span.set_attributes({"http.request.method": "GET", "http.response.status_code": 200})


with TracerProvider(endpoint, "propagation-example") as provider:
    tracer = provider.get_tracer()
    with tracer.start_span("checkout") as checkout:
        with checkout.start_child("call orders", kind=SpanKind.CLIENT) as client:
            headers = client.inject({"accept": "application/json"})
            print("outgoing headers:", headers)
            handle_request(tracer, headers)
    print("trace id:", headers["traceparent"].split("-")[1])
