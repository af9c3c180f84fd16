import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type StatsdMetric, parseStatsdLine, parseStatsdPacket } from '../../src/ingest/statsd.js';
import { parseSeriesKey, seriesKey } from '../../src/lib/series-key.js';

/** The metrics of one line, in a short form: [name, tags, kind, value or member, delta, rate]. */
function read(line: string): [string, string, string, number | string, boolean, number][] {
  const out: StatsdMetric[] = [];
  const problem = parseStatsdLine(line, out);
  assert.equal(problem, undefined, `"${line}" was rejected: ${problem}`);
  return out.map((m) => [m.name, m.tags, m.kind, m.kind === 'set' ? m.member : m.value, m.delta, m.rate]);
}

function reasonOf(line: string): string {
  const out: StatsdMetric[] = [];
  const problem = parseStatsdLine(line, out);
  assert.ok(problem, `"${line}" should be rejected`);
  assert.deepEqual(out, [], 'a rejected line adds nothing');
  return problem;
}

describe('parseStatsdLine: metric types', () => {
  it('reads counters, with and without a sample rate', () => {
    assert.deepEqual(read('page.views:1|c'), [['page.views', '', 'counter', 1, false, 1]]);
    assert.deepEqual(read('page.views:3|c|@0.1'), [['page.views', '', 'counter', 3, false, 0.1]]);
    assert.deepEqual(read('errors:-2|c'), [['errors', '', 'counter', -2, false, 1]]);
  });

  it('reads gauges: a plain value sets, +N and -N are deltas', () => {
    assert.deepEqual(read('queue:42|g'), [['queue', '', 'gauge', 42, false, 1]]);
    assert.deepEqual(read('queue:+5|g'), [['queue', '', 'gauge', 5, true, 1]]);
    assert.deepEqual(read('queue:-3.5|g'), [['queue', '', 'gauge', -3.5, true, 1]]);
  });

  it('reads ms, h and d as timers', () => {
    assert.deepEqual(read('api.latency:320|ms|@0.25'), [['api.latency', '', 'timer', 320, false, 0.25]]);
    assert.deepEqual(read('size:12.5|h'), [['size', '', 'timer', 12.5, false, 1]]);
    assert.deepEqual(read('dist:-4|d'), [['dist', '', 'timer', -4, false, 1]]);
  });

  it('reads set members as text', () => {
    assert.deepEqual(read('users:alice|s'), [['users', '', 'set', 'alice', false, 1]]);
    assert.deepEqual(read('users:42|s'), [['users', '', 'set', '42', false, 1]]);
  });

  it('reads several values of one metric (etsy statsd form)', () => {
    assert.deepEqual(read('gorets:1|c:2|c|@0.5'), [
      ['gorets', '', 'counter', 1, false, 1],
      ['gorets', '', 'counter', 2, false, 0.5],
    ]);
  });

  it('reads three and more values of one metric, none taken for a container id', () => {
    assert.deepEqual(read('x:1|c:2|c:3|c').map((m) => m[3]), [1, 2, 3]);
    assert.deepEqual(read('x:1|c:2|c:3|c:4|c|@0.5').map((m) => [m[3], m[5]]), [[1, 1], [2, 1], [3, 1], [4, 0.5]]);
    assert.deepEqual(read('x:4|ms|@0.5:5|ms:6|ms|#env:prod|c:abc|T1769860800').map((m) => [m[1], m[3], m[5]]), [
      ['{env=prod}', 4, 0.5],
      ['{env=prod}', 5, 1],
      ['{env=prod}', 6, 1],
    ]);
  });

  it('reads any number of values of one metric', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 20 }), fc.constantFrom('c', 'g', 'ms', 'd'), (values, type) => {
        const wanted = type === 'ms' ? values.map(Math.abs) : values;
        const got = read(`many:${wanted.map((v) => `${v}|${type}`).join(':')}`);
        assert.deepEqual(got.map((m) => m[3]), wanted);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a line whose values have different types (a metric has one type)', () => {
    assert.match(reasonOf('mixed:5|ms:7|g'), /"mixed" has values of two types \(ms and g\)/);
  });

  it('reads packed values sharing one type (DogStatsD form)', () => {
    assert.deepEqual(read('lat:1:2:3|d|@0.5'), [
      ['lat', '', 'timer', 1, false, 0.5],
      ['lat', '', 'timer', 2, false, 0.5],
      ['lat', '', 'timer', 3, false, 0.5],
    ]);
  });

  it('reads DogStatsD tags into sorted tags, with a value that holds a colon', () => {
    assert.deepEqual(read('req:1|c|@0.5|#route:/home,env:prod,url:http://x'), [['req', '{env=prod,route=/home,url=http://x}', 'counter', 1, false, 0.5]]);
    assert.deepEqual(read('temp:21|g|#room:kitchen'), [['temp', '{room=kitchen}', 'gauge', 21, false, 1]]);
  });

  it('drops a tag without a value (the naming scheme has no valueless tags)', () => {
    assert.deepEqual(read('req:1|c|#canary,env:prod'), [['req', '{env=prod}', 'counter', 1, false, 1]]);
  });

  it('ignores DogStatsD container ids and timestamps', () => {
    assert.deepEqual(read('req:1|c|#env:prod|c:abc123|T1769860800'), [['req', '{env=prod}', 'counter', 1, false, 1]]);
    assert.deepEqual(read('req:1|c|c:abc123'), [['req', '', 'counter', 1, false, 1]]);
    assert.deepEqual(read('req:1|c:2|c|c:3'), [['req', '', 'counter', 1, false, 1], ['req', '', 'counter', 2, false, 1]], 'a trailing |c:3 after a type is a container id');
    assert.deepEqual(read('lat:1:2:3:4|d|@0.5|c:abc').map((m) => [m[3], m[5]]), [[1, 0.5], [2, 0.5], [3, 0.5], [4, 0.5]]);
  });

  it('takes |c:<id> for a container id only after the type, rate and tags', () => {
    assert.match(reasonOf('x:5|c|c:3|c'), /unexpected "\|c"/);
    assert.match(reasonOf('x:5|c:3'), /value "3" has no type/);
    assert.match(reasonOf('x:1|c|#k:v:2|c'), /unexpected "\|#k"/, 'tags only after the last type');
    assert.match(reasonOf('x:5|c|#k:v|zz'), /unexpected "\|zz"/);
    assert.match(reasonOf('x:5|c|#k:v|#a:b'), /tags given twice/);
  });

  it('reads the DogStatsD extensions in any order', () => {
    assert.deepEqual(read('x:5|c|T1769860800|#k:v|c:abc|@0.5'), [['x', '{k=v}', 'counter', 5, false, 0.5]]);
  });

  it('cleans names: characters outside the series-name set become _', () => {
    assert.deepEqual(read('my app/requests:1|c'), [['my_app_requests', '', 'counter', 1, false, 1]]);
  });
});

