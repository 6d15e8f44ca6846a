// ES module entry: the same objects as require('otlp-ffi').
import cjs from './lib/index.js';

export const {
  TracerProvider, Tracer, Span, SpanKind, StatusCode, SpanContext, Baggage, extract, inject,
  libraryVersion, libraryPath, OtlpError, OtlpInvalidArgumentError, OtlpNullPointerError,
  OtlpInitializationError, OtlpExportFailedError, OtlpOutOfMemoryError, OtlpInvalidHandleError,
  SpanEndedError, HandleClosedError, OtlpTimeoutError, OtlpInternalError, ErrorCode,
} = cjs;
export default cjs;
