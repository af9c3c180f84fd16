import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type UpstreamCamera, startUpstreamCamera } from '../helpers/ffmpeg-mjpeg-server.js';
import { type DecodedImage, MjpegReader, countColor, decodeJpeg } from '../helpers/mjpeg-reader.js';
import { type TestServer, getJson, sleep, startServer, writeChartDir } from '../helpers/server.js';

const W = 640;
const H = 360;
/** testsrc2's colour bars: six equal columns (red, green, yellow, blue, magenta, cyan); the bottom rows never change. */
const BARS = { red: [255, 0, 0], green: [0, 255, 0], blue: [0, 0, 255], cyan: [0, 255, 255] } as const;

/** Mean colour of a small square. */
function colourAt(image: DecodedImage, x: number, y: number): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let dy = -2; dy <= 2; dy++) {
    for (let dx = -2; dx <= 2; dx++) {
      const i = ((Math.round(y) + dy) * image.width + Math.round(x) + dx) * 4;
      for (let c = 0; c < 3; c++) sum[c]! += image.data[i + c] as number;
      n++;
    }
  }
  return sum.map((v) => v / n) as [number, number, number];
}

const near = (actual: [number, number, number], expected: readonly number[], tolerance: number) =>
  actual.every((v, i) => Math.abs(v - (expected[i] as number)) <= tolerance);

async function frame(server: TestServer, path: string): Promise<DecodedImage> {
  const response = await fetch(`${server.url}${path}`);
  assert.equal(response.status, 200, await response.clone().text());
  return decodeJpeg(Buffer.from(await response.arrayBuffer()));
}

/** Rethrows a wait's failure naming what was awaited. */
const fail = (what: string) => (error: Error): never => {
  throw new Error(`waiting for ${what}: ${error.message}`);
};

const PLOT = { min: 0, max: 100, legend: false, title: '', overlay: { lines: [] } };

