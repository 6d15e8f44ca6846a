#!/usr/bin/env node
// Browser check of the otlp-view web page, in headless Chromium driven by playwright-core.
//
//   node check_page.mjs --url http://127.0.0.1:PORT/ --trace-id ID --services a,b,c --spans N
//        --error-span-name NAME [--baggage-key K] [--screenshot out.png] [--timeout SECONDS]
//
// Loads the page, waits for trace ID in the list, selects it and asserts: the waterfall has N span
// rows, every given service is shown, parent/child nesting follows data-parent-span-id (the parent
// row exists, is above its child and indented less), the span named NAME is marked as an error and
// clicking it shows its status message in the span details; with --baggage-key, some span's
// details show an attribute whose key contains K. The page must log no console error and throw no
// uncaught exception. Exits 0 on success, 1 with a message naming the failed assertion, 2 on usage.
// Chromium: $CHROMIUM, else /usr/bin/chromium (playwright-core downloads no browser).
import { chromium } from 'playwright-core';

function usage(msg) {
  if (msg) console.error('check_page: ' + msg);
  console.error('usage: node check_page.mjs --url URL --trace-id ID --services a,b,c --spans N ' +
    '--error-span-name NAME [--baggage-key K] [--screenshot out.png] [--timeout SECONDS]');
  process.exit(2);
}

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) usage('unexpected argument ' + a);
    const eq = a.indexOf('=');
    const k = eq > 0 ? a.slice(2, eq) : a.slice(2);
    let v;
    if (eq > 0) v = a.slice(eq + 1);
    else { v = argv[++i]; if (v === undefined) usage('missing value for --' + k); }
    o[k] = v;
  }
  const known = ['url', 'trace-id', 'services', 'spans', 'error-span-name', 'baggage-key', 'screenshot', 'timeout'];
  for (const k of Object.keys(o)) if (!known.includes(k)) usage('unknown option --' + k);
  for (const k of ['url', 'trace-id', 'services', 'spans', 'error-span-name']) if (!o[k]) usage('--' + k + ' is required');
  const spans = Number(o.spans);
  if (!Number.isInteger(spans) || spans < 1) usage('--spans must be a positive integer');
  const timeout = Number(o.timeout || 30);
  if (!(timeout > 0)) usage('--timeout must be a positive number of seconds');
  return {
    url: o.url,
    traceId: o['trace-id'].toLowerCase(),
    services: o.services.split(',').map((s) => s.trim()).filter(Boolean),
    spans,
    errorName: o['error-span-name'],
    baggageKey: o['baggage-key'] || null,
    screenshot: o.screenshot || null,
    timeoutMs: Math.round(timeout * 1000),
  };
}

class CheckFailure extends Error {}
function fail(what) { throw new CheckFailure(what); }

const opts = parseArgs(process.argv.slice(2));
const pageErrors = [];
let browser;
let step = 'launch chromium';

