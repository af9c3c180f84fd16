import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { parseStatsdPacket } from '../../src/ingest/statsd.js';
import { StatsdAggregator, type StatsdAggregatorOptions, percentileStat } from '../../src/ingest/statsd-aggregator.js';
import type { Sample } from '../../src/series/types.js';

const T0 = Date.UTC(2026, 0, 31, 12, 0, 0);

/** An aggregator on a hand-moved clock, fed with packet text. */
function setup(options: Partial<StatsdAggregatorOptions> = {}) {
  const clock = { t: T0, now: () => clock.t };
  const aggregator = new StatsdAggregator({ clock, flushMs: 10_000, percentiles: [90], maxMetrics: 100, ...options });
  /** Adds the metrics of a packet; returns what add() said of each (a reason, or undefined). */
  const send = (packet: string) => {
    const { metrics, problems } = parseStatsdPacket(packet);
    assert.deepEqual(problems, []);
    return metrics.map((m) => aggregator.add(m));
  };
  /** Advances the clock by one interval and flushes; returns series → value. */
  const flush = (advanceMs = 10_000): Record<string, number> => {
    clock.t += advanceMs;
    const samples = aggregator.flush();
    for (const sample of samples) assert.equal(sample.time, clock.t, 'stamped with the flush time');
    return Object.fromEntries(samples.map((s) => [s.series, s.value]));
  };
  return { clock, aggregator, send, flush };
}

describe('StatsdAggregator: counters', () => {
  it('reports the count per interval and the rate per second, scaled by the sample rate', () => {
    const { send, flush } = setup();
    send('hits:1|c\nhits:2|c\nhits:1|c|@0.1');
    assert.deepEqual(flush(), { 'hits.count': 13, 'hits.rate': 1.3 });
  });

  it('reports 0 for an interval without updates, then forgets the counter after 5 idle minutes', () => {
    const { send, flush, aggregator } = setup();
    send('hits:5|c');
    flush();
    assert.deepEqual(flush(), { 'hits.count': 0, 'hits.rate': 0 });
    for (let i = 0; i < 28; i++) flush();
    assert.deepEqual(flush(), {}, 'gone after 300 s without updates');
    assert.equal(aggregator.stats().metrics, 0);
  });

  it('keeps tags on every series', () => {
    const { send, flush } = setup();
    send('req:1|c|#env:prod');
    assert.deepEqual(flush(), { 'req.count{env=prod}': 1, 'req.rate{env=prod}': 0.1 });
  });

  it('computes rates over the interval it is told (a short final flush)', () => {
    const { send, aggregator, clock } = setup();
    send('hits:4|c');
    clock.t += 2000;
    assert.deepEqual(aggregator.flush(2000).map((s) => [s.series, s.value]), [['hits.count', 4], ['hits.rate', 2]]);
  });
});

describe('StatsdAggregator: gauges', () => {
  it('sets, then moves by deltas, and repeats the last value while idle', () => {
    const { send, flush } = setup();
    send('temp:20|g\ntemp:+5|g\ntemp:-2.5|g');
    assert.deepEqual(flush(), { temp: 22.5 });
    assert.deepEqual(flush(), { temp: 22.5 });
    send('temp:-30|g');
    assert.deepEqual(flush(), { temp: -7.5 });
    send('temp:3|g');
    assert.deepEqual(flush(), { temp: 3 });
  });

  it('starts a delta on a new gauge from 0, and forgets an idle gauge', () => {
    const { send, flush } = setup({ idleMs: 30_000 });
    send('level:-4|g');
    assert.deepEqual(flush(), { level: -4 });
    flush();
    flush();
    assert.deepEqual(flush(), {});
    send('level:+1|g');
    assert.deepEqual(flush(), { level: 1 }, 'a forgotten gauge starts again from 0');
  });

});

