"""The rich trace of tests/test_collector.py through the Python binding (bindings/python).

Exporter settings come from the OTEL_* environment; rich.config is a resource attribute given
to the provider. Prints ``SPAN <label> <trace-id> <span-id>``, ``STATS ...`` and ``OK``.
"""

from otlp_ffi import SpanContext, SpanKind, StatusCode, TracerProvider

TEXT = "Grüße, 世界 🚀"
T0 = 1_700_000_000_123_456_789
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TRACESTATE = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"


def show(label, span):
    print(f"SPAN {label} {span.trace_id} {span.span_id}")


def main() -> None:
    provider = TracerProvider(resource_attributes={"rich.config": TEXT})
    alpha = provider.get_tracer("rich.scope.alpha", "1.2.3", "https://opentelemetry.io/schemas/1.26.0")
    beta = provider.get_tracer("rich.scope.beta ✓", "2.0.0-β", "https://example.com/schemas/beta")
    remote = SpanContext.from_traceparent(TRACEPARENT, TRACESTATE)

    server = alpha.start_span("GET /grüße/🚀", kind=SpanKind.SERVER, parent=remote, start_time=T0,
                              attributes={"rich.string": TEXT, "rich.bool": True, "rich.int": -42,
                                          "rich.double": 3.14159})
    server.set_attribute("rich.bool.false", False)
    server.set_attribute("rich.int.big", 9007199254740993)
    server.set_attribute("rich.double.small", 2.5e-8)
    server.set_attribute("rich.string.ascii", "plain")
    server.set_attributes({
        "rich.string_array": ["a", TEXT, "z"],
        "rich.bool_array": [True, False, True],
        "rich.int_array": [1, -2, 9223372036854775807],
        "rich.double_array": [0.5, -1.25, 1e10],
    })
    server.add_event("cache.miss", {"cache.key": TEXT, "cache.size": 7}, timestamp=T0 + 1000)
    server.add_event("retry 🚀", {"retry.delays": [0.5, 1.5], "retry.final": True}, timestamp=T0 + 2000)
    server.set_status(StatusCode.OK)
    show("server", server)

    client = beta.start_span("SELECT grüße", kind=SpanKind.CLIENT, parent=server,
                             attributes={"db.system": "postgresql"},
                             links=[(remote, {"link.kind": "caller", "link.index": 0})],
                             start_time=T0 + 100_000)
    client.set_status(StatusCode.ERROR, "query failed: Grüße")
    show("client", client)
    client_ctx = client.context
    client.end(end_time=T0 + 900_000)

    producer = alpha.start_span("publish", kind=SpanKind.PRODUCER, parent=server, start_time=T0 + 1_000_000)
    producer.record_exception(ValueError("bad value: 世界"), stacktrace="Traceback:\n  at publish()")
    show("producer", producer)
    producer_ctx = producer.context
    producer.end(end_time=T0 + 1_500_000)

    consumer = beta.start_span("consume", kind=SpanKind.CONSUMER, parent=server,
                               links=[(client_ctx, {"link.note": TEXT}), producer_ctx],
                               start_time=T0 + 2_000_000)
    try:
        raise TimeoutError("timeout ⏱")
    except TimeoutError as exc:
        consumer.record_exception(exc)
    show("consumer", consumer)
    consumer.end(end_time=T0 + 3_000_000)
    server.end(end_time=T0 + 5_000_000)

    job = alpha.start_span("background job", start_time=T0 + 10_000_000)
    job.add_event("tick", timestamp=T0 + 15_000_000)
    show("job", job)
    job.end(end_time=T0 + 20_000_000)

    provider.force_flush(timeout_ms=10_000)
    s = provider.stats()
    print(f"STATS started={s.spans_started} ended={s.spans_ended} exported={s.spans_exported} "
          f"dropped={s.spans_dropped} failures={s.export_failures}")
    provider.shutdown(timeout_ms=10_000)
    provider.close()
    print("OK")


if __name__ == "__main__":
    main()