async function main() {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless=new'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') pageErrors.push('console error: ' + msg.text()); });
  page.on('pageerror', (err) => pageErrors.push('uncaught exception: ' + (err && err.stack ? err.stack : err)));
  const noPageErrors = () => { if (pageErrors.length) fail('the page logged errors:\n  ' + pageErrors.join('\n  ')); };
  const T = opts.timeoutMs;

  step = 'load the page';
  const resp = await page.goto(opts.url, { waitUntil: 'load', timeout: T });
  if (!resp || !resp.ok()) fail(`loading ${opts.url}: HTTP ${resp ? resp.status() : 'no response'}`);

  step = 'the status line shows "live"';
  try {
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="status-line"]');
      return el && /\blive\b/.test(el.textContent) && !/reconnecting/.test(el.textContent);
    }, null, { timeout: T });
  } catch (e) {
    const txt = await page.locator('[data-testid="status-line"]').first().textContent().catch(() => null);
    fail(`status-line does not show "live" (it shows ${JSON.stringify(txt)})`);
  }

  step = `trace ${opts.traceId} appears in the trace list`;
  const item = page.locator(`[data-testid="trace-list"] [data-testid="trace-item"][data-trace-id="${opts.traceId}"]`);
  try { await item.first().waitFor({ state: 'visible', timeout: T }); } catch (e) {
    const ids = await page.locator('[data-testid="trace-item"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-trace-id')));
    fail(`trace ${opts.traceId} did not appear in the trace list within ${T / 1000} s (list: ${ids.length ? ids.join(', ') : 'empty'})`);
  }

  step = 'select the trace';
  await item.first().click();
  const rowsSel = `[data-testid="waterfall"][data-trace-id="${opts.traceId}"] [data-testid="span-row"]`;
  try {
    await page.waitForFunction(({ sel, n }) => document.querySelectorAll(sel).length === n, { sel: rowsSel, n: opts.spans }, { timeout: T });
  } catch (e) {
    const n = await page.locator(rowsSel).count();
    const shown = await page.locator('[data-testid="waterfall"]').getAttribute('data-trace-id').catch(() => null);
    fail(`the waterfall of trace ${opts.traceId} has ${n} span rows, expected ${opts.spans}` +
      (shown && shown !== opts.traceId ? ` (it shows trace ${shown})` : ''));
  }
  if (!(await page.locator('[data-testid="trace-item"][data-trace-id="' + opts.traceId + '"]').first().getAttribute('class')).includes('selected')) {
    fail('the clicked trace-item is not marked as selected');
  }

  step = 'read the rows';
  const rows = await page.locator(rowsSel).evaluateAll((els) => els.map((el, index) => {
    const r = el.getBoundingClientRect();
    const nameEl = el.querySelector('[data-testid="span-name"]');
    const indentEl = el.querySelector('[data-testid="span-indent"]') || nameEl;
    const n = indentEl ? indentEl.getBoundingClientRect() : r;
    const visible = r.width > 0 && r.height > 0;
    return {
      index, id: el.getAttribute('data-span-id'), parent: el.getAttribute('data-parent-span-id'),
      service: el.getAttribute('data-service'), status: el.getAttribute('data-status'),
      name: nameEl ? nameEl.textContent : null, top: r.top, nameLeft: n.left, visible,
    };
  }));

  step = 'span rows carry their hooks';
  for (const r of rows) {
    if (!r.id) fail(`span row #${r.index} has no data-span-id`);
    if (r.parent === null) fail(`span row ${r.id} has no data-parent-span-id attribute`);
    if (!['error', 'ok', 'unset'].includes(r.status)) fail(`span row ${r.id} has data-status=${JSON.stringify(r.status)}, not error|ok|unset`);
    if (!r.visible) fail(`span row ${r.id} is not visible`);
  }
  const ids = new Set(rows.map((r) => r.id));
  if (ids.size !== rows.length) fail('the waterfall shows a span id twice');

  step = 'every service is shown';
  for (const svc of opts.services) {
    if (!rows.some((r) => r.service === svc)) fail(`no span row of service ${JSON.stringify(svc)} (row services: ${[...new Set(rows.map((r) => r.service))].join(', ')})`);
    const legend = page.locator(`[data-testid="legend-item"][data-service="${cssEsc(svc)}"]`);
    if (!(await legend.count()) || !(await legend.first().isVisible())) fail(`service ${JSON.stringify(svc)} is not shown in the legend`);
    const legendText = await legend.first().textContent();
    if (!legendText.includes(svc)) fail(`the legend entry of ${JSON.stringify(svc)} does not name it (${JSON.stringify(legendText)})`);
  }

  step = 'parent/child nesting';
  const byId = new Map(rows.map((r) => [r.id, r]));
  let roots = 0;
  for (const r of rows) {
    if (!r.parent) { roots++; continue; }
    const p = byId.get(r.parent);
    if (!p) fail(`span row ${r.id} (${r.name}) names parent ${r.parent}, which has no row`);
    if (!(p.index < r.index && p.top < r.top)) fail(`span row ${r.id} (${r.name}) is not below its parent row ${p.id} (${p.name})`);
    if (!(p.nameLeft < r.nameLeft)) fail(`span row ${r.id} (${r.name}) is not indented more than its parent ${p.id} (${p.name}): ${r.nameLeft}px vs ${p.nameLeft}px`);
    // every row between parent and child is a descendant of the parent (rows nest as a tree)
    for (let k = p.index + 1; k < r.index; k++) {
      let a = rows[k];
      while (a && a.parent && a.parent !== p.id) a = byId.get(a.parent);
      if (!a || a.parent !== p.id) fail(`row ${rows[k].id} (${rows[k].name}) sits between ${p.id} and its child ${r.id} but is not under ${p.id}`);
    }
  }
  if (roots < 1) fail('no root span row (a row with an empty data-parent-span-id)');

  const openDetails = async (row) => {
    await page.locator(`${rowsSel}[data-span-id="${row.id}"]`).click();
    const det = page.locator(`[data-testid="span-details"][data-span-id="${row.id}"]`);
    try { await det.waitFor({ state: 'visible', timeout: 5000 }); } catch (e) { fail(`clicking span ${row.id} (${row.name}) did not show its span-details`); }
    return det;
  };

  if (opts.baggageKey) {
    step = `some span's details show an attribute whose key contains ${JSON.stringify(opts.baggageKey)}`;
    let found = null;
    for (const r of rows) {
      const det = await openDetails(r);
      const keys = await det.locator('[data-testid="attr-key"]').allTextContents();
      const k = keys.find((x) => x.includes(opts.baggageKey));
      if (k) { found = { row: r, key: k }; break; }
    }
    if (!found) fail(`no span's details show an attribute whose key contains ${JSON.stringify(opts.baggageKey)}`);
    console.log(`ok: baggage attribute ${found.key} on span ${found.row.name} (${found.row.service})`);
  }

  step = `the span named ${JSON.stringify(opts.errorName)} is marked as an error`;
  const named = rows.filter((r) => r.name === opts.errorName);
  if (!named.length) fail(`no span row named ${JSON.stringify(opts.errorName)}`);
  const errRow = named.find((r) => r.status === 'error');
  if (!errRow) fail(`the span named ${JSON.stringify(opts.errorName)} is not marked as an error (data-status: ${named.map((r) => r.status).join(', ')})`);
  const errMarked = await page.locator(`${rowsSel}[data-span-id="${errRow.id}"]`).evaluate((el) => {
    const icon = el.querySelector('.err-icon');
    const bar = el.querySelector('.bar');
    const shadow = bar ? getComputedStyle(bar).boxShadow : '';
    return { icon: !!icon && icon.getBoundingClientRect().width > 0, outline: /rgb\(2\d\d, \d{1,2}, \d{1,2}\)/.test(shadow) };
  });
  if (!errMarked.icon || !errMarked.outline) fail(`the error span ${errRow.id} shows no error ${!errMarked.icon ? 'icon' : 'outline on its bar'}`);

  step = `clicking ${JSON.stringify(opts.errorName)} shows its status message`;
  const message = await page.evaluate(async ({ id, span }) => {
    const r = await fetch('/api/traces/' + id, { cache: 'no-store' });
    const t = await r.json();
    const s = t.spans.find((x) => x.span_id === span);
    return s ? s.status_message : null;
  }, { id: opts.traceId, span: errRow.id });
  const det = await openDetails(errRow);
  const detText = await det.innerText();
  if (!/\bERROR\b/.test(detText)) fail(`the span-details of ${JSON.stringify(opts.errorName)} do not show status ERROR:\n${detText.slice(0, 600)}`);
  if (message && !detText.includes(message)) fail(`the span-details of ${JSON.stringify(opts.errorName)} do not show its status message ${JSON.stringify(message)}`);
  if (!message) fail(`the span ${JSON.stringify(opts.errorName)} has no status message in /api/traces/${opts.traceId}`);

  noPageErrors();

  if (opts.screenshot) {
    step = 'screenshot';
    await page.locator('[data-testid="waterfall"]').scrollIntoViewIfNeeded();
    await page.evaluate(() => { const m = document.getElementById('main'); if (m) m.scrollTop = 0; });
    const box = await page.locator('[data-testid="waterfall"]').boundingBox();
    if (box && box.y + box.height > 800) console.log(`note: the waterfall (${Math.round(box.height)} px high) does not fit in 1280x800; the screenshot shows its top`);
    await page.screenshot({ path: opts.screenshot, fullPage: false });
    console.log('screenshot: ' + opts.screenshot);
  }
  noPageErrors();
  console.log(`ok: trace ${opts.traceId}: ${rows.length} span rows, services ${opts.services.join(', ')}, nesting, ` +
    `error span ${JSON.stringify(opts.errorName)} with message ${JSON.stringify(message)}`);
  console.log('check_page: PASS');
}

function cssEsc(s) { return s.replace(/["\\]/g, '\\$&'); }

try {
  await main();
  await browser.close();
  process.exit(0);
} catch (e) {
  if (e instanceof CheckFailure) console.error(`check_page: FAIL: ${e.message}`);
  else console.error(`check_page: FAIL during "${step}": ${e && e.stack ? e.stack : e}`);
  if (pageErrors.length && !(e instanceof CheckFailure && e.message.startsWith('the page logged'))) {
    console.error('page errors seen:\n  ' + pageErrors.join('\n  '));
  }
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
}
