import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChartcastError } from '../../src/lib/errors.js';
import { type PushBody, parseBatch, parseSeriesPush } from '../../src/ingest/push-parser.js';
import { type TimePolicy, describe as describeValue, isTimePrecision, parseTime } from '../../src/ingest/time.js';

const NOW = Date.UTC(2026, 0, 31, 12, 0, 0); // 2026-01-31T12:00:00Z
const DEFAULT_TIME = NOW - 500;
const POLICY: TimePolicy = { precision: 's', now: NOW, maxFutureMs: 600_000 };
const NOW_S = NOW / 1000;

const json = (value: unknown): PushBody => ({ contentType: 'application/json', text: JSON.stringify(value) });
const rawJson = (text: string): PushBody => ({ contentType: 'application/json', text });
const plain = (text: string): PushBody => ({ contentType: 'text/plain', text });
const form = (text: string): PushBody => ({ contentType: 'application/x-www-form-urlencoded', text });

const push = (body: PushBody, series = 'cpu', policy = POLICY) => parseSeriesPush(series, body, DEFAULT_TIME, policy);
const batch = (body: PushBody, policy = POLICY) => parseBatch(body, DEFAULT_TIME, policy);

/** Asserts `run` throws a 400 ChartcastError about `field`; returns it for more checks. */
function rejects(run: () => unknown, field: string, message?: RegExp): ChartcastError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ChartcastError, `expected a ChartcastError about ${field}, got ${String(caught)}`);
  assert.equal(caught.status, 400);
  assert.equal(caught.expose, true);
  assert.equal(caught.field, field, `field of "${caught.message}"`);
  if (message) assert.match(caught.message, message);
  return caught;
}

describe('parseSeriesPush: accepted forms', () => {
  it('reads a plain number as text/plain at the default time', () => {
    assert.deepEqual(push(plain('42')), [{ series: 'cpu', time: DEFAULT_TIME, value: 42 }]);
    assert.deepEqual(push(plain(' -1.5e2\n')), [{ series: 'cpu', time: DEFAULT_TIME, value: -150 }]);
  });

  it('treats a body without a content type as text', () => {
    assert.deepEqual(push({ contentType: '', text: '7' }), [{ series: 'cpu', time: DEFAULT_TIME, value: 7 }]);
  });

  it('reads a bare number sent as a form', () => {
    assert.deepEqual(push(form('42')), [{ series: 'cpu', time: DEFAULT_TIME, value: 42 }]);
  });

  it('reads value and time from a form', () => {
    assert.deepEqual(push(form(`value=42&time=${NOW_S - 60}`)), [{ series: 'cpu', time: NOW - 60_000, value: 42 }]);
    assert.deepEqual(push(form('value=3.5')), [{ series: 'cpu', time: DEFAULT_TIME, value: 3.5 }]);
    assert.deepEqual(push(form('time=2026-01-31T11%3A00%3A00Z&value=1')), [
      { series: 'cpu', time: NOW - 3_600_000, value: 1 },
    ]);
  });

  it('reads a JSON number', () => {
    assert.deepEqual(push(json(42.25)), [{ series: 'cpu', time: DEFAULT_TIME, value: 42.25 }]);
  });

  it('accepts +json media types as JSON', () => {
    assert.deepEqual(push({ contentType: 'application/vnd.metrics+json', text: '5' }), [{ series: 'cpu', time: DEFAULT_TIME, value: 5 }]);
  });

  it('reads a JSON {value, time} with numeric and ISO times', () => {
    assert.deepEqual(push(json({ value: 1, time: NOW_S - 10 })), [{ series: 'cpu', time: NOW - 10_000, value: 1 }]);
    assert.deepEqual(push(json({ value: 2, time: '2026-01-31T11:59:00Z' })), [{ series: 'cpu', time: NOW - 60_000, value: 2 }]);
    assert.deepEqual(push(json({ value: 3, time: '2026-01-31T12:00:00.250+01:00' })), [
      { series: 'cpu', time: NOW - 3_600_000 + 250, value: 3 },
    ]);
    assert.deepEqual(push(json({ value: 4, time: String(NOW_S - 1) })), [{ series: 'cpu', time: NOW - 1000, value: 4 }]);
  });

  it('reads a JSON {value} at the default time', () => {
    assert.deepEqual(push(json({ value: 0 })), [{ series: 'cpu', time: DEFAULT_TIME, value: 0 }]);
  });

  it('reads a JSON array of numbers and points', () => {
    assert.deepEqual(push(json([1, { value: 2, time: NOW_S - 5 }, { value: 3 }])), [
      { series: 'cpu', time: DEFAULT_TIME, value: 1 },
      { series: 'cpu', time: NOW - 5000, value: 2 },
      { series: 'cpu', time: DEFAULT_TIME, value: 3 },
    ]);
    assert.deepEqual(push(json([])), []);
  });

  it('reads numeric times in the policy precision', () => {
    const at = (precision: TimePolicy['precision'], time: number) =>
      push(json({ value: 1, time }), 'cpu', { ...POLICY, precision })[0]?.time;
    assert.equal(at('s', NOW_S), NOW);
    assert.equal(at('ms', NOW), NOW);
    assert.equal(at('us', NOW * 1000), NOW);
    assert.equal(at('ns', NOW * 1e6), NOW);
  });
});

