'use strict';
// Span. What a span costs in crossings of the C boundary (~50-80 ns each through koffi):
//
// - A root span without links is kept on this side while it runs: its name, kind, start time
//   (performance.now(), see ./clock.js) and attributes (type-checked as they are set, kept as
//   JS values). end() packs the whole span into native scratch memory as an
//   otlp_finished_span_t and hands it over with one call, otlp_span_emit; the library's
//   sampler decides, ids are made and the span is queued there. The document's span (start,
//   two attributes, end) therefore crosses once.
// - The first call that needs the library's span (spanContext(), inject(), traceId/spanId,
//   isRecording(), addEvent(), setStatus(), recordException(), a child) starts it there
//   (otlp_span_start_with_options with the recorded start time and start attributes); the span
//   goes on as any other.
// - Spans with a parent or links start in the library at once. Their attributes are still
//   collected on this side and set in one otlp_span_set_attributes call at end().
//
// The exported span is the same either way. Provider stats count a span kept on this side when
// it is handed over or ends.
const { load, layout } = require('./raw');
const A = require('./arena');
const { S, FULL, STRUCT, FINISHED, DATA, TWO32, putAddr, putZero, interned } = A;
const attrs = require('./attributes');
const clock = require('./clock');
const { statusCode } = require('./kinds');
const { lastError, ended, closed } = require('./errors');

const { fn } = load();
const f_emit = fn.otlp_span_emit;
const f_start = fn.otlp_span_start_with_options;
const f_set_attributes = fn.otlp_span_set_attributes;
const f_end = fn.otlp_span_end;
const f_end_ts = fn.otlp_span_end_with_timestamp;

const FIN = layout('otlp_finished_span_t');
const OPT = layout('otlp_span_options_t');
const LINK = layout('otlp_link_t');
const F = FIN.offsets;
const O = OPT.offsets;
const ATTR = attrs.ATTR_SIZE;
const PENDING_COMPACT = 3 * 512;
// 32-bit word indices of the fields of the finished-span record
const W_NAME = (FINISHED + F.name) >> 2;
const W_KIND = (FINISHED + F.kind) >> 2;
const W_START_ATTRS = (FINISHED + F.start_attributes) >> 2;
const W_START_COUNT = (FINISHED + F.start_attribute_count) >> 2;
const W_START = (FINISHED + F.start_time_unix_nano) >> 2;
const W_ATTRS = (FINISHED + F.attributes) >> 2;
const W_COUNT = (FINISHED + F.attribute_count) >> 2;
const W_END = (FINISHED + F.end_time_unix_nano) >> 2;
// What never changes in that record: its size, no parent, no links, the high words of the
// kind and the counts (rewritten whenever the scratch memory is mapped again)
function writeConstants(s) {
  s.u64[(FINISHED + F.struct_size) >> 3] = BigInt(FIN.size);
  s.u64[(FINISHED + F.parent) >> 3] = 0n;
  s.u64[(FINISHED + F.links) >> 3] = 0n;
  s.u64[(FINISHED + F.link_count) >> 3] = 0n;
  s.u32[W_KIND + 1] = 0;
  s.u32[W_START_COUNT + 1] = 0;
  s.u32[W_COUNT + 1] = 0;
}
A.onMap.push(writeConstants);
writeConstants(S);
const KEY_SLOTS = 16;
const slotKey = new Array(KEY_SLOTS + 1).fill(null); // last key seen at each position
const slotRef = new Array(KEY_SLOTS + 1).fill(0);

/** Runs `pack` (which returns a data position, or throws FULL) until the scratch is big enough. */
function packing(pack) {
  for (;;) {
    try {
      return pack();
    } catch (e) {
      if (e !== FULL) throw e;
      A.grow(S.cap * 2);
    }
  }
}

class Span {
  /** @internal use Tracer.startSpan() */
  constructor(tracer, name, nameRef, kind, start, startAttrs) {
    this._t = tracer;     // Tracer
    this._name = name;
    this._nr = nameRef;   // the name's interned address, or -1
    this._kind = kind;
    this._start = start;  // performance.now() reading, or a bigint of epoch ns (startTime given)
    this._sa = startAttrs; // start attributes (triples) until started in the library, or null
    this._a = [];         // attributes set since the start, not yet in the library
    this._h = null;       // the library's span once started there
    this._local = true;
    this._ended = false;
    this._ctx = null;
  }

