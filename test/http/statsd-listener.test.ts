import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { MjpegReader } from '../helpers/mjpeg-reader.js';
import { type TestServer, getJson, startServer } from '../helpers/server.js';
import { frameShowing, probeChart } from '../helpers/probe-chart.js';
import { nc, seriesPoints, waitFor } from '../helpers/protocol-clients.js';
const FLUSH_S = 0.2;

interface Stats {
  ingest: Record<string, { points: number; malformed: number; lastError?: { reason: string } }>;
  listeners: Record<string, { udp?: number; error?: string; metrics?: number } | null>;
}

/** Runs Debian's python3-statsd client (the system python has it). */
async function python(code: string): Promise<void> {
  await promisify(execFile)('/usr/bin/python3', ['-c', `import statsd\n${code}`], { timeout: 10_000 });
}

describe('StatsD listener with real clients', () => {
  let server: TestServer;
  let port: number;
  const stats = () => getJson<Stats>(`${server.url}/api/stats`);
  /** The points of `key` once `ready` holds for them. */
  const pointsWhen = (key: string, ready: (points: [number, number][]) => boolean) =>
    waitFor(key, async () => {
      const points = await seriesPoints(server.url, key);
      return points && ready(points) ? points : undefined;
    });
  /** The value of `key` at unix time `t`. */
  const valueAt = async (key: string, t: number) => (await seriesPoints(server.url, key))?.find(([time]) => time === t)?.[1];

  before(async () => {
    server = await startServer({
      charts: { 'sprobe.json': probeChart('statsd.probe') },
      args: ['--statsd-port', '0', '--statsd-flush', '200ms', '--statsd-percentiles', '50,90,99.9'],
    });
    const statsd = (await stats()).listeners.statsd;
    assert.ok(statsd?.udp, `listeners: ${JSON.stringify(statsd)}`);
    port = statsd.udp;
  });
  after(() => server.stop());

  it('logs the bound port', () => {
    const line = server.logs.find((l) => l.includes('statsd listening'));
    assert.ok(line);
    assert.equal(JSON.parse(line).udp, port);
  });

  it('aggregates counters, gauges, timers and sets from python3-statsd', async () => {
    await python(`
c = statsd.StatsClient('127.0.0.1', ${port})
c.incr('py.hits', 3)
c.incr('py.hits')
c.gauge('py.temp', 20)
c.gauge('py.temp', 5, delta=True)
c.gauge('py.temp', -2, delta=True)
with c.pipeline() as p:
    for v in range(10, 101, 10):
        p.timing('py.lat', v)
with c.pipeline() as p:
    p.set('py.users', 'alice')
    p.set('py.users', 'bob')
    p.set('py.users', 'alice')
`);
    // Counters: the counts over the flushes add up; each rate is its count per second.
    const hits = await pointsWhen('py.hits.count', (points) => points.reduce((sum, [, v]) => sum + v, 0) === 4);
    for (const [t, count] of hits) assert.equal(await valueAt('py.hits.rate', t), count / FLUSH_S);
    // Gauges: set then moved by deltas; the last value repeats at every flush.
    await pointsWhen('py.temp', (points) => points.at(-1)?.[1] === 23 && points.length >= 2);
    // Timers: one pipeline packet falls into one flush.
    const [[t] = []] = (await pointsWhen('py.lat.count', (points) => points.some(([, v]) => v === 10))).filter(([, v]) => v === 10);
    assert.ok(t);
    assert.deepEqual(
      await Promise.all(['mean', 'median', 'p50', 'p90', 'p99_9', 'min', 'max', 'sum', 'rate'].map((stat) => valueAt(`py.lat.${stat}`, t))),
      [55, 55, 50, 90, 100, 10, 100, 550, 10 / FLUSH_S],
    );
    // Sets: distinct members in the flush.
    await pointsWhen('py.users.count', (points) => points.some(([, v]) => v === 2));
  });

  it('reads a multi-metric packet from nc -u with sample rates and tags, next to a bad line', async () => {
    const before = (await stats()).ingest.statsd?.malformed ?? 0;
    await nc(
      ['-u', '-q0', '127.0.0.1', String(port)],
      [
        'nc.hits:1|c|@0.5',
        'nc.hits:3|c',
        'nc.temp:10|g',
        'nc.temp:+2.5|g',
        'nc.bad:nan|c',
        'nc.lat:10|ms',
        'nc.lat:30|ms|@0.5',
        'nc.users:a|s',
        'nc.users:b|s',
        'nc.tagged:1|c|#env:test,role:web',
      ].join('\n'),
    );
    const [[t] = []] = (await pointsWhen('nc.hits.count', (points) => points.some(([, v]) => v === 5))).filter(([, v]) => v === 5);
    assert.ok(t);
    assert.equal(await valueAt('nc.hits.rate', t), 5 / FLUSH_S);
    assert.equal(await valueAt('nc.temp', t), 12.5);
    assert.equal(await valueAt('nc.lat.count', t), 3);
    assert.equal(await valueAt('nc.lat.mean', t), 20);
    assert.equal(await valueAt('nc.users.count', t), 2);
    assert.equal(await valueAt('nc.tagged.count{env=test,role=web}', t), 1);
    // An idle counter reports 0 at the next flushes.
    await pointsWhen('nc.hits.count', (points) => points.at(-1)?.[1] === 0);
    const after = await stats();
    assert.equal(after.ingest.statsd?.malformed, before + 1);
    assert.match(after.ingest.statsd?.lastError?.reason ?? '', /"nan" is not a finite number/);
  });

  it('keeps every value of a multi-value line, and one type per name', async () => {
    const before = (await stats()).ingest.statsd?.malformed ?? 0;
    await nc(['-u', '-q0', '127.0.0.1', String(port)], 'multi.hits:1|c:2|c:3|c:4|c|#env:x|c:container1\nmulti.hits:5|ms|#env:x\nmulti.hits:6|c|#env:x');
    const [[t] = []] = (await pointsWhen('multi.hits.count{env=x}', (points) => points.some(([, v]) => v === 16))).filter(([, v]) => v === 16);
    assert.ok(t, 'the four values of the first line and the counter of the last');
    assert.equal(await seriesPoints(server.url, 'multi.hits.mean{env=x}'), undefined, 'the timer line is not aggregated');
    await waitFor('malformed count', async () => ((await stats()).ingest.statsd?.malformed === before + 1 ? true : undefined));
    assert.equal((await stats()).ingest.statsd?.lastError?.reason, '"multi.hits" is already a counter; a timer needs another name');
  });

  it('counts a garbage packet as malformed and keeps running', async () => {
    const before = (await stats()).ingest.statsd?.malformed ?? 0;
    await nc(['-u', '-q0', '127.0.0.1', String(port)], Buffer.from([0xff, 0xfe, 0x00, 0x3a, 0x7c, 0x0a, 0x67, 0x61, 0x72, 0x62, 0x61, 0x67, 0x65, 0x0a, 0x3a, 0x3a, 0x7c, 0x40]));
    await waitFor('malformed count', async () => ((await stats()).ingest.statsd?.malformed === before + 3 ? true : undefined));
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    await nc(['-u', '-q0', '127.0.0.1', String(port)], 'after.garbage:1|g');
    await pointsWhen('after.garbage', (points) => points.length > 0);
  });

  it('shows a gauge in the chart stream', async () => {
    const reader = await MjpegReader.open(`${server.url}/charts/sprobe.mjpeg`);
    try {
      await reader.nextPart();
      for (const value of [65, 25]) {
        await nc(['-u', '-q0', '127.0.0.1', String(port)], `statsd.probe:${value}|g`);
        // The gauge repeats at every flush, so the line runs flat along the right edge.
        await frameShowing(reader, value);
      }
    } finally {
      reader.close();
    }
  });
});
