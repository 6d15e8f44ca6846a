'use strict';
// SpanKind and StatusCode, with the C values (otlp_span_kind_t, otlp_status_code_t).
// Note: @opentelemetry/api's SpanKind counts from 0 (INTERNAL = 0); these are the library's,
// INTERNAL = 1 ... CONSUMER = 5. Names ('server', 'SERVER') are accepted wherever a kind is.
const { C } = require('./raw');

const SpanKind = Object.freeze({
  INTERNAL: C.OTLP_SPAN_KIND_INTERNAL,
  SERVER: C.OTLP_SPAN_KIND_SERVER,
  CLIENT: C.OTLP_SPAN_KIND_CLIENT,
  PRODUCER: C.OTLP_SPAN_KIND_PRODUCER,
  CONSUMER: C.OTLP_SPAN_KIND_CONSUMER,
});

const StatusCode = Object.freeze({
  UNSET: C.OTLP_STATUS_UNSET,
  OK: C.OTLP_STATUS_OK,
  ERROR: C.OTLP_STATUS_ERROR,
});

function enumValue(table, value, what) {
  if (typeof value === 'number') {
    for (const k in table) if (table[k] === value) return value;
  } else if (typeof value === 'string') {
    const v = table[value.toUpperCase()];
    if (v !== undefined) return v;
  }
  throw new RangeError(`otlp-ffi: ${what} must be one of ${Object.entries(table).map(([k, v]) => `${k} (${v})`).join(', ')}; ` +
    `got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
}

const spanKind = (v) => (v === undefined || v === null ? SpanKind.INTERNAL : enumValue(SpanKind, v, 'kind'));
const statusCode = (v) => enumValue(StatusCode, v, 'status code');

module.exports = { SpanKind, StatusCode, spanKind, statusCode };