describe('StatsdAggregator: one type per name', () => {
  it('rejects a value of another type under a name in use, and keeps the first type\'s series', () => {
    const { send, flush } = setup();
    assert.deepEqual(send('x:3|c'), [undefined]);
    assert.deepEqual(send('x:5|ms\nx:alice|s\nx:7|g\nx:1|c'), [
      '"x" is already a counter; a timer needs another name',
      '"x" is already a counter; a set needs another name',
      '"x" is already a counter; a gauge needs another name',
      undefined,
    ]);
    assert.deepEqual(flush(), { 'x.count': 4, 'x.rate': 0.4 }, 'nothing else writes x.count or x.rate');
  });

  it('holds for every tag combination of a name', () => {
    const { send, flush } = setup();
    send('lat:5|ms|#env:a');
    assert.deepEqual(send('lat:1|c|#env:b\nlat:2|ms|#env:b'), ['"lat" is already a timer; a counter needs another name', undefined]);
    assert.deepEqual(Object.keys(flush()).filter((key) => key.startsWith('lat.count')), ['lat.count{env=a}', 'lat.count{env=b}']);
  });

  it('frees a name for another type once every series of it is forgotten', () => {
    const { send, flush } = setup({ idleMs: 20_000 });
    send('x:1|c|#env:a\nx:1|c|#env:b');
    flush();
    send('x:1|c|#env:a');
    flush();
    flush(); // x{env=b} is forgotten, x{env=a} is not yet
    assert.deepEqual(send('x:9|g'), ['"x" is already a counter; a gauge needs another name']);
    flush();
    assert.deepEqual(flush(), {}, 'both forgotten');
    assert.deepEqual(send('x:9|g'), [undefined]);
    assert.deepEqual(flush(), { x: 9 });
  });
});

describe('StatsdAggregator: timers', () => {
  it('reports mean, median, percentiles, min, max, sum, count, rate and stddev', () => {
    const { send, flush } = setup({ percentiles: [50, 90, 99.9] });
    send(Array.from({ length: 10 }, (_, i) => `lat:${(i + 1) * 10}|ms`).join('\n'));
    assert.deepEqual(flush(), {
      'lat.mean': 55,
      'lat.median': 55,
      'lat.p50': 50,
      'lat.p90': 90,
      'lat.p99_9': 100,
      'lat.min': 10,
      'lat.max': 100,
      'lat.sum': 550,
      'lat.stddev': Math.sqrt(825),
      'lat.count': 10,
      'lat.rate': 1,
    });
  });

  it('counts each sampled value 1/rate times; h and d are timers too', () => {
    const { send, flush } = setup();
    send('lat:100|ms|@0.1\nlat:200|h|@0.5\nlat:300|d');
    const out = flush();
    assert.equal(out['lat.count'], 13);
    assert.equal(out['lat.mean'], 200);
    assert.equal(out['lat.sum'], 600);
  });

  it('reports only a count and rate of 0 for an idle interval', () => {
    const { send, flush } = setup();
    send('lat:5|ms');
    flush();
    assert.deepEqual(flush(), { 'lat.count': 0, 'lat.rate': 0 });
  });

  it('keeps at most maxTimerValues values but exact count, sum, min, max and mean', () => {
    const { aggregator, flush } = setup({ maxTimerValues: 50 });
    for (let i = 1; i <= 10_000; i++) aggregator.add({ name: 'big', tags: '', kind: 'timer', value: i, delta: false, member: '', rate: 1 });
    const out = flush();
    assert.equal(out['big.count'], 10_000);
    assert.equal(out['big.sum'], 50_005_000);
    assert.equal(out['big.min'], 1);
    assert.equal(out['big.max'], 10_000);
    assert.equal(out['big.mean'], 5000.5);
    // A uniform sample of 50 of 1..10000: its median is near the middle.
    assert.ok(Math.abs((out['big.median'] as number) - 5000) < 2500, `median ${out['big.median']}`);
  });

  it('names percentiles p90, p99_9', () => {
    assert.equal(percentileStat(90), 'p90');
    assert.equal(percentileStat(99.9), 'p99_9');
  });
});

