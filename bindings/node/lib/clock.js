'use strict';
// Timestamps. Spans kept on this side record their start with performance.now() (monotonic,
// sub-microsecond, one clock read); it is turned into nanoseconds since the Unix epoch with an
// origin calibrated against the library's own clock (otlp_now_unix_nano, the system's real-time
// clock that stamps ends and events): the library's reading bracketed by two performance.now()
// readings, the narrowest of a few brackets (a thread preempted mid-bracket only widens that
// one). performance.now() does not follow the system clock when it is set or stepped, so the
// origin is re-read at the first span start after RECALIBRATE_MS (one compare per span, ~0.3 us
// a second); a calibration that could not get a narrow bracket (a loaded machine) is retried
// sooner.
//
// Times given by the caller (startTime, endTime, event times) may be a Date, a number of
// milliseconds since the epoch (fractions kept), a bigint of nanoseconds since the epoch, or an
// OpenTelemetry HrTime [seconds, nanoseconds].
const { performance } = require('node:perf_hooks');
const { S, TWO32 } = require('./arena');
const raw = require('./raw');

const RECALIBRATE_MS = 1000;
const RETRY_MS = 10;
const NARROW_MS = 0.01; // a bracket this narrow (10 us) is taken at once
const TRIES = 5;

let originHi = 0;
let originLo = 0;
let nextCalibration = -Infinity;
let libNow = null;

/** Sets the origin (epoch ns of performance.now() == 0) from the narrowest of a few
 * [performance.now(), library clock, performance.now()] brackets. */
function calibrate() {
  if (libNow === null) libNow = raw.load().fn.otlp_now_unix_nano;
  let best = Infinity;
  let origin = 0n;
  for (let i = 0; i < TRIES && best > NARROW_MS; i++) {
    const p0 = performance.now();
    const n = libNow();
    const p1 = performance.now();
    if (p1 - p0 < best) {
      best = p1 - p0;
      origin = BigInt(n) - BigInt(Math.round((p0 + p1) * 500000));
    }
  }
  originHi = Number(origin >> 32n);
  originLo = Number(origin & 0xffffffffn);
  nextCalibration = performance.now() + (best > NARROW_MS * 5 ? RETRY_MS : RECALIBRATE_MS);
}

/** Now, as a performance.now() reading (milliseconds). */
function now() {
  const t = performance.now();
  if (t >= nextCalibration) calibrate();
  return t;
}

/** Writes the epoch nanoseconds of performance.now() reading `t` as uint64 at offset `at`. */
function putPerf(at, t) {
  const lo = originLo + Math.round(t * 1e6);
  const w = at >> 2;
  S.u32[w] = lo % TWO32;
  S.u32[w + 1] = originHi + Math.floor(lo / TWO32);
}

const MAX_NS = 2n ** 64n - 1n;

/** A caller's time -> epoch nanoseconds (bigint), or throws naming `what`. */
function toNs(value, what) {
  let ns;
  if (typeof value === 'bigint') {
    ns = value;
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`otlp-ffi: ${what} must be finite, not ${value}`);
    const ms = Math.floor(value);
    ns = BigInt(ms) * 1000000n + BigInt(Math.round((value - ms) * 1e6));
  } else if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new RangeError(`otlp-ffi: ${what} is an invalid Date`);
    ns = BigInt(ms) * 1000000n;
  } else if (Array.isArray(value) && value.length === 2 && Number.isInteger(value[0]) && Number.isInteger(value[1])) {
    ns = BigInt(value[0]) * 1000000000n + BigInt(value[1]);
  } else {
    throw new TypeError(`otlp-ffi: ${what} must be a Date, milliseconds (number), nanoseconds (bigint) ` +
      'or an HrTime [seconds, nanoseconds]');
  }
  if (ns <= 0n || ns > MAX_NS) throw new RangeError(`otlp-ffi: ${what} is out of range (${ns} ns since the epoch)`);
  return ns;
}

module.exports = { now, putPerf, toNs };