describe('parseStatsdLine: rejected lines name the reason', () => {
  it('rejects a line without value or type', () => {
    assert.match(reasonOf('just.a.name'), /expected "name:value\|type"/);
    assert.match(reasonOf(':1|c'), /empty metric name/);
    assert.match(reasonOf('a:1'), /has no type/);
    assert.match(reasonOf('a:'), /has no type/);
  });

  it('rejects unknown types', () => {
    assert.match(reasonOf('a:1|x'), /unknown metric type "x"/);
    assert.match(reasonOf('a:1|'), /unknown metric type ""/);
  });

  it('rejects values that are not finite numbers', () => {
    assert.match(reasonOf('a:nan|c'), /"nan" is not a finite number/);
    assert.match(reasonOf('a:inf|g'), /not a finite number/);
    assert.match(reasonOf('a:1e999|ms'), /not a finite number/);
    assert.match(reasonOf('a: 1|c'), /not a finite number/);
  });

  it('rejects bad sample rates and unknown options', () => {
    assert.match(reasonOf('a:1|c|@0'), /sample rate 0 is not in \(0, 1\]/);
    assert.match(reasonOf('a:1|c|@2'), /not in \(0, 1\]/);
    assert.match(reasonOf('a:1|c|@x'), /unexpected "\|@x"/);
    assert.match(reasonOf('a:1|c|zz'), /unexpected "\|zz"/);
    assert.match(reasonOf('a:1|c|@ 0.5'), /unexpected "\|@ 0.5"/);
    assert.match(reasonOf('a:1|c|@0x1'), /unexpected "\|@0x1"/);
    assert.match(reasonOf('a:1|c|@-0.5'), /sample rate -0.5 is not in/);
  });

  it('reads sample rates as decimal numbers, exponent and sign included', () => {
    assert.deepEqual(read('a:1|c|@5e-1').map((m) => m[5]), [0.5]);
    assert.deepEqual(read('a:1|c|@+.25').map((m) => m[5]), [0.25]);
  });

  it('shows control characters in a quoted reason as "?"', () => {
    assert.equal(reasonOf('a:1|\u0001'), 'unknown metric type "?" (expected c, g, ms, h, d or s)');
  });

  it('rejects negative ms timers, empty and huge set members', () => {
    assert.match(reasonOf('a:-1|ms'), /negative/);
    assert.match(reasonOf('a:|s'), /empty set member/);
    assert.match(reasonOf(`a:${'m'.repeat(300)}|s`), /longer than 256/);
  });

  it('rejects a line whose later value is bad without keeping the earlier ones', () => {
    assert.match(reasonOf('a:1|c:nan|c'), /not a finite number/);
  });

  it('rejects over-long names and too many tags', () => {
    assert.match(reasonOf(`${'n'.repeat(195)}:1|c`), /longer than 190/);
    const tags = Array.from({ length: 17 }, (_, i) => `t${i}:v`).join(',');
    assert.match(reasonOf(`a:1|c|#${tags}`), /more than 16 tags/);
  });
});