  /** True once end() was called. */
  get ended() { return this._ended; }

  /** The span's name (as last set by updateName). */
  get name() { return this._name; }

  // -- attributes -------------------------------------------------------------------------------
  /** Sets one attribute (see README: numbers that are integers go out as int). Returns this. */
  setAttribute(key, value) {
    if (this._ended) throw this._usedAfterEnd();
    const a = this._a;
    // The n-th setAttribute of a span mostly has the key the n-th had in the previous span (the
    // same code ran): a per-position cache answers with a pointer compare instead of a Map
    // lookup (a miss falls back to the interned table).
    const slot = a.length < KEY_SLOTS * 3 ? a.length / 3 : KEY_SLOTS;
    let k;
    if (slotKey[slot] === key) {
      k = slotRef[slot];
    } else {
      k = interned.get(key);
      if (k === undefined) k = attrs.keyOf(key);
      slotKey[slot] = key;
      slotRef[slot] = k;
    }
    const t = attrs.classify(key, value);
    if (t >= 0) {
      a.push(k, t, value);
      if (a.length > PENDING_COMPACT) this._a = attrs.compact(a);
    }
    return this;
  }

  /** Sets every key of a plain object. Returns this. */
  setAttributes(attributes) {
    if (this._ended) throw this._usedAfterEnd();
    attrs.collect(attributes, this._a);
    if (this._a.length > PENDING_COMPACT) this._a = attrs.compact(this._a);
    return this;
  }

  // -- events, status, exceptions ---------------------------------------------------------------
  /** addEvent(name, attributes?, time?) or addEvent(name, time) (OpenTelemetry JS order). */
  addEvent(name, attributesOrTime, time) {
    const h = this._native('addEvent');
    attrs.checkString(name, 'event name');
    let attributes = attributesOrTime;
    if (time === undefined && attributesOrTime !== undefined && attributesOrTime !== null &&
        (typeof attributesOrTime !== 'object' || attributesOrTime instanceof Date || Array.isArray(attributesOrTime))) {
      time = attributesOrTime;
      attributes = undefined;
    }
    const ns = time === undefined || time === null ? 0n : clock.toNs(time, 'event time');
    const a = attrs.collect(attributes, [], 'event attributes');
    const n = a.length / 3;
    if (n) packing(() => attrs.packAttributes(a, DATA, DATA + n * ATTR));
    const rc = fn.otlp_span_add_event_with_attributes(h, name, ns, n ? S.ptr + BigInt(DATA) : null, n);
    if (rc) throw this._error(rc);
    return this;
  }

  /** setStatus({code, message}) as in OpenTelemetry JS, or setStatus(code, message). */
  setStatus(status, message) {
    let code = status;
    if (status !== null && typeof status === 'object') {
      code = status.code;
      message = status.message;
    }
    code = statusCode(code);
    if (message !== undefined && message !== null) attrs.checkString(message, 'status message');
    const h = this._native('setStatus');
    const rc = fn.otlp_span_set_status(h, code, message === undefined || message === null ? '' : message);
    if (rc) throw this._error(rc);
    return this;
  }

  /** Records an exception event (exception.type / .message / .stacktrace) from an Error (or a
   * string, or an object with name/message/stack). `time` as for addEvent. */
  recordException(exception, time) {
    let type;
    let message;
    let stack;
    if (typeof exception === 'string') {
      type = 'Error';
      message = exception;
      stack = '';
    } else if (exception !== null && typeof exception === 'object') {
      const n = typeof exception.name === 'string' ? exception.name : '';
      const c = exception.constructor && exception.constructor.name;
      type = n && n !== 'Error' ? n : (c && c !== 'Object' ? c : (n || 'Error'));
      message = exception.message === undefined ? '' : String(exception.message);
      stack = typeof exception.stack === 'string' ? exception.stack : '';
    } else {
      throw new TypeError('otlp-ffi: recordException takes an Error, a string or {name, message, stack}');
    }
    attrs.checkString(type, 'exception type');
    attrs.checkString(message, 'exception message');
    attrs.checkString(stack, 'exception stack');
    if (time !== undefined && time !== null) {
      return this.addEvent('exception', { 'exception.type': type, 'exception.message': message,
        'exception.stacktrace': stack }, time);
    }
    const h = this._native('recordException');
    const rc = fn.otlp_span_record_exception(h, type, message, stack);
    if (rc) throw this._error(rc);
    return this;
  }

