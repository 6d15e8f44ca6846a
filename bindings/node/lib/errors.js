'use strict';
// Errors: every failing C call throws an OtlpError subclass whose `code` is the otlp_error_t
// name ('OTLP_ERROR_INVALID_ARGUMENT', ...), `errno` its integer value, and whose message is the
// library's thread-local message, read with otlp_get_last_error() right after the failing call
// on the same thread (synchronous koffi calls run on the calling JS thread, so reading it next
// is reading it on the same OS thread; worker_threads each have their own OS thread).
// Argument errors found on this side (a wrong JS type, a lone UTF-16 surrogate, a BigInt out
// of int64 range) are TypeError / RangeError / OtlpInvalidArgumentError naming the argument.
const { header } = require('./raw');

const CODES = header.ENUMS.otlp_error_t; // name -> value
const NAMES = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k]));

class OtlpError extends Error {
  constructor(code, message) {
    super(message);
    this.name = new.target.name;
    /** The otlp_error_t name, e.g. 'OTLP_ERROR_INVALID_HANDLE'. */
    this.code = typeof code === 'number' ? (NAMES[code] || `OTLP_ERROR_${code}`) : code;
    /** The otlp_error_t value, e.g. -6. */
    this.errno = typeof code === 'number' ? code : CODES[code];
  }
}
class OtlpInvalidArgumentError extends OtlpError {}
class OtlpNullPointerError extends OtlpError {}
class OtlpInitializationError extends OtlpError {}
class OtlpExportFailedError extends OtlpError {}
class OtlpOutOfMemoryError extends OtlpError {}
class OtlpInvalidHandleError extends OtlpError {}
/** A span used after end() (code OTLP_ERROR_INVALID_HANDLE). */
class SpanEndedError extends OtlpInvalidHandleError {}
/** A provider (or its tracer, baggage, context...) used after free()/close(). */
class HandleClosedError extends OtlpInvalidHandleError {}
class OtlpTimeoutError extends OtlpError {}
class OtlpInternalError extends OtlpError {}

const CLASSES = {
  OTLP_ERROR_INVALID_ARGUMENT: OtlpInvalidArgumentError,
  OTLP_ERROR_NULL_POINTER: OtlpNullPointerError,
  OTLP_ERROR_INITIALIZATION_FAILED: OtlpInitializationError,
  OTLP_ERROR_EXPORT_FAILED: OtlpExportFailedError,
  OTLP_ERROR_OUT_OF_MEMORY: OtlpOutOfMemoryError,
  OTLP_ERROR_INVALID_HANDLE: OtlpInvalidHandleError,
  OTLP_ERROR_TIMEOUT: OtlpTimeoutError,
  OTLP_ERROR_INTERNAL: OtlpInternalError,
};

/** The error for code `rc` with message `message`. */
function errorFor(rc, message) {
  const name = NAMES[rc];
  const Cls = CLASSES[name] || OtlpError;
  return new Cls(rc, message || name || `otlp-ffi error ${rc}`);
}

let lastErrorFn = null;
/** The error of a call that just returned `rc` (reads the thread-local message now). */
function lastError(rc) {
  if (lastErrorFn === null) lastErrorFn = require('./raw').load().fn.otlp_get_last_error;
  return errorFor(rc, lastErrorFn());
}

function invalidArgument(message) {
  return new OtlpInvalidArgumentError(CODES.OTLP_ERROR_INVALID_ARGUMENT, `OTLP_ERROR_INVALID_ARGUMENT: ${message}`);
}

function closed(what) {
  return new HandleClosedError(CODES.OTLP_ERROR_INVALID_HANDLE, `OTLP_ERROR_INVALID_HANDLE: ${what} is closed`);
}

function ended(name) {
  return new SpanEndedError(CODES.OTLP_ERROR_INVALID_HANDLE,
    `OTLP_ERROR_INVALID_HANDLE: span ${JSON.stringify(name)} has already ended`);
}

module.exports = {
  CODES, NAMES, OtlpError, OtlpInvalidArgumentError, OtlpNullPointerError, OtlpInitializationError,
  OtlpExportFailedError, OtlpOutOfMemoryError, OtlpInvalidHandleError, SpanEndedError,
  HandleClosedError, OtlpTimeoutError, OtlpInternalError, errorFor, lastError, invalidArgument,
  closed, ended,
};