describe('parseSeriesPush: rejections', () => {
  it('rejects an invalid series name', () => {
    rejects(() => push(plain('1'), '.hidden'), 'series', /not a valid series name/);
    rejects(() => push(plain('1'), ''), 'series');
    rejects(() => push(plain('1'), 'a b'), 'series');
    rejects(() => push(plain('1'), 'x'.repeat(201)), 'series');
    rejects(() => push(plain('1'), 'temp{room=*}'), 'series', /selectors/);
  });

  it('rejects plain text that is not a finite number', () => {
    for (const text of ['NaN', 'Infinity', '-Infinity', 'abc', '0x10', '1,5', '1e999']) {
      rejects(() => push(plain(text)), 'value', /not a finite number/);
    }
  });

  it('rejects an empty plain body as a missing value', () => {
    rejects(() => push(plain('')), 'value', /missing/);
    rejects(() => push(plain('  \n')), 'value', /missing/);
  });

  it('rejects a bad form value', () => {
    rejects(() => push(form('abc')), 'value', /not a finite number/);
    rejects(() => push(form('value=NaN')), 'value', /not a finite number/);
    rejects(() => push(form('value=')), 'value');
    rejects(() => push(form('time=5')), 'value', /missing/);
  });

  it('rejects an unknown form field, naming it', () => {
    rejects(() => push(form('value=1&series=x')), 'series', /unknown form field/);
  });

  it('rejects a bad form time', () => {
    rejects(() => push(form('value=1&time=yesterday')), 'time', /not a time/);
  });

  it('rejects empty and invalid JSON bodies', () => {
    rejects(() => push(rawJson('')), 'body', /empty/);
    rejects(() => push(rawJson('{"value":')), 'body', /invalid JSON/);
    rejects(() => push(rawJson('NaN')), 'body', /invalid JSON/);
  });

  it('rejects a JSON string, null, boolean or nested array', () => {
    rejects(() => push(json('42')), 'value', /the string "42"/);
    rejects(() => push(json(null)), 'value', /null/);
    rejects(() => push(json(true)), 'value');
    rejects(() => push(json([[1]])), '[0]', /an array/);
  });

  it('rejects a JSON point with a missing or non-numeric value', () => {
    rejects(() => push(json({ time: NOW_S })), 'value', /missing/);
    rejects(() => push(json({ value: '42' })), 'value', /finite number/);
    rejects(() => push(json({ value: null })), 'value', /null/);
  });

  it('names the offending entry of a JSON array', () => {
    rejects(() => push(json([1, 2, { value: 'x' }])), '[2].value', /finite number/);
    rejects(() => push(json([1, 'two'])), '[1]', /the string "two"/);
    rejects(() => push(json([{ value: 1 }, { value: 2, time: 'soon' }])), '[1].time', /not a time/);
    rejects(() => push(json([{ value: 1, extra: true }])), '[0].extra', /unknown key/);
  });

  it('rejects unknown keys in a JSON point', () => {
    rejects(() => push(json({ value: 1, series: 'cpu' })), 'series', /unknown key/);
  });

  it('rejects an unknown content type', () => {
    const error = rejects(() => push({ contentType: 'text/csv', text: '1' }), 'content-type', /not accepted/);
    assert.equal(error.code, 'unsupported_content_type');
    rejects(() => push({ contentType: 'application/xml', text: '1' }), 'content-type');
  });
});

