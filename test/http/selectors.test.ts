import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MjpegReader, countColor, decodeJpeg } from '../helpers/mjpeg-reader.js';
import { type TestServer, getJson, startServer } from '../helpers/server.js';

/** Palette colours 0 and 1 of the dark theme. */
const BLUE: [number, number, number] = [0x36, 0xa2, 0xeb];
const PINK: [number, number, number] = [0xff, 0x63, 0x84];

const ROOMS = {
  title: '',
  series: ['temp{room=*}'],
  window: '30s',
  fps: 10,
  width: 320,
  height: 180,
  min: 0,
  max: 40,
  legend: false,
  overlay: { lines: [] },
  options: { layout: { padding: 0 }, scales: { x: { display: false }, y: { display: false } } },
};

async function push(url: string, points: { series: string; value: number }[]): Promise<void> {
  const now = Date.now() / 1000;
  const response = await fetch(`${url}/api/series`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ points: points.flatMap((p) => Array.from({ length: 29 }, (_, ago) => ago).map((ago) => ({ ...p, time: now - ago }))) }),
  });
  assert.equal(response.status, 200, await response.text());
}

/** Reads frames until `test` holds for one (or gives up after `limit` frames). */
async function frameWhere(reader: MjpegReader, test: (blue: number, pink: number) => boolean, limit = 40): Promise<{ blue: number; pink: number }> {
  let last = { blue: 0, pink: 0 };
  for (let i = 0; i < limit; i++) {
    const image = decodeJpeg((await reader.nextPart()).body);
    last = { blue: countColor(image, BLUE, 40), pink: countColor(image, PINK, 40) };
    if (test(last.blue, last.pink)) return last;
  }
  assert.fail(`no frame matched; last had ${JSON.stringify(last)}`);
}

describe('chart selectors', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ charts: { 'rooms.json': ROOMS } });
  });
  after(() => server.stop());

  it('draws one line per series matching temp{room=*}, and a new room joins the running stream', async () => {
    const reader = await MjpegReader.open(`${server.url}/charts/rooms.mjpeg`);
    try {
      await push(server.url, [{ series: 'temp{room=kitchen}', value: 30 }, { series: 'humidity{room=kitchen}', value: 10 }]);
      await frameWhere(reader, (blue, pink) => blue > 100 && pink < 10);
      await push(server.url, [{ series: 'temp{room="hall", floor=1}', value: 10 }]);
      await frameWhere(reader, (blue, pink) => blue > 100 && pink > 100);
    } finally {
      reader.close();
    }
  });

  it('reads tagged series back by key, with tags in any order', async () => {
    const body = await getJson<{ name: string; points: [number, number][] }>(`${server.url}/api/series/${encodeURIComponent('temp{room=hall,floor=1}')}`);
    assert.equal(body.name, 'temp{floor=1,room=hall}');
    assert.equal(body.points.at(-1)?.[1], 10);
  });
});
