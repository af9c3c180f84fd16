import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatValue } from '../../src/lib/format-value.js';

describe('formatValue', () => {
  it('shows a dash for missing or non-finite values', () => {
    assert.equal(formatValue(undefined), '–');
    assert.equal(formatValue(Number.NaN, '%'), '–');
    assert.equal(formatValue(Infinity, 'bytes'), '–');
    assert.equal(formatValue(-Infinity), '–');
  });

  it('shows about 3 significant digits without explicit decimals', () => {
    assert.equal(formatValue(42), '42');
    assert.equal(formatValue(1234.567), '1235');
    assert.equal(formatValue(123.456), '123');
    assert.equal(formatValue(12.345), '12.3');
    assert.equal(formatValue(1.2345), '1.23');
    assert.equal(formatValue(0.5), '0.50');
    assert.equal(formatValue(-12.345), '-12.3');
    assert.equal(formatValue(0), '0');
  });

  it('honours explicit decimals', () => {
    assert.equal(formatValue(42, '', 2), '42.00');
    assert.equal(formatValue(1.23456, '', 0), '1');
    assert.equal(formatValue(12.345, '%', 3), '12.345%');
  });

  it('sticks % to the number and puts other units after a space', () => {
    assert.equal(formatValue(42.5, '%'), '42.5%');
    assert.equal(formatValue(3, 'req/s'), '3 req/s');
    assert.equal(formatValue(21.25, '°C'), '21.3 °C');
  });

  it('scales bytes by 1024', () => {
    assert.equal(formatValue(512, 'bytes'), '512 B');
    assert.equal(formatValue(1024, 'bytes'), '1 KiB');
    assert.equal(formatValue(1536, 'bytes'), '1.50 KiB');
    assert.equal(formatValue(5 * 1024 ** 2, 'bytes'), '5 MiB');
    assert.equal(formatValue(1.5 * 1024 ** 3, 'bytes'), '1.50 GiB');
    assert.equal(formatValue(2 * 1024 ** 4, 'bytes'), '2 TiB');
    assert.equal(formatValue(-2048, 'bytes'), '-2 KiB');
  });

  it('stops scaling bytes at PiB', () => {
    assert.equal(formatValue(2048 * 1024 ** 5, 'bytes'), '2048 PiB');
  });

  it('adds /s for bytes/s', () => {
    assert.equal(formatValue(2048, 'bytes/s'), '2 KiB/s');
    assert.equal(formatValue(100, 'bytes/s'), '100 B/s');
  });

  it('scales bits/s by 1000', () => {
    assert.equal(formatValue(999, 'bits/s'), '999 bit/s');
    assert.equal(formatValue(1000, 'bits/s'), '1 kbit/s');
    assert.equal(formatValue(2_500_000, 'bits/s'), '2.50 Mbit/s');
    assert.equal(formatValue(1e9, 'bits/s', 1), '1.0 Gbit/s');
  });

  it('applies explicit decimals after scaling', () => {
    assert.equal(formatValue(1536, 'bytes', 0), '2 KiB');
    assert.equal(formatValue(1536, 'bytes/s', 3), '1.500 KiB/s');
  });
});
