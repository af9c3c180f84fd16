import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MjpegReader, decodeJpeg } from '../helpers/mjpeg-reader.js';
import { expectedRow, lineRowAtRightEdge, probeChart } from '../helpers/probe-chart.js';
import { type TestServer, getJson, sleep, startServer } from '../helpers/server.js';

interface SeriesBody {
  name: string;
  points: [number, number][];
}

/** An exec-plugin program: a constant gauge, and a counter rising 5 per second. */
const PROGRAM = `#!/bin/sh
while true; do
  echo "PUTVAL \\"$COLLECTD_HOSTNAME/exec-test/gauge-answer\\" interval=1 N:42"
  echo "PUTVAL \\"$COLLECTD_HOSTNAME/exec-test/derive-hits\\" interval=1 N:$(( $(date +%s) * 5 ))"
  sleep 1
done
`;

function collectdConfig(dir: string, hostname: string, writers: string): string {
  return `Hostname "${hostname}"
FQDNLookup false
Interval 1
BaseDir "${dir}"
PIDFile "${dir}/collectd-${hostname}.pid"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File STDOUT
</Plugin>
LoadPlugin exec
<Plugin exec>
  Exec "nobody" "${dir}/answer.sh"
</Plugin>
LoadPlugin load
${writers}
`;
}

/** Runs collectd in the foreground until stopped. */
async function runCollectd(dir: string, name: string, config: string): Promise<ChildProcess> {
  const file = join(dir, `${name}.conf`);
  await writeFile(file, config);
  const child = spawn('collectd', ['-f', '-C', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

async function series(server: TestServer, key: string): Promise<SeriesBody | undefined> {
  const response = await fetch(`${server.url}/api/series/${encodeURIComponent(key)}`);
  return response.status === 200 ? ((await response.json()) as SeriesBody) : undefined;
}

async function waitForSeries(server: TestServer, key: string, points = 3): Promise<SeriesBody> {
  for (let i = 0; i < 100; i++) {
    const body = await series(server, key);
    if (body && body.points.length >= points) return body;
    await sleep(200);
  }
  const names = ((await getJson<{ series: { name: string }[] }>(`${server.url}/api/series`)).series).map((s) => s.name);
  assert.fail(`no series ${key} with ${points} points; stored: ${names.join(', ')}`);
}

describe('collectd pushing to chartcast', () => {
  let server: TestServer;
  const agents: ChildProcess[] = [];

  before(async () => {
    server = await startServer({ args: ['--graphite-port', '0'], charts: { 'answer.json': probeChart('exec.gauge{host=json.host,type_instance=answer}', '10m') } });
    const stats = await getJson<{ listeners: { graphite: { tcp: number } } }>(`${server.url}/api/stats`);
    const dir = await mkdtemp(join(tmpdir(), 'chartcast-collectd-'));
    // collectd runs exec programs as an unprivileged user, who must reach the program.
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'answer.sh'), PROGRAM, { mode: 0o755 });
    const http = (format: string) => `LoadPlugin write_http
<Plugin write_http>
  <Node "chartcast">
    URL "${server.url}/collectd"
    Format "${format}"
    StoreRates false
  </Node>
</Plugin>`;
    agents.push(
      await runCollectd(dir, 'json', collectdConfig(dir, 'json.host', `${http('JSON')}
LoadPlugin write_graphite
<Plugin write_graphite>
  <Node "chartcast">
    Host "127.0.0.1"
    Port "${stats.listeners.graphite.tcp}"
    Protocol "tcp"
    Prefix "collectd."
    StoreRates true
  </Node>
</Plugin>`)),
      await runCollectd(dir, 'command', collectdConfig(dir, 'command.host', http('Command'))),
    );
  });

  after(async () => {
    for (const agent of agents) agent.kill('SIGTERM');
    await server.stop();
  });

  it('stores write_http JSON values under plugin.type, with host and instances as tags', async () => {
    const answer = await waitForSeries(server, 'exec.gauge{host=json.host,plugin_instance=test,type_instance=answer}');
    assert.ok(answer.points.every(([, value]) => value === 42));
    await waitForSeries(server, 'load.shortterm{host=json.host}');
    const hits = await waitForSeries(server, 'exec.derive{host=json.host,plugin_instance=test,type_instance=hits}');
    const rate = hits.points.at(-1)?.[1] ?? 0;
    assert.ok(rate > 3 && rate < 7, `a counter rising 5/s is stored as a rate, got ${rate}`);
  });

  it('stores write_http Command (PUTVAL) values the same way, naming them from types.db', async () => {
    const answer = await waitForSeries(server, 'exec.gauge{host=command.host,plugin_instance=test,type_instance=answer}');
    assert.equal(answer.points.at(-1)?.[1], 42);
    await waitForSeries(server, 'load.midterm{host=command.host}');
  });

  it('stores write_graphite values under their Graphite paths', async () => {
    const answer = await waitForSeries(server, 'collectd.json_host.exec-test.gauge-answer');
    assert.equal(answer.points.at(-1)?.[1], 42);
    await waitForSeries(server, 'collectd.json_host.load.load.shortterm');
  });

  it("shows collectd's value in a live stream", async () => {
    await waitForSeries(server, 'exec.gauge{host=json.host,plugin_instance=test,type_instance=answer}');
    const reader = await MjpegReader.open(`${server.url}/charts/answer.mjpeg`);
    try {
      const row = lineRowAtRightEdge(decodeJpeg((await reader.nextPart()).body));
      assert.ok(row !== undefined && Math.abs(row - expectedRow(42)) < 8, `line at row ${row}, expected ${expectedRow(42)}`);
    } finally {
      reader.close();
    }
  });

  it('answers a request with bad value lists with 400 naming them, and stores the good ones', async () => {
    const good = { values: [7], dstypes: ['gauge'], dsnames: ['value'], time: Date.now() / 1000, interval: 1, host: 'h', plugin: 'probe', plugin_instance: '', type: 'gauge', type_instance: '' };
    const response = await fetch(`${server.url}/collectd`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([good, { ...good, dstypes: ['bogus'] }]),
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { message: string; stored: number } };
    assert.match(body.error.message, /value list 2: dstypes/);
    assert.equal(body.error.stored, 1);
    assert.equal((await series(server, 'probe.gauge{host=h}'))?.points.at(-1)?.[1], 7);
    const wrongType = await fetch(`${server.url}/collectd`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: 'x' });
    assert.equal(wrongType.status, 415);
    const stats = await getJson<{ ingest: { collectd: { malformed: number; points: number } } }>(`${server.url}/api/stats`);
    assert.ok(stats.ingest.collectd.malformed >= 1 && stats.ingest.collectd.points > 1);
  });
});
