'use strict';
// Attribute values: JS value -> otlp_attribute_type_t, checked when set (so the error comes
// from the call that passed the value), packed into otlp_attribute_t arrays in the scratch
// memory when the span (or event, link, start options) crosses into the library.
//
// Mapping: string -> STRING; boolean -> BOOL; a number that is an integer with |n| < 2**63 ->
// INT (12345 stays an int, as the design document's setAttribute('user.id', 12345) expects),
// any other number (1.5, NaN, Infinity, 1e300) -> DOUBLE; bigint -> INT (RangeError outside
// int64); arrays of one of those kinds -> the *_ARRAY types (numbers: INT_ARRAY when every
// element is an integer in range, else DOUBLE_ARRAY; an empty array is an empty STRING_ARRAY).
// null / undefined are ignored (as the OpenTelemetry JS SDK does); anything else is a
// TypeError naming the key.
const { C } = require('./raw');
const { S, FULL, TWO32, putAddr, putZero, putInt, putStr, intern, interned } = require('./arena');
const { invalidArgument } = require('./errors');

const T_STRING = C.OTLP_ATTRIBUTE_STRING;
const T_BOOL = C.OTLP_ATTRIBUTE_BOOL;
const T_INT = C.OTLP_ATTRIBUTE_INT;
const T_DOUBLE = C.OTLP_ATTRIBUTE_DOUBLE;
const T_STRING_ARRAY = C.OTLP_ATTRIBUTE_STRING_ARRAY;
const T_BOOL_ARRAY = C.OTLP_ATTRIBUTE_BOOL_ARRAY;
const T_INT_ARRAY = C.OTLP_ATTRIBUTE_INT_ARRAY;
const T_DOUBLE_ARRAY = C.OTLP_ATTRIBUTE_DOUBLE_ARRAY;
// this side only: an int held as a bigint, arrays of them
const T_BIGINT = 100;
const T_BIGINT_ARRAY = 101;
const INT64_LIMIT = 9223372036854775808; // 2**63 as a double
const BIG_MIN = -(2n ** 63n);
const BIG_MAX = 2n ** 63n - 1n;
const ATTR_SIZE = 32;

/** A string argument of a call: a well-formed JS string (no lone surrogate), else an error
 * naming `what`. */
function checkString(value, what) {
  if (typeof value !== 'string') {
    throw new TypeError(`otlp-ffi: ${what} must be a string, not ${describe(value)}`);
  }
  if (!value.isWellFormed()) {
    throw invalidArgument(`${what} contains a lone UTF-16 surrogate (not representable as UTF-8)`);
  }
  return value;
}

/** What a pending attribute keeps of its key: the address of its interned copy (a number), or
 * the key itself when it is not interned. Checks the key the first time it is seen. */
function keyOf(key) {
  const k = interned.get(key);
  if (k !== undefined) return k;
  checkKey(key);
  const a = intern(key);
  return a >= 0 ? a : key;
}

function checkKey(key) {
  if (typeof key !== 'string' || key.length === 0) {
    throw new TypeError(`otlp-ffi: an attribute key must be a non-empty string, not ${describe(key)}`);
  }
  if (!key.isWellFormed()) throw invalidArgument(`attribute key ${JSON.stringify(key)} contains a lone UTF-16 surrogate`);
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? (v.constructor && v.constructor.name) || 'an object' : typeof v;
}

/** The type code of `value` for attribute `key` (-1: ignore), or throws. */
function classify(key, value) {
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) {
        throw invalidArgument(`attribute ${JSON.stringify(key)}: the value contains a lone UTF-16 surrogate`);
      }
      return T_STRING;
    case 'number':
      return Number.isInteger(value) && value < INT64_LIMIT && value >= -INT64_LIMIT ? T_INT : T_DOUBLE;
    case 'boolean':
      return T_BOOL;
    case 'bigint':
      if (value < BIG_MIN || value > BIG_MAX) {
        throw new RangeError(`otlp-ffi: attribute ${JSON.stringify(key)}: ${value} is outside the int64 range`);
      }
      return T_BIGINT;
    case 'undefined':
      return -1;
    default:
      if (value === null) return -1;
      if (Array.isArray(value)) return classifyArray(key, value);
      throw new TypeError(`otlp-ffi: attribute ${JSON.stringify(key)}: unsupported value type ${describe(value)} ` +
        '(string, number, boolean, bigint or a homogeneous array of them)');
  }
}

function classifyArray(key, arr) {
  if (arr.length === 0) return T_STRING_ARRAY;
  const first = typeof arr[0];
  let allInt = true;
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v !== first) {
      throw new TypeError(`otlp-ffi: attribute ${JSON.stringify(key)}: array elements must all have one type ` +
        `(element 0 is ${describe(arr[0])}, element ${i} is ${describe(v)})`);
    }
    if (first === 'string') {
      if (!v.isWellFormed()) throw invalidArgument(`attribute ${JSON.stringify(key)}: element ${i} contains a lone UTF-16 surrogate`);
    } else if (first === 'number') {
      if (allInt && !(Number.isInteger(v) && v < INT64_LIMIT && v >= -INT64_LIMIT)) allInt = false;
    } else if (first === 'bigint') {
      if (v < BIG_MIN || v > BIG_MAX) throw new RangeError(`otlp-ffi: attribute ${JSON.stringify(key)}: element ${i} (${v}) is outside the int64 range`);
    }
  }
  switch (first) {
    case 'string': return T_STRING_ARRAY;
    case 'boolean': return T_BOOL_ARRAY;
    case 'number': return allInt ? T_INT_ARRAY : T_DOUBLE_ARRAY;
    case 'bigint': return T_BIGINT_ARRAY;
    default:
      throw new TypeError(`otlp-ffi: attribute ${JSON.stringify(key)}: unsupported array element type ${describe(arr[0])}`);
  }
}

