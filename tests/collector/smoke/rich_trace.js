'use strict';
// The rich trace of tests/test_collector.py through the Node binding (bindings/node).
// Exporter settings come from the OTEL_* environment; rich.config is a resource attribute
// given to the provider. Prints `SPAN <label> <trace-id> <span-id>`, `STATS ...` and `OK`.
const path = require('path');
const { TracerProvider, SpanContext, SpanKind, StatusCode } =
  require(path.join(__dirname, '..', '..', '..', 'bindings', 'node'));

const TEXT = 'Grüße, 世界 🚀';
const T0 = 1700000000123456789n;
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACESTATE = 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE';

function show(label, span) {
  console.log(`SPAN ${label} ${span.traceId} ${span.spanId}`);
}

class TimeoutError extends Error {
  constructor(message) {
    super(message);
    this.name = 'TimeoutError';
  }
}

async function main() {
  const provider = new TracerProvider({ resourceAttributes: { 'rich.config': TEXT } });
  const alpha = provider.getTracer('rich.scope.alpha', '1.2.3', 'https://opentelemetry.io/schemas/1.26.0');
  const beta = provider.getTracer('rich.scope.beta ✓', '2.0.0-β', 'https://example.com/schemas/beta');
  const remote = SpanContext.fromTraceparent(TRACEPARENT, TRACESTATE);

  const server = alpha.startSpan('GET /grüße/🚀', {
    kind: SpanKind.SERVER, parent: remote, startTime: T0,
    attributes: { 'rich.string': TEXT, 'rich.bool': true, 'rich.int': -42, 'rich.double': 3.14159 },
  });
  server.setAttribute('rich.bool.false', false);
  server.setAttribute('rich.int.big', 9007199254740993n);
  server.setAttribute('rich.double.small', 2.5e-8);
  server.setAttribute('rich.string.ascii', 'plain');
  server.setAttributes({
    'rich.string_array': ['a', TEXT, 'z'],
    'rich.bool_array': [true, false, true],
    'rich.int_array': [1n, -2n, 9223372036854775807n],
    'rich.double_array': [0.5, -1.25, 1e10],
  });
  server.addEvent('cache.miss', { 'cache.key': TEXT, 'cache.size': 7 }, T0 + 1000n);
  server.addEvent('retry 🚀', { 'retry.delays': [0.5, 1.5], 'retry.final': true }, T0 + 2000n);
  server.setStatus({ code: StatusCode.OK });
  show('server', server);

  const client = beta.startSpan('SELECT grüße', {
    kind: SpanKind.CLIENT, parent: server, attributes: { 'db.system': 'postgresql' },
    links: [{ context: remote, attributes: { 'link.kind': 'caller', 'link.index': 0 } }],
    startTime: T0 + 100000n,
  });
  client.setStatus({ code: StatusCode.ERROR, message: 'query failed: Grüße' });
  show('client', client);
  const clientCtx = client.spanContext();
  client.end(T0 + 900000n);

  const producer = alpha.startSpan('publish', { kind: SpanKind.PRODUCER, parent: server, startTime: T0 + 1000000n });
  producer.recordException({ name: 'ValueError', message: 'bad value: 世界', stack: 'Traceback:\n  at publish()' });
  show('producer', producer);
  const producerCtx = producer.spanContext();
  producer.end(T0 + 1500000n);

  const consumer = beta.startSpan('consume', {
    kind: SpanKind.CONSUMER, parent: server,
    links: [{ context: clientCtx, attributes: { 'link.note': TEXT } }, producerCtx],
    startTime: T0 + 2000000n,
  });
  try {
    throw new TimeoutError('timeout ⏱');
  } catch (err) {
    consumer.recordException(err);
  }
  show('consumer', consumer);
  consumer.end(T0 + 3000000n);
  server.end(T0 + 5000000n);

  const job = alpha.startSpan('background job', { startTime: T0 + 10000000n });
  job.addEvent('tick', T0 + 15000000n);
  show('job', job);
  job.end(T0 + 20000000n);

  await provider.forceFlush(10000);
  const s = provider.stats();
  console.log(`STATS started=${s.spansStarted} ended=${s.spansEnded} exported=${s.spansExported} ` +
    `dropped=${s.spansDropped} failures=${s.exportFailures}`);
  await provider.shutdown(10000);
  provider.free();
  remote.free();
  clientCtx.free();
  producerCtx.free();
  console.log('OK');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
