import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseChart } from '../../src/config/chart-loader.js';
import type { ChartFileInput } from '../../src/config/chart-schema.js';
import { InlineRenderService } from '../../src/pipeline/frame-renderer.js';
import { createCanvasJpegEncoder } from '../../src/encode/jpeg-encoder.js';
import { createSystemClock } from '../../src/lib/clock.js';
import { createSilentLogger } from '../../src/lib/logger.js';
import { StreamRegistry } from '../../src/pipeline/stream-registry.js';
import { registerFonts } from '../../src/render/fonts.js';
import { MemorySeriesStore } from '../../src/series/memory-store.js';
import { CameraRegistry } from '../../src/sources/camera-registry.js';
import { decodeJpeg } from '../helpers/mjpeg-reader.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const clock = createSystemClock();

function chart(name: string, content: Partial<ChartFileInput> & Record<string, unknown>) {
  const parsed = parseChart(name, { series: [name], width: 160, height: 90, ...content });
  if (!('chart' in parsed)) throw new Error(JSON.stringify(parsed.issues));
  return parsed.chart;
}

describe('StreamRegistry and ChartStream', () => {
  let store: MemorySeriesStore;
  let registry: StreamRegistry;
  before(() => {
    store = new MemorySeriesStore({ clock, limits: { maxPointsPerSeries: 1000, maxSeries: 100, retentionMs: 3_600_000 } });
    registry = new StreamRegistry({
      store,
      clock,
      logger: createSilentLogger(),
      renderers: new InlineRenderService(registerFonts(), createCanvasJpegEncoder()),
      cameras: new CameraRegistry([], { clock, logger: createSilentLogger() }),
      keepaliveMs: 1000,
      stallTimeoutMs: 30_000,
      maxPixels: 16_000_000,
      idleGraceMs: 200,
      maxVariants: 4,
    });
    registry.setCharts([
      chart('quiet', { fps: 10, overlay: { lines: ['{time}'] } }),
      chart('fast', { fps: 5, overlay: { lines: [] } }),
      chart('once', { fps: 1, window: '1h', overlay: { lines: [] } }),
      // chart.js throws on an unknown scale type: this chart can never render.
      chart('broken', { fps: 5, options: { scales: { y: { type: 'no-such-scale' } } } }),
    ]);
  });
  after(() => registry.close());

  it('renders nothing for a chart nobody watches, however its data changes', async () => {
    for (let i = 0; i < 20; i++) {
      await store.append([{ series: 'quiet', time: clock.now(), value: i }]);
      await sleep(10);
    }
    assert.equal(registry.chartStats('quiet').renders, 0);
  });

  it('renders at most fps frames a second while data changes faster', async () => {
    const lease = registry.acquire('fast');
    const started = registry.chartStats('fast').renders;
    const t0 = Date.now();
    while (Date.now() - t0 < 1000) {
      await store.append([{ series: 'fast', time: clock.now(), value: Math.random() }]);
      await sleep(10);
    }
    const renders = registry.chartStats('fast').renders - started;
    lease.release();
    assert.ok(renders >= 3 && renders <= 7, `${renders} renders in 1 s at fps 5`);
  });

  it('caps the frame rate on average: a change just after a quiet frame is drawn at once, a third waits', async () => {
    const lease = registry.acquire('once');
    try {
      await lease.stream.currentFrame(3000);
      await sleep(1200); // quiet: the stream may draw two frames back to back again
      const changed = async () => {
        const next = lease.stream.channel.nextFrame(5000, () => new Error('no frame'));
        await store.append([{ series: 'once', time: clock.now(), value: Math.random() }]);
        await next;
        return Date.now();
      };
      const first = await changed();
      const second = await changed();
      const third = await changed();
      assert.ok(second - first < 500, `second frame ${second - first} ms after the first (fps 1, but the stream was quiet)`);
      assert.ok(third - second >= 500, `third frame ${third - second} ms after the second: the average stays at fps`);
    } finally {
      lease.release();
    }
  });

  it('re-renders an unchanged chart only when its overlay text changes (once a second here)', async () => {
    const lease = registry.acquire('quiet');
    await lease.stream.currentFrame(2000);
    const before = registry.chartStats('quiet').renders;
    await sleep(2100);
    const renders = registry.chartStats('quiet').renders - before;
    lease.release();
    assert.ok(renders >= 1 && renders <= 4, `${renders} renders in 2.1 s at fps 10 with a seconds timestamp`);
  });

  it('publishes an error frame for a chart that fails to render, leaving others unaffected', async () => {
    const broken = registry.acquire('broken');
    const fine = registry.acquire('fast');
    try {
      const image = decodeJpeg((await broken.stream.currentFrame(2000)).jpeg);
      let errorBackground = 0;
      for (let i = 0; i < image.data.length; i += 4) {
        const [r, g, b] = [image.data[i] as number, image.data[i + 1] as number, image.data[i + 2] as number];
        if (r > 40 && r < 80 && g < 30 && b < 30) errorBackground++;
      }
      assert.ok(errorBackground > image.width * image.height * 0.4, `error background pixels: ${errorBackground}`);
      assert.ok(registry.chartStats('broken').renderErrors >= 1);
      const good = await fine.stream.currentFrame(2000);
      assert.equal(decodeJpeg(good.jpeg).width, 160);
      assert.equal(registry.chartStats('fast').renderErrors, 0);
    } finally {
      broken.release();
      fine.release();
    }
  });

  it('shares one stream per variant and frees it after the idle grace', async () => {
    const a = registry.acquire('quiet');
    const b = registry.acquire('quiet');
    const c = registry.acquire('quiet', { width: 200 });
    assert.equal(a.stream, b.stream);
    assert.notEqual(a.stream, c.stream);
    a.release();
    a.release(); // idempotent
    assert.equal(b.stream.running, true, 'still running for its other viewer');
    b.release();
    c.release();
    assert.equal(b.stream.running, false, 'stopped at once without viewers');
    await sleep(400);
    assert.ok(!registry.variants().some((v) => v.chart === 'quiet'), 'freed after the grace period');
  });

  it('refuses a variant beyond maxVariants while all are in use, and reuses idle ones', () => {
    const leases = [160, 170, 180, 190].map((width) => registry.acquire('fast', { width }));
    assert.throws(() => registry.acquire('fast', { width: 200 }), { code: 'variant_limit', status: 503 });
    leases[0]!.release();
    const reused = registry.acquire('fast', { width: 200 });
    reused.release();
    for (const lease of leases) lease.release();
  });

  it('refuses a variant that would exceed the pixel budget', () => {
    // 16 M pixels: two 3840×2000 streams (7.68 M each) fit, a third does not.
    const big = [registry.acquire('fast', { width: 3840, height: 2000 }), registry.acquire('quiet', { width: 3840, height: 2000 })];
    try {
      assert.throws(() => registry.acquire('fast', { width: 3840, height: 1990 }), { code: 'variant_limit', message: /maxPixels/ });
    } finally {
      for (const lease of big) lease.release();
    }
    const fits = registry.acquire('fast', { width: 3840, height: 1990 }); // idle ones make room
    fits.release();
  });

  it('throws not_found for an unknown chart', () => {
    assert.throws(() => registry.acquire('nope'), { code: 'not_found', status: 404 });
  });
});
