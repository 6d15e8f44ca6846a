#!/usr/bin/env node
'use strict';
// Copies the built libotlp_ffi (dist/lib, else target/release) into native/ so that the
// package carries its own copy (npm pack / npm install --install-links). ./build_all.sh runs it.
const fs = require('node:fs');
const path = require('node:path');
const { LIBRARY_FILE, SOURCE_REPO, BUNDLED } = require('../lib/loader');

const from = [path.join(SOURCE_REPO, 'dist', 'lib', LIBRARY_FILE), path.join(SOURCE_REPO, 'target', 'release', LIBRARY_FILE)]
  .find((p) => fs.existsSync(p));
if (!from) {
  console.error(`otlp-ffi: no ${LIBRARY_FILE} in dist/lib or target/release: run ./build_all.sh first`);
  process.exit(1);
}
fs.mkdirSync(path.dirname(BUNDLED), { recursive: true });
fs.copyFileSync(from, BUNDLED);
console.log(`otlp-ffi: bundled ${from} -> ${BUNDLED}`);
