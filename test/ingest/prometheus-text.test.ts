import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type ExpositionOptions, MAX_LABELS, MAX_LINE_LENGTH, MAX_REPORTED_ERRORS, parseExposition } from '../../src/ingest/prometheus-text.js';
import { parseSeriesKey, seriesKey } from '../../src/lib/series-key.js';

const NOW = 1_769_860_800_000;
const BASE: ExpositionOptions = { defaultTime: NOW, now: NOW, maxFutureMs: 600_000 };
const parse = (text: string, options: Partial<ExpositionOptions> = {}) => parseExposition(text, { ...BASE, ...options });
/** series → value of the samples parsed from `text`. */
const values = (text: string, options: Partial<ExpositionOptions> = {}) => Object.fromEntries(parse(text, options).samples.map((s) => [s.series, s.value]));

describe('Prometheus text format', () => {
  it('reads names, labels, values and millisecond timestamps', () => {
    const result = parse('# HELP http_requests_total The total.\n# TYPE http_requests_total counter\nhttp_requests_total{method="post",code="200"} 1027 1769860700000\nhttp_requests_total{method="post",code="400"}    3 1769860700000\nmetric_without_timestamp_and_labels 12.47\n');
    assert.deepEqual(result.samples, [
      { series: 'http_requests_total{code=200,method=post}', time: 1_769_860_700_000, value: 1027 },
      { series: 'http_requests_total{code=400,method=post}', time: 1_769_860_700_000, value: 3 },
      { series: 'metric_without_timestamp_and_labels', time: NOW, value: 12.47 },
    ]);
    assert.equal(result.errorCount, 0);
  });

  it('keeps histogram and summary lines as series of their own', () => {
    const text = [
      '# TYPE rpc_duration_seconds summary',
      'rpc_duration_seconds{quantile="0.01"} 3102',
      'rpc_duration_seconds{quantile="0.5"} 4773',
      'rpc_duration_seconds_sum 1.7560473e+07',
      'rpc_duration_seconds_count 2693',
      '# TYPE http_request_duration_seconds histogram',
      'http_request_duration_seconds_bucket{le="0.05"} 24054',
      'http_request_duration_seconds_bucket{le="+Inf"} 144320',
      'http_request_duration_seconds_sum 53423',
      'http_request_duration_seconds_count 144320',
    ].join('\n');
    assert.deepEqual(values(text), {
      'rpc_duration_seconds{quantile=0.01}': 3102,
      'rpc_duration_seconds{quantile=0.5}': 4773,
      rpc_duration_seconds_sum: 17_560_473,
      rpc_duration_seconds_count: 2693,
      'http_request_duration_seconds_bucket{le=0.05}': 24054,
      'http_request_duration_seconds_bucket{le=+Inf}': 144320,
      http_request_duration_seconds_sum: 53423,
      http_request_duration_seconds_count: 144320,
    });
  });

  it('unescapes \\\\, \\" and \\n in label values and cleans what a series key cannot hold', () => {
    const result = parse('msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9\n');
    assert.equal(result.errorCount, 0, JSON.stringify(result.errors));
    assert.deepEqual(result.samples.map((s) => s.series), ['msdos_file_access_time_seconds{error=Cannot find file:__FILE.TXT_,path=C:_DIR_FILE.TXT}']);
  });

  it('accepts a trailing comma, blanks around labels, empty braces and no blank after "}"', () => {
    assert.deepEqual(values('a{x="1",} 1\nb { x = "2" , y="3" } 2\nc{} 3\nd{x="4"}4\n\t  e 5'), {
      'a{x=1}': 1,
      'b{x=2,y=3}': 2,
      c: 3,
      'd{x=4}': 4,
      e: 5,
    });
  });

  it('drops labels with empty values, as Prometheus does', () => {
    assert.deepEqual(values('up{instance="",job="node"} 1'), { 'up{job=node}': 1 });
  });

  it('skips NaN and ±Inf and counts them, without calling them errors', () => {
    const result = parse('a NaN\nb +Inf\nc -Inf\nd Inf\ne nan\nf 1');
    assert.deepEqual(result.samples.map((s) => s.series), ['f']);
    assert.equal(result.skipped, 5);
    assert.equal(result.errorCount, 0);
  });

  it('reads every float spelling Prometheus clients write', () => {
    assert.deepEqual(values('a 1e3\nb -0.5\nc +7\nd .25\ne 1.5E-3\nf 3.\ng 0'), { a: 1000, b: -0.5, c: 7, d: 0.25, e: 0.0015, f: 3, g: 0 });
    assert.deepEqual(values('h 1E+3\ni -.5e-1\nj +.5\nk 007\nl -0\nm 1e-400'), { h: 1000, i: -0.05, j: 0.5, k: 7, l: -0, m: 0 });
    const special = parse('a +Infinity\nb -infinity\nc INF\nd -inf\ne NAN\nf infinity');
    assert.equal(special.errorCount, 0, JSON.stringify(special.errors));
    assert.equal(special.skipped, 6);
  });

  it('rejects what Go\'s ParseFloat rejects: hex, underscores, overflow, padding, a signed NaN', () => {
    const bad = ['0x10', '1_000', '1e999', '-1e999', '1e', '.', '+', '++1', '1.2.3', '1e3.5', '+nan', 'infinit', 'infinityy', '1\u000b', '\u00a01', '1\u00a0'];
    const result = parse(bad.map((value, i) => `m${i} ${value}`).join('\n'));
    assert.deepEqual(result.errors.map((e) => e.line), bad.map((_, i) => i + 1), JSON.stringify(result.errors));
    assert.equal(result.samples.length + result.skipped, 0);
  });

  it('rejects inherited object names as values instead of skipping them', () => {
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
    const result = parse(`${names.map((name, i) => `m${i} ${name}`).join('\n')}\nok 1`);
    assert.deepEqual(result.errors.map((e) => e.line), [1, 2, 3, 4, 5, 6]);
    assert.match(result.errors[0]?.reason ?? '', /"__proto__" is not a number/);
    assert.equal(result.skipped, 0);
    assert.deepEqual(result.samples.map((s) => s.series), ['ok']);
  });

  it('ignores comments, blank lines and CRLF line ends', () => {
    assert.deepEqual(values('# just a comment\r\n\r\n#\r\n# HELP x  \r\nx 1\r\n   \r\n'), { x: 1 });
  });

  it('reports a bad line with its number and reason, and keeps its neighbours', () => {
    const text = ['good_one 1', 'bad{ 2', 'good_two{a="b"} 3', '9starts_with_digit 4', 'no_value', 'bad_value abc', 'bad{a=unquoted} 5', 'bad{a="\\x"} 6', 'bad{a="1",a="2"} 7', 'bad_ts 1 12.5', 'extra 1 2 3', 'bad{a="open} 1', 'good_three 8'].join('\n');
    const result = parse(text);
    assert.deepEqual(result.samples.map((s) => s.series), ['good_one', 'good_two{a=b}', 'good_three']);
    assert.deepEqual(result.errors.map((e) => e.line), [2, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const reasons = Object.fromEntries(result.errors.map((e) => [e.line, e.reason]));
    assert.match(reasons[4] as string, /not a valid metric name/);
    assert.match(reasons[5] as string, /has no value/);
    assert.match(reasons[6] as string, /"abc" is not a number/);
    assert.match(reasons[7] as string, /must be in double quotes/);
    assert.match(reasons[8] as string, /invalid escape/);
    assert.match(reasons[9] as string, /appears twice/);
    assert.match(reasons[10] as string, /whole milliseconds/);
    assert.match(reasons[11] as string, /end of the line/);
    assert.match(reasons[12] as string, /not closed/);
  });

  it('rejects bad # TYPE lines but not other comments', () => {
    const result = parse('# TYPE x countr\n# TYPE\n# TYPE 1x gauge\n# random words\nx 1');
    assert.deepEqual(result.errors.map((e) => e.line), [1, 2, 3]);
    assert.deepEqual(values('# TYPE x countr\nx 1'), { x: 1 });
  });

  it('rejects timestamps before 1970 or too far ahead, with the line', () => {
    const result = parse(`a 1 -1\nb 1 ${NOW + 3_600_000}\nc 1 ${NOW - 1000}\nd 1 ${'9'.repeat(400)}`);
    assert.deepEqual(
      result.errors.map((e) => [e.line, e.reason]),
      [
        [1, 'timestamp -1 (milliseconds): time before 1970'],
        [2, `timestamp ${NOW + 3_600_000} (milliseconds): time too far in the future`],
        [4, `timestamp ${'9'.repeat(40)}… (milliseconds): time outside range (1970 to 9999)`],
      ],
    );
    assert.deepEqual(result.samples, [{ series: 'c', time: NOW - 1000, value: 1 }]);
  });

  it('reads OpenMetrics timestamps in seconds in every float spelling, and rejects the rest', () => {
    const seconds = NOW / 1000;
    const result = parse(`a 1 ${seconds}\nb 1 +${seconds}.5\nc 1 ${seconds / 10}e1\nd 1 0x10\ne 1 NaN\nf 1 -0.5\ng 1 1e999`, { timestampUnit: 's' });
    assert.deepEqual(result.samples.map((s) => [s.series, s.time]), [['a', NOW], ['b', NOW + 500], ['c', NOW]]);
    assert.deepEqual(result.errors.map((e) => e.line), [4, 5, 6, 7]);
    assert.match(result.errors[0]?.reason ?? '', /is not a number of seconds since 1970/);
    assert.match(result.errors[2]?.reason ?? '', /\(seconds\): time before 1970/);
  });

  it('reads OpenMetrics: seconds timestamps, exemplars, # UNIT and # EOF', () => {
    const text = '# TYPE foo counter\n# UNIT foo seconds\nfoo_total 17 1769860700.5 # {trace_id="abc"} 1.0 1769860700\nbar_bucket{le="1"} 2 # {id="x"} 0.5\n# EOF\nafter_eof 1\n';
    const result = parse(text, { timestampUnit: 's' });
    assert.deepEqual(result.samples, [
      { series: 'foo_total', time: 1_769_860_700_500, value: 17 },
      { series: 'bar_bucket{le=1}', time: NOW, value: 2 },
    ]);
    assert.equal(result.errorCount, 0);
  });

  it('reads the quoted metric names of Prometheus 3 ({"my.metric", a="b"})', () => {
    assert.deepEqual(values('{"my.dotted.metric", zone="a"} 4\n{"only.name"} 5'), { 'my.dotted.metric{zone=a}': 4, 'only.name': 5 });
    const nameless = parse('{zone="a"} 4');
    assert.deepEqual(nameless.errors, [{ line: 1, reason: 'expected a metric name before the labels' }]);
    assert.equal(nameless.filtered, 0);
  });

  it('applies added tags: override (Pushgateway), rename to exported_ (scrape) or honor', () => {
    const extraTags = new Map([['job', 'pushed'], ['instance', '']]);
    const text = 'm{job="own",instance="i1",x="1"} 1';
    assert.deepEqual(values(text, { extraTags, conflict: 'override' }), { 'm{job=pushed,x=1}': 1 });
    assert.deepEqual(values(text, { extraTags, conflict: 'rename' }), { 'm{exported_instance=i1,exported_job=own,job=pushed,x=1}': 1 });
    assert.deepEqual(values(text, { extraTags, conflict: 'honor' }), { 'm{instance=i1,job=own,x=1}': 1 });
  });

  it('filters by metric name and counts what it left out', () => {
    const result = parse('node_load1 1\nnode_load5 2\nnode_cpu_seconds_total{cpu="0"} 3\n{"node_load15"} 4', { accept: (name) => name.startsWith('node_load') });
    assert.deepEqual(result.samples.map((s) => s.series), ['node_load1', 'node_load5', 'node_load15']);
    assert.equal(result.filtered, 1);
  });

  it('bounds line length, label count and the error list', () => {
    const long = `x{a="${'v'.repeat(MAX_LINE_LENGTH)}"} 1`;
    const many = `y{${Array.from({ length: MAX_LABELS + 1 }, (_, i) => `l${i}="v"`).join(',')}} 1`;
    const result = parse(`${long}\n${many}\nz 1`);
    assert.match(result.errors[0]?.reason ?? '', /longer than/);
    assert.match(result.errors[1]?.reason ?? '', /more than 64 labels/);
    assert.equal(result.samples.length, 1);
    const garbage = parse('!\n'.repeat(MAX_REPORTED_ERRORS * 3));
    assert.equal(garbage.errors.length, MAX_REPORTED_ERRORS);
    assert.equal(garbage.errorCount, MAX_REPORTED_ERRORS * 3);
  });

  it('reads adversarial bodies in linear time', () => {
    const size = 1_000_000;
    const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length));
    /** Lines just under the length limit made of `unit` between `prefix` and `suffix`. */
    const longLines = (prefix: string, unit: string, suffix: string) => fill(`${prefix}${unit.repeat(Math.floor(60_000 / unit.length))}${suffix}\n`);
    const bodies: [string, Partial<ExpositionOptions>][] = [
      // Digits that end in a stray character made the float pattern backtrack over every split.
      [longLines('m ', '1', 'x'), {}],
      [longLines('m ', '1', '.x'), {}],
      [longLines('m 1', '1', 'e1x'), {}],
      [longLines('m 1 ', '1', 'x'), { timestampUnit: 's' }],
      [longLines('m 1 ', '1', 'x'), {}],
      [longLines('m{a="', '\\n', '"} 1'), {}],
      [longLines('{"', 'a', '"} 1'), {}],
      [longLines('m{', 'a="",', '} 1'), {}],
      // Short bad lines, each its own error.
      [fill('!\n'), {}],
      [fill('a\n'), {}],
      [fill('{\n'), {}],
      [fill('a x\n'), {}],
      [fill('a 1 x\n'), {}],
      [fill('a{b="\n'), {}],
      [fill('# TYPE x y\n'), {}],
    ];
    for (const [body, options] of bodies) {
      const started = performance.now();
      const result = parse(body, options);
      const ms = performance.now() - started;
      // The float pattern took 3.5 s on one 65,000-digit line; linear work takes milliseconds.
      assert.ok(ms < 700, `${JSON.stringify(body.slice(0, 12))}…: ${ms.toFixed(0)} ms`);
      assert.ok(result.errorCount > 0);
    }
  });

  it('reports too many tags against the line instead of throwing', () => {
    const text = `t{${Array.from({ length: 20 }, (_, i) => `l${i}="v"`).join(',')}} 1\nok 1`;
    const result = parse(text);
    assert.equal(result.errors[0]?.line, 1);
    assert.match(result.errors[0]?.reason ?? '', /more than 16 tags/);
    assert.deepEqual(result.samples.map((s) => s.series), ['ok']);
  });
});

