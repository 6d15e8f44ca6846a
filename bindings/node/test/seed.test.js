'use strict';
// The design document's Node.js usage, as written (only the require line changed), against
// the real receiver on localhost:4318; and the package installed into a fresh project, used
// from CommonJS and from an ES module.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Receiver, attr } = require('./receiver');

const PKG = path.resolve(__dirname, '..');

test("the document's usage delivers its span with its attributes and service.name node-app", async () => {
  // another suite may hold 4318 for a moment (each language checks its document example
  // there): retry for up to 20 s
  let rx;
  for (let attempt = 0; !rx; attempt++) {
    try {
      rx = await Receiver.start(4318);
    } catch (err) {
      if (attempt === 40) throw new Error(`port 4318 stayed busy: ${err.message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    const r = spawnSync(process.execPath, [path.join(PKG, 'examples', 'seed_usage.js')], { encoding: 'utf8', timeout: 30000 });
    assert.equal(r.status, 0, r.stderr);
    const [span] = await rx.waitFor((s) => s.service_name === 'node-app' && s.name === 'my_operation');
    assert.deepEqual(attr(span, 'user.id'), ['int', 12345n]);
    assert.deepEqual(attr(span, 'action'), ['string', 'purchase']);
    assert.equal(span.kind, 1);
    assert.equal(span.parent_span_id, '');
    assert.match(span.trace_id, /^[0-9a-f]{32}$/);
    assert.deepEqual(span.resource['telemetry.sdk.language'], { type: 'string', value: 'nodejs' });
    // the span ran ~1 s (ended inside the setTimeout)
    const ms = Number(BigInt(span.end_time_unix_nano) - BigInt(span.start_time_unix_nano)) / 1e6;
    assert.ok(ms >= 990 && ms < 5000, `duration ${ms} ms`);
  } finally {
    await rx.close();
  }
});

test('npm install of the package into a new project: require and import both work', { timeout: 180000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otlp-ffi-node-app-'));
  try {
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', PKG], { cwd: dir, stdio: 'pipe' });
    const rx = await Receiver.start();
    try {
      fs.writeFileSync(path.join(dir, 'a.cjs'), `
        const { TracerProvider, SpanKind } = require('otlp-ffi');
        const p = new TracerProvider(process.argv[2], 'cjs-app');
        p.getTracer().startSpan('from-cjs', { kind: SpanKind.CLIENT }).end();
        p.free();`);
      fs.writeFileSync(path.join(dir, 'b.mjs'), `
        import { TracerProvider, SpanKind } from 'otlp-ffi';
        import otlp from 'otlp-ffi';
        const p = new TracerProvider(process.argv[2], 'esm-app');
        p.getTracer().startSpan('from-esm', { kind: SpanKind.SERVER }).end();
        if (otlp.TracerProvider !== TracerProvider) throw new Error('default and named exports differ');
        await p.shutdown();
        p.free();`);
      for (const f of ['a.cjs', 'b.mjs']) {
        const r = spawnSync(process.execPath, [f, rx.endpoint], { cwd: dir, encoding: 'utf8', timeout: 30000 });
        assert.equal(r.status, 0, `${f}: ${r.stderr}`);
      }
      const [c] = await rx.waitFor((s) => s.service_name === 'cjs-app');
      const [e] = await rx.waitFor((s) => s.service_name === 'esm-app');
      assert.equal(c.name, 'from-cjs');
      assert.equal(c.kind, 3);
      assert.equal(e.name, 'from-esm');
      assert.equal(e.kind, 2);
    } finally {
      await rx.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the TypeScript declarations check against a typed example (tsc --noEmit)', { timeout: 120000 }, () => {
  const tsc = path.join(PKG, 'node_modules', 'typescript', 'bin', 'tsc');
  assert.ok(fs.existsSync(tsc), 'typescript is a devDependency: run npm ci in bindings/node');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(PKG, 'examples', 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

