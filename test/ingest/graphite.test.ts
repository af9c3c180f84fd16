import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LineSplitter } from '../../src/ingest/graphite-listener.js';
import { type GraphiteTimePolicy, graphiteSeriesKey, isGraphiteProblem, parseGraphiteLine, parseGraphiteText } from '../../src/ingest/graphite.js';
import { parseSeriesKey, seriesKey } from '../../src/lib/series-key.js';
import type { Sample } from '../../src/series/types.js';

const NOW = Date.UTC(2026, 0, 31, 12, 0, 0);
const NOW_S = NOW / 1000;
const POLICY: GraphiteTimePolicy = { now: NOW, maxFutureMs: 600_000 };

const parse = (line: string) => parseGraphiteLine(line, POLICY);
const reasonOf = (line: string): string => {
  const result = parse(line);
  assert.ok(isGraphiteProblem(result), `"${line}" should be rejected, got ${JSON.stringify(result)}`);
  return result.reason;
};

/** A sample is valid when its value and time are finite and its key is canonical. */
function assertValidSample(sample: Sample): void {
  assert.ok(Number.isFinite(sample.value), `value ${sample.value}`);
  assert.ok(Number.isFinite(sample.time) && sample.time >= 0 && sample.time <= NOW + POLICY.maxFutureMs, `time ${sample.time}`);
  const { name, tags } = parseSeriesKey(sample.series);
  assert.equal(seriesKey(name, tags), sample.series, 'the key is already in canonical form');
}

describe('parseGraphiteLine: accepted forms', () => {
  it('reads path, value and timestamp in seconds', () => {
    assert.deepEqual(parse(`servers.web1.cpu 42.5 ${NOW_S - 10}`), { series: 'servers.web1.cpu', time: NOW - 10_000, value: 42.5 });
  });

  it('keeps the fraction of a fractional timestamp', () => {
    assert.deepEqual(parse(`a.b 1 ${NOW_S - 1}.25`), { series: 'a.b', time: NOW - 750, value: 1 });
  });

  it('stamps a line without a timestamp, or with -1, with the current time (as carbon does)', () => {
    assert.deepEqual(parse('a.b 7'), { series: 'a.b', time: NOW, value: 7 });
    assert.deepEqual(parse('a.b 7 -1'), { series: 'a.b', time: NOW, value: 7 });
  });

  it('reads negative, exponent and integer values', () => {
    assert.equal((parse('x -3.5e2') as Sample).value, -350);
    assert.equal((parse('x 1e-3') as Sample).value, 0.001);
    assert.equal((parse('x 12345678901') as Sample).value, 12345678901);
  });

  it('accepts tabs, repeated spaces, surrounding space and a trailing \\r', () => {
    assert.deepEqual(parse(`  a.b\t\t5   ${NOW_S}\r`), { series: 'a.b', time: NOW, value: 5 });
  });

  it('turns a tagged path into a series with sorted tags', () => {
    assert.deepEqual(parse(`disk.used;mount=/var;host=web1 1e9 ${NOW_S}`), {
      series: 'disk.used{host=web1,mount=/var}',
      time: NOW,
      value: 1e9,
    });
  });

  it('replaces characters outside the series-name set with _', () => {
    assert.equal((parse('servers/web1(cpu) 5') as Sample).series, 'servers_web1_cpu_');
    assert.equal(graphiteSeriesKey('.hidden'), '_hidden');
  });
});

describe('parseGraphiteLine: rejected lines name the reason', () => {
  it('rejects NaN and infinities', () => {
    assert.match(reasonOf('a nan'), /value "nan" is not a finite number/);
    assert.match(reasonOf('a inf'), /not a finite number/);
    assert.match(reasonOf('a -Infinity'), /not a finite number/);
    assert.match(reasonOf('a 1e999'), /not a finite number/);
  });

  it('rejects a value that is not a number', () => {
    assert.match(reasonOf('a 0x10'), /"0x10" is not a finite number/);
    assert.match(reasonOf('a twelve 1'), /"twelve"/);
  });

  it('rejects a line without a value, or with extra fields', () => {
    assert.match(reasonOf('lonely.path'), /path value \[timestamp\]/);
    assert.match(reasonOf('a 1 2 3'), /4 fields/);
  });

  it('rejects bad timestamps: not a number, before 1970, far in the future, milliseconds', () => {
    assert.match(reasonOf('a 1 yesterday'), /timestamp "yesterday" is not a number of Unix seconds/);
    assert.match(reasonOf('a 1 -5'), /before 1970/);
    assert.match(reasonOf(`a 1 ${NOW_S + 3600}`), /too far in the future/);
    assert.match(reasonOf(`a 1 ${NOW}`), /milliseconds\? Graphite timestamps are Unix seconds/);
  });

  it('rejects times after the year 9999, however far ahead the future limit is', () => {
    const result = parseGraphiteLine('a 1 253402300800', { now: NOW, maxFutureMs: Number.MAX_VALUE });
    assert.ok(isGraphiteProblem(result), `accepted: ${JSON.stringify(result)}`);
    assert.match(result.reason, /outside range \(1970 to 9999\): timestamp 253402300800/);
  });

  it('shows control characters in a quoted reason as "?"', () => {
    assert.equal(reasonOf('a 1\u0001x'), 'value "1?x" is not a finite number');
    assert.deepEqual(parseGraphiteText('a\u0007 nan\n', POLICY).problems, [{ line: 'a? nan', reason: 'value "nan" is not a finite number' }]);
  });

  it('rejects tags without a value or a name', () => {
    assert.match(reasonOf('cpu;host 1'), /tag "host" is not tag=value/);
    assert.match(reasonOf('cpu;host= 1'), /tag "host=" has no value/);
    assert.match(reasonOf('cpu;=web 1'), /not tag=value/);
    assert.match(reasonOf('cpu; 1'), /not tag=value/);
  });

  it('rejects names and tags beyond the naming limits', () => {
    assert.match(reasonOf(`${'a'.repeat(201)} 1`), /longer than 200/);
    const tags = Array.from({ length: 17 }, (_, i) => `t${i}=v`).join(';');
    assert.match(reasonOf(`cpu;${tags} 1`), /more than 16 tags/);
  });

  it('rejects a line over 4096 characters', () => {
    assert.match(reasonOf(`a ${'1'.repeat(4100)}`), /longer than 4096/);
  });
});