describe('parseStatsdPacket', () => {
  it('reads several metrics per packet and keeps good lines next to a bad one', () => {
    const { metrics, problems } = parseStatsdPacket('a:1|c\nb:nan|g\r\n\nc:2|ms\nd:x|s\n');
    assert.deepEqual(metrics.map((m) => m.name), ['a', 'c', 'd']);
    assert.deepEqual(problems, [{ line: 'b:nan|g', reason: 'value "nan" is not a finite number' }]);
  });
});

describe('statsd parsing fuzz', () => {
  const assertValid = (metric: StatsdMetric) => {
    assert.ok(Number.isFinite(metric.value));
    assert.ok(metric.rate > 0 && metric.rate <= 1);
    assert.ok(['counter', 'gauge', 'timer', 'set'].includes(metric.kind));
    const key = seriesKey(`${metric.name}.p99_9`) + metric.tags;
    const { name, tags } = parseSeriesKey(key);
    assert.equal(seriesKey(name, tags), key, 'every derived series key is canonical');
  };

  it('never throws and only produces valid metrics for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const { metrics, problems } = parseStatsdPacket(Buffer.from(bytes).toString('utf8'));
        for (const metric of metrics) assertValid(metric);
        for (const problem of problems) assert.ok(problem.reason.length > 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws for statsd-like lines built from arbitrary parts', () => {
    const part = fc.oneof(
      fc.constantFrom('a', 'b.c', ':', '|', '|c', '|g', '|ms', '|s', '|d', '|h', '|@0.5', '|@0', '|#', '|#k:v', ',', 'nan', '+', '-', '1', '-2.5', '1e400', '|c:x', '|T1'),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 12 }), (parts) => {
        const { metrics } = parseStatsdPacket(parts.join(''));
        for (const metric of metrics) assertValid(metric);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps every good line whatever bad lines surround it', () => {
    const junk = fc.string({ maxLength: 30 }).filter((s) => !s.includes('\n') && !s.includes('good'));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), junk, fc.integer({ min: -100, max: 100 })), { maxLength: 15 }), (rows) => {
        const text = rows.map(([good, bad, value], i) => (good ? `good${i}:${value}|c` : bad)).join('\n');
        const got = parseStatsdPacket(text).metrics.filter((m) => m.name.startsWith('good'));
        const expected = rows.flatMap(([good, , value], i) => (good ? [[`good${i}`, value]] : []));
        assert.deepEqual(got.map((m) => [m.name, m.value]), expected);
      }),
      { numRuns: 1000 },
    );
  });
});
