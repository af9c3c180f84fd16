import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { type LinePrecision, LineProtocolParser, type LineProtocolResult, MAX_LINE_ERRORS } from '../../src/ingest/line-protocol.js';
import { compareText, parseSeriesKey, seriesKey } from '../../src/lib/series-key.js';
import type { Sample } from '../../src/series/types.js';

const NOW = Date.UTC(2026, 0, 31, 12, 0, 0);
const NOW_NS = BigInt(NOW) * 1_000_000n;
const MAX_FUTURE_MS = 600_000;

const parse = (text: string, precision: LinePrecision = 'ns', parser = new LineProtocolParser()): LineProtocolResult =>
  parser.parse(text, { precision, now: NOW, maxFutureMs: MAX_FUTURE_MS });

/** The samples of `text` as {series: value}, asserting there were no errors. */
function values(text: string): Record<string, number> {
  const result = parse(text);
  assert.deepEqual(result.errors, [], `errors in ${JSON.stringify(text)}`);
  return Object.fromEntries(result.samples.map((s) => [s.series, s.value]));
}

/** The reason the single line `text` is rejected. */
function reason(text: string, precision: LinePrecision = 'ns'): string {
  const result = parse(text, precision);
  assert.equal(result.samples.length, 0, `${JSON.stringify(text)} stored ${JSON.stringify(result.samples)}`);
  assert.equal(result.errors.length, 1, `${JSON.stringify(text)}: ${JSON.stringify(result.errors)}`);
  return (result.errors[0] as { reason: string }).reason;
}

