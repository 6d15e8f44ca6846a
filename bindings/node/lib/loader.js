'use strict';
// Finding libotlp_ffi. Search order (the first that loads wins):
//   1. $OTLP_FFI_LIBRARY — a path; when set, nothing else is tried (an explicit choice that does
//      not load is an error, not a reason to load another copy);
//   2. the copy bundled in the package (native/, put there by ./build_all.sh and `npm pack`);
//   3. the source tree when the package is used from a checkout (npm install ./bindings/node
//      links it): <repo>/dist/lib, then <repo>/target/release;
//   4. the system loader (LD_LIBRARY_PATH, ldconfig).
// When none loads, the error lists every place tried and why.
const fs = require('node:fs');
const path = require('node:path');

const ENV_VAR = 'OTLP_FFI_LIBRARY';
const LIBRARY_FILE = process.platform === 'darwin' ? 'libotlp_ffi.dylib'
  : process.platform === 'win32' ? 'otlp_ffi.dll' : 'libotlp_ffi.so';
const PACKAGE_DIR = path.resolve(__dirname, '..');
const BUNDLED = path.join(PACKAGE_DIR, 'native', LIBRARY_FILE);
// <repo> when the package is used from bindings/node of a checkout (realpath: npm links it)
const SOURCE_REPO = path.resolve(fs.realpathSync(PACKAGE_DIR), '..', '..');

class LibraryNotFoundError extends Error {
  constructor(tried) {
    super(`otlp-ffi: cannot load the native library ${LIBRARY_FILE}. Tried:\n` +
      tried.map(([where, why]) => `  - ${where}: ${why}`).join('\n') +
      `\nBuild it with ./build_all.sh at the repository root (and reinstall the package), ` +
      `or set ${ENV_VAR} to the library's path.`);
    this.name = 'LibraryNotFoundError';
    this.tried = tried;
  }
}

/** The places searched, in order: [kind, path-or-name]. */
function candidates(env = process.env) {
  const explicit = env[ENV_VAR];
  if (explicit) return [['env', explicit]];
  return [
    ['bundled', BUNDLED],
    ['source tree', path.join(SOURCE_REPO, 'dist', 'lib', LIBRARY_FILE)],
    ['source tree', path.join(SOURCE_REPO, 'target', 'release', LIBRARY_FILE)],
    ['system', LIBRARY_FILE],
  ];
}

/** Loads the library with koffi: { lib, path }. */
function load(koffi, env = process.env) {
  const tried = [];
  for (const [kind, where] of candidates(env)) {
    const label = kind === 'env' ? `${where} (${ENV_VAR})` : `${where} (${kind})`;
    if (kind !== 'system' && !fs.existsSync(where)) {
      tried.push([label, 'no such file']);
      continue;
    }
    try {
      return { lib: koffi.load(where), path: where };
    } catch (err) {
      tried.push([label, String((err && err.message) || err)]);
    }
  }
  throw new LibraryNotFoundError(tried);
}

module.exports = { ENV_VAR, LIBRARY_FILE, BUNDLED, SOURCE_REPO, LibraryNotFoundError, candidates, load };
