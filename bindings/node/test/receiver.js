'use strict';
// The project's real OTLP/HTTP test receiver (tests/receiver/otlp_receiver.py, which decodes
// every request with the official opentelemetry-proto definitions) in a child process; each
// received span arrives as one JSON line (see --jsonl there: 64-bit integers as strings).
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');

const REPO = path.resolve(__dirname, '..', '..', '..');
const RECEIVER = path.join(REPO, 'tests', 'receiver', 'otlp_receiver.py');

class Receiver {
  static start(port = 0) {
    return new Promise((resolve, reject) => {
      const proc = spawn(process.env.PYTHON || 'python3', [RECEIVER, '--port', String(port), '--jsonl'],
        { stdio: ['pipe', 'pipe', 'inherit'] });
      const rx = new Receiver(proc);
      const lines = readline.createInterface({ input: proc.stdout });
      let first = true;
      lines.on('line', (line) => {
        const msg = JSON.parse(line);
        if (first) {
          first = false;
          rx.port = msg.listening;
          rx.endpoint = `http://127.0.0.1:${rx.port}`;
          resolve(rx);
          return;
        }
        rx.spans.push(msg);
        for (const w of [...rx._waiters]) w();
      });
      proc.on('exit', (code) => {
        if (first) reject(new Error(`the receiver exited with ${code} before listening`));
      });
    });
  }

  constructor(proc) {
    this.proc = proc;
    this.spans = [];
    this._waiters = new Set();
  }

  /** Resolves with the matching spans once `count` arrived; rejects after `timeoutMs`. */
  waitFor(predicate = () => true, count = 1, timeoutMs = 15000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.spans.filter(predicate);
        if (found.length >= count) {
          this._waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this._waiters.delete(check);
        const found = this.spans.filter(predicate);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} span(s), ${found.length} matched; ` +
          `received: ${this.spans.map((s) => `${s.service_name}/${s.name}`).join(', ') || 'nothing'}`));
      }, timeoutMs);
      if (!check()) this._waiters.add(check);
    });
  }

  /** Spans of one service. */
  of(service) { return this.spans.filter((s) => s.service_name === service); }

  close() {
    return new Promise((resolve) => {
      if (this.proc.exitCode !== null) return resolve();
      this.proc.once('exit', () => resolve());
      this.proc.stdin.end();
      setTimeout(() => this.proc.kill(), 5000).unref();
    });
  }
}

/** An attribute as [type, value] (ints as bigint, arrays as arrays of [type, value]). */
function attr(span, key) {
  const a = span.attributes[key];
  return a === undefined ? undefined : plain(a);
}
function plain(a) {
  if (a.type === 'int') return ['int', BigInt(a.value)];
  if (a.type === 'array') return ['array', a.value.map(plain)];
  return [a.type, a.value];
}

let seq = 0;
/** A service name unique to this test process. */
function uniqueService(prefix) { return `${prefix}-${process.pid}-${++seq}`; }

/** The fixture of a test file that exports to its own receiver: registers before/after hooks
 * and returns { rx, service, provider, tracer } (filled in by the before hook) and
 * exported(name, count) — flush, then the spans of that name once `count` arrived. */
function exportingProvider(prefix) {
  const { before, after } = require('node:test');
  const { TracerProvider } = require('otlp-ffi');
  const fx = {};
  before(async () => {
    fx.rx = await Receiver.start();
    fx.service = uniqueService(prefix);
    fx.provider = new TracerProvider(fx.rx.endpoint, fx.service);
    fx.tracer = fx.provider.getTracer();
  });
  after(async () => {
    fx.provider.free();
    await fx.rx.close();
  });
  fx.exported = async (name, count = 1) => {
    await fx.provider.forceFlush(10000);
    return fx.rx.waitFor((s) => s.service_name === fx.service && s.name === name, count);
  };
  return fx;
}

module.exports = { Receiver, attr, uniqueService, exportingProvider, REPO };
