'use strict';
// The raw layer against include/otlp_ffi.h: lib/header.js is what the generator makes from
// the header now; every function the header declares is bound; struct sizes and offsets as
// koffi lays them out equal what a C compiler says; enum values equal the compiler's.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const gen = require('../scripts/gen-header');
const raw = require('../lib/raw');

test('lib/header.js is fresh (node scripts/gen-header.js regenerates it)', () => {
  const model = gen.parse(fs.readFileSync(gen.HEADER, 'utf8'));
  assert.equal(fs.readFileSync(gen.OUT, 'utf8'), gen.render(model));
});

test('every header function is bound, with the header prototype', () => {
  const { fn } = raw.load();
  const text = fs.readFileSync(gen.HEADER, 'utf8');
  const declared = [...text.matchAll(/\b(otlp_\w+)\(/g)].map((m) => m[1]).filter((n) => !n.endsWith('_t'));
  for (const name of new Set(declared)) assert.equal(typeof fn[name], 'function', name);
  const norm = (s) => s.replace(/\s+/g, ' ').replace(/ ?\* ?/g, '*');
  const flat = norm(text);
  for (const f of raw.header.FUNCTIONS) {
    const proto = norm(raw.prototype(f));
    assert.ok(flat.includes(`${proto};`), `header declares ${proto}`);
  }
  const abi = path.resolve(gen.HEADER, '../../../shared/abi/symbols-0.1.txt');
  if (fs.existsSync(abi)) {
    for (const sym of fs.readFileSync(abi, 'utf8').split(/\s+/).filter((s) => s.startsWith('otlp_'))) {
      assert.equal(typeof fn[sym], 'function', `published symbol ${sym}`);
    }
  }
});

test('struct layouts and enum values equal the C compiler\'s', (t) => {
  const cc = process.env.CC || 'cc';
  const lines = ['#include <stdio.h>', '#include <stddef.h>', `#include "${gen.HEADER}"`, 'int main(void) {'];
  for (const [name, fields] of Object.entries(raw.header.STRUCTS)) {
    lines.push(`printf("${name} %zu\\n", sizeof(${name}));`);
    for (const [f] of fields) lines.push(`printf("${name}.${f} %zu\\n", offsetof(${name}, ${f}));`);
  }
  for (const values of Object.values(raw.header.ENUMS)) {
    for (const k of Object.keys(values)) lines.push(`printf("${k} %d\\n", (int)${k});`);
  }
  lines.push('return 0; }');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otlp-layout-'));
  try {
    fs.writeFileSync(path.join(dir, 'l.c'), lines.join('\n'));
    try {
      execFileSync(cc, ['-std=c11', '-o', path.join(dir, 'l'), path.join(dir, 'l.c')], { stdio: 'pipe' });
    } catch (e) {
      if (e.code === 'ENOENT') return t.skip(`no C compiler (${cc})`);
      throw e;
    }
    const c = Object.fromEntries(execFileSync(path.join(dir, 'l'), { encoding: 'utf8' }).trim().split('\n').map((l) => l.split(' ')));
    for (const name of Object.keys(raw.header.STRUCTS)) {
      const { size, offsets } = raw.layout(name);
      assert.equal(size, Number(c[name]), `sizeof(${name})`);
      for (const [f, off] of Object.entries(offsets)) assert.equal(off, Number(c[`${name}.${f}`]), `offsetof(${name}, ${f})`);
    }
    for (const [k, v] of Object.entries(raw.C)) assert.equal(v, Number(c[k]), k);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
