'use strict';
// TracerProvider: the configuration, the export pipeline (on the library's own thread) and
// the tracers.
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { load, layout } = require('./raw');
const A = require('./arena');
const { S } = A;
const attrs = require('./attributes');
const config = require('./config');
const { Tracer } = require('./tracer');
const { lastError, errorFor, closed } = require('./errors');
const { Managed } = require('./managed');

const raw = load();
const { fn } = raw;
const STATS = layout('otlp_stats_t');
const DEFAULT_TIMEOUT_MS = 30000;
const MAX_TIMEOUT_MS = 4294967295;

// -- process exit: providers still open are shut down (bounded) so queued spans go out --------
const open = new Set(); // WeakRefs of open providers
let exitHooked = false;
function onExit() {
  for (const ref of open) {
    const p = ref.deref();
    if (p !== undefined && p._h !== null) p._exit();
  }
}

// -- forceFlush / shutdown off the event loop ---------------------------------------------------
let worker = null;
let nextId = 1;
const pending = new Map(); // id -> { resolve, provider, op }
function request(provider, op, timeoutMs) {
  if (worker === null) {
    worker = new Worker(path.join(__dirname, 'flush-worker.js'), { workerData: { libraryPath: raw.path } });
    worker.on('message', ({ id, rc, message }) => {
      const req = pending.get(id);
      pending.delete(id);
      if (pending.size === 0) worker.unref();
      req.resolve({ rc, message });
    });
    worker.on('error', (err) => {
      for (const req of pending.values()) req.resolve({ rc: -99, message: `OTLP_ERROR_INTERNAL: flush thread failed: ${err && err.message}` });
      pending.clear();
      worker = null;
    });
  }
  const id = nextId++;
  worker.ref();
  return new Promise((resolve) => {
    pending.set(id, { resolve });
    worker.postMessage({ id, op, handle: provider._h, timeoutMs });
  });
}

function timeoutArg(timeoutMs) {
  if (timeoutMs === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) {
    throw new TypeError(`otlp-ffi: timeoutMs must be a non-negative number of milliseconds, not ${attrs.describe(timeoutMs)}`);
  }
  return Math.min(Math.floor(timeoutMs), MAX_TIMEOUT_MS);
}

class TracerProvider extends Managed {
  static _release(h) { fn.otlp_tracer_provider_free(h); }

  /**
   * new TracerProvider(endpoint?, serviceName?, options?) or new TracerProvider(options).
   * Without an endpoint the environment's OTEL_EXPORTER_OTLP_ENDPOINT or the default
   * (http://localhost:4318) is used. `options` (see README) map to OTEL_* settings; an
   * unknown option is a TypeError naming it.
   */
  constructor(endpoint, serviceName, options) {
    super();
    let opts;
    if (endpoint !== null && typeof endpoint === 'object') {
      opts = { ...endpoint };
    } else {
      opts = { ...(options || {}) };
      if (endpoint !== undefined && endpoint !== null) opts.endpoint = attrs.checkString(endpoint, 'endpoint');
      if (serviceName !== undefined && serviceName !== null) opts.serviceName = attrs.checkString(serviceName, 'serviceName');
    }
    const { settings, resource, exitTimeoutMs } = config.resolve(opts);
    this._adopt(config.init(settings, resource));
    this._exitTimeoutMs = exitTimeoutMs;
    this._tracers = new Map();
    this._ref = new WeakRef(this);
    open.add(this._ref);
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', onExit);
    }
  }

  /** The provider's default tracer, or the tracer of an instrumentation scope. The same scope
   * gives the same Tracer. */
  getTracer(name, version, schemaUrl) {
    const h = this._handle();
    const scope = { name: name === undefined || name === null ? '' : attrs.checkString(name, 'tracer name'),
      version: version === undefined || version === null ? '' : attrs.checkString(version, 'tracer version'),
      schemaUrl: schemaUrl === undefined || schemaUrl === null ? '' : attrs.checkString(schemaUrl, 'schemaUrl') };
    const key = `${scope.name}\u0000${scope.version}\u0000${scope.schemaUrl}`;
    let t = this._tracers.get(key);
    if (t !== undefined) return t;
    const rc = scope.name === '' && scope.version === '' && scope.schemaUrl === ''
      ? fn.otlp_get_tracer(h, S.outPtr)
      : fn.otlp_get_tracer_with_scope(h, scope.name, scope.version || null, scope.schemaUrl || null, S.outPtr);
    if (rc) throw lastError(rc);
    t = new Tracer(this, S.u64[A.OUT >> 3], scope);
    this._tracers.set(key, t);
    return t;
  }

  /** Exports every span ended so far; resolves when the collector acknowledged them, rejects
   * with OtlpTimeoutError / OtlpExportFailedError. Waits on the library's export thread, never
   * on the event loop. */
  async forceFlush(timeoutMs) {
    return this._wait('flush', timeoutArg(timeoutMs));
  }

  /** Flushes (bounded by timeoutMs) and stops exporting; later spans are not recorded. A
   * second call resolves at once. Call free() afterwards to release the provider. */
  async shutdown(timeoutMs) {
    return this._wait('shutdown', timeoutArg(timeoutMs));
  }

  async _wait(op, timeoutMs) {
    this._handle();
    const { rc, message } = await request(this, op, timeoutMs);
    if (rc) {
      if (this._h === null) throw closed('TracerProvider');
      throw errorFor(rc, message);
    }
  }

  /** The pipeline's counters: { spansStarted, spansEnded, spansExported, spansDropped,
   * exportFailures } (numbers). */
  stats() {
    const h = this._handle();
    const rc = fn.otlp_tracer_provider_get_stats(h, S.structPtr);
    if (rc) throw lastError(rc);
    const o = STATS.offsets;
    const at = (f) => Number(S.u64[(A.STRUCT + o[f]) >> 3]);
    return { spansStarted: at('spans_started'), spansEnded: at('spans_ended'), spansExported: at('spans_exported'),
      spansDropped: at('spans_dropped'), exportFailures: at('export_failures') };
  }

  /** Shuts down (bounded by the export timeout, OTEL_EXPORTER_OTLP_TIMEOUT, default 10 s) and
   * frees the provider, its tracers and its open spans. Blocks until then; idempotent. Use
   * `await provider.shutdown()` first to keep the event loop free while spans go out. */
  free() {
    if (this._h !== null) open.delete(this._ref);
    super.free();
  }
  async [Symbol.asyncDispose]() {
    if (this._h === null) return;
    try {
      await this.shutdown();
    } finally {
      this.free();
    }
  }

  _exit() {
    const h = this._h;
    fn.otlp_tracer_provider_shutdown(h, this._exitTimeoutMs);
    this.free();
  }
}

/** The library's version string. */
function libraryVersion() { return fn.otlp_version(); }

module.exports = { TracerProvider, libraryVersion, libraryPath: raw.path };