const NAME = /^[A-Za-z0-9_:][A-Za-z0-9_.:-]*$/;
const TAG_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
// biome-ignore lint: control characters are what is checked
const TAG_VALUE_BAD = /[\u0000-\u001f\u007f,={}"\\]/;

/** A sample as chartcast stores it: finite value, time in range, canonical key. */
function assertValidSample(sample: Sample): void {
  assert.ok(Number.isFinite(sample.value), `value ${sample.value}`);
  assert.ok(Number.isFinite(sample.time) && sample.time >= 0 && sample.time <= NOW + MAX_FUTURE_MS, `time ${sample.time}`);
  const { name, tags } = parseSeriesKey(sample.series);
  assert.match(name, NAME);
  assert.ok(name.length <= 200);
  for (const [tag, value] of tags) {
    assert.match(tag, TAG_NAME);
    assert.ok(value.length > 0 && !TAG_VALUE_BAD.test(value), `tag value ${JSON.stringify(value)}`);
  }
  for (let i = 1; i < tags.length; i++) assert.ok(compareText((tags[i - 1] as [string, string])[0], (tags[i] as [string, string])[0]) < 0);
  assert.equal(seriesKey(name, tags), sample.series);
}

describe('line protocol: points', () => {
  it('reads measurement, tags, several fields and a nanosecond timestamp', () => {
    const result = parse('weather,location=us-west,station=7 temp=82.5,humidity=40i 1769860800000000000');
    assert.deepEqual(result, {
      samples: [
        { series: 'weather.temp{location=us-west,station=7}', time: 1769860800000, value: 82.5 },
        { series: 'weather.humidity{location=us-west,station=7}', time: 1769860800000, value: 40 },
      ],
      errors: [],
      rejectedLines: 0,
      skippedStrings: 0,
    });
  });

  it('names a field called value after the measurement alone, and sorts tags', () => {
    assert.deepEqual(values('temp,room=kitchen,floor=1 value=21.5'), { 'temp{floor=1,room=kitchen}': 21.5 });
  });

  it('gives a line without a timestamp the request time', () => {
    assert.deepEqual(parse('cpu usage=1').samples, [{ series: 'cpu.usage', time: NOW, value: 1 }]);
    assert.deepEqual(parse('cpu usage=1   \r\n').samples, [{ series: 'cpu.usage', time: NOW, value: 1 }]);
  });

  it('reads floats in every form InfluxDB writes', () => {
    assert.deepEqual(values('n a=1,b=-1.5,c=.5,d=1e3,e=1E-2,f=-0.25e+1,g=1.,h=0.1,i=123456789012345678901234,j=1.7976931348623157e308,k=5e-324'), {
      'n.a': 1,
      'n.b': -1.5,
      'n.c': 0.5,
      'n.d': 1000,
      'n.e': 0.01,
      'n.f': -2.5,
      'n.g': 1,
      'n.h': 0.1,
      'n.i': 1.2345678901234568e23,
      'n.j': 1.7976931348623157e308,
      'n.k': 5e-324,
    });
  });

  it('reads integers and unsigned integers up to 64 bits', () => {
    assert.deepEqual(values('n a=42i,b=-7i,c=0i,d=9223372036854775807i,e=-9223372036854775808i,f=42u,g=18446744073709551615u,h=9007199254740993i'), {
      'n.a': 42,
      'n.b': -7,
      'n.c': 0,
      'n.d': 9223372036854775807,
      'n.e': -9223372036854775808,
      'n.f': 42,
      'n.g': 18446744073709551615,
      'n.h': 9007199254740992, // the nearest double
    });
  });

  it('reads every boolean spelling as 1 or 0', () => {
    assert.deepEqual(values('b a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE'), {
      'b.a': 1,
      'b.b': 1,
      'b.c': 1,
      'b.d': 1,
      'b.e': 1,
      'b.f': 0,
      'b.g': 0,
      'b.h': 0,
      'b.i': 0,
      'b.j': 0,
    });
  });

  it('accepts string fields without charting them, escapes and newlines included', () => {
    const result = parse('log,host=a msg="said \\"hi\\", a=b \\\\",level=3i,note="two\nlines" 1769860800000000000\nnext v=1');
    assert.deepEqual(result.errors, []);
    assert.equal(result.skippedStrings, 2);
    assert.deepEqual(result.samples.map((s) => [s.series, s.value]), [['log.level{host=a}', 3], ['next.v', 1]]);
    assert.deepEqual(parse('only text="nothing to chart"'), { samples: [], errors: [], rejectedLines: 0, skippedStrings: 1 });
  });

  it('undoes escapes in measurements, tag keys and values, and field keys', () => {
    // my room / sen=sor / x y,z / f k: the key scheme then turns what it cannot hold into _.
    assert.deepEqual(values('my\\ room\\,1,sen\\=sor=x\\ y\\,z f\\ k=1,f\\,2=2,f\\=3=3'), {
      'my_room_1.f_k{sen_sor=x y_z}': 1,
      'my_room_1.f_2{sen_sor=x y_z}': 2,
      'my_room_1.f_3{sen_sor=x y_z}': 3,
    });
    // An equals sign needs no escape in a measurement; a backslash before anything else is literal.
    assert.deepEqual(values('a=b,t=\\d v=1'), { 'a_b.v{t=_d}': 1 });
    // A double backslash is one backslash, so the space after it separates.
    assert.deepEqual(values('m\\\\ v=1'), { 'm_.v': 1 });
  });

  it('skips comments and blank lines, handles CRLF, leading and repeated whitespace', () => {
    const text = '# a comment\r\n\r\n   \r\n  cpu,host=a  usage=1   1769860800000000000  \r\n\t# indented comment\r\ncpu,host=b usage=2\r\n';
    const result = parse(text);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.samples, [
      { series: 'cpu.usage{host=a}', time: 1769860800000, value: 1 },
      { series: 'cpu.usage{host=b}', time: NOW, value: 2 },
    ]);
  });

  it('reads timestamps in every precision', () => {
    const at = (precision: LinePrecision, stamp: string) => (parse(`m v=1 ${stamp}`, precision).samples[0] as Sample).time;
    assert.equal(at('ns', '1769860800123456789'), 1769860800123.4568);
    assert.equal(at('us', '1769860800123456'), 1769860800123.456);
    assert.equal(at('ms', '1769860800123'), 1769860800123);
    assert.equal(at('s', '1769860800'), 1769860800000);
    assert.equal(at('m', '29497680'), 1769860800000);
    assert.equal(at('h', '491628'), 1769860800000);
  });

  it('reads timestamps beyond 2^53 without losing a millisecond', () => {
    for (const ns of [NOW_NS - 1n, NOW_NS, NOW_NS + 999_999n, 9_007_199_254_740_993n, 1_000_000_000_000_000_001n]) {
      const time = (parse(`m v=1 ${ns}`).samples[0] as Sample).time;
      assert.ok(Math.abs(time - Number(ns) / 1e6) < 1e-3, `${ns} → ${time}`);
    }
  });

  it('keeps the later value of a tag given twice', () => {
    assert.deepEqual(values('m,t=1,t=2 v=1'), { 'm.v{t=2}': 1 });
  });
});

