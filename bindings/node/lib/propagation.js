'use strict';
// W3C Trace Context: SpanContext (a parent for new spans), extract() from incoming headers,
// inject() into outgoing ones. Carriers are plain objects or Node's IncomingHttpHeaders
// (lower-cased names; a value may be an array of header lines: several tracestate or baggage
// lines are joined with ",", several traceparent lines make it invalid, as W3C says).
const { load } = require('./raw');
const A = require('./arena');
const { S, DATA } = A;
const attrs = require('./attributes');
const { lastError } = require('./errors');
const { Managed } = require('./managed');

const { fn } = load();
const TRACEPARENT_LEN = 55;

class SpanContext extends Managed {
  static _release(h) { fn.otlp_context_free(h); }

  /** @internal use SpanContext.fromTraceparent(), extract() or span.spanContext() */
  constructor(handle, traceparent, tracestate, remote) {
    super();
    this._tp = traceparent;
    this._ts = tracestate;
    this._remote = remote;
    this._adopt(handle);
  }

  /** A remote parent from a traceparent (and tracestate) header value; throws
   * OtlpInvalidArgumentError when the traceparent is malformed. An invalid tracestate is
   * dropped (W3C), the context is still made. */
  static fromTraceparent(traceparent, tracestate) {
    attrs.checkString(traceparent, 'traceparent');
    if (tracestate !== undefined && tracestate !== null) attrs.checkString(tracestate, 'tracestate');
    const rc = fn.otlp_context_extract_with_state(traceparent, tracestate === undefined ? null : tracestate, S.outPtr);
    if (rc) throw lastError(rc);
    const h = S.u64[A.OUT >> 3];
    return new SpanContext(h, traceparent.trim().toLowerCase(), tracestate ? normalizeState(tracestate) : '', true);
  }

  /** @internal the context of a live span */
  static _ofSpan(span, h) {
    const rc = fn.otlp_span_get_context(h, S.outPtr);
    if (rc) throw span._error(rc);
    const ctx = S.u64[A.OUT >> 3];
    return new SpanContext(ctx, injectInto(h, span), stateOf(h, span), false);
  }

  /** 32 lowercase hex digits. */
  get traceId() { return this._tp.slice(3, 35); }
  /** 16 lowercase hex digits. */
  get spanId() { return this._tp.slice(36, 52); }
  /** The trace flags (bit 0: sampled). */
  get traceFlags() { return parseInt(this._tp.slice(53, 55), 16); }
  /** The W3C tracestate ('' when none). For a remote context this is the header as given
   * (trimmed); the library may drop it if it is invalid. */
  get traceState() { return this._ts; }
  /** The traceparent header value. */
  get traceparent() { return this._tp.length > TRACEPARENT_LEN ? this._tp.slice(0, TRACEPARENT_LEN) : this._tp; }
  /** True when it came from another process (extract). */
  get isRemote() { return this._remote; }
  // free() frees the library's context (idempotent); spans started under it are not affected.

  toString() { return `SpanContext(${this.traceparent}${this._ts ? `, ${this._ts}` : ''})`; }

  /** @internal */
  _handle(what) { return super._handle(`SpanContext given as ${what}`); }
}

function normalizeState(ts) {
  return ts.split(',').map((m) => m.trim()).filter(Boolean).join(',');
}

function injectInto(h, span) {
  const rc = fn.otlp_context_inject(h, S.ptr + BigInt(DATA), 64);
  if (rc) throw span._error(rc);
  return A.readStr(DATA, 64);
}

function stateOf(h, span) {
  const room = S.cap - DATA;
  const rc = fn.otlp_context_inject_tracestate(h, S.ptr + BigInt(DATA), room);
  if (rc) throw span._error(rc);
  return A.readStr(DATA, room);
}

/** The value of header `name` (lower case) in a carrier, or null. */
function header(carrier, name) {
  if (carrier === null || typeof carrier !== 'object') {
    throw new TypeError('otlp-ffi: a carrier must be an object of header name: value');
  }
  let value = carrier[name];
  if (value === undefined) {
    for (const k of Object.keys(carrier)) {
      if (k.toLowerCase() === name) { value = carrier[k]; break; }
    }
  }
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) {
    if (name === 'traceparent') return value.length === 1 ? String(value[0]) : null;
    return value.map(String).join(',');
  }
  return String(value);
}

/** The remote parent in a carrier's traceparent/tracestate, or null when there is none or it
 * is invalid (W3C: then start a new trace). Baggage: Baggage.extract(carrier). */
function extract(carrier) {
  const tp = header(carrier, 'traceparent');
  if (tp === null || !tp.isWellFormed()) return null;
  let ts = header(carrier, 'tracestate');
  if (ts !== null && !ts.isWellFormed()) ts = null;
  const rc = fn.otlp_context_extract_with_state(tp.trim(), ts, S.outPtr);
  if (rc) return null;
  return new SpanContext(S.u64[A.OUT >> 3], tp.trim().toLowerCase(), ts ? normalizeState(ts) : '', true);
}

/** Writes traceparent (and tracestate when non-empty) of `source` (a Span or SpanContext)
 * into `carrier` (default: a new object); with `baggage`, its header too. Returns carrier. */
function inject(source, carrier = {}, baggage) {
  if (carrier === null || typeof carrier !== 'object') throw new TypeError('otlp-ffi: a carrier must be an object');
  const { Span } = require('./span');
  let tp;
  let ts;
  if (source instanceof Span) {
    const h = source._native('inject');
    tp = injectInto(h, source);
    ts = stateOf(h, source);
  } else if (source instanceof SpanContext) {
    source._handle('inject source');
    tp = source.traceparent;
    ts = source.traceState;
  } else {
    throw new TypeError(`otlp-ffi: inject takes a Span or a SpanContext, not ${attrs.describe(source)}`);
  }
  carrier.traceparent = tp;
  if (ts) carrier.tracestate = ts;
  if (baggage !== undefined && baggage !== null) baggage.inject(carrier);
  return carrier;
}

module.exports = { SpanContext, extract, inject, header };
