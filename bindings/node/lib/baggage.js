'use strict';
// W3C Baggage: key/value pairs propagated with a request (the `baggage` header).
const { load } = require('./raw');
const A = require('./arena');
const { S, DATA } = A;
const attrs = require('./attributes');
const { lastError } = require('./errors');
const { Managed } = require('./managed');
const { header } = require('./propagation');

const { fn } = load();

class Baggage extends Managed {
  static _release(h) { fn.otlp_baggage_free(h); }

  /** An empty baggage, or one with `entries` ({key: value}). */
  constructor(entries) {
    super();
    const rc = fn.otlp_baggage_new(S.outPtr);
    if (rc) throw lastError(rc);
    this._adopt(S.u64[A.OUT >> 3]);
    if (entries !== undefined && entries !== null) {
      for (const [k, v] of Object.entries(entries)) this.set(k, v);
    }
  }

  /** Parses a `baggage` header value (invalid members are skipped). */
  static fromHeader(value) {
    attrs.checkString(value, 'baggage header');
    const rc = fn.otlp_baggage_extract(value, S.outPtr);
    if (rc) throw lastError(rc);
    const b = Object.create(Baggage.prototype);
    b._adopt(S.u64[A.OUT >> 3]);
    return b;
  }

  /** The baggage of an incoming request's headers (empty when there is none). */
  static extract(carrier) {
    const value = header(carrier, 'baggage');
    return value === null || !value.isWellFormed() ? new Baggage() : Baggage.fromHeader(value);
  }

  /** Sets an entry (key: an HTTP token; value: any text, percent-encoded on the wire). */
  set(key, value) {
    const h = this._handle();
    attrs.checkString(key, 'baggage key');
    attrs.checkString(value, 'baggage value');
    const rc = fn.otlp_baggage_set(h, key, value);
    if (rc) throw lastError(rc);
    return this;
  }

  /** The value of `key`, or undefined. */
  get(key) {
    const h = this._handle();
    attrs.checkString(key, 'baggage key');
    const found = S.ptr + BigInt(A.OUT);
    const room = S.cap - DATA;
    const rc = fn.otlp_baggage_get(h, key, S.ptr + BigInt(DATA), room, found);
    if (rc) throw lastError(rc);
    return S.u8[A.OUT] ? A.readStr(DATA, room) : undefined;
  }

  has(key) { return this.get(key) !== undefined; }

  /** Removes `key` (no error when absent). Returns this. */
  delete(key) {
    const h = this._handle();
    attrs.checkString(key, 'baggage key');
    const rc = fn.otlp_baggage_remove(h, key);
    if (rc) throw lastError(rc);
    return this;
  }

  /** The `baggage` header value ('' when empty). */
  toHeader() {
    const h = this._handle();
    const room = S.cap - DATA;
    const rc = fn.otlp_baggage_inject(h, S.ptr + BigInt(DATA), room);
    if (rc) throw lastError(rc);
    return A.readStr(DATA, room);
  }

  /** The entries as a plain object. */
  toObject() {
    const out = {};
    const text = this.toHeader();
    if (!text) return out;
    for (const member of text.split(',')) {
      const eq = member.indexOf('=');
      const key = member.slice(0, eq).trim();
      out[key] = this.get(key);
    }
    return out;
  }

  /** Writes the `baggage` header into `carrier` (nothing when empty); returns carrier. */
  inject(carrier = {}) {
    const value = this.toHeader();
    if (value) carrier.baggage = value;
    return carrier;
  }
}

module.exports = { Baggage };
