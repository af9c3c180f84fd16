import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import client from 'prom-client';
import { PushGroups } from '../../src/ingest/push-groups.js';
import { MemorySeriesStore } from '../../src/series/memory-store.js';
import { MjpegReader, decodeJpeg } from '../helpers/mjpeg-reader.js';
import { expectedRow, lineRowAtRightEdge, probeChart } from '../helpers/probe-chart.js';
import { type TestServer, getJson, sleep, startServer } from '../helpers/server.js';

const run = promisify(execFile);
/** Debian's python3, which has python3-prometheus-client (the pyenv one on PATH does not). */
const PYTHON = '/usr/bin/python3';

const PROBE = probeChart('pg_probe');

/** The status of prom-client's answer (its typings leave `resp` unknown). */
const statusOf = (result: { resp?: unknown }) => (result.resp as IncomingMessage).statusCode;

interface SeriesBody {
  name: string;
  points: [number, number][];
}

describe('Pushgateway-compatible push', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ charts: { 'probe.json': PROBE } });
  });
  after(() => server.stop());

  const series = (key: string) => getJson<SeriesBody>(`${server.url}/api/series/${encodeURIComponent(key)}`);
  const lastValue = async (key: string) => (await series(key)).points.at(-1)?.[1];
  const exists = async (key: string) => (await fetch(`${server.url}/api/series/${encodeURIComponent(key)}`)).status === 200;
  const send = (path: string, method: string, body?: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { method, body, headers });

  it('takes pushAdd, push and delete from prom-client, with a gauge, a counter and a histogram', async () => {
    const registry = new client.Registry();
    const gauge = new client.Gauge({ name: 'pc_temperature_celsius', help: 'Room temperature.', labelNames: ['room'], registers: [registry] });
    const counter = new client.Counter({ name: 'pc_jobs_total', help: 'Jobs run.', registers: [registry] });
    const histogram = new client.Histogram({ name: 'pc_duration_seconds', help: 'Job duration.', buckets: [0.1, 1], registers: [registry] });
    gauge.set({ room: 'kitchen' }, 21.5);
    counter.inc(3);
    histogram.observe(0.05);
    histogram.observe(0.5);
    const gateway = new client.Pushgateway(server.url, {}, registry);

    const added = await gateway.pushAdd({ jobName: 'batch', groupings: { instance: 'host-1' } });
    assert.equal(statusOf(added), 200);
    assert.equal(await lastValue('pc_temperature_celsius{instance=host-1,job=batch,room=kitchen}'), 21.5);
    assert.equal(await lastValue('pc_jobs_total{instance=host-1,job=batch}'), 3);
    assert.equal(await lastValue('pc_duration_seconds_bucket{instance=host-1,job=batch,le=0.1}'), 1);
    assert.equal(await lastValue('pc_duration_seconds_bucket{instance=host-1,job=batch,le=+Inf}'), 2);
    assert.equal(await lastValue('pc_duration_seconds_count{instance=host-1,job=batch}'), 2);
    assert.equal(await lastValue('pc_duration_seconds_sum{instance=host-1,job=batch}'), 0.55);

    // PUT (push) adds points like POST: the history of the group stays.
    await sleep(20);
    gauge.set({ room: 'kitchen' }, 23);
    assert.equal(statusOf(await gateway.push({ jobName: 'batch', groupings: { instance: 'host-1' } })), 200);
    const points = (await series('pc_temperature_celsius{instance=host-1,job=batch,room=kitchen}')).points.map(([, v]) => v);
    assert.deepEqual(points, [21.5, 23]);

    // Another group, nested in the first's labels: {job=batch} alone.
    await gateway.pushAdd({ jobName: 'batch' });
    assert.equal(await lastValue('pc_jobs_total{job=batch}'), 3);

    const deleted = await gateway.delete({ jobName: 'batch', groupings: { instance: 'host-1' } });
    assert.equal(statusOf(deleted), 202);
    assert.equal(await exists('pc_jobs_total{instance=host-1,job=batch}'), false);
    assert.equal(await exists('pc_temperature_celsius{instance=host-1,job=batch,room=kitchen}'), false);
    assert.equal(await exists('pc_jobs_total{job=batch}'), true, 'the {job=batch} group is not the deleted one');
  });

  it('takes push_to_gateway, pushadd_to_gateway and delete_from_gateway from python3-prometheus-client', async () => {
    const script = `
import sys
from prometheus_client import CollectorRegistry, Gauge, Counter, push_to_gateway, pushadd_to_gateway, delete_from_gateway
url = sys.argv[1]
registry = CollectorRegistry()
g = Gauge('py_last_success_unixtime', 'Last time the job succeeded.', registry=registry)
g.set(1769860800)
c = Counter('py_records', 'Records processed.', ['table'], registry=registry)
c.labels('users').inc(42)
key = {'path': '/var/backups', 'empty': '', 'host': 'db 1'}
push_to_gateway(url, job='nightly/backup', registry=registry, grouping_key=key)
g.set(1769860900)
pushadd_to_gateway(url, job='nightly/backup', registry=registry, grouping_key=key)
push_to_gateway(url, job='other', registry=registry)
delete_from_gateway(url, job='other')
print('ok')
`;
    const { stdout } = await run(PYTHON, ['-c', script, server.url]);
    assert.equal(stdout.trim(), 'ok');
    // job with "/" and path with "/" went base64-encoded; the empty label went as "=" and is no tag; quote_plus made the space "+".
    const tags = 'host=db+1,job=nightly/backup,path=/var/backups';
    const times = (await series(`py_last_success_unixtime{${tags}}`)).points.map(([, v]) => v);
    assert.deepEqual(times, [1_769_860_800, 1_769_860_900]);
    assert.equal(await lastValue(`py_records_total{${tags},table=users}`), 42);
    assert.equal(await exists('py_records_total{job=other,table=users}'), false, 'deleted');
  });

  it('reads the @base64 forms of the job and of grouping labels', async () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64url');
    const response = await send(`/metrics/job@base64/${b64('a/b')}/dir@base64/${b64('/tmp/x')}/zone/eu%2Fwest/empty@base64/=`, 'POST', 'b64_metric{empty="dropped"} 7\n');
    assert.equal(response.status, 200, await response.text());
    assert.equal(await lastValue('b64_metric{dir=/tmp/x,job=a/b,zone=eu/west}'), 7);
    // Padding is optional, as in the Pushgateway.
    assert.equal((await send(`/metrics/job@base64/${b64('ab')}==`, 'POST', 'b64_padded 1\n')).status, 200);
    assert.equal(await lastValue('b64_padded{job=ab}'), 1);
  });

  it('lets grouping labels override labels of the same name in the body', async () => {
    const response = await send('/metrics/job/override/instance/from-path', 'PUT', 'ov_metric{job="body",instance="body",other="kept"} 5\n');
    assert.equal(response.status, 200);
    assert.equal(await lastValue('ov_metric{instance=from-path,job=override,other=kept}'), 5);
  });

  it('stores the good lines of a body with bad ones, and answers 400 naming the bad lines', async () => {
    const body = '# TYPE ok_one gauge\nok_one 1\nbroken{ 2\nok_two 3\nbad_value x\nskipped_nan NaN\n';
    const response = await send('/metrics/job/partial', 'POST', body);
    assert.equal(response.status, 400);
    const error = ((await response.json()) as { error: { message: string; field: string } }).error;
    assert.match(error.message, /2 bad lines/);
    assert.match(error.message, /line 3: /);
    assert.match(error.message, /line 5: "x" is not a number/);
    assert.equal(error.field, 'line 3');
    assert.equal(await lastValue('ok_one{job=partial}'), 1);
    assert.equal(await lastValue('ok_two{job=partial}'), 3);
    assert.equal(await exists('skipped_nan{job=partial}'), false);
    const stats = await getJson<{ ingest: { prometheus: { malformed: number } } }>(`${server.url}/api/stats`);
    assert.ok(stats.ingest.prometheus.malformed >= 2);
  });

  it('answers a valid push with 200 and counts NaN as skipped', async () => {
    const response = await send('/metrics/job/curl', 'POST', 'curl_metric 1\ncurl_nan NaN\n', { 'Content-Type': 'text/plain; version=0.0.4' });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { stored: number; skipped: number };
    assert.equal(body.stored, 1);
    assert.equal(body.skipped, 1);
  });

  it('inflates gzip bodies', async () => {
    const response = await send('/metrics/job/zipped', 'POST', gzipSync('zipped_metric 9\n'), { 'Content-Encoding': 'gzip' });
    assert.equal(response.status, 200, await response.text());
    assert.equal(await lastValue('zipped_metric{job=zipped}'), 9);
  });

  it('refuses protobuf with 415 and a pointer to the text format', async () => {
    const response = await send('/metrics/job/proto', 'POST', Buffer.from([8, 1]), {
      'Content-Type': 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
    });
    assert.equal(response.status, 415);
    assert.match(await response.text(), /text format/);
  });

  it('rejects bad paths with 400 and the reason', async () => {
    const cases: [string, RegExp][] = [
      ['/metrics/job', /job name is required/],
      ['/metrics/job/', /job name is required/],
      ['/metrics/job@base64/=', /job name is required/],
      ['/metrics/job/j/lonely', /odd number of components/],
      ['/metrics/job/j/1bad/v', /improper label name/],
      ['/metrics/job/j/__reserved/v', /improper label name/],
      ['/metrics/job/j/x@base64/not*base64', /invalid base64/],
      ['/metrics/job/j/x/%zz', /percent-encoding/],
    ];
    for (const [path, reason] of cases) {
      const response = await send(path, 'POST', 'm 1\n');
      assert.equal(response.status, 400, path);
      assert.match(await response.text(), reason, path);
    }
    assert.equal((await send('/metrics/job/j', 'GET')).status, 405);
  });

  it('deletes a group that does not exist with 202, like the Pushgateway', async () => {
    const response = await send('/metrics/job/never-pushed', 'DELETE');
    assert.equal(response.status, 202);
  });

  it('shows a pushed value in the chart stream', async () => {
    const reader = await MjpegReader.open(`${server.url}/charts/probe.mjpeg`);
    try {
      await reader.nextPart();
      for (const value of [80, 25]) {
        await sleep(600); // past the previous push's points, so the new segment is flat
        const now = Date.now();
        // Two points half a second apart (explicit millisecond timestamps) make a flat segment at the right edge.
        const response = await send('/metrics/job/probe', 'POST', `# TYPE pg_probe gauge\npg_probe ${value} ${now - 500}\npg_probe ${value} ${now}\n`);
        assert.equal(response.status, 200);
        const storedAt = ((await response.json()) as { storedAt: number }).storedAt * 1000;
        const part = await reader.nextPartWhere((p) => p.timestamp >= storedAt, 3000);
        const row = lineRowAtRightEdge(decodeJpeg(part.body));
        assert.ok(row !== undefined, `value ${value}: no line at the right edge`);
        const expected = expectedRow(value);
        assert.ok(Math.abs(row - expected) < 8, `value ${value}: line at row ${row.toFixed(1)}, expected ${expected}`);
      }
    } finally {
      reader.close();
    }
  });
});

describe('Pushgateway groups', () => {
  it('remembers the series a group pushed without keeping the request bodies they were read from', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const T0 = 1_769_860_800_000;
    const store = new MemorySeriesStore({ clock: { now: () => T0 }, limits: { maxPointsPerSeries: 10, maxSeries: 100, retentionMs: 60_000 } });
    const groups = new PushGroups(store);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 20; i++) {
      // A 4 MB body; the key is a slice of it, as the parser makes.
      const body = `${'x'.repeat(4_000_000)}pushed_metric{job=group_${String(i).padStart(4, '0')}}`;
      const key = body.slice(4_000_000);
      await store.append([{ series: key, time: T0, value: i }]);
      groups.record(`{job=group_${i}}`, [key]);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.equal(groups.size, 20);
    assert.ok(grown < 20_000_000, `heap grew ${(grown / 1e6).toFixed(0)} MB for 20 short keys`);
    assert.equal(await groups.delete('{job=group_3}'), 1);
    assert.equal(store.info('pushed_metric{job=group_0003}'), undefined);
  });
});
