'use strict';
// The raw layer: every type and function of include/otlp_ffi.h declared with koffi, from the
// generated description in ./header.js (nothing here is written by hand per function).
//
// Conventions of this layer (the idiomatic layer relies on them):
// - a pointer argument is a BigInt address (koffi's representation) or null; handles are the
//   library's opaque pointers, i.e. BigInts. Out-parameters (`T **`, `bool *`, `char *buf`,
//   `otlp_stats_t *`) are addresses in native scratch memory (./arena.js), not JS arrays:
//   koffi's array round trip for `_Out_` costs ~700 ns a call, an address costs nothing.
// - `const char *` accepts a JS string (koffi converts to UTF-8 for the call) or an address.
// - enums are C ints.
const koffi = require('koffi');
const header = require('./header');
const loader = require('./loader');

for (const name of Object.keys(header.ENUMS)) koffi.alias(name, 'int');
for (const name of header.OPAQUE) koffi.opaque(name);

const STRUCT_TYPES = {};
const declared = new Set();
function declareAggregate(name) {
  if (declared.has(name)) return STRUCT_TYPES[name];
  const isUnion = Object.prototype.hasOwnProperty.call(header.UNIONS, name);
  const fields = isUnion ? header.UNIONS[name] : header.STRUCTS[name];
  const spec = {};
  for (const [field, ctype] of fields) {
    const base = ctype.replace(/^const /, '').replace(/\s*\*+$/, '');
    if (!ctype.includes('*') && (header.STRUCTS[base] || header.UNIONS[base])) declareAggregate(base);
    spec[field] = ctype;
  }
  declared.add(name);
  STRUCT_TYPES[name] = isUnion ? koffi.union(name, spec) : koffi.struct(name, spec);
  return STRUCT_TYPES[name];
}
for (const name of Object.keys(header.UNIONS)) declareAggregate(name);
for (const name of Object.keys(header.STRUCTS)) declareAggregate(name);

/** The C prototype of a header function, as koffi parses it. */
function prototype(fn) {
  const params = fn.params.length ? fn.params.map(([n, t]) => `${t} ${n}`).join(', ') : 'void';
  return `${fn.ret} ${fn.name}(${params})`;
}

let loaded = null;
/** { fn: {otlp_*: function}, path, koffi } — loads the library on first use. */
function load() {
  if (loaded) return loaded;
  const { lib, path } = loader.load(koffi);
  const fn = {};
  for (const f of header.FUNCTIONS) fn[f.name] = lib.func(prototype(f));
  loaded = { fn, path, koffi };
  return loaded;
}

/** Enum constants by their C name, e.g. C.OTLP_SPAN_KIND_SERVER. */
const C = Object.freeze(Object.assign({}, ...Object.values(header.ENUMS)));

/** Byte size and field offsets of a header struct, as koffi lays it out (C rules). */
function layout(name) {
  const type = STRUCT_TYPES[name];
  const offsets = {};
  const fields = header.STRUCTS[name] || header.UNIONS[name];
  for (const [field] of fields) offsets[field] = koffi.offsetof(type, field);
  return { size: koffi.sizeof(type), offsets };
}

module.exports = { koffi, header, load, prototype, layout, C, STRUCT_TYPES };