describe('line protocol: rejected lines', () => {
  const cases: [string, string][] = [
    ['cpu', 'missing fields'],
    ['cpu,host=a', 'missing fields'],
    ['cpu   ', 'missing fields'],
    [',host=a v=1', 'missing measurement'],
    ['cpu,=a v=1', 'missing tag key'],
    ['cpu, v=1', 'missing tag key'],
    ['cpu,host=a, v=1', 'missing tag key'],
    ['cpu,host v=1', 'missing tag value'],
    ['cpu,host= v=1', 'missing tag value'],
    ['cpu =1', 'missing field key'],
    ['cpu v=1,', 'missing field key'],
    ['cpu v=1,,w=2', 'missing field key'],
    ['cpu v=', 'missing field value'],
    ['cpu v=,w=1', 'missing field value'],
    ['cpu v', 'invalid field format'],
    ['cpu v 1', 'invalid field format'],
    ['cpu v="a"x', 'invalid field format'],
    ['cpu v=abc', 'invalid number'],
    ['cpu v=1.2.3', 'invalid number'],
    ['cpu v=1e', 'invalid number'],
    ['cpu v=-', 'invalid number'],
    ['cpu v=.', 'invalid number'],
    ['cpu v=+1', 'invalid number'],
    ['cpu v=NaN', 'invalid number'],
    ['cpu v=Inf', 'invalid number'],
    ['cpu v=0x10', 'invalid number'],
    ['cpu v=1_000', 'invalid number'],
    ['cpu v=1.5i', 'invalid number'],
    ['cpu v=-1u', 'invalid number'],
    ['cpu v=i', 'invalid number'],
    ['cpu v=1e400', 'number out of range'],
    ['cpu v=9223372036854775808i', 'integer out of range'],
    ['cpu v=-9223372036854775809i', 'integer out of range'],
    ['cpu v=18446744073709551616u', 'unsigned integer out of range'],
    ['cpu v=tru', 'invalid boolean'],
    ['cpu v=TRue', 'invalid boolean'],
    ['cpu v=yes', 'invalid number'],
    ['cpu v="open', 'unbalanced quotes'],
    ['cpu v=1 12x', 'bad timestamp'],
    ['cpu v=1 1.5', 'bad timestamp'],
    ['cpu v=1 1 2', 'bad timestamp'],
    ['cpu v=1 -', 'bad timestamp'],
    ['cpu v=1 99999999999999999999', 'time outside range (1970 to 9999)'],
    ['cpu v=1 -99999999999999999999', 'time before 1970'],
    ['cpu v=1 -1', 'time before 1970'],
  ];
  for (const [line, expected] of cases) {
    it(`rejects ${JSON.stringify(line)}: ${expected}`, () => {
      assert.equal(reason(line), expected);
    });
  }

  it('rejects times too far in the future, and beyond year 9999', () => {
    assert.equal(reason(`m v=1 ${NOW_NS + 601_000_000_000n}`), 'time too far in the future');
    assert.equal(reason('m v=1 300000000000', 's'), 'time outside range (1970 to 9999)');
    assert.deepEqual(parse('m v=1 -0').samples.map((s) => s.time), [0]);
    assert.equal(parse(`m v=1 ${NOW_NS + 599_000_000_000n}`).samples.length, 1);
  });

  it('rejects names the key scheme cannot hold, with its reason', () => {
    assert.match(reason(`${'m'.repeat(199)} f=1`), /longer than 200/);
    assert.match(reason(`m,${Array.from({ length: 17 }, (_, i) => `t${i}=v`).join(',')} f=1`), /more than 16 tags/);
    assert.match(reason(`m,${'t'.repeat(65)}=v f=1`), /tag name/);
  });

  it('stores valid lines next to bad ones and names each bad line', () => {
    const text = ['# header', 'good v=1', 'bad v=abc', '', 'good2 v=2\r', 'bad2 v=1 notatime\r', 'bad3', 'good3 s="a\nb",v=3', 'bad4 v=tr', 'good4 v=4'].join('\n');
    const result = parse(text);
    assert.deepEqual(result.samples.map((s) => s.series), ['good.v', 'good2.v', 'good3.v', 'good4.v']);
    assert.deepEqual(result.errors, [
      { line: 3, reason: 'invalid number' },
      { line: 6, reason: 'bad timestamp' },
      { line: 7, reason: 'missing fields' },
      { line: 10, reason: 'invalid boolean' },
    ]);
    assert.equal(result.rejectedLines, 4);
  });

  it('counts a bad line with a string field that spans lines as one line', () => {
    const result = parse('bad v=x,s="a\nb\nc"\nafter v=1');
    assert.deepEqual(result.errors, [{ line: 1, reason: 'invalid number' }]);
    assert.deepEqual(result.samples.map((s) => s.series), ['after.v']);
    // An unclosed quote costs only its own line.
    const open = parse('a v="x\nb v=2\nc v=3');
    assert.deepEqual(open.errors, [{ line: 1, reason: 'unbalanced quotes' }]);
    assert.deepEqual(open.samples.map((s) => s.series), ['b.v', 'c.v']);
  });

  it('keeps the first errors and counts the rest', () => {
    const result = parse(`${'bad\n'.repeat(1000)}good v=1`);
    assert.equal(result.errors.length, MAX_LINE_ERRORS);
    assert.equal(result.rejectedLines, 1000);
    assert.deepEqual(result.samples.map((s) => s.series), ['good.v']);
  });

  it('reads adversarial bodies in linear time', () => {
    const size = 1_000_000;
    const bodies = ['"', 'm f="\n', 'm f=1,g="x\n', '\\', 'm,', 'm f=1,', 'a', ' ', '=', 'm f=" \\"\n', 'm f=t', 'm f=1 1'].map((unit) =>
      unit.repeat(Math.ceil(size / unit.length)),
    );
    for (const body of bodies) {
      const started = performance.now();
      const result = parse(body);
      const ms = performance.now() - started;
      // Quadratic work on a megabyte takes minutes; linear takes milliseconds.
      assert.ok(ms < 3000, `${JSON.stringify(body.slice(0, 12))}…: ${ms.toFixed(0)} ms`);
      for (const sample of result.samples) assertValidSample(sample);
    }
  });

  it('caches series keys without keeping the request bodies they were read from', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const parser = new LineProtocolParser();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 20; i++) {
      // A 4 MB body with one new series: long measurement, tag and field names, all sliced from it.
      const id = String(i).padStart(4, '0');
      const body = `# ${'x'.repeat(4_000_000)}\nweather_station_${id},location=north_field_${id} temperature_celsius=${i},humidity_percent=1`;
      const result = parse(body, 'ns', parser);
      assert.equal(result.samples[0]?.series, `weather_station_${id}.temperature_celsius{location=north_field_${id}}`);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.ok(grown < 20_000_000, `heap grew ${(grown / 1e6).toFixed(0)} MB for 20 cached series`);
  });

  it('stays right when the key cache starts afresh', () => {
    const parser = new LineProtocolParser();
    const lines = Array.from({ length: 30_000 }, (_, i) => `m,host=h${i} v=${i},w=${i}`);
    const result = parse(lines.join('\n'), 'ns', parser);
    assert.equal(result.samples.length, 60_000);
    for (let i = 0; i < 30_000; i += 997) {
      assert.deepEqual(result.samples[2 * i], { series: `m.v{host=h${i}}`, time: NOW, value: i });
      assert.deepEqual(result.samples[2 * i + 1], { series: `m.w{host=h${i}}`, time: NOW, value: i });
    }
    assert.deepEqual(parse('m,host=h5 v=1,w=2', 'ns', parser).samples.map((s) => s.series), ['m.v{host=h5}', 'm.w{host=h5}']);
  });
});

