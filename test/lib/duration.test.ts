import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../src/lib/duration.js';

describe('parseDuration', () => {
  it('parses every unit into milliseconds', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('7d'), 604_800_000);
    assert.equal(parseDuration('1w'), 604_800_000);
  });

  it('accepts fractions and surrounding whitespace', () => {
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('0.5s'), 500);
    assert.equal(parseDuration('  10s\n'), 10_000);
  });

  it('reads zero durations as 0 (callers that need a positive one check for it)', () => {
    assert.equal(parseDuration('0s'), 0);
    assert.equal(parseDuration('0ms'), 0);
    assert.equal(parseDuration('0.0m'), 0);
  });

  it('rejects malformed text', () => {
    for (const text of ['', '5', 'm', '5 m', '5M', '5min', '-5s', '+5s', '.5s', '5.s', '1e3ms', '5s5', 's5', '5y', 'Infinitys']) {
      assert.equal(parseDuration(text), undefined, text);
    }
  });
});

describe('formatDuration', () => {
  it('uses the largest unit that divides evenly', () => {
    assert.equal(formatDuration(300_000), '5m');
    assert.equal(formatDuration(90_000), '90s');
    assert.equal(formatDuration(3_600_000), '1h');
    assert.equal(formatDuration(86_400_000), '1d');
    assert.equal(formatDuration(1_209_600_000), '2w');
    assert.equal(formatDuration(1000), '1s');
  });

  it('falls back to milliseconds', () => {
    assert.equal(formatDuration(1500), '1500ms');
    assert.equal(formatDuration(999), '999ms');
    assert.equal(formatDuration(0), '0ms');
  });

  it('round-trips with parseDuration for whole units', () => {
    for (const text of ['250ms', '45s', '15m', '6h', '3d', '2w']) {
      assert.equal(formatDuration(parseDuration(text) as number), text);
    }
  });
});
