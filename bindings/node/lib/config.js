'use strict';
// TracerProvider options -> OTEL_* settings -> otlp_config_t (otlp_config_set,
// otlp_config_add_resource_attribute, otlp_init_with_config). Precedence, as everywhere in
// the library: an option given here > the environment's OTEL_* > the default.
const { load } = require('./raw');
const A = require('./arena');
const { S } = A;
const attrs = require('./attributes');
const { lastError } = require('./errors');

const { fn } = load();

const str = (v, name) => attrs.checkString(v, name);
function ms(v, name) {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new TypeError(`otlp-ffi: option ${name} must be a non-negative number, not ${attrs.describe(v)}`);
  }
  return String(Math.floor(v));
}
function kvList(v, name) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new TypeError(`otlp-ffi: option ${name} must be an object of name: value`);
  }
  return Object.entries(v).map(([k, x]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(x))}`).join(',');
}
const bool = (v) => (v ? 'true' : 'false');

/** option -> [OTEL_* key, formatter] */
const OPTIONS = {
  endpoint: ['OTEL_EXPORTER_OTLP_ENDPOINT', str],
  serviceName: ['OTEL_SERVICE_NAME', str],
  tracesEndpoint: ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', str],
  headers: ['OTEL_EXPORTER_OTLP_HEADERS', kvList],
  timeoutMs: ['OTEL_EXPORTER_OTLP_TIMEOUT', ms],
  maxQueueSize: ['OTEL_BSP_MAX_QUEUE_SIZE', ms],
  maxExportBatchSize: ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE', ms],
  scheduleDelayMs: ['OTEL_BSP_SCHEDULE_DELAY', ms],
  exportTimeoutMs: ['OTEL_BSP_EXPORT_TIMEOUT', ms],
  disabled: ['OTEL_SDK_DISABLED', bool],
  sampler: ['OTEL_TRACES_SAMPLER', str],
  samplerArg: ['OTEL_TRACES_SAMPLER_ARG', (v, n) => (typeof v === 'number' ? String(v) : str(v, n))],
  attributeCountLimit: ['OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', ms],
  attributeValueLengthLimit: ['OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', ms],
  exporter: ['OTEL_TRACES_EXPORTER', str],
  protocol: ['OTEL_EXPORTER_OTLP_PROTOCOL', str],
  compression: ['OTEL_EXPORTER_OTLP_COMPRESSION', str],
  certificate: ['OTEL_EXPORTER_OTLP_CERTIFICATE', str],
  clientKey: ['OTEL_EXPORTER_OTLP_CLIENT_KEY', str],
  clientCertificate: ['OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE', str],
};
/** Options of this binding that are not OTEL_* settings. */
const OWN = new Set(['resourceAttributes', 'config', 'exitTimeoutMs']);

/** { settings: {OTEL_*: text}, resource: {key: text}, exitTimeoutMs } from the options. */
function resolve(options) {
  if (options === null || typeof options !== 'object') throw new TypeError('otlp-ffi: TracerProvider options must be an object');
  for (const k of Object.keys(options)) {
    if (!OPTIONS[k] && !OWN.has(k)) {
      throw new TypeError(`otlp-ffi: unknown TracerProvider option ${JSON.stringify(k)} (known: ` +
        `${[...Object.keys(OPTIONS), ...OWN].join(', ')})`);
    }
  }
  const settings = {};
  if (options.config !== undefined && options.config !== null) {
    if (typeof options.config !== 'object') throw new TypeError('otlp-ffi: option config must be an object of OTEL_* key: value');
    for (const [k, v] of Object.entries(options.config)) {
      settings[str(k, 'config key')] = typeof v === 'string' ? str(v, `config value of ${k}`) : String(v);
    }
  }
  for (const [k, [key, fmt]] of Object.entries(OPTIONS)) {
    const v = options[k];
    if (v === undefined || v === null || ((k === 'endpoint' || k === 'serviceName') && v === '')) continue;
    settings[key] = fmt(v, k);
  }
  const resource = { 'telemetry.sdk.language': 'nodejs' };
  if (options.resourceAttributes !== undefined && options.resourceAttributes !== null) {
    for (const [k, v] of Object.entries(options.resourceAttributes)) {
      resource[str(k, 'resource attribute key')] = typeof v === 'string' ? str(v, `resource attribute ${k}`) : String(v);
    }
  }
  const exitTimeoutMs = options.exitTimeoutMs === undefined ? 5000 : Number(ms(options.exitTimeoutMs, 'exitTimeoutMs'));
  return { settings, resource, exitTimeoutMs };
}

/** A new provider handle from resolved settings. */
function init(settings, resource) {
  let rc = fn.otlp_config_new(S.outPtr);
  if (rc) throw lastError(rc);
  const cfg = S.u64[A.OUT >> 3];
  try {
    for (const [k, v] of Object.entries(settings)) {
      rc = fn.otlp_config_set(cfg, k, v);
      if (rc) throw lastError(rc);
    }
    for (const [k, v] of Object.entries(resource)) {
      rc = fn.otlp_config_add_resource_attribute(cfg, k, v);
      if (rc) throw lastError(rc);
    }
    rc = fn.otlp_init_with_config(cfg, S.outPtr);
    if (rc) throw lastError(rc);
    return S.u64[A.OUT >> 3];
  } finally {
    fn.otlp_config_free(cfg);
  }
}

module.exports = { OPTIONS, resolve, init };
