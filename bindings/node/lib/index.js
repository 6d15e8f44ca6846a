'use strict';
// otlp-ffi for Node.js: OpenTelemetry tracing through libotlp_ffi's C ABI (koffi).
//
//   const { TracerProvider } = require('otlp-ffi');
//   const provider = new TracerProvider('http://localhost:4318', 'node-app');
//   const span = provider.getTracer().startSpan('my_operation');
//   span.setAttribute('user.id', 12345);
//   span.end();
//   provider.free();
const { TracerProvider, libraryVersion, libraryPath } = require('./provider');
const { Tracer } = require('./tracer');
const { Span } = require('./span');
const { SpanKind, StatusCode } = require('./kinds');
const { SpanContext, extract, inject } = require('./propagation');
const { Baggage } = require('./baggage');
const errors = require('./errors');

module.exports = {
  TracerProvider, Tracer, Span, SpanKind, StatusCode, SpanContext, Baggage, extract, inject,
  libraryVersion, libraryPath,
  OtlpError: errors.OtlpError,
  OtlpInvalidArgumentError: errors.OtlpInvalidArgumentError,
  OtlpNullPointerError: errors.OtlpNullPointerError,
  OtlpInitializationError: errors.OtlpInitializationError,
  OtlpExportFailedError: errors.OtlpExportFailedError,
  OtlpOutOfMemoryError: errors.OtlpOutOfMemoryError,
  OtlpInvalidHandleError: errors.OtlpInvalidHandleError,
  SpanEndedError: errors.SpanEndedError,
  HandleClosedError: errors.HandleClosedError,
  OtlpTimeoutError: errors.OtlpTimeoutError,
  OtlpInternalError: errors.OtlpInternalError,
  ErrorCode: Object.freeze({ ...errors.CODES }),
};
