'use strict';
// demo-node: the third hop of the five-language demo (examples/run_demo.sh).
//
// An inventory service: POST /inventory continues the caller's trace (traceparent, tracestate
// and baggage from the request), checks stock for each line of the quote, and calls the next
// service (POST /reserve) with a CLIENT span whose context and the same baggage go into that
// request. Exporting is configured by the OTEL_* environment, as with the OpenTelemetry JS SDK.
//
//   node service.js --port 0 --next http://127.0.0.1:PORT/reserve
// prints {"listening": PORT} once it accepts connections; SIGTERM flushes and exits 0.

const http = require('node:http');
const { parseArgs } = require('node:util');
const { TracerProvider, SpanKind, StatusCode, extract, Baggage } = require('../../bindings/node'); // the binding in this repository (npm: otlp-ffi)

const { values: args } = parseArgs({ options: { port: { type: 'string', default: '0' }, next: { type: 'string' } } });
if (!args.next) throw new Error('--next URL is required');

const STOCK = { tea: 40, cup: 3, pot: 1 };
const provider = new TracerProvider(); // endpoint, protocol, service name: OTEL_* variables
const tracer = provider.getTracer('demo.inventory', '1.0.0');

function post(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

async function handle(req, res, body) {
  const baggage = Baggage.extract(req.headers);
  const server = tracer.startSpan('POST /inventory', {
    kind: SpanKind.SERVER,
    parent: extract(req.headers), // traceparent + tracestate, or null
    attributes: { 'http.request.method': 'POST', 'url.path': req.url, 'demo.language': 'Node.js' },
  });
  let status = 500;
  let answer = {};
  try {
    for (const key of ['customer.id', 'customer.tier']) { // what travelled from the C client
      if (baggage.has(key)) server.setAttribute(`baggage.${key}`, baggage.get(key));
    }
    const quote = JSON.parse(body);
    const short = quote.lines.filter((l) => (STOCK[l.sku] ?? 0) < l.qty).map((l) => l.sku);
    server.setAttributes({ 'demo.inventory.lines': quote.lines.length, 'demo.inventory.in_stock': short.length === 0 });
    server.addEvent('stock.checked', { 'demo.inventory.skus': quote.lines.map((l) => l.sku) });

    const call = tracer.startSpan('POST /reserve', {
      kind: SpanKind.CLIENT,
      parent: server,
      attributes: { 'http.request.method': 'POST', 'url.full': args.next },
    });
    const headers = call.inject({ 'content-type': 'application/json' }, baggage); // + baggage
    try {
      const r = await post(args.next, headers, JSON.stringify({ customer: quote.customer, lines: quote.lines }));
      status = r.status;
      answer = JSON.parse(r.body);
      call.setAttribute('http.response.status_code', r.status);
      if (r.status !== 200) call.setStatus({ code: StatusCode.ERROR, message: `reserve answered ${r.status}` });
    } catch (err) {
      call.recordException(err);
      call.setStatus({ code: StatusCode.ERROR, message: err.message });
      status = 502;
    } finally {
      call.end();
    }
  } finally {
    server.setAttribute('http.response.status_code', status);
    const out = JSON.stringify(answer);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
    server.end();
    baggage.close();
  }
}

const srv = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    handle(req, res, Buffer.concat(chunks).toString()).catch((err) => {
      process.stderr.write(`demo-node: ${err.stack}\n`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
});

async function stop() {
  srv.close();
  await provider.shutdown(5000); // flush what is queued
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

srv.listen(Number(args.port), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ listening: srv.address().port }) + '\n');
});
