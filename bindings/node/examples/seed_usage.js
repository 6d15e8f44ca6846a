// The design document's Node.js usage (section 7), as written there; only the require line
// changed. Run: node examples/seed_usage.js (a collector or otlp receiver on localhost:4318).
const { TracerProvider } = require('otlp-ffi');

// 使用示例
const provider = new TracerProvider('http://localhost:4318', 'node-app');
const tracer = provider.getTracer();

const span = tracer.startSpan('my_operation');
span.setAttribute('user.id', 12345);
span.setAttribute('action', 'purchase');

setTimeout(() => {
    span.end();
    provider.free();
}, 1000);
