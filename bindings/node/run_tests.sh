#!/usr/bin/env bash
# The Node binding's checks: the node:test suite (against the built library and the real test
# receiver) and the TypeScript declarations. Needs ./build_all.sh first and the packages of
# package-lock.json (npm ci). Without node/npm it says so and skips.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "node/npm not found: skipping the Node binding's tests"
  exit 0
fi
[ -d node_modules/koffi ] || npm ci --no-audit --no-fund
node scripts/gen-header.js --check
node --test --test-concurrency=1 test/
