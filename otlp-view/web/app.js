// otlp-view page script: trace list + waterfall, live over /api/events (fallback poll every 2 s).
// All data from the server (span names, attributes, ...) is untrusted: it only ever reaches the
// DOM through textContent / createTextNode / setAttribute, never through innerHTML.
'use strict';
(function () {
  // ------------------------------------------------------------------ helpers

  // Build an element: h('div', {class: 'x', 'data-testid': 'y'}, child, 'text', [more]).
  function h(tag, attrs) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const k of Object.keys(attrs)) {
        const v = attrs[k];
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = v;
        else if (k === 'style') Object.assign(el.style, v);
        else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (let i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, c) {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) { for (const x of c) append(el, x); return; }
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  const $ = (id) => document.getElementById(id);

  function big(s) { try { return BigInt(s || '0'); } catch (e) { return 0n; } }

  // A duration in nanoseconds (Number) as text: 850 µs, 12.3 ms, 1.24 s.
  function fmtDur(ns) {
    if (!isFinite(ns)) return '?';
    const neg = ns < 0 ? '-' : '';
    ns = Math.abs(ns);
    if (ns < 1e3) return neg + Math.round(ns) + ' ns';
    if (ns < 1e6) return neg + trim(ns / 1e3) + ' µs';
    if (ns < 1e9) return neg + trim(ns / 1e6) + ' ms';
    if (ns < 60e9) return neg + trim(ns / 1e9) + ' s';
    const m = Math.floor(ns / 60e9);
    return neg + m + ' min ' + Math.round((ns - m * 60e9) / 1e9) + ' s';
  }
  function trim(x) { return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2); }

  function fmtClock(nsStr) {
    const ms = Number(big(nsStr) / 1000000n);
    if (!ms) return '';
    const d = new Date(ms);
    const p = (n, w) => String(n).padStart(w || 2, '0');
    return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
  }
  function fmtDateTime(nsStr) {
    const ns = big(nsStr);
    if (!ns) return '';
    const d = new Date(Number(ns / 1000000n));
    const p = (n, w) => String(n).padStart(w || 2, '0');
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' +
      p(d.getMinutes()) + ':' + p(d.getSeconds()) + '.' + p(d.getMilliseconds(), 3);
  }
  function fmtAgo(nsStr) {
    const ms = Number(big(nsStr) / 1000000n);
    if (!ms) return '';
    const s = Math.round((Date.now() - ms) / 1000);
    if (s < 5) return 'just now';
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return Math.floor(s / 86400) + ' d ago';
  }
  const plural = (n, w) => n + ' ' + w + (n === 1 ? '' : 's');

  // Stable colour per service: FNV-1a hash of the name onto a palette (no red: red means error).
  const PALETTE = ['#499894', '#a0cbe8', '#ffbe7d', '#59a14f', '#4e79a7', '#8cd17d', '#b6992d', '#f1ce63',
    '#86bcb6', '#d37295', '#fabfd2', '#d4a6c8', '#9d7660', '#f28e2b', '#d7b5a6', '#3d8fd9',
    '#6f63c9', '#7f9c2f', '#c5b0d5', '#b07aa1'];
  const colourCache = new Map();
  function serviceColour(name) {
    name = name || '';
    let c = colourCache.get(name);
    if (c) return c;
    let x = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) { x ^= name.charCodeAt(i); x = Math.imul(x, 0x01000193) >>> 0; }
    x ^= x >>> 16; x = Math.imul(x, 0x85ebca6b) >>> 0; x ^= x >>> 13; x = Math.imul(x, 0xc2b2ae35) >>> 0; x = (x ^ (x >>> 16)) >>> 0;
    c = PALETTE[x % PALETTE.length];
    colourCache.set(name, c);
    return c;
  }
  function chip(service, extraClass) {
    const name = service || '(unknown service)';
    return h('span', { class: 'chip' + (extraClass ? ' ' + extraClass : ''), 'data-service': name, title: name },
      h('span', { class: 'swatch', style: { background: serviceColour(name) } }), name);
  }

  const KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
  const STATUS_NAMES = ['UNSET', 'OK', 'ERROR'];
  function statusOf(span) { return span.status_code === 2 ? 'error' : span.status_code === 1 ? 'ok' : 'unset'; }

  // An ATTRS value {type, value} as display text.
  function attrText(a) {
    if (!a || typeof a !== 'object') return String(a);
    const v = a.value;
    switch (a.type) {
      case 'string': return String(v);
      case 'bool': return v ? 'true' : 'false';
      case 'int': case 'double': return String(v);
      case 'bytes': return v ? '0x' + v : '(0 bytes)';
      case 'empty': return '(empty)';
      case 'array': return '[' + (Array.isArray(v) ? v.map(attrInner).join(', ') : '') + ']';
      case 'kvlist': return '{' + (v && typeof v === 'object' ? Object.keys(v).map((k) => k + ': ' + attrInner(v[k])).join(', ') : '') + '}';
      default: return typeof v === 'string' ? v : JSON.stringify(v);
    }
  }
  function attrInner(a) { return a && a.type === 'string' ? JSON.stringify(a.value) : attrText(a); }

  function attrTable(attrs, testid) {
    const keys = attrs ? Object.keys(attrs).sort() : [];
    if (!keys.length) return h('div', { class: 'none' }, 'none');
    return h('table', { class: 'attrs', 'data-testid': testid || 'attr-table' },
      h('tbody', null, keys.map((k) => {
        const a = attrs[k] || {};
        return h('tr', { 'data-testid': 'attr-row', 'data-key': k },
          h('td', { class: 'attr-key', 'data-testid': 'attr-key' }, k),
          h('td', { class: 'attr-type' }, a.type || ''),
          h('td', { class: 'attr-value type-' + (a.type || 'x'), 'data-testid': 'attr-value' }, attrText(a)));
      })));
  }

  async function getJSON(url) {
    const r = await fetch(url, { cache: 'no-store', headers: { accept: 'application/json' } });
    if (!r.ok) { const e = new Error('HTTP ' + r.status + ' for ' + url); e.status = r.status; throw e; }
    return r.json();
  }

  // ------------------------------------------------------------------ state

  const state = {
    traces: [],          // TRACE_SUMMARY list, newest first
    listSig: null,       // "id:seq,..." of the last list, to tell if it changed
    selectedId: null,    // trace shown in the waterfall
    follow: true,        // auto-select the newest trace until the user picks one
    trace: null,         // {trace_id, spans} of the selected trace
    traceSeq: null,      // updated_seq the loaded trace had in the list
    missing: null,       // listSig at which the selected trace answered 404
    selectedSpanId: null,
    scrollToSpan: false,  // scroll the selected span's row into view once it is rendered (URL links)
    collapsed: new Set(), // span ids whose subtree is folded (per selected trace)
    filter: '',
    es: null, pollTimer: null, refreshTimer: null, refreshing: false, pending: false,
    lastError: null,
  };

  // ------------------------------------------------------------------ live updates

  function setStatus(kind, text) {
    const el = $('status-line');
    el.setAttribute('data-state', kind);
    el.querySelector('.status-text').textContent = text;
  }

  function connect() {
    if (state.es) state.es.close();
    if (typeof EventSource === 'undefined') { startPoll(); setStatus('reconnecting', 'reconnecting… (polling every 2 s)'); return; }
    const es = new EventSource('/api/events');
    state.es = es;
    es.onopen = function () {
      if (state.es !== es) return;
      setStatus('live', 'live');
      stopPoll();
      scheduleRefresh(0); // whatever changed while we were away
    };
    es.addEventListener('trace', () => scheduleRefresh(80));
    es.onmessage = () => scheduleRefresh(80);
    es.onerror = function () {
      if (state.es !== es) return;
      setStatus('reconnecting', 'reconnecting… (polling every 2 s)');
      startPoll();
      // The browser retries by itself unless the stream is closed for good (e.g. an HTTP error).
      if (es.readyState === 2) setTimeout(() => { if (state.es === es) connect(); }, 5000);
    };
  }
  function startPoll() { if (!state.pollTimer) state.pollTimer = setInterval(() => scheduleRefresh(0), 2000); }
  function stopPoll() { if (state.pollTimer) { clearInterval(state.pollTimer); state.pollTimer = null; } }

  // Coalesce bursts of events: at most one refresh per 250 ms.
  let lastRefreshAt = 0;
  function scheduleRefresh(delay) {
    if (state.refreshTimer) return;
    const wait = Math.max(delay, lastRefreshAt + 250 - Date.now());
    state.refreshTimer = setTimeout(() => { state.refreshTimer = null; lastRefreshAt = Date.now(); refresh(); }, wait);
  }

  async function refresh() {
    if (state.refreshing) { state.pending = true; return; }
    state.refreshing = true;
    try {
      do { state.pending = false; await refreshOnce(); } while (state.pending);
    } finally { state.refreshing = false; }
  }

  async function refreshOnce() {
    let data;
    try { data = await getJSON('/api/traces'); } catch (e) { showFetchError(e); return; }
    showFetchError(null);
    const traces = Array.isArray(data.traces) ? data.traces : [];
    const sig = traces.map((t) => t.trace_id + ':' + t.updated_seq).join(',');
    const listChanged = sig !== state.listSig;
    state.traces = traces;
    state.listSig = sig;
    let selChanged = false;
    if (state.follow && traces.length && traces[0].trace_id !== state.selectedId) {
      state.selectedId = traces[0].trace_id;
      state.selectedSpanId = null;
      state.collapsed.clear();
      selChanged = true;
    }
    if (listChanged || selChanged) renderList();
    await loadSelected(false);
  }

  async function loadSelected(force) {
    const id = state.selectedId;
    if (!id) { renderTrace(); return; }
    const summ = state.traces.find((t) => t.trace_id === id);
    const seq = summ ? summ.updated_seq : null;
    const loaded = state.trace && state.trace.trace_id === id;
    if (!force) {
      if (loaded && (seq === null || seq === state.traceSeq)) return;
      if (!loaded && state.missing === state.listSig) return;
    }
    let data;
    try { data = await getJSON('/api/traces/' + encodeURIComponent(id)); } catch (e) {
      if (state.selectedId !== id) return;
      if (e.status === 404) {
        state.trace = null; state.missing = state.listSig; renderTrace();
      } else showFetchError(e);
      return;
    }
    if (state.selectedId !== id) return; // the user moved on meanwhile
    state.trace = { trace_id: data.trace_id || id, spans: Array.isArray(data.spans) ? data.spans : [] };
    state.traceSeq = seq;
    state.missing = null;
    renderTrace();
  }

  function showFetchError(e) {
    const msg = e ? String(e.message || e) : null;
    if (msg === state.lastError) return;
    state.lastError = msg;
    const el = $('status-line');
    if (msg) el.setAttribute('title', msg); else el.removeAttribute('title');
  }

  // ------------------------------------------------------------------ selection + URL hash

  function parseHash() {
    const t = /(?:^#|&)trace=([0-9a-fA-F]+)/.exec(location.hash);
    const s = /(?:^#|&)span=([0-9a-fA-F]+)/.exec(location.hash);
    return { trace: t ? t[1].toLowerCase() : null, span: s ? s[1].toLowerCase() : null };
  }
  function writeHash(push) {
    const want = state.follow || !state.selectedId ? '' :
      '#trace=' + state.selectedId + (state.selectedSpanId ? '&span=' + state.selectedSpanId : '');
    if (want === location.hash || (!want && !location.hash)) return;
    const url = location.pathname + location.search + want;
    if (push) history.pushState(null, '', url); else history.replaceState(null, '', url);
  }
  function applyHash() {
    const hsh = parseHash();
    if (!hsh.trace) return;
    setFollow(false);
    if (hsh.trace !== state.selectedId) {
      state.scrollToSpan = !!hsh.span;
      switchTrace(hsh.trace, hsh.span);
    } else if (hsh.span && hsh.span !== state.selectedSpanId) {
      selectSpan(hsh.span, false);
      scrollRowIntoView(hsh.span);
    }
  }
  function setFollow(on) {
    state.follow = on;
    $('follow').checked = on;
  }
  function selectTrace(id) {
    setFollow(false);
    if (id !== state.selectedId) switchTrace(id, null);
    writeHash(true);
  }
  // Shows trace `id` (loading it), with span `spanId` (or none) selected.
  function switchTrace(id, spanId) {
    state.selectedId = id;
    state.selectedSpanId = spanId;
    state.collapsed.clear();
    state.trace = null;
    state.missing = null;
    renderList();
    renderTrace();
    loadSelected(true);
  }
  function selectSpan(spanId, updateHash) {
    state.selectedSpanId = spanId;
    for (const row of document.querySelectorAll('.span-row')) {
      const on = row.getAttribute('data-span-id') === spanId;
      row.classList.toggle('selected', on);
      row.setAttribute('aria-selected', on ? 'true' : 'false');
    }
    renderDetails();
    if (updateHash) writeHash(false);
  }

  // ------------------------------------------------------------------ trace list

  function matchesFilter(t, f) {
    if (!f) return true;
    const hay = [t.trace_id, t.root_name || '', t.root_service || ''].concat(t.services || []).join('\n').toLowerCase();
    return hay.includes(f);
  }

  function renderList() {
    const ul = $('trace-list');
    const f = state.filter.trim().toLowerCase();
    const shown = state.traces.filter((t) => matchesFilter(t, f));
    $('trace-count').textContent = state.traces.length ? plural(state.traces.length, 'trace') : '';
    clear(ul);
    if (!shown.length) {
      ul.appendChild(h('li', { class: 'list-empty' }, state.traces.length ? 'No trace matches the filter.' : 'No traces yet.'));
      return;
    }
    for (const t of shown) {
      const selected = t.trace_id === state.selectedId;
      const services = Array.isArray(t.services) ? t.services : [];
      const rootService = t.root_service || services[0] || null;
      const MAXCHIPS = 5;
      const errs = Number(t.error_count) || 0;
      const li = h('li', {
        class: 'trace-item' + (selected ? ' selected' : '') + (errs ? ' has-error' : ''),
        'data-testid': 'trace-item', 'data-trace-id': t.trace_id, tabindex: '0', role: 'button',
        'aria-current': selected ? 'true' : null,
        onclick: () => selectTrace(t.trace_id),
        onkeydown: (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); selectTrace(t.trace_id); } },
      },
        h('div', { class: 'ti-top' },
          h('span', { class: 'ti-title' },
            h('span', { class: 'ti-service', style: { color: 'inherit' } },
              h('span', { class: 'swatch', style: { background: serviceColour(rootService || '') } }),
              rootService || '(unknown service)'),
            h('span', { class: 'ti-sep' }, ': '),
            t.root_name !== null && t.root_name !== undefined
              ? h('span', { class: 'ti-name', 'data-testid': 'trace-root-name' }, t.root_name)
              : h('span', { class: 'ti-name missing' }, 'root span not received yet')),
          h('span', { class: 'ti-dur' }, fmtDur(Number(big(t.duration_ns))))),
        h('div', { class: 'ti-chips' },
          services.slice(0, MAXCHIPS).map((s) => chip(s)),
          services.length > MAXCHIPS ? h('span', { class: 'chip more', title: services.slice(MAXCHIPS).join(', ') }, '+' + (services.length - MAXCHIPS)) : null),
        h('div', { class: 'ti-meta' },
          h('span', null, plural(Number(t.span_count) || 0, 'span')),
          errs ? h('span', { class: 'ti-errors' }, '\u25cf ' + plural(errs, 'error')) : null,
          t.complete === false ? h('span', { class: 'ti-live' }, 'receiving…') : null,
          h('span', { class: 'ti-time', title: fmtDateTime(t.start_time_unix_nano) },
            fmtClock(t.start_time_unix_nano) + ' · ' + fmtAgo(t.start_time_unix_nano))));
      ul.appendChild(li);
    }
  }

  // ------------------------------------------------------------------ waterfall

  // Order spans depth first under their parents (children by start time); spans whose parent is
  // not (yet) in the trace are shown as extra roots.
  function buildRows(spans) {
    const byId = new Map();
    for (const s of spans) byId.set(s.span_id, s);
    const uniq = Array.from(byId.values());
    const kids = new Map();
    const roots = [];
    for (const s of uniq) {
      const p = s.parent_span_id;
      if (p && p !== s.span_id && byId.has(p)) {
        if (!kids.has(p)) kids.set(p, []);
        kids.get(p).push(s);
      } else roots.push(s);
    }
    const cmp = (a, b) => {
      const x = big(a.start_time_unix_nano), y = big(b.start_time_unix_nano);
      return x < y ? -1 : x > y ? 1 : 0;
    };
    // Real roots (empty parent) first, then orphans.
    roots.sort((a, b) => (a.parent_span_id ? 1 : 0) - (b.parent_span_id ? 1 : 0) || cmp(a, b));
    for (const l of kids.values()) l.sort(cmp);
    const rows = [];
    const seen = new Set();
    const countBelow = (id) => (kids.get(id) || []).reduce((n, c) => n + 1 + countBelow(c.span_id), 0);
    const errorsBelow = (id) => (kids.get(id) || []).reduce((n, c) => n + (c.status_code === 2 ? 1 : 0) + errorsBelow(c.span_id), 0);
    const markSeen = (id) => { for (const c of kids.get(id) || []) { seen.add(c.span_id); markSeen(c.span_id); } };
    const walk = (s, depth, last, lastStack) => {
      if (seen.has(s.span_id)) return;
      seen.add(s.span_id);
      const children = kids.get(s.span_id) || [];
      const folded = children.length > 0 && state.collapsed.has(s.span_id);
      rows.push({ span: s, depth, last, lastStack, orphan: !!s.parent_span_id && depth === 0, childCount: children.length, folded,
        hidden: folded ? countBelow(s.span_id) : 0, hiddenErrors: folded ? errorsBelow(s.span_id) : 0 });
      if (folded) { markSeen(s.span_id); return; }
      children.forEach((c, i) => walk(c, depth + 1, i === children.length - 1, lastStack.concat([i === children.length - 1])));
    };
    for (const r of roots) walk(r, 0, true, []);
    // Anything left is in a parent cycle: show it flat rather than lose it.
    for (const s of uniq) if (!seen.has(s.span_id)) walk(s, 0, true, []);
    return rows;
  }

  function niceStep(raw) {
    if (!(raw > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
  }
  function fmtTick(ms, step) {
    const dec = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step) + 1e-9) + (String(step).includes('5') && step < 1 ? 1 : 0));
    return (ms === 0 ? '0' : ms.toFixed(dec)) + ' ms';
  }

  function renderTrace() {
    const view = $('trace-view');
    const keepScroll = $('main').scrollTop;
    clear(view);
    if (!state.selectedId) {
      view.appendChild(h('div', { class: 'empty-state' }, 'Waiting for traces… Send OTLP spans to this otlp-view (OTLP/HTTP /v1/traces or gRPC).'));
      return;
    }
    if (!state.trace) {
      const msg = state.missing !== null
        ? 'Trace ' + state.selectedId + ' is not (or no longer) kept by this otlp-view. It will show here if its spans arrive.'
        : 'Loading trace ' + state.selectedId + '…';
      view.appendChild(h('div', { class: 'empty-state', 'data-testid': 'trace-missing' }, msg));
      return;
    }
    const spans = state.trace.spans;
    const rows = buildRows(spans);
    let t0 = null, t1 = null;
    for (const s of spans) {
      const a = big(s.start_time_unix_nano), b = big(s.end_time_unix_nano);
      if (t0 === null || a < t0) t0 = a;
      const e = b > a ? b : a;
      if (t1 === null || e > t1) t1 = e;
    }
    if (t0 === null) { t0 = 0n; t1 = 0n; }
    const durNs = Number(t1 - t0);
    const span = durNs > 0 ? durNs : 1;
    const pct = (ns) => Math.max(0, Math.min(100, (ns / span) * 100));

    const services = [];
    for (const r of spans.slice().sort((a, b) => (big(a.start_time_unix_nano) < big(b.start_time_unix_nano) ? -1 : 1))) {
      const s = r.service_name || '(unknown service)';
      if (!services.includes(s)) services.push(s);
    }
    const rootRow = rows.find((r) => !r.span.parent_span_id) || null;
    const errs = spans.filter((s) => s.status_code === 2).length;
    const nSpans = new Set(spans.map((s) => s.span_id)).size;
    const summ = state.traces.find((t) => t.trace_id === state.selectedId);

    // header
    view.appendChild(h('section', { class: 'trace-head', 'data-testid': 'trace-header', 'data-trace-id': state.trace.trace_id },
      h('div', { class: 'th-title' },
        h('h1', null,
          rootRow ? [h('span', { class: 'th-service' }, (rootRow.span.service_name || '(unknown service)') + ': '), rootRow.span.name]
            : h('span', { class: 'missing' }, 'root span not received yet')),
        h('div', { class: 'th-facts' },
          h('span', { class: 'fact' }, h('b', null, 'Trace '), h('code', { 'data-testid': 'trace-id' }, state.trace.trace_id)),
          h('span', { class: 'fact' }, h('b', null, 'Start '), fmtDateTime(String(t0))),
          h('span', { class: 'fact' }, h('b', null, 'Duration '), fmtDur(durNs)),
          h('span', { class: 'fact', 'data-testid': 'trace-span-count' }, h('b', null, 'Spans '), String(nSpans),
            rows.length < nSpans ? h('span', { class: 'muted' }, ' (' + rows.length + ' shown)') : null),
          h('span', { class: 'fact' + (errs ? ' fact-error' : '') }, h('b', null, 'Errors '), String(errs)),
          summ && summ.complete === false ? h('span', { class: 'fact ti-live' }, 'receiving…') : null)),
      h('div', { class: 'legend', 'data-testid': 'legend' },
        services.map((s) => h('span', { class: 'legend-item', 'data-testid': 'legend-item', 'data-service': s },
          h('span', { class: 'swatch', style: { background: serviceColour(s) } }), s)))));

    // time axis
    const stepMs = niceStep(span / 1e6 / 6);
    const ticks = [];
    for (let k = 0; k * stepMs <= span / 1e6 + 1e-9 && k < 200; k++) ticks.push(k * stepMs);
    const axis = h('div', { class: 'wf-axis', 'data-testid': 'time-axis' },
      ticks.map((ms) => {
        const left = pct(ms * 1e6);
        return h('span', { class: 'tick' + (left > 94 ? ' tick-end' : ''), style: { left: left + '%' } },
          h('span', { class: 'tick-label' }, fmtTick(ms, stepMs)));
      }));
    const grid = h('div', { class: 'wf-grid', 'aria-hidden': 'true' },
      ticks.map((ms) => h('span', { class: 'gridline', style: { left: pct(ms * 1e6) + '%' } })));

    const body = h('div', { class: 'wf-body', role: 'tree' }, h('div', { class: 'wf-grid-wrap' }, grid));
    for (const r of rows) body.appendChild(spanRow(r, t0, span, pct));

    view.appendChild(h('section', { class: 'waterfall', 'data-testid': 'waterfall', 'data-trace-id': state.trace.trace_id, 'data-span-count': String(rows.length) },
      h('div', { class: 'wf-head' },
        h('div', { class: 'wf-name-head' }, 'Service · span'),
        h('div', { class: 'wf-axis-wrap' }, axis)),
      body));

    view.appendChild(h('section', { class: 'details-wrap', id: 'details-wrap' }));
    if (state.selectedSpanId && !spans.some((s) => s.span_id === state.selectedSpanId)) {
      // a span picked by URL that has not arrived yet stays selected; nothing to show for it yet
    }
    selectSpan(state.selectedSpanId, false);
    $('main').scrollTop = keepScroll;
    if (state.scrollToSpan && state.selectedSpanId && spans.some((s) => s.span_id === state.selectedSpanId)) {
      state.scrollToSpan = false;
      scrollRowIntoView(state.selectedSpanId);
    }
  }

  function spanRow(r, t0, total, pct) {
    const s = r.span;
    const status = statusOf(s);
    const svc = s.service_name || '(unknown service)';
    const colour = serviceColour(svc);
    const a = big(s.start_time_unix_nano), b = big(s.end_time_unix_nano);
    const off = Number(a - t0);
    const dur = b > a ? Number(b - a) : 0;
    const left = pct(off);
    const width = Math.max(0.25, Math.min(100 - left, (dur / total) * 100));

    const guides = [];
    for (let k = 1; k < r.depth; k++) guides.push(h('span', { class: 'guide' + (r.lastStack[k - 1] ? '' : ' line') }));
    if (r.depth > 0) guides.push(h('span', { class: 'guide ' + (r.last ? 'elbow' : 'tee') }));

    const label = fmtDur(dur);
    const events = (s.events || []).map((ev) => {
      const et = Number(big(ev.time_unix_nano) - t0);
      return h('span', { class: 'event-mark', style: { left: pct(et) + '%' }, title: ev.name + ' @ +' + fmtDur(et) });
    });

    const row = h('div', {
      class: 'span-row status-' + status + (r.orphan ? ' orphan' : ''),
      'data-testid': 'span-row', role: 'treeitem', tabindex: '0',
      'data-span-id': s.span_id, 'data-service': svc, 'data-parent-span-id': s.parent_span_id || '',
      'data-status': status, 'data-depth': String(r.depth), 'data-span-name': s.name,
      'aria-level': String(r.depth + 1),
      onclick: () => selectSpan(s.span_id, true),
      onkeydown: (ev) => onRowKey(ev, s.span_id),
    },
      h('div', { class: 'sr-name', style: { borderLeftColor: colour } },
        guides,
        h('span', { class: 'sr-content', 'data-testid': 'span-indent', title: svc + ': ' + s.name },
          r.childCount ? h('button', {
            class: 'caret' + (r.folded ? ' folded' : ''), type: 'button', tabindex: '-1', 'data-testid': 'span-toggle',
            'aria-label': r.folded ? 'expand' : 'collapse', title: r.folded ? 'Show the ' + plural(r.hidden, 'span') + ' below' : 'Fold the spans below',
            onclick: (ev) => { ev.stopPropagation(); toggleFold(s.span_id); },
          }) : h('span', { class: 'caret-space' }),
          status === 'error' ? h('span', { class: 'err-icon', title: 'error', 'aria-label': 'error' }, '!') : null,
          h('span', { class: 'sr-label' },
            h('span', { class: 'sr-service' }, svc),
            h('span', { class: 'sr-span-name', 'data-testid': 'span-name' }, s.name)),
          r.folded ? h('span', { class: 'folded-tag' + (r.hiddenErrors ? ' with-errors' : ''), title: plural(r.hidden, 'span') + ' folded' + (r.hiddenErrors ? ', ' + plural(r.hiddenErrors, 'error') : '') },
            '+' + r.hidden + (r.hiddenErrors ? ' \u25cf ' + r.hiddenErrors : '')) : null,
          r.orphan ? h('span', { class: 'orphan-tag', title: 'parent ' + s.parent_span_id + ' not received' }, 'parent missing') : null)),
      h('div', { class: 'sr-timeline' },
        h('div', { class: 'track' },
          h('span', { class: 'bar', style: { left: left + '%', width: width + '%', background: colour }, title: s.name + ' — ' + label },
            events),
          h('span', { class: 'bar-label', style: { left: 'calc(' + (left + width) + '% + 6px)' } }, label))));
    return row;
  }

  function toggleFold(spanId) {
    if (state.collapsed.has(spanId)) state.collapsed.delete(spanId); else state.collapsed.add(spanId);
    renderTrace();
  }

  function onRowKey(ev, spanId) {
    const rows = Array.from(document.querySelectorAll('.span-row'));
    const i = rows.findIndex((r) => r.getAttribute('data-span-id') === spanId);
    let next = null;
    if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); selectSpan(spanId, true); return; }
    if (ev.key === 'ArrowDown') next = rows[i + 1];
    if (ev.key === 'ArrowUp') next = rows[i - 1];
    if (ev.key === 'ArrowLeft' || ev.key === 'ArrowRight') {
      const row = rows[i];
      const hasKids = row && row.querySelector('.caret');
      const folded = hasKids && row.querySelector('.caret.folded');
      if (hasKids && (ev.key === 'ArrowLeft') !== !!folded) { ev.preventDefault(); toggleFold(spanId); focusRow(spanId); }
      return;
    }
    if (next) { ev.preventDefault(); next.focus(); selectSpan(next.getAttribute('data-span-id'), true); }
  }

  // ------------------------------------------------------------------ span details

  function renderDetails() {
    const wrap = $('details-wrap');
    if (!wrap) return;
    clear(wrap);
    const spans = state.trace ? state.trace.spans : [];
    const s = state.selectedSpanId ? spans.find((x) => x.span_id === state.selectedSpanId) : null;
    if (!s) {
      wrap.appendChild(h('div', { class: 'details-hint' }, state.selectedSpanId
        ? 'Span ' + state.selectedSpanId + ' has not arrived (yet).'
        : 'Click a span to see its attributes, events, links and resource.'));
      return;
    }
    let t0 = null;
    for (const x of spans) { const a = big(x.start_time_unix_nano); if (t0 === null || a < t0) t0 = a; }
    const a = big(s.start_time_unix_nano), b = big(s.end_time_unix_nano);
    const status = statusOf(s);
    const svc = s.service_name || '(unknown service)';
    const parent = s.parent_span_id ? spans.find((x) => x.span_id === s.parent_span_id) : null;
    const kind = s.kind_name || KIND_NAMES[s.kind] || String(s.kind);

    const kv = (k, v, attrs) => [h('dt', null, k), h('dd', attrs || null, v)];
    const idLink = (id) => h('a', {
      href: '#trace=' + state.selectedId + '&span=' + id, class: 'mono',
      onclick: (ev) => { ev.preventDefault(); selectSpan(id, true); scrollRowIntoView(id); },
    }, id);

    const statusDd = h('span', { class: 'status-badge status-' + status, 'data-testid': 'status-code' },
      STATUS_NAMES[s.status_code] || String(s.status_code));
    const statusMsg = s.status_message ? h('span', { class: 'status-message', 'data-testid': 'status-message' }, s.status_message) : null;

    const events = s.events || [];
    const links = s.links || [];
    const dropped = [];
    if (s.dropped_attributes_count) dropped.push(plural(s.dropped_attributes_count, 'attribute'));
    if (s.dropped_events_count) dropped.push(plural(s.dropped_events_count, 'event'));
    if (s.dropped_links_count) dropped.push(plural(s.dropped_links_count, 'link'));

    wrap.appendChild(h('section', { class: 'details status-' + status, 'data-testid': 'span-details', 'data-span-id': s.span_id },
      h('header', { class: 'details-head' },
        status === 'error' ? h('span', { class: 'err-icon big', 'aria-label': 'error' }, '!') : null,
        h('h2', null, h('span', { class: 'swatch', style: { background: serviceColour(svc) } }),
          h('span', { class: 'dh-service' }, svc), h('span', { class: 'dh-name', 'data-testid': 'details-name' }, s.name)),
        h('button', { class: 'close', type: 'button', title: 'Close', 'aria-label': 'Close details', onclick: () => selectSpan(null, true) }, '\u00d7')),
      h('dl', { class: 'kv' },
        kv('Service', svc, { 'data-testid': 'details-service' }),
        kv('Kind', kind, { 'data-testid': 'details-kind' }),
        kv('Name', s.name, { class: 'wide' }),
        kv('Status', [statusDd, statusMsg ? ' ' : null, statusMsg], { class: 'wide' }),
        kv('Span ID', h('code', { 'data-testid': 'details-span-id' }, s.span_id)),
        kv('Parent ID', s.parent_span_id
          ? [parent ? idLink(s.parent_span_id) : h('code', null, s.parent_span_id), parent ? h('span', { class: 'muted' }, ' ' + (parent.service_name || '') + ': ' + parent.name) : h('span', { class: 'muted' }, ' (not received)')]
          : h('span', { class: 'muted' }, '— (root span)'), { 'data-testid': 'details-parent-id' }),
        kv('Start', ['+' + fmtDur(Number(a - (t0 || a))), h('span', { class: 'muted' }, '  ' + fmtDateTime(s.start_time_unix_nano))], { 'data-testid': 'details-start' }),
        kv('Duration', fmtDur(b > a ? Number(b - a) : 0), { 'data-testid': 'details-duration' }),
        kv('Scope', (s.scope_name || '—') + (s.scope_version ? ' ' + s.scope_version : '')),
        kv('Received', (s.protocol || '—') + (s.flags !== undefined ? ' · flags ' + s.flags : '')),
        s.trace_state ? kv('Trace state', h('code', null, s.trace_state), { class: 'wide' }) : null,
        dropped.length ? kv('Dropped', dropped.join(', '), { class: 'wide' }) : null),
      h('h3', null, 'Attributes ', h('span', { class: 'count' }, String(Object.keys(s.attributes || {}).length))),
      attrTable(s.attributes, 'span-attributes'),
      h('h3', null, 'Events ', h('span', { class: 'count' }, String(events.length))),
      events.length ? h('ol', { class: 'events', 'data-testid': 'span-events' }, events.map((ev) => {
        const et = big(ev.time_unix_nano);
        return h('li', { class: 'event', 'data-testid': 'span-event' },
          h('div', { class: 'event-head' },
            h('span', { class: 'event-time' }, '+' + fmtDur(Number(et - (t0 || et)))),
            h('span', { class: 'muted' }, ' (' + fmtDur(Number(et - a)) + ' into the span) '),
            h('b', { class: 'event-name' }, ev.name)),
          ev.attributes && Object.keys(ev.attributes).length ? attrTable(ev.attributes, 'event-attributes') : null);
      })) : h('div', { class: 'none' }, 'none'),
      h('h3', null, 'Links ', h('span', { class: 'count' }, String(links.length))),
      links.length ? h('ol', { class: 'links', 'data-testid': 'span-links' }, links.map((l) => h('li', { class: 'link' },
        h('div', null, h('b', null, 'trace '), h('code', null, l.trace_id), h('b', null, '  span '), h('code', null, l.span_id),
          l.trace_state ? [h('b', null, '  state '), h('code', null, l.trace_state)] : null,
          l.trace_id === state.selectedId ? null : [' ', h('a', { href: '#trace=' + l.trace_id + '&span=' + l.span_id }, 'open')]),
        l.attributes && Object.keys(l.attributes).length ? attrTable(l.attributes, 'link-attributes') : null))) : h('div', { class: 'none' }, 'none'),
      h('h3', null, 'Resource ', h('span', { class: 'count' }, String(Object.keys(s.resource || {}).length))),
      attrTable(s.resource, 'resource-attributes')));
  }

  function focusRow(id) {
    for (const row of document.querySelectorAll('.span-row')) if (row.getAttribute('data-span-id') === id) { row.focus(); break; }
  }

  function scrollRowIntoView(id) {
    for (const row of document.querySelectorAll('.span-row')) {
      if (row.getAttribute('data-span-id') === id) { row.scrollIntoView({ block: 'nearest' }); break; }
    }
  }

  // ------------------------------------------------------------------ start

  $('follow').addEventListener('change', (ev) => {
    setFollow(ev.target.checked);
    if (state.follow) { writeHash(false); scheduleRefresh(0); }
  });
  $('filter').addEventListener('input', (ev) => { state.filter = ev.target.value; renderList(); });
  window.addEventListener('hashchange', applyHash);
  window.addEventListener('popstate', applyHash);
  applyHash();
  setInterval(renderList, 15000); // keep "n s ago" fresh
  connect();
  refresh();
})();