describe('parseGraphiteText', () => {
  it('stores valid lines next to a bad one and skips blank lines', () => {
    const { samples, problems } = parseGraphiteText(`a 1 ${NOW_S}\n\nb nan ${NOW_S}\r\nc 3 ${NOW_S}\n`, POLICY);
    assert.deepEqual(samples.map((s) => [s.series, s.value]), [['a', 1], ['c', 3]]);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.line, `b nan ${NOW_S}`, 'reported without the \\r of its \\r\\n');
  });
});

describe('LineSplitter', () => {
  it('joins a line split over chunks', () => {
    const splitter = new LineSplitter(100);
    assert.deepEqual(splitter.push(Buffer.from('a.b 1')), { lines: [], overlong: 0 });
    assert.deepEqual(splitter.push(Buffer.from('2 3\r\nc 4\nd')), { lines: ['a.b 12 3', 'c 4'], overlong: 0 });
    assert.deepEqual(splitter.end(), { lines: ['d'], overlong: 0 });
  });

  it('discards an over-long line up to its newline, counts it once and keeps the next lines', () => {
    const splitter = new LineSplitter(10);
    assert.deepEqual(splitter.push(Buffer.from('ok 1\n0123456789')), { lines: ['ok 1'], overlong: 0 });
    assert.deepEqual(splitter.push(Buffer.from('abcdef')), { lines: [], overlong: 1 });
    assert.deepEqual(splitter.push(Buffer.from('still long')), { lines: [], overlong: 0 });
    assert.deepEqual(splitter.push(Buffer.from('tail\nnext 2\n')), { lines: ['next 2'], overlong: 0 });
  });

  it('decodes a multi-byte character split between chunks', () => {
    const splitter = new LineSplitter(100);
    const bytes = Buffer.from('t;room=küche 1\n');
    const cut = bytes.indexOf(0xc3) + 1;
    splitter.push(bytes.subarray(0, cut));
    assert.deepEqual(splitter.push(bytes.subarray(cut)).lines, ['t;room=küche 1']);
  });

  it('gives the same lines however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9 .;=]{0,20}$/), { maxLength: 20 }), fc.array(fc.nat(400), { maxLength: 10 }), (lines, cuts) => {
        const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''));
        const splitter = new LineSplitter(4096);
        const got: string[] = [];
        let at = 0;
        for (const cut of [...cuts.map((c) => Math.min(c, bytes.length)).sort((a, b) => a - b), bytes.length]) {
          if (cut < at) continue;
          got.push(...splitter.push(bytes.subarray(at, cut)).lines);
          at = cut;
        }
        got.push(...splitter.end().lines);
        assert.deepEqual(got, lines);
      }),
      { numRuns: 300 },
    );
  });
});

describe('graphite parsing fuzz', () => {
  it('never throws and only produces valid samples for arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const { samples } = parseGraphiteText(text, POLICY);
        for (const sample of samples) assertValidSample(sample);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws for graphite-like lines of arbitrary parts', () => {
    const part = fc.oneof(
      fc.stringMatching(/^[a-z.;=_-]{0,12}$/),
      fc.constantFrom('nan', 'inf', '-1', '1e400', '1', '0.5', String(NOW_S), String(NOW), '', ' ', ';', '=', 'a=b', '\t'),
      fc.double().map(String),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 5 }), (parts) => {
        const result = parse(parts.join(' '));
        if (!isGraphiteProblem(result)) assertValidSample(result);
        else assert.ok(result.reason.length > 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps every good line whatever bad lines surround it', () => {
    const bad = fc.oneof(fc.string({ maxLength: 40 }).filter((s) => !s.includes('\n') && !s.includes('good')), fc.constant('x nan'), fc.constant('x;y 1'));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), bad, fc.integer({ min: -1000, max: 1000 })), { maxLength: 15 }), (rows) => {
        const lines = rows.map(([good, junk, value], i) => (good ? `good.s${i} ${value}` : junk));
        const { samples } = parseGraphiteText(lines.join('\n'), POLICY);
        const expected = rows.flatMap(([good, , value], i) => (good ? [{ series: `good.s${i}`, time: NOW, value }] : []));
        const got = samples.filter((s) => s.series.startsWith('good.s'));
        assert.deepEqual(got, expected);
      }),
      { numRuns: 1000 },
    );
  });
});
