// A typed use of the binding, checked by `tsc --noEmit -p examples/tsconfig.json`.
import { TracerProvider, SpanKind, StatusCode, extract, Baggage, OtlpError, type Stats } from 'otlp-ffi';
import type { IncomingHttpHeaders } from 'node:http';

export async function handle(headers: IncomingHttpHeaders): Promise<Stats> {
  const provider = new TracerProvider({ endpoint: 'http://localhost:4318', serviceName: 'typed-app', maxQueueSize: 4096 });
  const tracer = provider.getTracer('typed', '1.0.0');
  const parent = extract(headers);
  const span = tracer.startSpan('GET /items', { kind: SpanKind.SERVER, parent, attributes: { 'http.method': 'GET' } });
  span.setAttribute('items', [1, 2, 3]).setAttribute('big', 2n ** 40n).setAttribute('ratio', 0.5);
  span.addEvent('cache.miss', { key: 'k' });
  try {
    throw new RangeError('out of stock');
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: StatusCode.ERROR, message: 'out of stock' });
  }
  const outgoing = span.inject({}, new Baggage({ tenant: 'acme' }));
  const tp: string = outgoing.traceparent;
  span.end();
  try {
    await provider.forceFlush(1000);
  } catch (e) {
    if (e instanceof OtlpError) console.error(e.code, e.message, tp);
  }
  const stats = provider.stats();
  await provider.shutdown();
  provider.free();
  return stats;
}
