'use strict';
// W3C propagation across a real HTTP hop (node:http, IncomingHttpHeaders), plain carriers,
// tracestate, baggage, and invalid input.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const otlp = require('otlp-ffi');
const { SpanKind, extract, inject, Baggage, SpanContext } = otlp;
const { attr, exportingProvider } = require('./receiver');

const fx = exportingProvider('prop');

test('client -> HTTP -> server: trace id kept, parent span id right, tracestate and baggage carried', async () => {
  let seen;
  const server = http.createServer((req, res) => {
    const parent = extract(req.headers);
    const baggage = Baggage.extract(req.headers);
    const span = fx.tracer.startSpan('GET /hop', { kind: SpanKind.SERVER, parent });
    span.setAttribute('baggage.user', baggage.get('user') || '');
    seen = { traceparent: req.headers.traceparent, tracestate: req.headers.tracestate, baggage: baggage.toObject() };
    span.end();
    baggage.free();
    parent.free();
    res.end('ok');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const upstream = SpanContext.fromTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'vendor=opaque, other=1');
    const client = fx.tracer.startSpan('call', { kind: SpanKind.CLIENT, parent: upstream });
    const headers = client.inject({}, new Baggage({ user: 'ada lovelace', tier: 'gold' }));
    assert.equal(headers.tracestate, 'vendor=opaque,other=1');
    await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: server.address().port, path: '/hop', headers }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
    client.end();
    upstream.free();
  } finally {
    server.close();
  }
  await fx.provider.forceFlush(10000);
  const [c] = await fx.rx.waitFor((s) => s.service_name === fx.service && s.name === 'call');
  const [s] = await fx.rx.waitFor((x) => x.service_name === fx.service && x.name === 'GET /hop');
  assert.equal(c.trace_id, '0af7651916cd43dd8448eb211c80319c');
  assert.equal(c.parent_span_id, 'b7ad6b7169203331');
  assert.equal(s.trace_id, c.trace_id);
  assert.equal(s.parent_span_id, c.span_id);
  assert.equal(s.trace_state, 'vendor=opaque,other=1');
  assert.equal(c.trace_state, 'vendor=opaque,other=1');
  assert.equal(seen.traceparent, `00-${c.trace_id}-${c.span_id}-01`);
  assert.deepEqual(seen.baggage, { user: 'ada lovelace', tier: 'gold' });
  assert.deepEqual(attr(s, 'baggage.user'), ['string', 'ada lovelace']);
});

test('extract: mixed-case names, several tracestate lines joined, several traceparents invalid', () => {
  const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const a = extract({ TraceParent: tp, TraceState: 'a=1' });
  assert.equal(a.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(a.spanId, '00f067aa0ba902b7');
  assert.equal(a.traceFlags, 1);
  assert.equal(a.isRemote, true);
  const b = extract({ traceparent: tp, tracestate: ['a=1', 'b=2'] });
  const span = fx.tracer.startSpan('joined', { parent: b });
  assert.equal(span.inject().tracestate, 'a=1,b=2');
  span.end();
  assert.equal(extract({ traceparent: [tp, tp] }), null);
  assert.equal(extract({}), null);
  assert.equal(extract({ traceparent: 'garbage' }), null);
  assert.equal(extract({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }), null);
  assert.equal(extract({ traceparent: 'bad\ud800' }), null);
  assert.throws(() => extract(null), TypeError);
  assert.throws(() => SpanContext.fromTraceparent('00-xyz'), (e) => e instanceof otlp.OtlpInvalidArgumentError &&
    e.code === 'OTLP_ERROR_INVALID_ARGUMENT' && /traceparent/.test(e.message));
  for (const c of [a, b]) c.free();
});

test('inject: a span, a context; unsampled flags; a freed context is an error', () => {
  const span = fx.tracer.startSpan('inject-me');
  const carrier = inject(span);
  assert.match(carrier.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.equal(carrier.tracestate, undefined);
  assert.equal(carrier.traceparent, `00-${span.traceId}-${span.spanId}-01`);
  const ctx = span.spanContext();
  assert.deepEqual(inject(ctx, {}), { traceparent: carrier.traceparent });
  span.end();
  ctx.free();
  ctx.free();
  assert.throws(() => inject(ctx, {}), otlp.HandleClosedError);
  assert.throws(() => fx.tracer.startSpan('x', { parent: ctx }), otlp.HandleClosedError);
  assert.throws(() => inject({}, {}), TypeError);
});

test('baggage: set, get, delete, header round trip, non-ASCII values, bad keys', () => {
  const b = new Baggage({ a: '1' });
  b.set('user', '日本 🎉').set('x', 'y');
  assert.equal(b.get('user'), '日本 🎉');
  assert.equal(b.has('x'), true);
  b.delete('x');
  assert.equal(b.get('x'), undefined);
  const header = b.toHeader();
  const back = Baggage.fromHeader(header);
  assert.deepEqual(back.toObject(), { a: '1', user: '日本 🎉' });
  assert.throws(() => b.set('bad key', 'v'), (e) => e instanceof otlp.OtlpInvalidArgumentError && /key/.test(e.message));
  assert.deepEqual(Baggage.extract({ baggage: ['a=1', 'b=2'] }).toObject(), { a: '1', b: '2' });
  b.free();
  b.free();
  assert.throws(() => b.get('a'), otlp.HandleClosedError);
  back.close();
});
