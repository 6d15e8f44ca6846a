'use strict';
// Span surface: kinds, parents (another span, an extracted context), links, events with
// attributes and times, status, exceptions, explicit start/end times, renames, double end and
// use after end — checked field by field in what the real receiver decoded.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const otlp = require('otlp-ffi');
const { SpanKind, StatusCode } = otlp;
const { attr, exportingProvider } = require('./receiver');

const fx = exportingProvider('spans');
const exported = fx.exported;

test('every kind, by constant and by name', async () => {
  for (const [k, v] of Object.entries(SpanKind)) fx.tracer.startSpan(`kind-${k}`, { kind: v }).end();
  fx.tracer.startSpan('kind-by-name', { kind: 'consumer' }).end();
  for (const [k, v] of Object.entries(SpanKind)) {
    const [s] = await exported(`kind-${k}`);
    assert.equal(s.kind, v);
  }
  assert.equal((await exported('kind-by-name'))[0].kind, SpanKind.CONSUMER);
  assert.throws(() => fx.tracer.startSpan('x', { kind: 9 }), RangeError);
  assert.throws(() => fx.tracer.startSpan('x', { kind: 'sideways' }), RangeError);
  assert.throws(() => fx.tracer.startSpan('x', { knd: 1 }), (e) => e instanceof TypeError && /"knd"/.test(e.message));
});

test('a child of a span (kept on this side until it is needed) shares its trace', async () => {
  const parent = fx.tracer.startSpan('parent');
  parent.setAttribute('before.handover', 1);
  const child = fx.tracer.startSpan('child', { parent, kind: SpanKind.CLIENT, attributes: { 'c.start': true } });
  child.setAttribute('c.late', 'x');
  const grandchild = fx.tracer.startSpan('grandchild', { parent: child.spanContext() });
  grandchild.end();
  child.end();
  parent.setAttribute('after.handover', 2);
  parent.end();
  const [p] = await exported('parent');
  const [c] = await exported('child');
  const [g] = await exported('grandchild');
  assert.equal(c.trace_id, p.trace_id);
  assert.equal(g.trace_id, p.trace_id);
  assert.equal(c.parent_span_id, p.span_id);
  assert.equal(g.parent_span_id, c.span_id);
  assert.equal(p.parent_span_id, '');
  assert.deepEqual(attr(p, 'before.handover'), ['int', 1n]);
  assert.deepEqual(attr(p, 'after.handover'), ['int', 2n]);
  assert.deepEqual(attr(c, 'c.start'), ['bool', true]);
  assert.deepEqual(attr(c, 'c.late'), ['string', 'x']);
  assert.equal(c.kind, SpanKind.CLIENT);
  assert.equal(parent.traceId, p.trace_id);
  assert.equal(parent.spanId, p.span_id);
});

test('events with attributes and times, status, exceptions', async () => {
  const span = fx.tracer.startSpan('eventful');
  const t = new Date('2026-01-02T03:04:05.678Z');
  span.addEvent('plain');
  span.addEvent('with.attrs', { 'cache.key': 'k1', hits: 3 });
  span.addEvent('at.date', { n: 1 }, t);
  span.addEvent('at.bigint', 1767323045678901234n);
  class OutOfStock extends Error {}
  const err = new OutOfStock('no more 日本');
  span.recordException(err);
  span.recordException(new TypeError('bad type'), [1767323045, 5]);
  span.setStatus({ code: StatusCode.ERROR, message: 'failed: 🎉' });
  span.end();
  const [s] = await exported('eventful');
  const ev = Object.fromEntries(s.events.map((e) => [e.name === 'exception' ? `exception:${e.attributes['exception.type'].value}` : e.name, e]));
  assert.deepEqual(Object.keys(ev).sort(), ['at.bigint', 'at.date', 'exception:OutOfStock', 'exception:TypeError', 'plain', 'with.attrs']);
  assert.deepEqual(attr(ev['with.attrs'], 'cache.key'), ['string', 'k1']);
  assert.deepEqual(attr(ev['with.attrs'], 'hits'), ['int', 3n]);
  assert.equal(ev['at.date'].time_unix_nano, String(BigInt(t.getTime()) * 1000000n));
  assert.equal(ev['at.bigint'].time_unix_nano, '1767323045678901234');
  const ex = ev['exception:OutOfStock'];
  assert.deepEqual(attr(ex, 'exception.message'), ['string', 'no more 日本']);
  assert.match(attr(ex, 'exception.stacktrace')[1], /no more 日本\n\s+at /);
  assert.equal(ev['exception:TypeError'].time_unix_nano, '1767323045000000005');
  assert.equal(s.status_code, StatusCode.ERROR);
  assert.equal(s.status_message, 'failed: 🎉');
  const start = BigInt(s.start_time_unix_nano);
  assert.ok(BigInt(ev.plain.time_unix_nano) >= start);
});

test('setStatus(code) and OK is final; status code errors', async () => {
  const span = fx.tracer.startSpan('status-ok');
  span.setStatus(StatusCode.OK);
  span.setStatus('error', 'ignored after OK');
  assert.throws(() => span.setStatus(7), RangeError);
  span.end();
  const [s] = await exported('status-ok');
  assert.equal(s.status_code, StatusCode.OK);
  assert.equal(s.status_message, '');
});

