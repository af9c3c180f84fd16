import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseChart } from '../../src/config/chart-loader.js';
import type { ChartFileInput } from '../../src/config/chart-schema.js';
import { createCanvasJpegEncoder } from '../../src/encode/jpeg-encoder.js';
import { createSilentLogger } from '../../src/lib/logger.js';
import { InlineRenderService } from '../../src/pipeline/frame-renderer.js';
import { RenderPool } from '../../src/pipeline/render-pool.js';
import type { RenderInput } from '../../src/render/chart-renderer.js';
import { registerFonts } from '../../src/render/fonts.js';
import { countColor, decodeJpeg } from '../helpers/mjpeg-reader.js';

/** Datasets for plain point lists, one per chart entry. */
const ds = (...lists: { x: number; y: number }[][]) => lists.map((points, entry) => ({ key: `s${entry}`, entry, label: `s${entry}`, points }));


function chart(name: string, content: Partial<ChartFileInput> & Record<string, unknown> = {}) {
  const parsed = parseChart(name, { series: ['a', 'b'], window: '5m', ...content });
  if (!('chart' in parsed)) throw new Error(JSON.stringify(parsed.issues));
  return parsed.chart;
}

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function input(overrides: Partial<RenderInput> = {}): RenderInput {
  const line = (phase: number) => Array.from({ length: 300 }, (_, i) => ({ x: NOW - (299 - i) * 1000, y: 50 + 40 * Math.sin(i / 15 + phase) }));
  return { now: NOW, datasets: ds(line(0), line(2)), overlayLines: ['12:00:00'], ...overrides };
}

/** Largest difference of any colour channel between two decoded frames of equal size. */
function maxDifference(a: Buffer, b: Buffer): number {
  const x = decodeJpeg(a);
  const y = decodeJpeg(b);
  assert.equal(x.width, y.width);
  assert.equal(x.height, y.height);
  let max = 0;
  for (let i = 0; i < x.data.length; i++) max = Math.max(max, Math.abs((x.data[i] as number) - (y.data[i] as number)));
  return max;
}

describe('RenderPool', () => {
  const logger = createSilentLogger();
  let pool: RenderPool;
  before(async () => {
    pool = new RenderPool({ threads: 2, fontsDir: undefined, logger, renderTimeoutMs: 10_000 });
    await pool.start();
  });
  after(() => pool.close());

  it('draws the same frame a main-thread renderer draws', async () => {
    const inline = new InlineRenderService(registerFonts(), createCanvasJpegEncoder());
    const spec = chart('same', { title: 'Same', overlay: { lines: ['{time}'] } });
    const here = inline.open(spec, { width: 320, height: 200 });
    const there = pool.open(spec, { width: 320, height: 200 });
    const [a, b] = await Promise.all([here.render(input(), 80), there.render(input(), 80)]);
    here.destroy();
    there.destroy();
    assert.equal(b.renderError, undefined);
    assert.ok(b.renderMs > 0 && b.encodeMs > 0);
    assert.ok(maxDifference(a.jpeg, b.jpeg) <= 2, 'frames drawn in a thread match frames drawn on the main thread');
  });

  it('spreads charts across its threads and frees them', () => {
    const renderers = ['a', 'b', 'c', 'd'].map((name) => pool.open(chart(name), { width: 160, height: 100 }));
    assert.deepEqual(pool.stats().charts, [2, 2]);
    for (const renderer of renderers) renderer.destroy();
    assert.deepEqual(pool.stats().charts, [0, 0]);
  });

  it('renders many charts at once, each frame its own', async () => {
    const colors = ['#ff0000', '#00ff00', '#0000ff', '#ffff00', '#ff00ff', '#00ffff'];
    const renderers = colors.map((color, i) =>
      pool.open(chart(`c${i}`, { title: '', legend: false, background: color, overlay: { lines: [] } }), { width: 200, height: 120 }),
    );
    const frames = await Promise.all(renderers.map((renderer) => renderer.render(input({ datasets: ds([], []), overlayLines: [] }), 90)));
    frames.forEach((frame, i) => {
      const image = decodeJpeg(frame.jpeg);
      const hex = colors[i] as string;
      const rgb = [1, 3, 5].map((k) => Number.parseInt(hex.slice(k, k + 2), 16)) as [number, number, number];
      assert.ok(countColor(image, rgb, 24) > image.width * image.height * 0.5, `frame ${i} shows its own background ${hex}`);
    });
    for (const renderer of renderers) renderer.destroy();
  });

  it('turns a chart.js failure into an error frame and keeps drawing', async () => {
    const renderer = pool.open(chart('broken', { options: { scales: { y: { type: 'no-such-scale' } } } }), { width: 320, height: 200 });
    const frame = await renderer.render(input(), 80);
    assert.match(frame.renderError ?? '', /no-such-scale/);
    assert.equal(decodeJpeg(frame.jpeg).width, 320);
    const again = await renderer.render(input(), 80);
    assert.match(again.renderError ?? '', /no-such-scale/);
    renderer.destroy();
  });

  it('shows a problem met while gathering the input as an error frame', async () => {
    const renderer = pool.open(chart('input'), { width: 320, height: 200 });
    const frame = await renderer.render(input({ error: 'overlay: bad time format' }), 80);
    assert.equal(frame.renderError, 'overlay: bad time format');
    renderer.destroy();
  });
});

describe('RenderPool thread replacement', () => {
  it('replaces a thread whose render overruns, and its charts draw again on the new thread', async () => {
    const pool = new RenderPool({ threads: 1, fontsDir: undefined, logger: createSilentLogger(), renderTimeoutMs: 400 });
    await pool.start();
    try {
      const small = pool.open(chart('small'), { width: 200, height: 120 });
      assert.ok((await small.render(input(), 80)).jpeg.length > 0);
      // 64 megapixels with 100k points per line: far more than 400 ms of drawing and encoding.
      const huge = pool.open(chart('huge', { series: [{ name: 'a', points: true }] }), { width: 8000, height: 8000 });
      const many = Array.from({ length: 100_000 }, (_, i) => ({ x: NOW - 300_000 + i * 3, y: Math.sin(i) * 100 }));
      await assert.rejects(huge.render(input({ datasets: ds(many) }), 100), /longer than 400 ms/);
      assert.equal(pool.stats().restarts, 1);
      // The small chart lived in the replaced thread: it is re-opened in the new one.
      const frame = await small.render(input(), 80);
      assert.equal(frame.renderError, undefined);
      assert.equal(decodeJpeg(frame.jpeg).width, 200);
      huge.destroy();
      small.destroy();
    } finally {
      await pool.close();
    }
  });

  it('rejects renders once closed', async () => {
    const pool = new RenderPool({ threads: 1, fontsDir: undefined, logger: createSilentLogger(), renderTimeoutMs: 10_000 });
    await pool.start();
    const renderer = pool.open(chart('late'), { width: 100, height: 80 });
    await pool.close();
    await assert.rejects(renderer.render(input(), 80), /closed/);
  });
});