describe('parseBatch', () => {
  it('reads an array of points', () => {
    assert.deepEqual(
      batch(json([
        { series: 'a', value: 1 },
        { series: 'b', value: 2, time: NOW_S - 1 },
      ])),
      [
        { series: 'a', time: DEFAULT_TIME, value: 1 },
        { series: 'b', time: NOW - 1000, value: 2 },
      ],
    );
  });

  it('reads {points} with a shared time that points may override', () => {
    assert.deepEqual(
      batch(json({ time: NOW_S - 30, points: [{ series: 'a', value: 1 }, { series: 'b', value: 2, time: NOW_S - 5 }] })),
      [
        { series: 'a', time: NOW - 30_000, value: 1 },
        { series: 'b', time: NOW - 5000, value: 2 },
      ],
    );
  });

  it('reads {values} as series: value at the shared or default time', () => {
    assert.deepEqual(batch(json({ values: { cpu: 42, mem: 17.5 } })), [
      { series: 'cpu', time: DEFAULT_TIME, value: 42 },
      { series: 'mem', time: DEFAULT_TIME, value: 17.5 },
    ]);
    assert.deepEqual(batch(json({ time: '2026-01-31T11:00:00Z', values: { cpu: 1 } })), [
      { series: 'cpu', time: NOW - 3_600_000, value: 1 },
    ]);
  });

  it('reads {points} and {values} together', () => {
    assert.deepEqual(batch(json({ points: [{ series: 'a', value: 1 }], values: { b: 2 } })), [
      { series: 'a', time: DEFAULT_TIME, value: 1 },
      { series: 'b', time: DEFAULT_TIME, value: 2 },
    ]);
  });

  it('rejects a batch that is not JSON', () => {
    rejects(() => batch(plain('1')), 'content-type', /must be application\/json/);
    rejects(() => batch(form('value=1')), 'content-type');
  });

  it('rejects a batch with an unknown content type', () => {
    rejects(() => batch({ contentType: 'text/csv', text: '[]' }), 'content-type');
  });

  it('rejects a batch that is neither array nor object', () => {
    rejects(() => batch(json(42)), 'body', /number 42/);
    rejects(() => batch(json(null)), 'body');
    rejects(() => batch(json('x')), 'body');
  });

  it('rejects an object with neither points nor values', () => {
    rejects(() => batch(json({})), 'points', /missing/);
    rejects(() => batch(json({ time: NOW_S })), 'points', /missing/);
  });

  it('rejects unknown top-level keys, naming them', () => {
    rejects(() => batch(json({ points: [], series: 'a' })), 'series', /unknown key/);
  });

  it('names the offending point in a points array', () => {
    const points = [
      { series: 'a', value: 1 },
      { series: 'b', value: 2 },
      { series: 'c', value: 'NaN' },
    ];
    rejects(() => batch(json({ points })), 'points[2].value', /finite number/);
    rejects(() => batch(json(points)), 'points[2].value');
  });

  it('rejects NaN and Infinity written as JSON strings or nulls', () => {
    rejects(() => batch(json([{ series: 'a', value: 'Infinity' }])), 'points[0].value');
    rejects(() => batch(json([{ series: 'a', value: null }])), 'points[0].value', /null/);
  });

  it('rejects a point with a missing value, series or a bad series name', () => {
    rejects(() => batch(json([{ series: 'a' }])), 'points[0].value', /missing/);
    rejects(() => batch(json([{ value: 1 }])), 'points[0].series', /missing or not a string/);
    rejects(() => batch(json([{ series: 5, value: 1 }])), 'points[0].series');
    rejects(() => batch(json([{ series: 'a', value: 1 }, { series: '-bad', value: 1 }])), 'points[1].series', /not a valid series name/);
  });

  it('rejects unknown keys on a point', () => {
    rejects(() => batch(json([{ series: 'a', value: 1, unit: '%' }])), 'points[0].unit', /unknown key/);
  });

  it('rejects non-object points', () => {
    rejects(() => batch(json([1])), 'points[0]', /number 1/);
    rejects(() => batch(json({ points: [null] })), 'points[0]', /null/);
  });

  it('rejects points that are not an array and values that are not an object', () => {
    rejects(() => batch(json({ points: { series: 'a', value: 1 } })), 'points', /expected an array/);
    rejects(() => batch(json({ values: [1, 2] })), 'values', /an array/);
    rejects(() => batch(json({ values: null })), 'values');
  });

  it('names the offending entry of values', () => {
    rejects(() => batch(json({ values: { cpu: 1, mem: 'x' } })), 'values.mem', /finite number/);
    rejects(() => batch(json({ values: { 'bad name': 1 } })), 'values.bad name', /not a valid series name/);
  });

  it('rejects bad shared and per-point times', () => {
    rejects(() => batch(json({ time: 'noon', values: { a: 1 } })), 'time', /not a time/);
    rejects(() => batch(json({ time: true, values: { a: 1 } })), 'time', /number or an ISO 8601 string/);
    rejects(() => batch(json([{ series: 'a', value: 1, time: '31/01/2026' }])), 'points[0].time', /not a time/);
    rejects(() => batch(json([{ series: 'a', value: 1, time: null }])), 'points[0].time', /null/);
  });

  it('rejects times too far in the future', () => {
    rejects(() => batch(json({ time: NOW_S + 601, values: { a: 1 } })), 'time', /too far in the future/);
    rejects(() => batch(json([{ series: 'a', value: 1, time: NOW_S + 3600 }])), 'points[0].time', /future/);
    // Exactly at the limit is accepted.
    assert.equal(batch(json({ time: NOW_S + 600, values: { a: 1 } }))[0]?.time, NOW + 600_000);
  });
});

