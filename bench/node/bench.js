#!/usr/bin/env node
'use strict';
// otlp-ffi's Node binding against the OpenTelemetry JS SDK (sdk-trace-base BatchSpanProcessor
// + exporter-trace-otlp-proto), both exporting OTLP/HTTP protobuf to the same local receiver
// (bench/python/receiver_proc.py --kind sink, its own process: it parses every request and
// counts spans per service.name), rounds interleaved in one process.
//
// Shapes: "doc" = the design document's span (startSpan + setAttribute('user.id', 12345) +
// setAttribute('action', 'purchase') + end); "span3" = the same + a double attribute (the
// workload of the other languages' benchmarks); "empty" = start + end. Settings: "defaults" (each library as it comes: queue 2048, batch 512, delay 5 s) and
// "sized" (queue = the round, so nothing needs dropping; the SDK's exporter also gets a
// concurrencyLimit that lets the whole round be in flight, without which its flush fails).
// Reported per shape and setting, medians over the rounds: the loop's ns per span, the
// flush's ns per span (awaited, after the loop), and spans delivered as the receiver counted
// them. "raw" is the C calls alone through koffi (one otlp_span_emit of a span packed once);
// the binding's own JavaScript is also timed alone (a child process where the binding's C
// calls are no-ops). "crossing" is one call into the library: otlp_version() (a getter that
// returns a static string) through koffi, the loop and the string conversion included, median
// of 5 runs of 200 000 calls.
//
//   cd bench/node && npm ci && node bench.js [--spans 200000] [--rounds 5] [--json out.json]
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const { performance } = require('node:perf_hooks');

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const N = Number(opt('spans', 200000));
const ROUNDS = Number(opt('rounds', 5));
const JSON_OUT = opt('json', null);
const REPO = path.resolve(__dirname, '..', '..');

// --binding-only (run by the parent as a child process): the binding with its C calls replaced
// by no-ops, so its loop time is the JavaScript side alone
if (args.includes('--binding-only')) {
  const raw = require(path.join(path.dirname(require.resolve('otlp-ffi')), 'raw.js')).load();
  raw.fn.otlp_span_emit = () => 0;
}
const otlp = require('otlp-ffi');
const api = require('@opentelemetry/api');
const sdk = require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');

class Receiver {
  static start() {
    return new Promise((resolve, reject) => {
      const proc = spawn('python3', [path.join(REPO, 'bench', 'python', 'receiver_proc.py'), '--kind', 'sink'],
        { stdio: ['pipe', 'pipe', 'inherit'] });
      const rl = readline.createInterface({ input: proc.stdout });
      const rx = { proc, waiting: [] };
      rl.on('line', (line) => {
        if (line.startsWith('PORT ')) {
          rx.endpoint = `http://127.0.0.1:${line.slice(5)}`;
          resolve(rx);
        } else if (line.startsWith('{')) {
          rx.waiting.shift()(JSON.parse(line));
        }
      });
      proc.on('exit', (c) => reject(new Error(`receiver exited ${c}`)));
    });
  }
}
function counts(rx) { return new Promise((r) => { rx.waiting.push(r); rx.proc.stdin.write('count\n'); }); }
async function delivered(rx, service, expect, timeoutMs = 30000) {
  const end = Date.now() + timeoutMs;
  let last = -1;
  let stable = 0;
  for (;;) {
    const n = (await counts(rx))[service] || 0;
    if (n >= expect || Date.now() > end) return n;
    stable = n === last ? stable + 1 : 0;
    if (stable >= 10) return n; // nothing more is coming
    last = n;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const SHAPES = {
  doc(tracer, n) { // the design document's span
    for (let i = 0; i < n; i++) {
      const s = tracer.startSpan('my_operation');
      s.setAttribute('user.id', 12345);
      s.setAttribute('action', 'purchase');
      s.end();
    }
  },
  span3(tracer, n) {
    for (let i = 0; i < n; i++) {
      const s = tracer.startSpan('my_operation');
      s.setAttribute('user.id', 12345);
      s.setAttribute('action', 'purchase');
      s.setAttribute('cart.total', 99.5);
      s.end();
    }
  },
  empty(tracer, n) {
    for (let i = 0; i < n; i++) tracer.startSpan('my_operation').end();
  },
};

function makeFfi(endpoint, service, sized) {
  const p = new otlp.TracerProvider(endpoint, service, sized ? { maxQueueSize: N } : {});
  return { tracer: p.getTracer(), flush: () => p.forceFlush(120000).catch(() => {}), close: () => p.free(),
    dropped: () => p.stats().spansDropped };
}

function makeSdk(endpoint, service, sized) {
  const exporter = new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, ...(sized ? { concurrencyLimit: Math.ceil(N / 512) + 1 } : {}) });
  const bsp = new sdk.BatchSpanProcessor(exporter, sized ? { maxQueueSize: N } : {});
  const p = new sdk.BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [bsp] });
  return { tracer: p.getTracer('bench'), flush: () => p.forceFlush().catch(() => {}), close: () => p.shutdown(), dropped: () => null };
}

