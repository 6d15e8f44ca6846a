'use strict';
// Provider lifecycle: free while spans are open, use after free, idempotent free, flush and
// shutdown Promises that leave the event loop free, their errors, stats, configuration errors,
// flush at process exit (normal and after an uncaught exception), library loading errors.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const otlp = require('otlp-ffi');
const { Receiver, attr, uniqueService } = require('./receiver');

let rx;
before(async () => { rx = await Receiver.start(); });
after(async () => { await rx.close(); });

test('a provider freed while spans are open: spans end as no-ops, everything else is a clear error', async () => {
  const service = uniqueService('freed');
  const p = new otlp.TracerProvider(rx.endpoint, service);
  const t = p.getTracer();
  t.startSpan('done-before-free').end();
  const local = t.startSpan('open-local');
  const native = t.startSpan('open-native', { parent: otlp.SpanContext.fromTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01') });
  p.free();
  p.free();
  p.close();
  assert.equal(p.closed, true);
  const isClosed = (e) => e instanceof otlp.HandleClosedError && e.code === 'OTLP_ERROR_INVALID_HANDLE' && /TracerProvider/.test(e.message);
  local.end();
  native.end();
  assert.throws(() => local.setAttribute('k', 1), isClosed);
  assert.throws(() => t.startSpan('after-free'), isClosed);
  assert.throws(() => p.getTracer(), isClosed);
  assert.throws(() => p.stats(), isClosed);
  await assert.rejects(p.forceFlush(100), isClosed);
  await assert.rejects(p.shutdown(100), isClosed);
  const [s] = await rx.waitFor((x) => x.service_name === service);
  assert.equal(s.name, 'done-before-free');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(rx.of(service).map((x) => x.name), ['done-before-free']);
});

test('stats reconcile after forceFlush; shutdown stops recording; scoped tracers', async () => {
  const service = uniqueService('stats');
  const p = new otlp.TracerProvider({ endpoint: rx.endpoint, serviceName: service, maxQueueSize: 10000 });
  const scoped = p.getTracer('my.lib', '1.2.3', 'https://opentelemetry.io/schemas/1.24.0');
  assert.equal(p.getTracer('my.lib', '1.2.3', 'https://opentelemetry.io/schemas/1.24.0'), scoped);
  assert.notEqual(p.getTracer(), scoped);
  for (let i = 0; i < 500; i++) scoped.startSpan('s').setAttribute('i', i).end();
  await p.forceFlush(10000);
  const st = p.stats();
  assert.equal(st.spansEnded, 500);
  assert.equal(st.spansExported + st.spansDropped, st.spansEnded);
  assert.equal(st.spansExported, 500);
  const spans = await rx.waitFor((x) => x.service_name === service, 500);
  assert.equal(spans[0].scope_name, 'my.lib');
  assert.equal(spans[0].scope_version, '1.2.3');
  assert.equal(spans[0].scope_schema_url, 'https://opentelemetry.io/schemas/1.24.0');
  await p.shutdown(5000);
  await p.shutdown(5000);
  const late = scoped.startSpan('after-shutdown');
  assert.equal(late.isRecording(), false);
  late.end();
  p.free();
});

test('forceFlush waits off the event loop and rejects with OtlpTimeoutError and the library message', async () => {
  // a collector that accepts the connection and never answers
  const sockets = [];
  const silent = net.createServer((s) => sockets.push(s));
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  const p = new otlp.TracerProvider(`http://127.0.0.1:${silent.address().port}`, uniqueService('silent'), { timeoutMs: 5000 });
  try {
    p.getTracer().startSpan('stuck').end();
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 10);
    const started = Date.now();
    await assert.rejects(p.forceFlush(600), (e) => e instanceof otlp.OtlpTimeoutError && e.code === 'OTLP_ERROR_TIMEOUT' &&
      e.errno === otlp.ErrorCode.OTLP_ERROR_TIMEOUT && /^OTLP_ERROR_TIMEOUT: /.test(e.message));
    clearInterval(timer);
    const waited = Date.now() - started;
    assert.ok(waited >= 500, `waited ${waited} ms`);
    assert.ok(ticks >= 20, `the event loop ran ${ticks} timer ticks while the flush waited ${waited} ms`);
    await assert.rejects(p.forceFlush(-1), TypeError);
  } finally {
    await p.shutdown(200).catch(() => {});
    p.free();
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test('Symbol.asyncDispose shuts down then frees', async () => {
  const service = uniqueService('async-dispose');
  const p = new otlp.TracerProvider(rx.endpoint, service);
  p.getTracer().startSpan('before-dispose').end();
  await p[Symbol.asyncDispose]();
  assert.equal(p.closed, true);
  await rx.waitFor((x) => x.service_name === service && x.name === 'before-dispose');
});

test('options map to OTEL_* settings; unknown options and bad values are errors naming them', async () => {
  assert.throws(() => new otlp.TracerProvider({ endpoint: rx.endpoint, colour: 'red' }),
    (e) => e instanceof TypeError && /"colour"/.test(e.message));
  assert.throws(() => new otlp.TracerProvider({ maxQueueSize: 'lots' }), (e) => e instanceof TypeError && /maxQueueSize/.test(e.message));
  assert.throws(() => new otlp.TracerProvider('ftp://nowhere', 'x'),
    (e) => e instanceof otlp.OtlpInvalidArgumentError && /endpoint|OTEL_EXPORTER_OTLP_ENDPOINT/.test(e.message));
  assert.throws(() => new otlp.TracerProvider({ config: { OTEL_NOT_A_KEY: '1' } }),
    (e) => e instanceof otlp.OtlpInvalidArgumentError && /OTEL_NOT_A_KEY/.test(e.message));
  const service = uniqueService('configured');
  const p = new otlp.TracerProvider({ endpoint: rx.endpoint, serviceName: service, protocol: 'http/protobuf',
    compression: 'gzip', headers: { 'x-tenant': 'acme corp' }, resourceAttributes: { 'deployment.environment': 'test', region: 3 },
    config: { OTEL_BSP_SCHEDULE_DELAY: 50 } });
  p.getTracer().startSpan('configured').end();
  await p.forceFlush(10000);
  const [s] = await rx.waitFor((x) => x.service_name === service);
  assert.deepEqual(s.resource['deployment.environment'], { type: 'string', value: 'test' });
  assert.deepEqual(s.resource.region, { type: 'string', value: '3' });
  assert.equal(s.request_headers['x-tenant'], 'acme corp');
  assert.equal(s.request_headers['content-encoding'], 'gzip');
  p.free();
});

test('a provider that is garbage collected while open is freed (and flushed) by the FinalizationRegistry', async () => {
  const v8 = require('node:v8');
  const vm = require('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const service = uniqueService('forgotten');
  (() => {
    const p = new otlp.TracerProvider(rx.endpoint, service, { scheduleDelayMs: 600000 });
    p.getTracer().startSpan('in-a-forgotten-provider').end();
  })();
  // nothing exports before the provider is freed (schedule delay 10 min, queue far from full)
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(rx.of(service).length, 0);
  for (let i = 0; i < 50 && rx.of(service).length === 0; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 100));
  }
  const [s] = await rx.waitFor((x) => x.service_name === service, 1, 5000);
  assert.equal(s.name, 'in-a-forgotten-provider');
});

function child(code, env = {}) {
  return spawnSync(process.execPath, ['-e', code, rx.endpoint], {
    cwd: path.resolve(__dirname, '..'), encoding: 'utf8', timeout: 60000, env: { ...process.env, ...env },
  });
}

test('spans still queued at exit are flushed: normal exit, process.exit(), uncaught exception', async () => {
  const cases = {
    normal: `const p = new (require('otlp-ffi').TracerProvider)(process.argv[1], SVC, { scheduleDelayMs: 60000 });
             p.getTracer().startSpan('queued-at-exit').end();`,
    exit: `const p = new (require('otlp-ffi').TracerProvider)(process.argv[1], SVC, { scheduleDelayMs: 60000 });
           p.getTracer().startSpan('queued-at-exit').end(); process.exit(3);`,
    uncaught: `const p = new (require('otlp-ffi').TracerProvider)(process.argv[1], SVC, { scheduleDelayMs: 60000 });
               p.getTracer().startSpan('queued-at-exit').end(); setTimeout(() => { throw new Error('boom'); }, 10);`,
  };
  const codes = { normal: 0, exit: 3, uncaught: 1 };
  for (const [name, body] of Object.entries(cases)) {
    const service = uniqueService(`exit-${name}`);
    const r = child(`const SVC = ${JSON.stringify(service)}; ${body}`);
    assert.equal(r.status, codes[name], `${name}: ${r.stderr}`);
    if (name === 'uncaught') assert.match(r.stderr, /boom/);
    const [s] = await rx.waitFor((x) => x.service_name === service, 1, 10000);
    assert.equal(s.name, 'queued-at-exit');
  }
});

test('library loading: OTLP_FFI_LIBRARY that does not load is an error listing what was tried', () => {
  const r = child(`require('otlp-ffi')`, { OTLP_FFI_LIBRARY: '/nonexistent/libotlp_ffi.so' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /LibraryNotFoundError/);
  assert.match(r.stderr, /\/nonexistent\/libotlp_ffi\.so \(OTLP_FFI_LIBRARY\): no such file/);
  assert.match(r.stderr, /\.\/build_all\.sh/);
  assert.match(otlp.libraryVersion(), /^\d+\.\d+\.\d+/);
});
