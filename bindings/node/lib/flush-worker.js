'use strict';
// The thread that runs TracerProvider.forceFlush() / shutdown() for the event loop: the C
// calls block until the collector answers (or the timeout), so they run here, and the
// library's thread-local error message is read here too, right after the failing call, on
// this thread. Requests: { id, op: 'flush' | 'shutdown', handle (bigint), timeoutMs };
// answers: { id, rc, message }.
const { parentPort, workerData } = require('node:worker_threads');
const koffi = require('koffi');
const raw = require('./raw');

const lib = koffi.load(workerData.libraryPath);
const byName = Object.fromEntries(raw.header.FUNCTIONS.map((f) => [f.name, f]));
const flush = lib.func(raw.prototype(byName.otlp_tracer_provider_force_flush));
const shutdown = lib.func(raw.prototype(byName.otlp_tracer_provider_shutdown));
const lastError = lib.func(raw.prototype(byName.otlp_get_last_error));

parentPort.on('message', ({ id, op, handle, timeoutMs }) => {
  const rc = (op === 'shutdown' ? shutdown : flush)(handle, timeoutMs);
  parentPort.postMessage({ id, rc, message: rc ? lastError() : '' });
});