// The C calls alone: the span3 / empty span packed once into the binding's scratch memory,
// then otlp_span_emit(tracer, span) per span through koffi.
function makeRaw(endpoint, service, sized, shape) {
  const lib = path.dirname(require.resolve('otlp-ffi'));
  const { fn } = require(path.join(lib, 'raw.js')).load();
  const { S } = require(path.join(lib, 'arena.js'));
  const p = new otlp.TracerProvider(endpoint, service, sized ? { maxQueueSize: N } : {});
  const tracer = p.getTracer();
  const span = tracer.startSpan('my_operation');
  if (shape !== 'empty') span.setAttribute('user.id', 12345).setAttribute('action', 'purchase');
  if (shape === 'span3') span.setAttribute('cart.total', 99.5);
  // the binding's own packer emits it once and leaves the record packed in the scratch memory
  // (its start time stays that of this span: the library does not check it against now)
  span.end();
  const h = tracer._h;
  const ptr = S.finishedPtr;
  const emit = fn.otlp_span_emit;
  return { tracer: { loop: (n) => { for (let i = 0; i < n - 1; i++) emit(h, ptr); } },
    flush: () => p.forceFlush(120000).catch(() => {}), close: () => p.free(), dropped: () => p.stats().spansDropped };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

async function round(rx, lib, shape, setting, r) {
  const service = `${lib}-${shape}-${setting}-${r}`;
  const sized = setting === 'sized';
  const impl = lib === 'otlp-ffi' ? makeFfi(rx.endpoint, service, sized)
    : lib === 'js-sdk' ? makeSdk(rx.endpoint, service, sized) : makeRaw(rx.endpoint, service, sized, shape);
  if (global.gc) global.gc();
  const t0 = performance.now();
  if (lib === 'raw') impl.tracer.loop(N); else SHAPES[shape](impl.tracer, N);
  const t1 = performance.now();
  await impl.flush();
  const t2 = performance.now();
  const got = await delivered(rx, service, N);
  await impl.close();
  return { loop: ((t1 - t0) * 1e6) / N, flush: ((t2 - t1) * 1e6) / N, delivered: got };
}

function bindingOnly() {
  const p = new otlp.TracerProvider('http://127.0.0.1:9', 'binding-only');
  const tracer = p.getTracer();
  const out = {};
  for (const shape of Object.keys(SHAPES)) {
    const xs = [];
    SHAPES[shape](tracer, N); // warm-up (JIT)
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      SHAPES[shape](tracer, N);
      xs.push(((performance.now() - t0) * 1e6) / N);
    }
    out[shape] = median(xs);
  }
  p.free();
  process.stdout.write(JSON.stringify(out));
}

function crossing(calls = 200000) {
  const { fn } = require(path.join(path.dirname(require.resolve('otlp-ffi')), 'raw.js')).load();
  const version = fn.otlp_version;
  const xs = [];
  for (let r = 0; r < 6; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) version();
    if (r > 0) xs.push(((performance.now() - t0) * 1e6) / calls); // the first run warms up (JIT)
  }
  return median(xs);
}

