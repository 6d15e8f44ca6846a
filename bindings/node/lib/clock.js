'use strict';
// Timestamps. Spans kept on this side record their start with performance.now() (monotonic,
// sub-microsecond); it is turned into nanoseconds since the Unix epoch with an origin
// calibrated against the system clock (the one the library stamps ends with): spinning until
// Date.now() ticks gives the wall-clock millisecond boundary within a loop iteration (~0.1 us),
// where performance.timeOrigin alone can be off by up to a millisecond. The first span pays
// the calibration (~3 ms, three ticks).
//
// Times given by the caller (startTime, endTime, event times) may be a Date, a number of
// milliseconds since the epoch (fractions kept), a bigint of nanoseconds since the epoch, or an
// OpenTelemetry HrTime [seconds, nanoseconds].
const { performance } = require('node:perf_hooks');
const { S, TWO32 } = require('./arena');

let originHi = -1;
let originLo = 0;

let recalibrating = null;

/** Finds the performance.now() reading of a Date.now() millisecond tick: the tick happened
 * between the last reading before Date.now() changed and the first after. Of three ticks the
 * narrowest bracket wins (a thread preempted mid-bracket only widens that one). The origin is
 * refreshed every 10 minutes from a timer (not on the span path), following the system clock
 * if it is slewed. */
function calibrate() {
  let best = Infinity;
  let origin = 0;
  for (let tick = 0; tick < 3; tick++) {
    const d0 = Date.now();
    let before = performance.now();
    let d = d0;
    let p = before;
    while (d === d0) {
      before = p;
      p = performance.now();
      d = Date.now();
    }
    const width = p - before;
    if (width < best) {
      best = width;
      origin = d - (before + p) / 2;
    }
  }
  const msInt = Math.floor(origin);
  const ns = BigInt(msInt) * 1000000n + BigInt(Math.round((origin - msInt) * 1e6));
  originHi = Number(ns >> 32n);
  originLo = Number(ns & 0xffffffffn);
  if (recalibrating === null) {
    recalibrating = setInterval(calibrate, 600000);
    recalibrating.unref();
  }
}

/** Now, as a performance.now() reading (milliseconds). */
const now = () => performance.now();

/** Writes the epoch nanoseconds of performance.now() reading `t` as uint64 at offset `at`. */
function putPerf(at, t) {
  if (originHi < 0) calibrate();
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