/** Appends the attributes of a plain object to `out` as [key, type, value] triples. */
function collect(attributes, out, what = 'attributes') {
  if (attributes === undefined || attributes === null) return out;
  if (typeof attributes !== 'object' || Array.isArray(attributes)) {
    throw new TypeError(`otlp-ffi: ${what} must be an object of key: value, not ${describe(attributes)}`);
  }
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    const value = attributes[key];
    const k = keyOf(key);
    const t = classify(key, value);
    if (t >= 0) out.push(k, t, value);
  }
  return out;
}

/** Writes the address of `ref` (an interned address, or a string to copy at `pos`) at `at`.
 * Returns the new data position. */
function putRef(at, ref, pos) {
  if (typeof ref === 'number') {
    putAddr(at, ref);
    return pos;
  }
  putAddr(at, S.base + pos);
  return putStr(pos, ref);
}

/** Packs triples `a` ([key ref, type, value]...) as otlp_attribute_t records at offset `at`
 * with their data from `pos`; returns the data position after them. Throws FULL. */
function packAttributes(a, at, pos) {
  if (at + (a.length / 3) * ATTR_SIZE > S.cap) throw FULL;
  const u32 = S.u32;
  const base = S.base;
  for (let i = 0; i < a.length; i += 3, at += ATTR_SIZE) {
    const k = a[i];
    const t = a[i + 1];
    const v = a[i + 2];
    const w = at >> 2;
    if (typeof k === 'number') {
      u32[w] = k % TWO32;
      u32[w + 1] = (k / TWO32) | 0;
    } else {
      const addr = base + pos;
      u32[w] = addr % TWO32;
      u32[w + 1] = (addr / TWO32) | 0;
      pos = putStr(pos, k);
    }
    u32[w + 3] = 0;
    switch (t) {
      case T_STRING: {
        u32[w + 2] = T_STRING;
        const addr = base + pos;
        u32[w + 4] = addr % TWO32;
        u32[w + 5] = (addr / TWO32) | 0;
        pos = putStr(pos, v);
        break;
      }
      case T_INT:
        u32[w + 2] = T_INT;
        u32[w + 4] = v % TWO32;
        u32[w + 5] = Math.floor(v / TWO32) | 0;
        break;
      case T_DOUBLE:
        u32[w + 2] = T_DOUBLE;
        S.f64[(at + 16) >> 3] = v;
        break;
      case T_BOOL:
        u32[w + 2] = T_BOOL;
        u32[w + 4] = v ? 1 : 0;
        u32[w + 5] = 0;
        break;
      case T_BIGINT:
        u32[w + 2] = T_INT;
        S.i64[(at + 16) >> 3] = v;
        break;
      default:
        pos = packArray(at, t, v, pos);
    }
  }
  return pos;
}

function packArray(at, t, arr, pos) {
  const n = arr.length;
  pos = (pos + 7) & ~7;
  const items = pos;
  const w = (at + 8) >> 2;
  S.u32[(at + 24) >> 2] = n; // len (size_t; n < 2**32)
  S.u32[((at + 24) >> 2) + 1] = 0;
  if (n === 0) {
    S.u32[w] = T_STRING_ARRAY;
    putZero(at + 16);
    return pos;
  }
  putAddr(at + 16, S.base + items);
  switch (t) {
    case T_STRING_ARRAY: {
      S.u32[w] = T_STRING_ARRAY;
      pos = items + 8 * n;
      if (pos > S.cap) throw FULL;
      for (let j = 0; j < n; j++) {
        putAddr(items + 8 * j, S.base + pos);
        pos = putStr(pos, arr[j]);
      }
      return pos;
    }
    case T_BOOL_ARRAY:
      S.u32[w] = T_BOOL_ARRAY;
      if (items + n > S.cap) throw FULL;
      for (let j = 0; j < n; j++) S.u8[items + j] = arr[j] ? 1 : 0;
      return items + n;
    case T_INT_ARRAY:
      S.u32[w] = T_INT_ARRAY;
      if (items + 8 * n > S.cap) throw FULL;
      for (let j = 0; j < n; j++) putInt(items + 8 * j, arr[j]);
      return items + 8 * n;
    case T_DOUBLE_ARRAY:
      S.u32[w] = T_DOUBLE_ARRAY;
      if (items + 8 * n > S.cap) throw FULL;
      for (let j = 0; j < n; j++) S.f64[(items >> 3) + j] = arr[j];
      return items + 8 * n;
    case T_BIGINT_ARRAY:
      S.u32[w] = T_INT_ARRAY;
      if (items + 8 * n > S.cap) throw FULL;
      for (let j = 0; j < n; j++) S.i64[(items >> 3) + j] = arr[j];
      return items + 8 * n;
    default:
      throw new Error(`otlp-ffi: internal: attribute type ${t}`);
  }
}

/** Keeps the last value of each key when a span's pending list grows long (a key set again
 * replaces the earlier value, so only the last one matters). */
function compact(a) {
  const last = new Map();
  for (let i = 0; i < a.length; i += 3) last.set(a[i], i);
  const out = [];
  for (const i of last.values()) out.push(a[i], a[i + 1], a[i + 2]);
  return out;
}

module.exports = {
  ATTR_SIZE, checkString, keyOf, classify, collect, packAttributes, putRef, compact, describe,
};
