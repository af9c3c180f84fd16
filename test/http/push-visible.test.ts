import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type DecodedImage, MjpegReader, decodeJpeg } from '../helpers/mjpeg-reader.js';
import { type TestServer, sleep, startServer } from '../helpers/server.js';

const WIDTH = 400;
const HEIGHT = 200;
/** A chart whose plot fills the whole image: value v in [0, 100] is drawn at row (1 - v/100) × height. */
const PROBE = {
  title: '',
  series: [{ name: 'probe', color: '#ff0000', lineWidth: 4 }],
  window: '10s',
  fps: 10,
  width: WIDTH,
  height: HEIGHT,
  min: 0,
  max: 100,
  legend: false,
  overlay: { lines: [] },
  options: { layout: { padding: 0 }, scales: { x: { display: false }, y: { display: false } } },
};

/** Mean row of red line pixels in the rightmost few columns, or undefined when there are none. */
function lineRowAtRightEdge(image: DecodedImage): number | undefined {
  let sum = 0;
  let count = 0;
  for (let x = image.width - 12; x < image.width - 2; x++) {
    for (let y = 0; y < image.height; y++) {
      const i = (y * image.width + x) * 4;
      if ((image.data[i] as number) > 180 && (image.data[i + 1] as number) < 90 && (image.data[i + 2] as number) < 90) {
        sum += y;
        count++;
      }
    }
  }
  return count ? sum / count : undefined;
}

const expectedRow = (value: number) => (1 - value / 100) * HEIGHT;

describe('a pushed value in the stream', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ charts: { 'probe.json': PROBE } });
  });
  after(() => server.stop());

  for (const [label, push] of [
    ['plain number (curl -d)', (url: string, value: number, time: number) =>
      fetch(`${url}/api/series/probe?time=${time / 1000}`, { method: 'POST', body: String(value), headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
    ['JSON {value, time}', (url: string, value: number, time: number) =>
      fetch(`${url}/api/series/probe`, { method: 'POST', body: JSON.stringify({ value, time: time / 1000 }), headers: { 'content-type': 'application/json' } })],
    ['JSON batch', (url: string, value: number, time: number) =>
      fetch(`${url}/api/series`, { method: 'POST', body: JSON.stringify({ points: [{ series: 'probe', value, time: new Date(time).toISOString() }] }), headers: { 'content-type': 'application/json' } })],
  ] as const) {
    it(`shows a ${label} in the next frame`, async () => {
      const reader = await MjpegReader.open(`${server.url}/charts/probe.mjpeg`);
      try {
        await reader.nextPart();
        for (const value of [80, 25, 60]) {
          await sleep(600); // past the previous push's points, so the new segment is flat
          const now = Date.now();
          // Two points half a second apart make a flat segment along the right edge.
          await push(server.url, value, now - 500);
          const response = await push(server.url, value, now);
          const answeredAt = Date.now();
          assert.equal(response.status, 200);
          const storedAt = ((await response.json()) as { storedAt: number }).storedAt * 1000;
          // The first frame rendered after the point was stored must show it.
          const part = await reader.nextPartWhere((p) => p.timestamp >= storedAt, 3000);
          assert.ok(part.receivedAt - answeredAt < 500, `the frame arrived ${part.receivedAt - answeredAt} ms after the push`);
          const row = lineRowAtRightEdge(decodeJpeg(part.body));
          assert.ok(row !== undefined, `value ${value}: no line at the right edge`);
          assert.ok(Math.abs(row - expectedRow(value)) < 8, `value ${value}: line at row ${row.toFixed(1)}, expected ${expectedRow(value)}`);
        }
      } finally {
        reader.close();
      }
    });
  }
});
