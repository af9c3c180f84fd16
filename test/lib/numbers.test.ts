import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clamp, parseDecimal } from '../../src/lib/numbers.js';

describe('parseDecimal', () => {
  it('parses plain decimal numbers', () => {
    assert.equal(parseDecimal('42'), 42);
    assert.equal(parseDecimal('-1.5'), -1.5);
    assert.equal(parseDecimal('+7'), 7);
    assert.equal(parseDecimal('.5'), 0.5);
    assert.equal(parseDecimal('5.'), 5);
    assert.equal(parseDecimal('-1.5e3'), -1500);
    assert.equal(parseDecimal('2E-2'), 0.02);
    assert.equal(parseDecimal('007'), 7);
  });

  it('ignores surrounding whitespace', () => {
    assert.equal(parseDecimal('  42\n'), 42);
    assert.equal(parseDecimal('\t3.25 '), 3.25);
  });

  it('rejects NaN, Infinity, hex, binary, empty and other text', () => {
    for (const text of ['', ' ', 'NaN', 'Infinity', '-Infinity', '0x10', '0b1', '0o7', 'abc', '4 2', '1,5', '1_000', '.', 'e5', '1e', '--1', '42abc', '١٢']) {
      assert.equal(parseDecimal(text), undefined, JSON.stringify(text));
    }
  });

  it('rejects numbers that overflow to Infinity', () => {
    assert.equal(parseDecimal('1e400'), undefined);
    assert.equal(parseDecimal('-1e400'), undefined);
  });
});

describe('clamp', () => {
  it('keeps values inside the range', () => {
    assert.equal(clamp(5, 0, 10), 5);
    assert.equal(clamp(0, 0, 10), 0);
    assert.equal(clamp(10, 0, 10), 10);
  });

  it('moves values outside the range to the nearest bound', () => {
    assert.equal(clamp(-3, 0, 10), 0);
    assert.equal(clamp(11, 0, 10), 10);
    assert.equal(clamp(-Infinity, 1, 2), 1);
  });
});