describe('Prometheus text format, fuzzed', () => {
  const NAME = /^[A-Za-z0-9_:][A-Za-z0-9_.:-]*$/;
  const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
  /** A key as series-key.ts makes them: valid name, sorted valid tags, non-empty values without key syntax. */
  function assertValidSample(sample: { series: string; time: number; value: number }): void {
    assert.ok(Number.isFinite(sample.value), `value ${sample.value}`);
    assert.ok(Number.isFinite(sample.time) && sample.time >= 0, `time ${sample.time}`);
    const { name, tags } = parseSeriesKey(sample.series);
    assert.ok(NAME.test(name) && name.length <= 200, `name ${name}`);
    assert.ok(tags.length <= 16);
    const names = tags.map(([tag]) => tag);
    assert.deepEqual(names, [...names].sort());
    for (const [tag, value] of tags) {
      assert.ok(TAG.test(tag), `tag ${tag}`);
      assert.ok(value.length > 0 && !/[\u0000-\u001f\u007f,={}"\\]/.test(value), `tag value ${JSON.stringify(value)}`);
    }
  }

  it('never throws on arbitrary text and returns only valid samples', () => {
    const piece = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('{', '}', '"', '\\', '=', ',', '#', ' ', '\n', '\r\n', 'NaN', '+Inf', '1e308', '1e309', '-0', '# TYPE ', '# EOF', 'le="+Inf"', 'x{', 'a="b"', '{"', '__proto__', 'constructor', 'Infinity', '1e99999', '0x1p3'),
      fc.double().map(String),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const result = parse(pieces.join(''), { extraTags: new Map([['job', 'j']]) });
        for (const sample of result.samples) assertValidSample(sample);
        for (const error of result.errors) assert.ok(error.line >= 1 && error.reason.length > 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads generated valid expositions back as the expected keys and values', () => {
    const metricName = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,30}$/);
    const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,15}$/).filter((n) => !n.startsWith('__'));
    const labelValue = fc.string({ maxLength: 20, unit: fc.constantFrom('a', 'Z', '9', ' ', '"', '\\', '\n', ',', '=', '{', '}', 'é', '漢', '.', '-') });
    const line = fc.record({
      name: metricName,
      labels: fc.uniqueArray(fc.tuple(labelName, labelValue), { maxLength: 6, selector: ([n]) => n }),
      value: fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v)),
      time: fc.option(fc.integer({ min: 0, max: NOW }), { nil: undefined }),
    });
    const escape = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 10 }), (lines) => {
        const text = lines
          .map((l) => `${l.name}{${l.labels.map(([n, v]) => `${n}="${escape(v)}"`).join(',')}} ${String(l.value)}${l.time === undefined ? '' : ` ${l.time}`}`)
          .join('\n');
        const result = parse(text);
        assert.equal(result.errorCount, 0, JSON.stringify(result.errors));
        assert.deepEqual(
          result.samples,
          lines.map((l) => ({ series: seriesKey(l.name, l.labels), time: l.time ?? NOW, value: l.value })),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