// --- properties ---------------------------------------------------------------------------------

const escapeMeasurement = (text: string) => text.replace(/[\\, ]/g, (c) => `\\${c}`);
const escapeKey = (text: string) => text.replace(/[\\,= ]/g, (c) => `\\${c}`);
const escapeString = (text: string) => text.replace(/[\\"]/g, (c) => `\\${c}`);

const identifier = fc.string({ unit: fc.constantFrom(...'abcXYZ09_.-:, =\\"#é{}*'.split('')), minLength: 1, maxLength: 10 });
const measurement = identifier.filter((m) => !m.startsWith('#'));

/** A field: its text and the value it should give (undefined: a string, not charted). */
const field = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => ({ text: String(v), value: Number(String(v)) as number | undefined })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => ({ text: `${v}i`, value: Number(v) as number | undefined })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => ({ text: `${v}u`, value: Number(v) as number | undefined })),
  fc.constantFrom('t', 'T', 'true', 'True', 'TRUE', 'f', 'F', 'false', 'False', 'FALSE').map((b) => ({ text: b, value: (/^t/i.test(b) ? 1 : 0) as number | undefined })),
  fc.string({ unit: fc.constantFrom(...'ab ,="\\\n#'.split('')), maxLength: 12 }).map((s) => ({ text: `"${escapeString(s)}"`, value: undefined as number | undefined })),
);

