// Frames per second of chartcast's render+encode path on the reference chart: 640×360 line,
// 2 series × 300 points, a timestamp overlay, JPEG q80. Each frame has new data, read from a
// real series store as a stream would. Prints one JSON line.
// Usage: node --import tsx bench/throughput.ts <threads> <streams> <seconds>
import { parseChart } from '../src/config/chart-loader.js';
import { createCanvasJpegEncoder } from '../src/encode/jpeg-encoder.js';
import { createSilentLogger } from '../src/lib/logger.js';
import { type FrameRenderer, InlineRenderService, type RenderService } from '../src/pipeline/frame-renderer.js';
import { RenderPool } from '../src/pipeline/render-pool.js';
import { buildRenderInput } from '../src/pipeline/render-input.js';
import { SeriesSelection } from '../src/pipeline/series-selection.js';
import { OverlayTemplate } from '../src/render/overlay.js';
import { registerFonts } from '../src/render/fonts.js';
import { MemorySeriesStore } from '../src/series/memory-store.js';

const [threads = 2, streams = 4, seconds = 5] = process.argv.slice(2).map(Number);

const parsed = parseChart('reference', {
  title: 'Reference',
  series: ['a', 'b'],
  window: '5m',
  width: 640,
  height: 360,
  quality: 80,
  overlay: { lines: ['{time}'] },
});
if (!('chart' in parsed)) throw new Error(JSON.stringify(parsed.issues));
const spec = parsed.chart;
const overlay = new OverlayTemplate(spec.overlay);

let now = Date.UTC(2026, 0, 1, 12, 0, 0);
const clock = { now: () => now };
const store = new MemorySeriesStore({ clock, limits: { maxPointsPerSeries: 1000, maxSeries: 10, retentionMs: 3_600_000 } });
const selection = new SeriesSelection(spec, store, overlay.series);
for (let i = 0; i < 300; i++) {
  const time = now - (299 - i) * 1000;
  await store.append([
    { series: 'a', time, value: 50 + 40 * Math.sin(i / 15) },
    { series: 'b', time, value: 50 + 40 * Math.sin(i / 15 + 2) },
  ]);
}

const service: RenderService =
  threads === 0
    ? new InlineRenderService(registerFonts(), createCanvasJpegEncoder())
    : new RenderPool({ threads, fontsDir: undefined, logger: createSilentLogger(), renderTimeoutMs: 60_000 });
if (service instanceof RenderPool) await service.start();

let frames = 0;
let bytes = 0;
let renderMs = 0;
let encodeMs = 0;
let step = 0;

/** One stream drawing frames back to back, each with a new point, as fast as its renderer allows. */
async function stream(renderer: FrameRenderer, until: number, counted: boolean): Promise<void> {
  while (performance.now() < until) {
    now += 1000;
    step++;
    await store.append([
      { series: 'a', time: now, value: 50 + 40 * Math.sin(step / 15) },
      { series: 'b', time: now, value: 50 + 40 * Math.sin(step / 15 + 2) },
    ]);
    const frame = await renderer.render(buildRenderInput(spec, overlay, store, selection, now), spec.quality);
    if (frame.renderError) throw new Error(frame.renderError);
    if (!counted) continue;
    frames++;
    bytes += frame.jpeg.length;
    renderMs += frame.renderMs;
    encodeMs += frame.encodeMs;
  }
}

const renderers = Array.from({ length: streams }, () => service.open(spec, { width: spec.width, height: spec.height }));
await Promise.all(renderers.map((renderer) => stream(renderer, performance.now() + 1000, false))); // warm-up
const cpuStarted = process.cpuUsage();
const started = performance.now();
await Promise.all(renderers.map((renderer) => stream(renderer, started + seconds * 1000, true)));
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
for (const renderer of renderers) renderer.destroy();
await service.close();
process.stdout.write(
  `${JSON.stringify({
    framesPerSecond: frames / elapsed,
    frames,
    meanBytes: bytes / frames,
    renderMs: renderMs / frames,
    encodeMs: encodeMs / frames,
    cpuCores: (cpu.user + cpu.system) / 1e6 / elapsed,
  })}\n`,
);
