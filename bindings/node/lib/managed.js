'use strict';
// Handles this side owns (provider, context, baggage): freed exactly once — by free()/close(),
// `using`, or, as a backstop for one that is forgotten, a FinalizationRegistry when it is
// garbage collected. Spans are not managed this way: a span that is never ended is not
// exported, as in every OpenTelemetry SDK.
const registry = new FinalizationRegistry(({ free, handle }) => {
  try { free(handle); } catch { /* nothing to report to at collection time */ }
});

/** Registers `owner` so that `free(handle)` runs if it is collected while still open. */
function track(owner, free, handle) {
  registry.register(owner, { free, handle }, owner);
}

function untrack(owner) {
  registry.unregister(owner);
}

module.exports = { track, untrack };
