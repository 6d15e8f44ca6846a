'use strict';
// Native scratch memory that the binding packs C structs into (otlp_finished_span_t,
// otlp_span_options_t, attribute arrays, links, NUL-terminated UTF-8 strings) and that calls
// take by address — one crossing per call, no koffi struct marshalling (which costs more than
// the calls themselves). Everything is copied by the library during the call, so the same
// memory serves every call; JS runs one call at a time per thread (each worker_thread loads
// its own copy of this module). Interned strings (attribute keys, span names) live in
// permanent chunks and are written once per process.
const { koffi } = require('./raw');

const TWO32 = 4294967296;
const OUT = 0;        // 8 bytes: a handle or bool written by the library
const STRUCT = 8;     // span options / stats (<= 96 bytes)
const FINISHED = 128; // the otlp_finished_span_t of span.end() (96 bytes; constant fields kept)
const DATA = 256;     // attribute arrays, links, strings
const onMap = [];     // called after the memory is (re)mapped, to write constant fields

class Scratch {
  constructor(size) { this.map(size); }
  map(size) {
    const ptr = koffi.alloc('uint8_t', size);
    const ab = koffi.view(ptr, size);
    if (this.ptr !== undefined) koffi.free(this.ptr);
    this.ptr = ptr;            // BigInt address (what koffi takes for a pointer argument)
    this.base = Number(ptr);   // the same as a Number (user-space addresses are < 2**53)
    this.cap = size;
    this.u8 = new Uint8Array(ab);
    this.u32 = new Uint32Array(ab);
    this.i32 = new Int32Array(ab);
    this.f64 = new Float64Array(ab);
    this.i64 = new BigInt64Array(ab);
    this.u64 = new BigUint64Array(ab);
    this.buf = Buffer.from(ab);
    this.outPtr = ptr + BigInt(OUT);
    this.structPtr = ptr + BigInt(STRUCT);
    this.finishedPtr = ptr + BigInt(FINISHED);
    for (const f of onMap) f(this);
  }
}

const S = new Scratch(1 << 16);
/** Thrown by a writer when the scratch is too small; the packer grows it and starts again. */
const FULL = { full: true };

/** Grows the scratch memory to at least `need` bytes (doubling). */
function grow(need) {
  let size = S.cap * 2;
  while (size < need) size *= 2;
  if (size > (1 << 30)) throw new RangeError('otlp-ffi: a span larger than 1 GiB cannot be packed');
  S.map(size);
}

/** Writes the 64-bit address `addr` (a Number) at byte offset `at` (8-aligned). */
function putAddr(at, addr) {
  const w = at >> 2;
  S.u32[w] = addr % TWO32;
  S.u32[w + 1] = (addr / TWO32) | 0;
}

/** Writes a null pointer / zero 64-bit word at `at`. */
function putZero(at) {
  const w = at >> 2;
  S.u32[w] = 0;
  S.u32[w + 1] = 0;
}

/** Writes a safe integer (or any integral double in int64 range) as int64 at `at`. */
function putInt(at, v) {
  const w = at >> 2;
  S.u32[w] = v % TWO32;           // ToUint32 of the remainder: the two's complement low word
  S.u32[w + 1] = Math.floor(v / TWO32) | 0;
}

/** Writes `str` NUL-terminated as UTF-8 at offset `pos` (the caller checked it is well formed);
 * returns the offset after the NUL. Throws FULL when it may not fit. */
function putStr(pos, str) {
  const n = str.length;
  if (pos + 3 * n + 1 > S.cap) throw FULL;
  const u8 = S.u8;
  let i = 0;
  for (; i < n; i++) {
    const c = str.charCodeAt(i);
    if (c >= 0x80) break;
    u8[pos + i] = c;
  }
  if (i === n) {
    u8[pos + n] = 0;
    return pos + n + 1;
  }
  const end = pos + S.buf.utf8Write(str, pos);
  u8[end] = 0;
  return end + 1;
}

// -- interned strings (keys and span names): written once into permanent native memory --------
const INTERN_CHUNK = 1 << 16;
const INTERN_MAX_LEN = 256;
const INTERN_MAX_ENTRIES = 8192;
const interned = new Map(); // string -> absolute address (Number)
let chunk = null;
let chunkPos = 0;
const chunks = []; // kept alive for the process

/** The address of a permanent NUL-terminated copy of `str` (well formed), or -1 when it is not
 * kept (too long, or the table is full: high-cardinality values are packed per call). */
function intern(str) {
  const hit = interned.get(str);
  if (hit !== undefined) return hit;
  if (str.length > INTERN_MAX_LEN || interned.size >= INTERN_MAX_ENTRIES) return -1;
  const bytes = Buffer.from(str, 'utf8');
  if (chunk === null || chunkPos + bytes.length + 1 > INTERN_CHUNK) {
    const ptr = koffi.alloc('uint8_t', INTERN_CHUNK);
    chunk = { ptr, base: Number(ptr), u8: new Uint8Array(koffi.view(ptr, INTERN_CHUNK)) };
    chunks.push(chunk);
    chunkPos = 0;
  }
  chunk.u8.set(bytes, chunkPos);
  chunk.u8[chunkPos + bytes.length] = 0;
  const addr = chunk.base + chunkPos;
  chunkPos += bytes.length + 1;
  interned.set(str, addr);
  return addr;
}

/** Reads the NUL-terminated string the library wrote at offset `at` of the scratch. */
function readStr(at, max) {
  const end = S.u8.indexOf(0, at);
  return S.buf.toString('utf8', at, end < 0 || end > at + max ? at + max : end);
}

module.exports = { S, FULL, OUT, STRUCT, FINISHED, DATA, onMap, TWO32, grow, putAddr, putZero, putInt, putStr, intern, interned, readStr };