async function main() {
  if (args.includes('--binding-only')) return bindingOnly();
  const own = JSON.parse(require('node:child_process').execFileSync(process.execPath,
    [__filename, '--binding-only', '--spans', String(N), '--rounds', String(ROUNDS)], { encoding: 'utf8' }));
  const rx = await Receiver.start();
  // the SDK's diagnostics (e.g. dropped-span warnings) are off, as at its defaults
  api.diag.disable();
  const libs = ['otlp-ffi', 'js-sdk', 'raw'];
  const results = {};
  console.log(`node ${process.version}, koffi ${require(path.join(path.dirname(require.resolve('otlp-ffi')), 'raw.js')).koffi.version}, otlp-ffi ${otlp.libraryVersion()}, ` +
    `@opentelemetry/sdk-trace-base ${require('@opentelemetry/sdk-trace-base/package.json').version}; ${N} spans x ${ROUNDS} rounds`);
  // warm-up (JIT): one untimed round of each library and shape
  for (const shape of Object.keys(SHAPES)) {
    for (const lib of libs) await round(rx, lib, shape, 'sized', 'warmup');
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const setting of ['defaults', 'sized']) {
      for (const shape of Object.keys(SHAPES)) {
        const order = r % 2 ? [...libs].reverse() : libs;
        for (const lib of order) {
          const key = `${shape}|${setting}|${lib}`;
          (results[key] = results[key] || []).push(await round(rx, lib, shape, setting, r));
        }
      }
    }
    process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
  }
  rx.proc.stdin.end('quit\n');
  const rows = [];
  for (const [key, rs] of Object.entries(results)) {
    const [shape, setting, lib] = key.split('|');
    const loop = median(rs.map((x) => x.loop));
    const flush = median(rs.map((x) => x.flush));
    const got = median(rs.map((x) => x.delivered));
    rows.push({ shape, setting, lib, loop, flush, delivered: got, perDelivered: ((loop + flush) * N) / Math.max(got, 1) });
  }
  const fmt = (x) => x.toFixed(0).padStart(8);
  console.log('\nshape  setting   library   loop ns/span  flush ns/span  delivered        (loop+flush) ns per delivered span');
  for (const row of rows) {
    console.log(`${row.shape.padEnd(6)} ${row.setting.padEnd(9)} ${row.lib.padEnd(9)} ${fmt(row.loop)}      ${fmt(row.flush)}     ` +
      `${String(row.delivered).padStart(7)}/${N} ${((100 * row.delivered) / N).toFixed(1).padStart(5)}%  ${fmt(row.perDelivered)}`);
  }
  console.log('\nratios (same run):');
  for (const setting of ['defaults', 'sized']) {
    for (const shape of Object.keys(SHAPES)) {
      const get = (lib) => rows.find((x) => x.shape === shape && x.setting === setting && x.lib === lib);
      const f = get('otlp-ffi');
      const s = get('js-sdk');
      const raw = get('raw');
      console.log(`  ${shape} ${setting}: js-sdk/otlp-ffi loop ${(s.loop / f.loop).toFixed(2)}x, per delivered span ` +
        `${(s.perDelivered / f.perDelivered).toFixed(2)}x; otlp-ffi - raw ${(f.loop - raw.loop).toFixed(0)} ns/span`);
    }
  }
  console.log(`the binding's own JavaScript per span (its C calls replaced by no-ops, median of ${ROUNDS}): ` +
    Object.entries(own).map(([k, v]) => `${k} ${v.toFixed(0)} ns`).join(', '));
  const cross = crossing();
  console.log(`one crossing: otlp_version() through koffi ${cross.toFixed(0)} ns/call (loop included)`);
  if (JSON_OUT) require('node:fs').writeFileSync(JSON_OUT, JSON.stringify({ N, ROUNDS, rows, bindingOnly: own, crossingNs: cross }, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