  /** Renames the span. Returns this. */
  updateName(name) {
    if (this._ended) throw this._usedAfterEnd();
    attrs.checkString(name, 'span name');
    if (this._local) {
      this._name = name;
      this._nr = A.intern(name);
      return this;
    }
    const rc = fn.otlp_span_update_name(this._native('updateName'), name);
    if (rc) throw this._error(rc);
    this._name = name;
    return this;
  }

  // -- identity and propagation -----------------------------------------------------------------
  /** Whether the sampler kept the span (false: nothing is exported, the context still
   * propagates). */
  isRecording() {
    const h = this._native('isRecording');
    const rc = fn.otlp_span_is_recording(h, S.outPtr);
    if (rc) throw this._error(rc);
    return S.u8[A.OUT] !== 0;
  }

  /** The span's context (trace id, span id, flags, tracestate) as a SpanContext usable as a
   * parent or link; it stays valid after the span ends. */
  spanContext() {
    if (this._ctx === null) this._ctx = require('./propagation').SpanContext._ofSpan(this, this._native('spanContext'));
    return this._ctx;
  }

  /** 32 lowercase hex digits. */
  get traceId() { return this.spanContext().traceId; }

  /** 16 lowercase hex digits. */
  get spanId() { return this.spanContext().spanId; }

  /** Writes traceparent (and tracestate when it has one) into `carrier` (default: a new
   * object) and returns it; with `baggage`, also its header. */
  inject(carrier = {}, baggage) {
    return require('./propagation').inject(this, carrier, baggage);
  }

  // -- end ----------------------------------------------------------------------------------------
  /** Ends the span and queues it for export (never waits on the network). A second call does
   * nothing; after the provider was freed it does nothing either. `endTime` as for addEvent. */
  end(endTime) {
    if (this._ended) return;
    const ns = endTime === undefined || endTime === null ? 0n : clock.toNs(endTime, 'end time');
    this._ended = true;
    const p = this._t._p;
    if (p._h === null) return; // provider freed: the library already discarded the span
    if (this._local) {
      let rc;
      for (;;) { // (inline rather than packing(): no closure per span)
        try {
          rc = this._packFinished(ns);
          break;
        } catch (e) {
          if (e !== FULL) throw e;
          A.grow(S.cap * 2);
        }
      }
      if (rc) this._endFailed(rc);
      return;
    }
    const h = this._h;
    this._h = null;
    const a = this._a;
    let rc = 0;
    if (a.length) {
      const n = a.length / 3;
      packing(() => attrs.packAttributes(a, DATA, DATA + n * ATTR));
      rc = f_set_attributes(h, S.ptr + BigInt(DATA), n);
      if (rc) {
        const err = this._error(rc);
        f_end(h);
        throw err;
      }
    }
    if (ns === 0n) {
      f_end(h);
    } else {
      rc = f_end_ts(h, ns);
      if (rc) this._endFailed(rc);
    }
  }

  [Symbol.dispose]() { this.end(); }

  // -- internals ----------------------------------------------------------------------------------
  /** Packs this local span into the otlp_finished_span_t at FINISHED (whose constant fields
   * are written when the memory is mapped) and emits it; returns the rc. */
  _packFinished(endNs) {
    const sa = this._sa;
    const a = this._a;
    const nsa = sa === null ? 0 : sa.length / 3;
    const na = a.length / 3;
    let pos = DATA + (nsa + na) * ATTR;
    const u32 = S.u32;
    const base = S.base;
    const nr = this._nr;
    if (nr >= 0) {
      u32[W_NAME] = nr % TWO32;
      u32[W_NAME + 1] = (nr / TWO32) | 0;
    } else {
      pos = attrs.putRef(FINISHED + F.name, this._name, pos);
    }
    u32[W_KIND] = this._kind;
    if (nsa) {
      putAddr(FINISHED + F.start_attributes, base + DATA);
      pos = attrs.packAttributes(sa, DATA, pos);
    } else {
      u32[W_START_ATTRS] = 0;
      u32[W_START_ATTRS + 1] = 0;
    }
    u32[W_START_COUNT] = nsa;
    const st = this._start;
    if (typeof st === 'bigint') S.u64[W_START >> 1] = st;
    else clock.putPerf(FINISHED + F.start_time_unix_nano, st);
    if (na) {
      const at = DATA + nsa * ATTR;
      const addr = base + at;
      u32[W_ATTRS] = addr % TWO32;
      u32[W_ATTRS + 1] = (addr / TWO32) | 0;
      attrs.packAttributes(a, at, pos);
    } else {
      u32[W_ATTRS] = 0;
      u32[W_ATTRS + 1] = 0;
    }
    u32[W_COUNT] = na;
    if (endNs === 0n) {
      u32[W_END] = 0;
      u32[W_END + 1] = 0;
    } else {
      S.u64[W_END >> 1] = endNs;
    }
    return f_emit(this._t._h, S.finishedPtr);
  }