describe('StatsdAggregator: sets', () => {
  it('counts distinct members per interval', () => {
    const { send, flush } = setup();
    send('users:alice|s\nusers:bob|s\nusers:alice|s');
    assert.deepEqual(flush(), { 'users.count': 2 });
    send('users:carol|s');
    assert.deepEqual(flush(), { 'users.count': 1 });
    assert.deepEqual(flush(), { 'users.count': 0 });
  });

  it('caps members per set and in total, counting what it drops', () => {
    const { send, flush, aggregator } = setup({ maxSetMembers: 3, maxTotalSetMembers: 5 });
    send('a:1|s\na:2|s\na:3|s\na:4|s\nb:1|s\nb:2|s\nb:3|s');
    assert.deepEqual(flush(), { 'a.count': 3, 'b.count': 2 });
    assert.equal(aggregator.stats().setMembersDropped, 2);
    send('b:1|s\nb:2|s\nb:3|s');
    assert.deepEqual(flush(), { 'a.count': 0, 'b.count': 3 }, 'the total frees up at each flush');
  });
});

describe('StatsdAggregator: bounded memory', () => {
  it('refuses new metrics beyond maxMetrics, counts them, and keeps updating known ones', () => {
    const { send, flush, aggregator } = setup({ maxMetrics: 2 });
    send('a:1|c\nb:1|g\nc:1|c\na:1|c');
    assert.deepEqual(flush(), { 'a.count': 2, 'a.rate': 0.2, b: 1 });
    assert.deepEqual(aggregator.stats(), { metrics: 2, refused: 1, setMembersDropped: 0 });
  });

  it('makes room again once idle metrics are forgotten', () => {
    const { send, flush, aggregator } = setup({ maxMetrics: 1, idleMs: 10_000 });
    send('a:1|c');
    flush();
    flush();
    send('b:1|c');
    assert.deepEqual(flush(), { 'b.count': 1, 'b.rate': 0.1 });
    assert.equal(aggregator.stats().refused, 0);
  });

  describe('keeps no packet alive through the strings it holds', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const padding = `#${'x'.repeat(1 << 20)}`; // a 1 MB line (rejected) in every packet
    /** Heap growth (bytes) after feeding 40 packets of 1 MB built by `line`. */
    const growth = (line: (i: number) => string) => {
      const { aggregator } = setup({ maxMetrics: 1000 });
      gc();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 40; i++) {
        for (const metric of parseStatsdPacket(`${line(i)}\n${padding}`).metrics) aggregator.add(metric);
      }
      gc();
      const grown = process.memoryUsage().heapUsed - before;
      assert.equal(aggregator.stats().metrics > 0, true);
      return grown;
    };

    it('through metric names and tags', () => {
      const grown = growth((i) => `a.long.metric.name.${i}:1|c|#host:a-long-host-name-${i}`);
      assert.ok(grown < 8 << 20, `heap grew by ${(grown / 2 ** 20).toFixed(1)} MB for 40 metrics`);
    });

    it('through set members', () => {
      const grown = growth((i) => `users.online:a-long-member-name-${i}|s`);
      assert.ok(grown < 8 << 20, `heap grew by ${(grown / 2 ** 20).toFixed(1)} MB for 40 members`);
    });
  });
});

describe('StatsdAggregator fuzz', () => {
  it('only ever emits finite values with the flush time, whatever packets arrive', () => {
    const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), fc.constantFrom('1e308', '-1e308', '+1e308', '0', 'x'));
    const line = fc
      .tuple(fc.constantFrom('a', 'b', 'c'), value, fc.constantFrom('c', 'g', 'ms', 'h', 'd', 's'), fc.constantFrom('', '|@0.001', '|@1', '|#k:v'))
      .map(([name, v, type, extra]) => `${name}:${v}|${type}${extra}`);
    fc.assert(
      fc.property(fc.array(fc.array(line, { maxLength: 20 }), { maxLength: 5 }), (packets) => {
        const { aggregator, clock } = setup({ maxTimerValues: 5 });
        for (const packet of packets) {
          for (const metric of parseStatsdPacket(packet.join('\n')).metrics) aggregator.add(metric);
          clock.t += 1000;
          const samples: Sample[] = aggregator.flush();
          for (const sample of samples) {
            assert.ok(Number.isFinite(sample.value), `${sample.series} = ${sample.value}`);
            assert.equal(sample.time, clock.t);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
