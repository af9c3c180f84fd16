import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MjpegReader, decodeJpeg } from '../helpers/mjpeg-reader.js';
import { expectedRow, lineRowAtRightEdge, probeChart } from '../helpers/probe-chart.js';
import { type TestServer, sleep, startServer } from '../helpers/server.js';

const PROBE = probeChart('probe');

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
