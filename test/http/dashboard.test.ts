import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { decodeJpeg } from '../helpers/mjpeg-reader.js';
import { type TestServer, getJson, sleep, startServer } from '../helpers/server.js';

const SHIPPED_CHARTS = resolve(import.meta.dirname, '..', '..', 'charts');
const BUILT_IN = ['cpu', 'load', 'memory', 'network'];

interface ChartList {
  charts: { name: string; title: string; series: string[]; urls: { mjpeg: string; jpg: string }; stats: { renders: number } }[];
  errors: unknown[];
}

describe('out of the box: built-in charts fed by the system collector', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ chartsDir: SHIPPED_CHARTS, args: ['--system', 'on', '--system-interval', '200ms'] });
  });
  after(() => server.stop());

  it('lists the built-in charts with their stream URLs and counters', async () => {
    const list = await getJson<ChartList>(`${server.url}/api/charts`);
    assert.deepEqual(list.charts.map((c) => c.name), BUILT_IN);
    assert.deepEqual(list.errors, []);
    for (const chart of list.charts) {
      assert.equal(chart.urls.mjpeg, `/charts/${chart.name}.mjpeg`);
      assert.equal(chart.urls.jpg, `/charts/${chart.name}.jpg`);
      assert.equal(typeof chart.stats.renders, 'number');
    }
  });

  it('collects CPU, memory, load and network series without any push', async () => {
    await sleep(700);
    const { series } = await getJson<{ series: { name: string; points: number; lastValue: number }[] }>(`${server.url}/api/series`);
    const byName = new Map(series.map((s) => [s.name, s]));
    for (const name of ['system.cpu.total', 'system.memory.used_percent', 'system.load.1', 'system.net.rx_bytes']) {
      assert.ok((byName.get(name)?.points ?? 0) >= 2, `${name} has points`);
    }
    const cpu = byName.get('system.cpu.total')!.lastValue;
    assert.ok(cpu >= 0 && cpu <= 100, `cpu ${cpu}`);
  });

  it('serves every built-in chart as a decodable JPEG', async () => {
    for (const name of BUILT_IN) {
      const response = await fetch(`${server.url}/charts/${name}.jpg`);
      assert.equal(response.status, 200);
      const image = decodeJpeg(Buffer.from(await response.arrayBuffer()));
      assert.deepEqual([image.width, image.height], [640, 360]);
    }
  });

  it('serves a dashboard with every chart live, alt text and embed snippets', async () => {
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    for (const name of BUILT_IN) {
      assert.match(html, new RegExp(`<img src="/charts/${name}\\.mjpeg" alt="[^"]+ \\(live chart\\)"`));
      assert.ok(html.includes(`${server.url}/charts/${name}.mjpeg`), 'absolute URL in snippets');
    }
    for (const label of ['HTML', 'Markdown', 'Home Assistant', 'OBS']) assert.ok(html.includes(`<summary>${label}</summary>`), label);
    assert.ok(html.includes('platform: mjpeg'), 'Home Assistant MJPEG camera snippet');
  });

  it('reports health', async () => {
    const health = await getJson<{ status: string; charts: { loaded: number; failed: number } }>(`${server.url}/healthz`);
    assert.equal(health.status, 'ok');
    assert.deepEqual(health.charts, { loaded: 4, failed: 0 });
  });
});

describe('a bad chart file', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      charts: {
        'good.json': { series: ['a'] },
        'bad.yaml': 'series:\n  - name: a\n    colour: red\n',
      },
    });
  });
  after(() => server.stop());

  it('is reported with its file and field while the other charts still load', async () => {
    const list = await getJson<{ charts: { name: string }[]; errors: { file: string; field: string; message: string }[] }>(`${server.url}/api/charts`);
    assert.deepEqual(list.charts.map((c) => c.name), ['good']);
    assert.equal(list.errors.length, 1);
    assert.match(list.errors[0]!.file, /bad\.yaml$/);
    assert.equal(list.errors[0]!.field, 'series.0.colour');
    const html = await (await fetch(`${server.url}/`)).text();
    assert.ok(html.includes('bad.yaml') && html.includes('series.0.colour'), 'the dashboard shows the error');
    assert.ok(server.logs.some((line) => line.includes('chart file rejected') && line.includes('bad.yaml')), 'and it is logged');
  });
});

describe('a third-party MJPEG client', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ charts: { 'probe.json': { series: ['p'], width: 320, height: 180, fps: 5 } } });
  });
  after(() => server.stop());

  it('ffmpeg reads frames from the stream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chartcast-ffmpeg-'));
    await promisify(execFile)(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-f', 'mpjpeg', '-i', `${server.url}/charts/probe.mjpeg`, '-frames:v', '3', '-c', 'copy', join(dir, 'frame-%d.jpg')],
      { timeout: 20_000 },
    );
    const files = (await readdir(dir)).sort();
    assert.deepEqual(files, ['frame-1.jpg', 'frame-2.jpg', 'frame-3.jpg']);
    for (const file of files) {
      const image = decodeJpeg(await readFile(join(dir, file)));
      assert.deepEqual([image.width, image.height], [320, 180]);
    }
  });
});
