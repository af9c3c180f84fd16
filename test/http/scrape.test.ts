import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { IngestSink } from '../../src/ingest/ingest-sink.js';
import { Scraper } from '../../src/ingest/scraper.js';
import { createSystemClock } from '../../src/lib/clock.js';
import { createSilentLogger } from '../../src/lib/logger.js';
import type { ScrapeSpec } from '../../src/lib/scrape-spec.js';
import { MemorySeriesStore } from '../../src/series/memory-store.js';
import { MjpegReader, countColor, decodeJpeg } from '../helpers/mjpeg-reader.js';
import { type TestServer, getJson, sleep, startServer } from '../helpers/server.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const RED: [number, number, number] = [0xff, 0, 0];

interface TargetStatus {
  job: string;
  instance: string;
  health: 'unknown' | 'up' | 'down';
  lastError: string | null;
  samples: number;
  filtered: number;
  scrapes: number;
  failures: number;
}
interface ScrapeBody {
  targets: TargetStatus[];
  errors: { file: string; field: string; message: string }[];
}
interface SeriesBody {
  points: [number, number][];
}

/** A loopback port nothing listens on (just closed). */
async function freePort(): Promise<number> {
  const server = createTcpServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** Resolves once `url` answers 200 (a child that is still starting refuses connections). */
async function waitForUrl(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await sleep(100);
  }
  throw new Error(`${url} never answered`);
}

