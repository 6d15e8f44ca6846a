'use strict';
// Handles this side owns (provider, context, baggage): freed exactly once — by free()/close(),
// `using`, or, as a backstop for one that is forgotten, a FinalizationRegistry when it is
// garbage collected. Spans are not managed this way: a span that is never ended is not
// exported, as in every OpenTelemetry SDK.
const { closed } = require('./errors');

const registry = new FinalizationRegistry(({ release, handle }) => {
  try { release(handle); } catch { /* nothing to report to at collection time */ }
});

/** The base of an owned handle. A subclass defines `static _release(handle)` (the C free) and
 * calls `_adopt(handle)` once it has one. */
class Managed {
  /** Takes ownership of `handle` (the registry's held value never references `this`). */
  _adopt(handle) {
    this._h = handle;
    registry.register(this, { release: this.constructor._release, handle }, this);
  }

  /** True after free()/close(). */
  get closed() { return this._h === null; }

  /** Frees the library's handle (idempotent). */
  free() {
    const h = this._h;
    if (h === null) return;
    this._h = null;
    registry.unregister(this);
    this.constructor._release(h);
  }
  close() { this.free(); }
  [Symbol.dispose]() { this.free(); }

  /** The live handle, or a HandleClosedError naming `what` (default: the class). */
  _handle(what = this.constructor.name) {
    if (this._h === null) throw closed(what);
    return this._h;
  }
}

module.exports = { Managed };