  _putStart(at) {
    const st = this._start;
    if (typeof st === 'bigint') S.u64[at >> 3] = st;
    else clock.putPerf(at, st);
  }

  /** Starts the span in the library (parent/links given, or a local span handed over). */
  _startNative(parent, links) {
    const sa = this._sa || [];
    const nsa = sa.length / 3;
    const rc = packing(() => {
      const nl = links.length;
      const u32 = S.u32;
      const w = STRUCT >> 2;
      u32[w] = OPT.size; u32[w + 1] = 0;
      u32[(STRUCT + O.kind) >> 2] = this._kind; u32[((STRUCT + O.kind) >> 2) + 1] = 0;
      if (parent === null) putZero(STRUCT + O.parent);
      else S.u64[(STRUCT + O.parent) >> 3] = parent;
      // records: start attributes, then the links, then each link's attributes
      let at = DATA;
      let pos = DATA + nsa * ATTR + nl * LINK.size;
      for (const l of links) pos += (l.a.length / 3) * ATTR;
      if (pos > S.cap) throw FULL;
      if (nsa) {
        putAddr(STRUCT + O.attributes, S.base + at);
        pos = attrs.packAttributes(sa, at, pos);
        at += nsa * ATTR;
      } else {
        putZero(STRUCT + O.attributes);
      }
      u32[(STRUCT + O.attribute_count) >> 2] = nsa; u32[((STRUCT + O.attribute_count) >> 2) + 1] = 0;
      if (nl) {
        putAddr(STRUCT + O.links, S.base + at);
        let la = at + nl * LINK.size;
        for (let i = 0; i < nl; i++, at += LINK.size) {
          const l = links[i];
          const n = l.a.length / 3;
          S.u64[(at + LINK.offsets.context) >> 3] = l.h;
          if (n) {
            putAddr(at + LINK.offsets.attributes, S.base + la);
            pos = attrs.packAttributes(l.a, la, pos);
            la += n * ATTR;
          } else {
            putZero(at + LINK.offsets.attributes);
          }
          u32[(at + LINK.offsets.attribute_count) >> 2] = n; u32[((at + LINK.offsets.attribute_count) >> 2) + 1] = 0;
        }
      } else {
        putZero(STRUCT + O.links);
      }
      u32[(STRUCT + O.link_count) >> 2] = nl; u32[((STRUCT + O.link_count) >> 2) + 1] = 0;
      this._putStart(STRUCT + O.start_time_unix_nano);
      return f_start(this._t._h, this._name, S.structPtr, S.outPtr);
    });
    if (rc) throw this._t._error(rc, `start span ${JSON.stringify(this._name)}`);
    this._h = S.u64[A.OUT >> 3];
    this._local = false;
    this._sa = null;
  }

  /** The library's handle, starting the span there first if it is kept on this side. */
  _native(what) {
    if (this._ended) throw this._usedAfterEnd();
    if (this._t._p._h === null) throw closed(`TracerProvider of span ${JSON.stringify(this._name)}`);
    if (this._local) this._startNative(null, []);
    return this._h;
  }

  _usedAfterEnd() {
    return this._t._p._h === null ? closed(`TracerProvider of span ${JSON.stringify(this._name)}`) : ended(this._name);
  }

  _error(rc) {
    if (this._t._p._h === null) return closed(`TracerProvider of span ${JSON.stringify(this._name)}`);
    return lastError(rc);
  }

  _endFailed(rc) {
    if (this._t._p._h === null) return;
    throw lastError(rc);
  }
}

module.exports = { Span };
