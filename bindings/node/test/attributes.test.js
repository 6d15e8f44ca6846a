'use strict';
// Every attribute type, the int/double rule, BigInt range, arrays, non-ASCII text and the
// argument errors — checked in what the real receiver decoded.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const otlp = require('otlp-ffi');
const { attr, exportingProvider } = require('./receiver');

const fx = exportingProvider('attrs');
const exported = async (name) => (await fx.exported(name))[0];

test('scalars: integer numbers are ints, other numbers doubles, bigint int64, booleans, strings', async () => {
  const span = fx.tracer.startSpan('scalars');
  span.setAttribute('int', 12345).setAttribute('neg', -7).setAttribute('zero', 0).setAttribute('negzero', -0)
    .setAttribute('double', 1.5).setAttribute('nan', NaN).setAttribute('inf', -Infinity)
    .setAttribute('max_safe', Number.MAX_SAFE_INTEGER).setAttribute('two62', 2 ** 62).setAttribute('huge', 1e300)
    .setAttribute('big', 2n ** 63n - 1n).setAttribute('bigmin', -(2n ** 63n))
    .setAttribute('t', true).setAttribute('f', false)
    .setAttribute('s', 'purchase').setAttribute('empty', '').setAttribute('utf8', '日本語 🎉 é')
    .setAttribute('ignored_undefined', undefined).setAttribute('ignored_null', null);
  span.end();
  const s = await exported('scalars');
  assert.deepEqual(attr(s, 'int'), ['int', 12345n]);
  assert.deepEqual(attr(s, 'neg'), ['int', -7n]);
  assert.deepEqual(attr(s, 'zero'), ['int', 0n]);
  assert.deepEqual(attr(s, 'negzero'), ['int', 0n]);
  assert.deepEqual(attr(s, 'double'), ['double', 1.5]);
  assert.deepEqual(attr(s, 'nan'), ['double', 'NaN']);
  assert.deepEqual(attr(s, 'inf'), ['double', '-Infinity']);
  assert.deepEqual(attr(s, 'max_safe'), ['int', 9007199254740991n]);
  assert.deepEqual(attr(s, 'two62'), ['int', 2n ** 62n]);
  assert.deepEqual(attr(s, 'huge'), ['double', 1e300]);
  assert.deepEqual(attr(s, 'big'), ['int', 2n ** 63n - 1n]);
  assert.deepEqual(attr(s, 'bigmin'), ['int', -(2n ** 63n)]);
  assert.deepEqual(attr(s, 't'), ['bool', true]);
  assert.deepEqual(attr(s, 'f'), ['bool', false]);
  assert.deepEqual(attr(s, 's'), ['string', 'purchase']);
  assert.deepEqual(attr(s, 'empty'), ['string', '']);
  assert.deepEqual(attr(s, 'utf8'), ['string', '日本語 🎉 é']);
  assert.equal(attr(s, 'ignored_undefined'), undefined);
  assert.equal(attr(s, 'ignored_null'), undefined);
});

test('homogeneous arrays of every kind, start attributes, setAttributes, a key set twice', async () => {
  const span = fx.tracer.startSpan('arrays', { attributes: { 'at.start': 'yes', replaced: 1 } });
  span.setAttributes({ strs: ['a', 'ü', '🎉'], ints: [1, -2, 3], dbls: [1, 2.5], bools: [true, false, true],
    bigs: [1n, -(2n ** 63n)], none: [] });
  span.setAttribute('replaced', 'last');
  span.end();
  const s = await exported('arrays');
  assert.deepEqual(attr(s, 'at.start'), ['string', 'yes']);
  assert.deepEqual(attr(s, 'replaced'), ['string', 'last']);
  assert.equal(s.attributes['replaced#dup'], undefined);
  assert.deepEqual(attr(s, 'strs'), ['array', [['string', 'a'], ['string', 'ü'], ['string', '🎉']]]);
  assert.deepEqual(attr(s, 'ints'), ['array', [['int', 1n], ['int', -2n], ['int', 3n]]]);
  assert.deepEqual(attr(s, 'dbls'), ['array', [['double', 1], ['double', 2.5]]]);
  assert.deepEqual(attr(s, 'bools'), ['array', [['bool', true], ['bool', false], ['bool', true]]]);
  assert.deepEqual(attr(s, 'bigs'), ['array', [['int', 1n], ['int', -(2n ** 63n)]]]);
  assert.deepEqual(attr(s, 'none'), ['array', []]);
});

test('a span bigger than the scratch memory (long strings, many attributes) is packed whole', async () => {
  const span = fx.tracer.startSpan('big');
  const long = 'x'.repeat(200000) + 'é';
  span.setAttribute('long', long);
  for (let i = 0; i < 100; i++) span.setAttribute(`k${i}`, `value-${i}-${'y'.repeat(1000)}`);
  span.end();
  const s = await exported('big');
  assert.deepEqual(attr(s, 'long'), ['string', long]);
  assert.deepEqual(attr(s, 'k99'), ['string', `value-99-${'y'.repeat(1000)}`]);
});

test('bad values are errors naming the key, and set nothing', async () => {
  const span = fx.tracer.startSpan('bad-values');
  assert.throws(() => span.setAttribute('big', 2n ** 63n), (e) => e instanceof RangeError && /"big"/.test(e.message));
  assert.throws(() => span.setAttribute('big', -(2n ** 63n) - 1n), RangeError);
  assert.throws(() => span.setAttribute('obj', { a: 1 }), (e) => e instanceof TypeError && /"obj"/.test(e.message));
  assert.throws(() => span.setAttribute('fn', () => 1), TypeError);
  assert.throws(() => span.setAttribute('sym', Symbol('x')), TypeError);
  assert.throws(() => span.setAttribute('mixed', [1, 'a']), (e) => e instanceof TypeError && /element 1/.test(e.message));
  assert.throws(() => span.setAttribute('nulls', [null]), TypeError);
  assert.throws(() => span.setAttribute('', 1), TypeError);
  assert.throws(() => span.setAttribute(42, 1), TypeError);
  // lone UTF-16 surrogates have no UTF-8 form: an OTLP_ERROR_INVALID_ARGUMENT naming the key
  const lone = (e) => e instanceof otlp.OtlpInvalidArgumentError && e.code === 'OTLP_ERROR_INVALID_ARGUMENT' &&
    /surrogate/.test(e.message);
  assert.throws(() => span.setAttribute('s', 'bad\ud800'), lone);
  assert.throws(() => span.setAttribute('bad\udfff', 'v'), lone);
  assert.throws(() => span.setAttribute('arr', ['ok', '\ud83d']), lone);
  assert.throws(() => fx.tracer.startSpan('bad\ud800name'), lone);
  assert.throws(() => span.addEvent('ev\ud800'), lone);
  span.setAttribute('good', 1);
  span.end();
  const s = await exported('bad-values');
  assert.deepEqual(Object.keys(s.attributes), ['good']);
});
