'use strict';
// Tracer: starts spans. Owned by its TracerProvider (never freed on its own); one per
// instrumentation scope (provider.getTracer(name, version, schemaUrl)).
const { Span } = require('./span');
const attrs = require('./attributes');
const clock = require('./clock');
const { intern, interned } = require('./arena');
const { spanKind } = require('./kinds');
const { lastError, closed } = require('./errors');

const START_OPTIONS = new Set(['kind', 'parent', 'attributes', 'links', 'startTime']);

class Tracer {
  /** @internal use TracerProvider.getTracer() */
  constructor(provider, handle, scope) {
    this._p = provider;
    this._h = handle;
    this._scope = scope;
    this._lastName = null;
    this._lastRef = -1;
  }

  /** The instrumentation scope: { name, version, schemaUrl } (name '' for the default tracer). */
  get scope() { return this._scope; }

  /**
   * Starts a span. `options`: { kind, parent, attributes, links, startTime }.
   * - kind: SpanKind.INTERNAL (default) ... CONSUMER, or its name ('server').
   * - parent: a SpanContext (from extract() or span.spanContext()) or a Span; none = a root.
   * - attributes: an object of key: value, set at start (visible to the sampler).
   * - links: an array of SpanContext / Span, or of { context, attributes }.
   * - startTime: a Date, epoch milliseconds (number), epoch nanoseconds (bigint) or an HrTime.
   */
  startSpan(name, options) {
    if (this._p._h === null) throw closed('TracerProvider');
    let nr;
    if (name === this._lastName) { // (most tracers start the same few names: no Map lookup)
      nr = this._lastRef;
    } else {
      nr = interned.get(name);
      if (nr === undefined) {
        attrs.checkString(name, 'span name');
        nr = intern(name);
      }
      this._lastName = name;
      this._lastRef = nr;
    }
    if (options === undefined || options === null) return new Span(this, name, nr, 1, clock.now(), null);
    if (typeof options !== 'object') throw new TypeError('otlp-ffi: startSpan options must be an object');
    for (const k in options) {
      if (!START_OPTIONS.has(k)) {
        throw new TypeError(`otlp-ffi: unknown startSpan option ${JSON.stringify(k)} ` +
          `(known: ${[...START_OPTIONS].join(', ')})`);
      }
    }
    const kind = spanKind(options.kind);
    const start = options.startTime === undefined || options.startTime === null
      ? clock.now() : clock.toNs(options.startTime, 'startTime');
    const sa = options.attributes === undefined ? null : attrs.collect(options.attributes, [], 'startSpan attributes');
    const parent = options.parent === undefined || options.parent === null ? null : parentHandle(options.parent, 'parent');
    const links = options.links === undefined || options.links === null ? [] : readLinks(options.links);
    const span = new Span(this, name, nr, kind, start, sa !== null && sa.length ? sa : null);
    if (parent !== null || links.length) span._startNative(parent, links);
    return span;
  }

  _error(rc, what) {
    if (this._p._h === null) return closed('TracerProvider');
    const err = lastError(rc);
    if (what) err.message = `${what}: ${err.message}`;
    return err;
  }
}

/** The context handle of a parent / link target: a SpanContext or a Span. */
function parentHandle(p, what) {
  const { SpanContext } = require('./propagation');
  if (p instanceof SpanContext) return p._handle(what);
  if (p instanceof Span) return p.spanContext()._handle(what);
  throw new TypeError(`otlp-ffi: ${what} must be a SpanContext or a Span, not ${attrs.describe(p)}`);
}

function readLinks(links) {
  if (!Array.isArray(links)) throw new TypeError('otlp-ffi: links must be an array');
  return links.map((l, i) => {
    if (l !== null && typeof l === 'object' && 'context' in l && !('_h' in l)) {
      return { h: parentHandle(l.context, `links[${i}].context`), a: attrs.collect(l.attributes, [], `links[${i}].attributes`) };
    }
    return { h: parentHandle(l, `links[${i}]`), a: [] };
  });
}

module.exports = { Tracer };