test('explicit start and end times (Date, ms, bigint ns, HrTime), links with attributes, renames', async () => {
  const other = fx.tracer.startSpan('link-target');
  const otherCtx = other.spanContext();
  other.end();
  const remote = otlp.SpanContext.fromTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'congo=t61rcWkgMzE');
  const span = fx.tracer.startSpan('timed', {
    startTime: 1767323045000.5, // ms, with a fraction
    links: [otherCtx, { context: remote, attributes: { 'link.kind': 'remote' } }],
  });
  span.updateName('timed-renamed');
  span.end(1767323046000000000n);
  const local = fx.tracer.startSpan('timed-local', { startTime: [1767323045, 250] });
  local.updateName('timed-local-renamed');
  local.end(new Date(1767323047000));
  const [s] = await exported('timed-renamed');
  assert.equal(s.start_time_unix_nano, '1767323045000500000');
  assert.equal(s.end_time_unix_nano, '1767323046000000000');
  assert.equal(s.links.length, 2);
  assert.equal(s.links[0].span_id, otherCtx.spanId);
  assert.equal(s.links[0].trace_id, otherCtx.traceId);
  assert.equal(s.links[1].trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(s.links[1].span_id, '00f067aa0ba902b7');
  assert.equal(s.links[1].trace_state, 'congo=t61rcWkgMzE');
  assert.deepEqual(attr(s.links[1], 'link.kind'), ['string', 'remote']);
  const [l] = await exported('timed-local-renamed');
  assert.equal(l.start_time_unix_nano, '1767323045000000250');
  assert.equal(l.end_time_unix_nano, '1767323047000000000');
  assert.throws(() => fx.tracer.startSpan('x', { startTime: 'yesterday' }), TypeError);
  assert.throws(() => fx.tracer.startSpan('x', { startTime: -5 }), RangeError);
  remote.free();
  otherCtx.free();
});

test('start times of spans kept on this side agree with the library clock', async () => {
  // The library's clock (otlp_now_unix_nano) around the start; the origin the binding converts
  // performance.now() with is calibrated against it within a bracket of ~0.2 us. The slack
  // covers a calibration on a loaded machine, not a clock that disagrees by a millisecond.
  const libNow = require('../lib/raw').load().fn.otlp_now_unix_nano;
  const slack = 200000n;
  for (let i = 0; i < 3; i++) {
    const before = libNow() - slack;
    const span = fx.tracer.startSpan(`clock-${i}`);
    const after = libNow() + slack;
    span.end();
    const [s] = await exported(`clock-${i}`);
    const start = BigInt(s.start_time_unix_nano);
    assert.ok(start >= before && start <= after, `${start} not within [${before}, ${after}]`);
    assert.ok(BigInt(s.end_time_unix_nano) >= start);
    // the end (stamped by the library) is not before the library's reading after the start
    assert.ok(BigInt(s.end_time_unix_nano) >= after - slack);
    const dn = BigInt(Date.now()) * 1000000n;
    assert.ok(start <= dn && start >= dn - 1000000000n, `${start} vs Date.now() ${dn}`);
  }
});

test('end() twice exports once; use after end throws SpanEndedError; Symbol.dispose ends the span', async () => {
  const span = fx.tracer.startSpan('ended-twice');
  span.end();
  span.end();
  assert.equal(span.ended, true);
  const used = (e) => e instanceof otlp.SpanEndedError && e.code === 'OTLP_ERROR_INVALID_HANDLE' && /ended-twice/.test(e.message);
  assert.throws(() => span.setAttribute('k', 1), used);
  assert.throws(() => span.addEvent('e'), used);
  assert.throws(() => span.setStatus(StatusCode.OK), used);
  assert.throws(() => span.recordException(new Error('x')), used);
  assert.throws(() => span.spanContext(), used);
  assert.throws(() => span.inject({}), used);
  assert.throws(() => span.isRecording(), used);
  const native = fx.tracer.startSpan('native-ended-twice', { parent: otlp.SpanContext.fromTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01') });
  native.end();
  native.end();
  assert.throws(() => native.setAttribute('k', 1), otlp.SpanEndedError);
  // what `using scoped = fx.tracer.startSpan(...)` calls at the end of its block (Node 20 has
  // Symbol.dispose but not yet the syntax)
  const scoped = fx.tracer.startSpan('disposed');
  scoped.setAttribute('in.block', true);
  scoped[Symbol.dispose]();
  await fx.provider.forceFlush(10000);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(fx.rx.spans.filter((s) => s.service_name === fx.service && s.name === 'ended-twice').length, 1);
  assert.equal(fx.rx.spans.filter((s) => s.service_name === fx.service && s.name === 'native-ended-twice').length, 1);
  const [d] = await exported('disposed');
  assert.deepEqual(attr(d, 'in.block'), ['bool', true]);
});

test('isRecording follows the sampler', async () => {
  const off = new otlp.TracerProvider(fx.rx.endpoint, `${fx.service}-off`, { sampler: 'always_off' });
  try {
    const span = off.getTracer().startSpan('unsampled');
    assert.equal(span.isRecording(), false);
    const headers = span.inject();
    assert.match(headers.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    span.end();
    assert.equal(fx.tracer.startSpan('sampled').isRecording(), true);
  } finally {
    off.free();
  }
});