/** Polls until `check` returns a value (not undefined), or fails after `ms`. */
async function eventually<T>(check: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** prom-client's default metrics plus a counter with its own job label, served by a child process. */
const PROM_CLIENT_APP = `
const client = require('prom-client');
const http = require('node:http');
client.collectDefaultMetrics();
new client.Counter({ name: 'app_requests_total', help: 'Requests.', labelNames: ['job'] }).inc({ job: 'inner' }, 5);
http.createServer(async (req, res) => {
  res.setHeader('Content-Type', client.register.contentType);
  res.end(await client.register.metrics());
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
`;

describe('scraping Prometheus endpoints', () => {
  let server: TestServer;
  let exporter: ChildProcess;
  let app: ChildProcess;
  let misbehaving: Server;
  let exporterPort: number;
  let appPort: number;
  let downPort: number;
  let maxConcurrentSlow = 0;
  let acceptHeader: string | undefined;

  before(async () => {
    assert.ok(existsSync(NODE_EXPORTER), `${NODE_EXPORTER} is missing: apt-get install prometheus-node-exporter`);
    exporterPort = await freePort();
    exporter = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${exporterPort}`, '--collector.disable-defaults', '--collector.loadavg', '--collector.meminfo'], { stdio: 'ignore' });
    await waitForUrl(`http://127.0.0.1:${exporterPort}/metrics`);

    app = spawn(process.execPath, ['-e', PROM_CLIENT_APP], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    app.stdout?.setEncoding('utf8');
    const [line] = (await once(app.stdout as NodeJS.ReadableStream, 'data')) as [string];
    appPort = Number(line.trim());

    // /slow never answers within the timeout; /huge sends more than the target's maxBytes.
    let inFlight = 0;
    misbehaving = createServer((req, res) => {
      if (req.url === '/auth') {
        acceptHeader = req.headers.accept;
        const ok = req.headers.authorization === `Basic ${Buffer.from('scraper:p@ss').toString('base64')}`;
        res.writeHead(ok ? 200 : 401).end(ok ? 'secret_metric 42\n' : 'unauthorized\n');
        return;
      }
      if (req.url === '/huge') {
        res.end(`# filler\n${'huge_metric 1\n'.repeat(1000)}`);
        return;
      }
      inFlight++;
      maxConcurrentSlow = Math.max(maxConcurrentSlow, inFlight);
      const timer = setTimeout(() => res.end('slow_metric 1\n'), 1500);
      res.on('close', () => {
        clearTimeout(timer);
        inFlight--;
      });
    }).listen(0, '127.0.0.1');
    await once(misbehaving, 'listening');
    const misbehavingPort = (misbehaving.address() as AddressInfo).port;
    downPort = await freePort();

    const dir = await mkdtemp(join(tmpdir(), 'chartcast-scrape-'));
    await writeFile(join(dir, 'node.json'), JSON.stringify({ url: `http://127.0.0.1:${exporterPort}/metrics`, interval: '1s', metrics: ['node_load*', 'node_memory_MemAvailable_bytes'] }));
    await writeFile(join(dir, 'app.yaml'), `url: http://127.0.0.1:${appPort}/metrics\ninterval: 1s\nlabels:\n  env: test\nmetrics:\n  - nodejs_heap_size_used_bytes\n  - process_cpu_*\n  - app_requests_total\n`);
    await writeFile(join(dir, 'down.json'), JSON.stringify({ url: `http://127.0.0.1:${downPort}/metrics`, interval: '1s' }));
    await writeFile(join(dir, 'slow.json'), JSON.stringify({ url: `http://127.0.0.1:${misbehavingPort}/slow`, interval: '1s', timeout: '500ms' }));
    await writeFile(join(dir, 'huge.json'), JSON.stringify({ url: `http://127.0.0.1:${misbehavingPort}/huge`, interval: '1s', maxBytes: 2048 }));
    await writeFile(join(dir, 'auth.json'), JSON.stringify({ url: `http://scraper:p%40ss@127.0.0.1:${misbehavingPort}/auth`, interval: '1s' }));
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ url: `http://127.0.0.1:${downPort}/metrics`, interval: '5s', timeout: '10s' }));
    server = await startServer({
      charts: { 'load.json': { title: '', series: [{ name: `node_load1{job=node}`, color: '#ff0000', lineWidth: 6 }], window: '1m', fps: 5, width: 320, height: 180, legend: false, overlay: { lines: [] } } },
      args: ['--scrape', dir],
    });
  });

  after(async () => {
    await server?.stop();
    exporter?.kill();
    app?.kill();
    misbehaving?.closeAllConnections();
    misbehaving?.close();
  });

  const scrape = () => getJson<ScrapeBody>(`${server.url}/api/scrape`);
  const target = async (job: string) => (await scrape()).targets.find((t) => t.job === job) as TargetStatus;
  const series = (key: string) => getJson<SeriesBody>(`${server.url}/api/series/${encodeURIComponent(key)}`);

  it('scrapes prometheus-node-exporter: node_load1 with job and instance, growing every scrape', async () => {
    const key = `node_load1{instance=127.0.0.1:${exporterPort},job=node}`;
    const first = await eventually(async () => (await series(key)).points.length || undefined, 5000, key);
    const later = await eventually(async () => {
      const count = (await series(key)).points.length;
      return count >= first + 2 ? count : undefined;
    }, 5000, 'two more scrapes');
    assert.ok(later >= first + 2);
    const up = await series(`up{instance=127.0.0.1:${exporterPort},job=node}`);
    assert.equal(up.points.at(-1)?.[1], 1);
    const status = await target('node');
    assert.equal(status.health, 'up');
    assert.equal(status.instance, `127.0.0.1:${exporterPort}`);
    assert.ok(status.samples >= 4, `samples ${status.samples}`); // node_load1/5/15 and MemAvailable
    assert.ok(status.filtered > 0, 'the allow-list left out the other metrics');
    const names = (await getJson<{ series: { name: string }[] }>(`${server.url}/api/series`)).series.map((s) => s.name);
    assert.ok(!names.some((name) => name.startsWith('go_') && name.includes('job=node')), 'metrics outside the allow-list are not stored');
  });

  it('draws the scraped series in a chart that selects it', async () => {
    const reader = await MjpegReader.open(`${server.url}/charts/load.mjpeg`);
    try {
      await eventually(async () => {
        const image = decodeJpeg((await reader.nextPart()).body);
        return countColor(image, RED, 60) > 200 ? true : undefined;
      }, 8000, 'a red node_load1 line in the frame');
    } finally {
      reader.close();
    }
  });

  it("scrapes prom-client's default metrics from a child process, with the file's labels", async () => {
    const tags = `env=test,instance=127.0.0.1:${appPort},job=app`;
    const heap = await eventually(async () => (await series(`nodejs_heap_size_used_bytes{${tags}}`)).points.at(-1)?.[1], 5000, 'nodejs_heap_size_used_bytes');
    assert.ok(heap > 1_000_000, `heap ${heap}`);
    // Like Prometheus, the target's job wins and the exposition's own job label is kept as exported_job.
    assert.equal((await series(`app_requests_total{${tags},exported_job=inner}`)).points.at(-1)?.[1], 5);
    assert.equal((await target('app')).health, 'up');
  });

  it('stores up=0 and the reason for a target that is down, and keeps running', async () => {
    const status = await eventually(async () => {
      const t = await target('down');
      return t.health === 'down' ? t : undefined;
    }, 5000, 'the down target');
    assert.match(status.lastError ?? '', /ECONNREFUSED/);
    assert.ok(status.failures >= 1);
    assert.equal((await series(`up{instance=127.0.0.1:${downPort},job=down}`)).points.at(-1)?.[1], 0);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  it('gives up on a slow target at its timeout without ever overlapping it, and on a body over maxBytes', async () => {
    const slow = await eventually(async () => {
      const t = await target('slow');
      return t.failures >= 2 ? t : undefined;
    }, 6000, 'two failed slow scrapes');
    assert.equal(slow.health, 'down');
    assert.match(slow.lastError ?? '', /timed out after 500ms/);
    assert.equal(maxConcurrentSlow, 1, 'one scrape at a time');
    const huge = await eventually(async () => {
      const t = await target('huge');
      return t.health === 'down' ? t : undefined;
    }, 5000, 'the huge target');
    assert.match(huge.lastError ?? '', /larger than 2048 bytes/);
  });

  it('sends the credentials of the URL as basic auth and asks for the text format', async () => {
    const tags = `instance=127.0.0.1:${(misbehaving.address() as AddressInfo).port},job=auth`;
    assert.equal(await eventually(async () => (await series(`secret_metric{${tags}}`)).points.at(-1)?.[1], 5000, 'secret_metric'), 42);
    assert.match(acceptHeader ?? '', /^text\/plain;version=0\.0\.4/);
    const status = await target('auth');
    assert.doesNotMatch(JSON.stringify(status), /p@ss|p%40ss/, 'the password is not shown');
  });

  it('reports a bad scrape file in /api/scrape and loads the others', async () => {
    const body = await scrape();
    assert.deepEqual(body.targets.map((t) => t.job).sort(), ['app', 'auth', 'down', 'huge', 'node', 'slow']);
    const bad = body.errors.find((e) => e.file.endsWith('bad.json'));
    assert.equal(bad?.field, 'timeout');
    assert.match(bad?.message ?? '', /at most the interval/);
  });
});

describe('scraper memory', () => {
  it('keeps the last error of each target without keeping the response it was read from', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // A bad line quoting input (its reason holds a slice of the response), then 4 MB of comment.
    const body = `bad_value abcdefghijklmnopqrstuvwxyz0123456789\n#${'x'.repeat(4_000_000)}\n`;
    const target = createServer((_, res) => res.end(body)).listen(0, '127.0.0.1');
    await once(target, 'listening');
    const { port } = target.address() as AddressInfo;
    const clock = createSystemClock();
    const store = new MemorySeriesStore({ clock, limits: { maxPointsPerSeries: 10, maxSeries: 100, retentionMs: 60_000 } });
    const logger = createSilentLogger();
    const targets: ScrapeSpec[] = Array.from({ length: 10 }, (_, i) => ({
      name: `t${i}`,
      url: `http://127.0.0.1:${port}/metrics`,
      username: undefined,
      password: undefined,
      intervalMs: 3_600_000,
      timeoutMs: 10_000,
      labels: {},
      metrics: undefined,
      maxBytes: 8_000_000,
      honorLabels: false,
      file: undefined,
    }));
    const scraper = new Scraper({ targets, sink: new IngestSink({ store, logger, clock }), clock, logger, maxFutureMs: 600_000 });
    try {
      gc();
      const before = process.memoryUsage().heapUsed;
      scraper.start();
      await eventually(async () => (scraper.status().every((t) => t.scrapes === 1) ? true : undefined), 20_000, 'one scrape of every target');
      const status = scraper.status();
      assert.match(status[0]?.lastError ?? '', /2 bad lines skipped; line 1: "abcdefghij/);
      gc();
      const grown = process.memoryUsage().heapUsed - before;
      assert.ok(grown < 20_000_000, `heap grew ${(grown / 1e6).toFixed(0)} MB for 10 scraped targets`);
    } finally {
      await scraper.stop();
      target.close();
    }
  });
});
