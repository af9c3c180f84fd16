import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MjpegReader, type Part } from '../helpers/mjpeg-reader.js';
import { type TestServer, chartStats, feed, getJson, sleep, startServer } from '../helpers/server.js';

const CHART = { series: ['fan.value'], fps: 10, width: 320, height: 180, overlay: { lines: ['{time}', '{last:fan.value:2}'] } };


/** Renders of the chart while `viewers` clients watch it for `ms`. */
async function rendersWhileWatched(server: TestServer, viewers: number, ms: number): Promise<{ renders: number; parts: Part[][] }> {
  const readers = await Promise.all(Array.from({ length: viewers }, () => MjpegReader.open(`${server.url}/charts/fan.mjpeg`)));
  const parts: Part[][] = readers.map(() => []);
  const collecting = readers.map(async (reader, i) => {
    for (;;) {
      try {
        parts[i]!.push(await reader.nextPart(2000));
      } catch {
        return;
      }
    }
  });
  await sleep(500); // every viewer connected and receiving
  const before = (await chartStats(server, 'fan')).renders;
  await sleep(ms);
  const renders = (await chartStats(server, 'fan')).renders - before;
  for (const reader of readers) reader.close();
  await Promise.all(collecting);
  return { renders, parts };
}

describe('fan-out', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ charts: { 'fan.json': CHART } });
  });
  after(() => server.stop());

  it('renders as often for 20 viewers as for 1', async () => {
    const stop = feed(server.url, 'fan.value');
    try {
      const one = await rendersWhileWatched(server, 1, 2000);
      const twenty = await rendersWhileWatched(server, 20, 2000);
      // Data changes 20×/s, so both runs render at the 10 fps cap: ~20 frames each.
      assert.ok(one.renders >= 10 && one.renders <= 24, `1 viewer: ${one.renders} renders in 2 s`);
      assert.ok(twenty.renders <= one.renders * 1.25 + 2, `20 viewers: ${twenty.renders} renders, 1 viewer: ${one.renders}`);
      assert.ok(twenty.renders >= one.renders * 0.75 - 2, `20 viewers: ${twenty.renders} renders, 1 viewer: ${one.renders}`);
    } finally {
      stop();
    }
  });

  it('sends every viewer the same bytes for the same frame', async () => {
    const stop = feed(server.url, 'fan.value');
    try {
      const { parts } = await rendersWhileWatched(server, 5, 1000);
      const bySeq = new Map<number, Buffer>();
      let shared = 0;
      for (const viewer of parts) {
        assert.ok(viewer.length >= 5, `a viewer got only ${viewer.length} frames`);
        for (const part of viewer) {
          const seen = bySeq.get(part.seq);
          if (seen) {
            assert.ok(seen.equals(part.body), `frame ${part.seq} differs between viewers`);
            shared++;
          } else bySeq.set(part.seq, part.body);
        }
      }
      assert.ok(shared > 10, 'viewers received the same frames');
    } finally {
      stop();
    }
  });

  it('counts one variant whatever the number of viewers, and one per distinct size', async () => {
    const readers = await Promise.all([
      MjpegReader.open(`${server.url}/charts/fan.mjpeg`),
      MjpegReader.open(`${server.url}/charts/fan.mjpeg`),
      MjpegReader.open(`${server.url}/charts/fan.mjpeg?width=320&height=180`),
      MjpegReader.open(`${server.url}/charts/fan.mjpeg?width=200`),
    ]);
    try {
      await Promise.all(readers.map((r) => r.nextPart()));
      const stats = await getJson<{ variants: { chart: string; running: boolean; stats: { viewers: number } }[] }>(`${server.url}/api/stats`);
      const live = stats.variants.filter((v) => v.chart === 'fan' && v.running);
      assert.deepEqual(live.map((v) => v.stats.viewers).sort(), [1, 3]);
    } finally {
      for (const reader of readers) reader.close();
    }
  });

  it('reports each viewer with its own counters, and the render threads', async () => {
    const readers = await Promise.all([MjpegReader.open(`${server.url}/charts/fan.mjpeg`), MjpegReader.open(`${server.url}/charts/fan.mjpeg?width=200`)]);
    try {
      await Promise.all(readers.map(async (r) => {
        await r.nextPart();
        await r.nextPart();
      }));
      type Viewer = { chart: string; key: string; client: string; framesSent: number; framesSkipped: number; bytesSent: number; busy: boolean; queuedBytes: number; connectedSeconds: number };
      const { viewers } = await getJson<{ viewers: Viewer[] }>(`${server.url}/api/viewers`);
      const fan = viewers.filter((v) => v.chart === 'fan');
      assert.equal(fan.length, 2);
      assert.deepEqual(fan.map((v) => v.key).sort(), ['fan@200x180@10fps@q80', 'fan@320x180@10fps@q80']);
      for (const viewer of fan) {
        assert.match(viewer.client, /^127\.0\.0\.1:\d+$/);
        assert.ok(viewer.framesSent >= 2 && viewer.bytesSent > 1000, JSON.stringify(viewer));
        assert.equal(typeof viewer.framesSkipped, 'number');
        assert.ok(viewer.queuedBytes >= 0 && viewer.queuedBytes < 200_000, `queued ${viewer.queuedBytes} bytes`);
      }
      const stats = await getJson<{ render: { threads: number; charts: number[]; restarts: number } }>(`${server.url}/api/stats`);
      assert.ok(stats.render.threads >= 1);
      assert.equal(stats.render.charts.reduce((a, b) => a + b, 0) >= 2, true);
      assert.equal(stats.render.restarts, 0);
    } finally {
      for (const reader of readers) reader.close();
    }
  });
});
