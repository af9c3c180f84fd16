import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ChartcastError } from '../../src/lib/errors.js';
import {
  KeyError,
  MAX_TAGS,
  canonicalSeriesKey,
  cleanSeriesName,
  parseSeriesKey,
  seriesKey,
  tagSuffix,
} from '../../src/lib/series-key.js';

const KEY_SYNTAX = /^[A-Za-z0-9_:][A-Za-z0-9_.:-]*(\{[A-Za-z0-9_][A-Za-z0-9_.-]*=[^\u0000-\u001f\u007f,={}"\\*\s](?:[^\u0000-\u001f\u007f,={}"\\*]*[^\u0000-\u001f\u007f,={}"\\*\s])?(,[A-Za-z0-9_][A-Za-z0-9_.-]*=[^\u0000-\u001f\u007f,={}"\\*\s](?:[^\u0000-\u001f\u007f,={}"\\*]*[^\u0000-\u001f\u007f,={}"\\*\s])?)*\})?$/;

describe('seriesKey', () => {
  it('is the bare name without tags', () => {
    assert.equal(seriesKey('cpu'), 'cpu');
    assert.equal(seriesKey('cpu', []), 'cpu');
  });

  it('sorts tags by name, so one series has one key', () => {
    assert.equal(seriesKey('temp', [['room', 'kitchen'], ['floor', '1']]), 'temp{floor=1,room=kitchen}');
    assert.equal(seriesKey('temp', [['floor', '1'], ['room', 'kitchen']]), 'temp{floor=1,room=kitchen}');
  });

  it('drops tags with empty values and lets a repeated tag name win last', () => {
    assert.equal(seriesKey('m', [['a', ''], ['b', '1'], ['b', '2']]), 'm{b=2}');
  });

  it('cleans characters outside the safe sets instead of rejecting them', () => {
    assert.equal(seriesKey('cpu load/1m', [['host name', 'web 1,a={b}"\\']]), 'cpu_load_1m{host_name=web 1_a__b___}');
    assert.equal(cleanSeriesName('.hidden'), '_hidden');
    assert.equal(cleanSeriesName('-x'), '_x');
    assert.equal(seriesKey('température'), 'temp_rature');
  });

  it('rejects empty and over-long names and too many tags', () => {
    assert.throws(() => seriesKey(''), KeyError);
    assert.throws(() => seriesKey('x'.repeat(201)), KeyError);
    assert.throws(() => seriesKey('m', [['t', 'v'.repeat(201)]]), KeyError);
    const many = Array.from({ length: MAX_TAGS + 1 }, (_, i): [string, string] => [`t${i}`, 'v']);
    assert.throws(() => seriesKey('m', many), /more than 16 tags/);
  });

  it('builds the tag part once for several fields of a line', () => {
    const suffix = tagSuffix([['host', 'a']]);
    assert.equal(cleanSeriesName('cpu.user') + suffix, 'cpu.user{host=a}');
    assert.equal(tagSuffix([]), '');
  });

  it('always yields a key of the documented syntax that parses back to its parts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.array(fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })), { maxLength: 20 }), (name, tags) => {
        let key: string;
        try {
          key = seriesKey(name, tags);
        } catch (error) {
          assert.ok(error instanceof KeyError, String(error));
          return;
        }
        assert.match(key, KEY_SYNTAX);
        const parsed = parseSeriesKey(key);
        assert.equal(seriesKey(parsed.name, parsed.tags), key, 'canonical keys are fixed points');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('canonicalSeriesKey', () => {
  it('accepts keys as people write them: quotes, spaces, any tag order', () => {
    assert.equal(canonicalSeriesKey('temp{room="kitchen", floor=1}', 'series'), 'temp{floor=1,room=kitchen}');
    assert.equal(canonicalSeriesKey(' cpu ', 'series'), 'cpu');
    assert.equal(canonicalSeriesKey('job:rate5m', 'series'), 'job:rate5m');
  });

  it('rejects bad names and patterns with a message naming the field', () => {
    for (const bad of ['a b', '.x', '', 'temp{room=*}', 'temp{room}', 'temp{room=a', 'temp}', 'temp{room!=a}', 'temp{=a}', 'temp{bad tag=1}']) {
      assert.throws(
        () => canonicalSeriesKey(bad, 'points[0].series'),
        (error: unknown) => error instanceof ChartcastError && error.status === 400 && error.field === 'points[0].series',
        bad,
      );
    }
  });

  it('never throws anything but a 400 on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          assert.match(canonicalSeriesKey(text, 'series'), KEY_SYNTAX);
        } catch (error) {
          assert.ok(error instanceof ChartcastError && error.status === 400, String(error));
        }
      }),
      { numRuns: 3000 },
    );
  });
});