const line = fc.record({
  measurement,
  tags: fc.uniqueArray(fc.tuple(identifier, identifier), { maxLength: 4, selector: ([key]) => key }),
  fields: fc.uniqueArray(fc.tuple(identifier, field), { minLength: 1, maxLength: 4, selector: ([key]) => key }),
  time: fc.option(fc.bigInt({ min: 0n, max: NOW_NS })),
});

describe('line protocol: properties', () => {
  it('never throws on arbitrary text, and whatever it keeps is a valid sample', () => {
    const lpText = fc.string({ unit: fc.constantFrom(...'m,= \\"\n\r\t#tfTF0123456789.-+eEiu'.split('')), maxLength: 200 });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), lpText), (text) => {
        const result = parse(text);
        for (const sample of result.samples) assertValidSample(sample);
        const lines = text.split('\n').length;
        let previous = 0;
        for (const error of result.errors) {
          assert.ok(error.line > previous && error.line <= lines, `line ${error.line} of ${lines}`);
          assert.ok(error.reason.length > 0);
          previous = error.line;
        }
        assert.equal(result.rejectedLines, result.errors.length);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads generated lines back to the expected keys, values and times', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\n# comment\n\n'), (lines, separator) => {
        const text = lines
          .map((l) => {
            const tags = l.tags.map(([k, v]) => `,${escapeKey(k)}=${escapeKey(v)}`).join('');
            const fields = l.fields.map(([k, f]) => `${escapeKey(k)}=${f.text}`).join(',');
            return `${escapeMeasurement(l.measurement)}${tags} ${fields}${l.time === null ? '' : ` ${l.time}`}`;
          })
          .join(separator);
        const result = parse(text);
        assert.deepEqual(result.errors, [], text);
        const expected = lines.flatMap((l) =>
          l.fields
            .filter(([, f]) => f.value !== undefined)
            .map(([key, f]) => ({ series: seriesKey(key === 'value' ? l.measurement : `${l.measurement}.${key}`, l.tags), time: l.time, value: f.value })),
        );
        assert.equal(result.samples.length, expected.length, text);
        result.samples.forEach((sample, i) => {
          const want = expected[i] as (typeof expected)[number];
          assert.equal(sample.series, want.series, text);
          assert.equal(sample.value, want.value, text);
          if (want.time === null) assert.equal(sample.time, NOW);
          else assert.ok(Math.abs(sample.time - Number(want.time) / 1e6) < 1e-3, `${want.time} → ${sample.time}`);
          assertValidSample(sample);
        });
        assert.equal(result.skippedStrings, lines.reduce((n, l) => n + l.fields.filter(([, f]) => f.value === undefined).length, 0));
      }),
      { numRuns: 1500 },
    );
  });
});
