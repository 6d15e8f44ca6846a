'use strict';
// worker_threads: each worker loads the binding (its own scratch memory and tracers) over the
// one library; every span arrives and the provider's counters reconcile.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Worker } = require('node:worker_threads');
const otlp = require('otlp-ffi');
const { Receiver, uniqueService } = require('./receiver');

const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const otlp = require('otlp-ffi');
const p = new otlp.TracerProvider(workerData.endpoint, workerData.service, { maxQueueSize: 100000 });
const t = p.getTracer('worker', String(workerData.id));
for (let i = 0; i < workerData.spans; i++) {
  const s = t.startSpan('w-span');
  s.setAttribute('worker', workerData.id).setAttribute('i', i).setAttribute('text', 'ü' + i);
  if (i % 100 === 0) s.addEvent('hundred');
  s.end();
}
let err = null;
try { otlp.SpanContext.fromTraceparent('nope'); } catch (e) { err = e.code + ' ' + e.message; }
p.forceFlush(20000).then(() => {
  parentPort.postMessage({ stats: p.stats(), err });
  p.free();
});`;

test('4 worker_threads x 2,000 spans, each with its provider: all exported, counts exact', { timeout: 120000 }, async () => {
  const rx = await Receiver.start();
  try {
    const service = uniqueService('threads');
    const N = 2000;
    const results = await Promise.all([0, 1, 2, 3].map((id) => new Promise((resolve, reject) => {
      const w = new Worker(WORKER, { eval: true, workerData: { endpoint: rx.endpoint, service, id, spans: N } });
      w.once('message', resolve);
      w.once('error', reject);
    })));
    for (const r of results) {
      assert.equal(r.stats.spansEnded, N);
      assert.equal(r.stats.spansExported, N);
      assert.equal(r.stats.spansDropped, 0);
      // the thread-local message was read on the worker's own thread
      assert.match(r.err, /^OTLP_ERROR_INVALID_ARGUMENT OTLP_ERROR_INVALID_ARGUMENT: .*traceparent/);
    }
    const spans = await rx.waitFor((s) => s.service_name === service, 4 * N, 60000);
    assert.equal(spans.length, 4 * N);
    for (let id = 0; id < 4; id++) {
      const mine = spans.filter((s) => s.scope_version === String(id));
      assert.equal(mine.length, N);
      assert.equal(new Set(mine.map((s) => s.attributes.i.value)).size, N);
      assert.equal(mine.filter((s) => s.events.length === 1).length, N / 100);
    }
  } finally {
    await rx.close();
  }
});

test('the main thread keeps its own last error while workers fail', async () => {
  assert.throws(() => otlp.SpanContext.fromTraceparent('00-bad'), (e) => /traceparent/.test(e.message));
});