describe('parseTime', () => {
  it('rejects negative times and times past year 9999', () => {
    rejects(() => parseTime(-1, 't', POLICY), 't', /out of range/);
    rejects(() => parseTime('10000-01-01', 't', { ...POLICY, now: 3e14 }), 't');
    rejects(() => parseTime(253_402_300_800, 't', { ...POLICY, now: 3e14 }), 't', /out of range/);
  });

  it('hints at ?precision=ms when a seconds time looks like milliseconds', () => {
    // A real millisecond timestamp (now, in ms) sent where seconds are expected.
    rejects(() => parseTime(NOW, 't', POLICY), 't', /add \?precision=ms/);
    rejects(() => parseTime(String(NOW), 't', POLICY), 't', /add \?precision=ms/);
  });

  it('does not hint at milliseconds for a time that is merely too far ahead', () => {
    const error = rejects(() => parseTime(NOW_S + 86_400, 't', POLICY), 't', /too far in the future/);
    assert.doesNotMatch(error.message, /precision/);
  });

  it('rejects ISO dates with impossible fields', () => {
    rejects(() => parseTime('2026-13-01T00:00:00Z', 't', POLICY), 't');
    rejects(() => parseTime('2026-01-31T25:00:00Z', 't', POLICY), 't', /not a valid date/);
  });

  it('rejects an ISO date that names a day the month does not have', () => {
    // Date.parse in V8 rolls 2026-02-30 over to 2026-03-02 instead of failing; "now" is
    // later here so that the future check cannot be what rejects it.
    const later = { ...POLICY, now: Date.UTC(2026, 5, 1) };
    assert.equal(parseTime('2026-02-28', 't', later), Date.UTC(2026, 1, 28));
    rejects(() => parseTime('2026-02-30', 't', later), 't', /not a valid date/);
    rejects(() => parseTime('2026-04-31T12:00:00Z', 't', later), 't', /not a valid date/);
  });

  it('rejects non-finite numbers', () => {
    rejects(() => parseTime(Number.NaN, 't', POLICY), 't', /finite/);
    rejects(() => parseTime(Infinity, 't', POLICY), 't', /finite/);
  });
});

describe('isTimePrecision', () => {
  it('accepts the four precisions', () => {
    for (const text of ['s', 'ms', 'us', 'ns']) assert.equal(isTimePrecision(text), true, text);
  });

  it('rejects anything else, including Object.prototype property names', () => {
    for (const text of ['', 'S', 'sec', 'm', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      assert.equal(isTimePrecision(text), false, text);
    }
  });
});

describe('describe', () => {
  it('names JSON value types for messages', () => {
    assert.equal(describeValue(null), 'null');
    assert.equal(describeValue([1]), 'an array');
    assert.equal(describeValue({}), 'an object');
    assert.equal(describeValue('hi'), 'the string "hi"');
    assert.equal(describeValue(true), 'boolean true');
    assert.equal(describeValue(3), 'number 3');
    assert.equal(describeValue('x'.repeat(50)), `the string "${'x'.repeat(40)}…"`);
  });
});
