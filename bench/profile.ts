// Where a frame's time goes: draws the reference chart on the main thread, timing each canvas
// call chartcast and chart.js make, and the JPEG encode, and writes a V8 CPU profile of the
// drawing to bench/reference.cpuprofile (open it in Chrome DevTools or VS Code).
// Usage: npm run bench:profile
import { createCanvas } from '@napi-rs/canvas';
import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseChart } from '../src/config/chart-loader.js';
import { ChartRenderer, type RenderInput } from '../src/render/chart-renderer.js';
import { registerFonts } from '../src/render/fonts.js';

/** Datasets for plain point lists, one per chart entry. */
const ds = (...lists: { x: number; y: number }[][]) => lists.map((points, entry) => ({ key: `s${entry}`, entry, label: `s${entry}`, points }));


const FRAMES = 400;
const parsed = parseChart('reference', { title: 'Reference', series: ['a', 'b'], window: '5m', width: 640, height: 360, quality: 80, overlay: { lines: ['{time}'] } });
if (!('chart' in parsed)) throw new Error(JSON.stringify(parsed.issues));
const renderer = new ChartRenderer(parsed.chart, { width: 640, height: 360 }, registerFonts());
const start = Date.UTC(2026, 0, 1, 12, 0, 0);
function input(frame: number): RenderInput {
  const now = start + frame * 1000;
  const line = (phase: number) => Array.from({ length: 300 }, (_, i) => ({ x: now - (299 - i) * 1000, y: 50 + 40 * Math.sin((i + frame) / 15 + phase) }));
  return { now, datasets: ds(line(0), line(2)), overlayLines: [new Date(now).toISOString().slice(11, 19)] };
}

// Time every method and setter of the 2D context.
const calls = new Map<string, { ms: number; count: number }>();
const proto = Object.getPrototypeOf(createCanvas(1, 1).getContext('2d')) as object;
for (const name of Object.getOwnPropertyNames(proto)) {
  const descriptor = Object.getOwnPropertyDescriptor(proto, name) as PropertyDescriptor;
  const timed = (fn: (...args: unknown[]) => unknown, key: string) =>
    function (this: unknown, ...args: unknown[]) {
      const t = performance.now();
      try {
        return fn.apply(this, args);
      } finally {
        const entry = calls.get(key) ?? { ms: 0, count: 0 };
        entry.ms += performance.now() - t;
        entry.count++;
        calls.set(key, entry);
      }
    };
  if (typeof descriptor.value === 'function' && name !== 'constructor') Object.defineProperty(proto, name, { ...descriptor, value: timed(descriptor.value, `${name}()`) });
  else if (descriptor.set) Object.defineProperty(proto, name, { ...descriptor, set: timed(descriptor.set, `${name} =`) });
}

for (let frame = 0; frame < 50; frame++) renderer.render(input(frame)); // warm-up
calls.clear();
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
let drawMs = 0;
let encodeMs = 0;
for (let frame = 0; frame < FRAMES; frame++) {
  const t = performance.now();
  const canvas = renderer.render(input(frame + 50));
  drawMs += performance.now() - t;
  const e = performance.now();
  canvas.encodeSync('jpeg', 80);
  encodeMs += performance.now() - e;
}
const { profile } = await session.post('Profiler.stop');
const file = join(import.meta.dirname, 'reference.cpuprofile');
await writeFile(file, JSON.stringify(profile));

const canvasMs = [...calls.values()].reduce((sum, c) => sum + c.ms, 0);
const perFrame = (ms: number) => `${((ms / FRAMES) * 1000).toFixed(0).padStart(5)} µs`;
process.stdout.write(`Reference chart, ${FRAMES} frames, per frame:\n`);
process.stdout.write(`  drawing (chart.js + chartcast)   ${perFrame(drawMs)}\n`);
process.stdout.write(`    of which canvas calls          ${perFrame(canvasMs)}\n`);
process.stdout.write(`    of which JavaScript (layout, options, ticks)  ${perFrame(drawMs - canvasMs)}\n`);
process.stdout.write(`  JPEG encode q80 (@napi-rs/canvas) ${perFrame(encodeMs)}\n`);
process.stdout.write('  costliest canvas calls:\n');
for (const [name, c] of [...calls].sort((a, b) => b[1].ms - a[1].ms).slice(0, 10)) {
  process.stdout.write(`    ${name.padEnd(18)} ${perFrame(c.ms)}  ${(c.count / FRAMES).toFixed(0).padStart(3)} calls\n`);
}
process.stdout.write(`CPU profile of drawing and encoding: ${file}\n`);