describe('cameras', () => {
  let server: TestServer;
  let upstream: UpstreamCamera;
  before(async () => {
    upstream = await startUpstreamCamera({ size: '640x360' });
    const cameras = await writeChartDir({
      'pattern.yaml': `type: testsrc\nwidth: ${W}\nheight: ${H}\nfps: 10\nstream:\n  overlay:\n    lines: ["{time}", "Lab camera"]\n`,
      'ipcam.json': { type: 'mjpeg', url: upstream.url, stallTimeout: '3s' },
      'nodev.json': { type: 'v4l2', device: '/dev/video-missing-7' },
    });
    const series = [{ name: 'level', color: '#ff0000', lineWidth: 6 }];
    server = await startServer({
      charts: {
        'over.json': { ...PLOT, series, camera: { name: 'pattern', layout: 'overlay', backgroundAlpha: 0.2 } },
        'pip.json': { ...PLOT, series, camera: { name: 'pattern', layout: 'pip', corner: 'bottom-right', size: 0.3 } },
        'side.json': { ...PLOT, series, camera: { name: 'pattern', layout: 'side', side: 'left', size: 0.5 } },
        'ipchart.json': { ...PLOT, series, camera: { name: 'ipcam', layout: 'overlay', backgroundAlpha: 0 } },
        'ghost.json': { series: ['x'], camera: 'no-such-camera' },
      },
      args: ['--cameras', cameras],
    });
    const now = Date.now() / 1000;
    await fetch(`${server.url}/api/series`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ points: [{ series: 'level', value: 50, time: now - 200 }, { series: 'level', value: 50, time: now }] }),
    });
  });
  after(async () => {
    await server.stop();
    await upstream.kill();
  });

  it('draws the chart over the full camera frame', async () => {
    const image = await frame(server, '/charts/over.jpg');
    // Bottom rows of testsrc2, dimmed 20% by the chart background: blue and cyan bars.
    // 80 % camera + 20 % of the #111418 background: blue 255 → ~209, cyan 255 → ~208.
    assert.ok(near(colourAt(image, W * (3.5 / 6), H - 8), [3, 4, 209], 25), `blue bar: ${colourAt(image, W * (3.5 / 6), H - 8)}`);
    assert.ok(near(colourAt(image, W * (5.5 / 6), H - 8), [3, 208, 209], 25), `cyan bar: ${colourAt(image, W * (5.5 / 6), H - 8)}`);
    // The red series line at value 50, across the middle, over the green and blue bars.
    const line = countColor(image, [240, 0, 0], 60, { x0: W * 0.2, y0: H * 0.4, x1: W * 0.7, y1: H * 0.6 });
    assert.ok(line > 300, `line pixels ${line}`);
  });

  it('draws the camera picture-in-picture in its corner', async () => {
    const image = await frame(server, '/charts/pip.jpg');
    // The camera box: 30% of the width in the bottom-right corner; its left sixth is the red bar.
    const boxWidth = W * 0.3;
    const boxLeft = W - boxWidth - Math.round(H * 0.03);
    assert.ok(near(colourAt(image, boxLeft + boxWidth * (0.5 / 6), H - 20), BARS.red, 60), `red in the box: ${colourAt(image, boxLeft + boxWidth / 12, H - 20)}`);
    assert.ok(near(colourAt(image, boxLeft + boxWidth * (5.5 / 6), H - 20), BARS.cyan, 60), 'cyan in the box');
    // Outside the box the chart background shows, not the camera.
    const outside = colourAt(image, W * 0.3, H * 0.75);
    assert.ok(Math.max(...outside) < 90, `dark chart background outside the box: ${outside}`);
  });

  it('puts camera and chart side by side', async () => {
    const image = await frame(server, '/charts/side.jpg');
    // Left half: the camera fitted (16:9 into 320 × 360 leaves bars above and below).
    assert.ok(near(colourAt(image, (W / 2) * (0.5 / 6), H / 2 + 40), BARS.red, 60), `camera red: ${colourAt(image, 14, H / 2 + 40)}`);
    assert.ok(near(colourAt(image, (W / 2) * (3.5 / 6), H / 2 + 40), BARS.blue, 60), 'camera blue');
    // Right half: the chart with its red line at the middle.
    const line = countColor(image, [240, 0, 0], 60, { x0: W * 0.6, y0: H * 0.35, x1: W * 0.95, y1: H * 0.65 });
    assert.ok(line > 200, `line pixels ${line}`);
  });

  it('streams a camera alone with its timestamp overlay at /cameras/:name.mjpeg', async () => {
    const reader = await MjpegReader.open(`${server.url}/cameras/pattern.mjpeg?width=320&height=180`);
    try {
      const parts = [];
      for (let i = 0; i < 4; i++) parts.push(await reader.nextPart(5000));
      const image = decodeJpeg(parts.at(-1)!.body);
      assert.deepEqual([image.width, image.height], [320, 180]);
      assert.ok(near(colourAt(image, 320 * (3.5 / 6), 170), BARS.blue, 60), 'camera pixels');
      const overlayText = countColor(image, [255, 255, 255], 40, { x0: 200, y0: 0, x1: 320, y1: 40 });
      assert.ok(overlayText > 30, `overlay text pixels ${overlayText}`);
      const still = await frame(server, '/cameras/pattern.jpg');
      assert.deepEqual([still.width, still.height], [640, 360]);
    } finally {
      reader.close();
    }
  });

  it('lists cameras with their state, and reports a chart whose camera does not exist', async () => {
    await frame(server, '/cameras/nodev.jpg');
    const { cameras } = await getJson<{ cameras: { name: string; type: string; status: { state: string; error?: string } }[] }>(`${server.url}/api/cameras`);
    const byName = new Map(cameras.map((c) => [c.name, c]));
    assert.equal(byName.get('pattern')?.status.state, 'live');
    assert.equal(byName.get('nodev')?.status.state, 'offline');
    assert.match(byName.get('nodev')?.status.error ?? '', /does not exist/);
    const charts = await getJson<{ charts: { name: string }[]; errors: { field: string; message: string }[] }>(`${server.url}/api/charts`);
    assert.ok(!charts.charts.some((c) => c.name === 'ghost'));
    assert.ok(charts.errors.some((e) => e.field === 'camera.name' && /no-such-camera/.test(e.message)));
    const missing = await fetch(`${server.url}/cameras/nope.mjpeg`);
    assert.equal(missing.status, 404);
    const html = await (await fetch(`${server.url}/`)).text();
    assert.ok(html.includes('/cameras/pattern.mjpeg') && html.includes('(live camera)'), 'the dashboard shows camera streams');
  });

  it('shows an offline placeholder within a second of the upstream dying, then recovers by itself', async () => {
    const reader = await MjpegReader.open(`${server.url}/charts/ipchart.mjpeg?width=320&height=180`);
    const cyan = (part: { body: Buffer }) => colourAt(decodeJpeg(part.body), 320 * (5.5 / 6), 170);
    try {
      await reader.nextPartWhere((part) => near(cyan(part), BARS.cyan, 60), 8000).catch(fail('a live frame'));
      const killedAt = Date.now();
      await upstream.kill();
      // The placeholder dims the last image (cyan's green falls from ~255 to ~100) and says "camera offline".
      const offline = await reader
        .nextPartWhere((part) => (cyan(part)[1] as number) < 170, 3000)
        .catch(async (error: Error) => {
          const status = await getJson<{ cameras: { name: string; status: unknown }[] }>(`${server.url}/api/cameras`);
          return fail(`the placeholder (ipcam: ${JSON.stringify(status.cameras.find((c) => c.name === 'ipcam')?.status)})`)(error);
        });
      assert.ok(offline.receivedAt - killedAt < 1000, `placeholder after ${offline.receivedAt - killedAt} ms`);
      await sleep(300);
      await upstream.restart();
      await reader.nextPartWhere((part) => near(cyan(part), BARS.cyan, 60), 10_000).catch(fail('recovery'));
    } finally {
      reader.close();
    }
  });
});
