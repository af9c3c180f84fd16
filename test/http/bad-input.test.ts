import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { type TestServer, getJson, startServer } from '../helpers/server.js';

const CHART = { series: ['keep'], fps: 5 };

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

async function expectError(response: Response, status: number, field: string | RegExp): Promise<ErrorBody> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  const body = JSON.parse(text) as ErrorBody;
  assert.ok(body.error.message.length > 0);
  if (typeof field === 'string') assert.equal(body.error.field, field, text);
  else assert.match(body.error.message, field);
  return body;
}

const post = (url: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body, headers });

describe('bad input is rejected clearly and loses nothing', () => {
  let server: TestServer;
  let stored: unknown;
  before(async () => {
    server = await startServer({ charts: { 'keep.json': CHART }, args: ['--max-body', '2048', '--max-variants', '3'] });
    const response = await post(`${server.url}/api/series`, JSON.stringify({ points: [{ series: 'keep', value: 1, time: Date.now() / 1000 - 5 }, { series: 'keep', value: 2 }] }), {
      'content-type': 'application/json',
    });
    assert.equal(response.status, 200);
    stored = await getJson(`${server.url}/api/series/keep`);
  });
  after(async () => {
    // Every rejected request above left the stored series exactly as it was.
    assert.deepEqual(await getJson(`${server.url}/api/series/keep`), stored);
    await server.stop();
  });

  describe('POST /api/series/:name', () => {
    const url = () => `${server.url}/api/series/keep`;
    for (const [body, type] of [
      ['NaN', 'text/plain'],
      ['Infinity', 'text/plain'],
      ['abc', 'application/x-www-form-urlencoded'],
      ['0x10', 'text/plain'],
      ['', 'text/plain'],
      ['value=', 'application/x-www-form-urlencoded'],
      ['value=nope', 'application/x-www-form-urlencoded'],
    ] as const) {
      it(`rejects "${body}" as ${type} naming value`, async () => {
        await expectError(await post(url(), body, { 'content-type': type }), 400, 'value');
      });
    }
    for (const [body, field] of [
      ['"42"', 'value'],
      ['{"value":"42"}', 'value'],
      ['{"value":null}', 'value'],
      ['{"time":1}', 'value'],
      ['{"value":1,"time":"yesterday"}', 'time'],
      ['{"value":1,"time":-5}', 'time'],
      ['{"value":1,"time":99999999999}', 'time'],
      ['{"value":1,"extra":2}', 'extra'],
      ['[1,{"value":"x"}]', '[1].value'],
      ['{not json', 'body'],
    ] as const) {
      it(`rejects JSON ${body} naming ${field}`, async () => {
        await expectError(await post(url(), body, { 'content-type': 'application/json' }), 400, field);
      });
    }
    it('rejects an unknown content type naming it', async () => {
      await expectError(await post(url(), '42', { 'content-type': 'image/png' }), 400, 'content-type');
    });
    it('rejects an unknown content encoding', async () => {
      await expectError(await post(url(), '42', { 'content-encoding': 'br' }), 415, 'content-encoding');
    });
    it('rejects a bad time or precision in the query', async () => {
      await expectError(await post(`${url()}?time=soon`, '1'), 400, 'time');
      await expectError(await post(`${url()}?precision=hours`, '1'), 400, 'precision');
    });
    it('rejects an invalid series name', async () => {
      await expectError(await post(`${server.url}/api/series/..%2Fetc`, '1'), 400, 'series');
      await expectError(await post(`${server.url}/api/series/-x`, '1'), 400, 'series');
    });
    it('answers 413 for a body over the limit, declared or streamed', async () => {
      await expectError(await post(url(), `1${' '.repeat(4096)}`), 413, 'body');
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(`1${' '.repeat(4096)}`));
          controller.close();
        },
      });
      const response = await fetch(url(), { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
      await expectError(response, 413, 'body');
    });
    it('answers 413 for a small gzip body that inflates past the limit', async () => {
      const bomb = gzipSync(Buffer.from(`1${' '.repeat(100_000)}`));
      assert.ok(bomb.length < 2048);
      await expectError(await post(url(), bomb, { 'content-encoding': 'gzip' }), 413, 'body');
    });
    it('rejects corrupt gzip', async () => {
      await expectError(await post(url(), 'not gzip', { 'content-encoding': 'gzip' }), 400, 'body');
    });
  });

  describe('POST /api/series (batch)', () => {
    const url = () => `${server.url}/api/series`;
    const json = { 'content-type': 'application/json' };
    it('rejects the whole batch when one point is bad, naming it', async () => {
      const body = JSON.stringify({ points: [{ series: 'fresh.a', value: 1 }, { series: 'fresh.b', value: 'x' }] });
      await expectError(await post(url(), body, json), 400, 'points[1].value');
      const names = await getJson<{ series: { name: string }[] }>(url());
      assert.ok(!names.series.some((s) => s.name.startsWith('fresh.')), 'nothing of the batch was stored');
    });
    for (const [body, field] of [
      ['{"points":[{"value":1}]}', 'points[0].series'],
      ['{"points":[{"series":"a b","value":1}]}', 'points[0].series'],
      ['{"points":[{"series":"a","value":1,"time":"x"}]}', 'points[0].time'],
      ['{"points":{}}', 'points'],
      ['{"values":{"a":"1"}}', 'values.a'],
      ['{"values":[]}', 'values'],
      ['{"time":"bad","values":{"a":1}}', 'time'],
      ['{}', 'points'],
      ['{"pointz":[]}', 'pointz'],
      ['42', 'body'],
    ] as const) {
      it(`rejects ${body} naming ${field}`, async () => {
        await expectError(await post(url(), body, json), 400, field);
      });
    }
    it('requires JSON', async () => {
      await expectError(await post(url(), 'keep 1', { 'content-type': 'text/plain' }), 400, 'content-type');
    });
  });

  describe('streams and reads', () => {
    it('answers 404 naming an unknown chart', async () => {
      const body = await expectError(await fetch(`${server.url}/charts/nope.mjpeg`), 404, /no chart named "nope"/);
      assert.equal(body.error.code, 'not_found');
      await expectError(await fetch(`${server.url}/charts/nope.jpg`), 404, /no chart named "nope"/);
      await expectError(await fetch(`${server.url}/api/charts/nope`), 404, /no chart named "nope"/);
    });
    it('answers 404 for an unknown stream extension', async () => {
      await expectError(await fetch(`${server.url}/charts/keep.png`), 404, /not a stream/);
      await expectError(await fetch(`${server.url}/charts/keep`), 404, /not a stream/);
    });
    for (const [query, field] of [
      ['width=10', 'width'],
      ['width=99999', 'width'],
      ['width=320.5', 'width'],
      ['height=abc', 'height'],
      ['fps=0', 'fps'],
      ['fps=1000', 'fps'],
      ['quality=0', 'quality'],
      ['quality=101', 'quality'],
      ['width=320&width=640', 'width'],
    ] as const) {
      it(`rejects ?${query} naming ${field}`, async () => {
        await expectError(await fetch(`${server.url}/charts/keep.mjpeg?${query}`), 400, field);
        await expectError(await fetch(`${server.url}/charts/keep.jpg?${query}`), 400, field);
      });
    }
    it('answers 503 with Retry-After once the variant limit is reached', async () => {
      const streams = [200, 240, 280].map((width) => fetch(`${server.url}/charts/keep.mjpeg?width=${width}`));
      const opened = await Promise.all(streams);
      try {
        const response = await fetch(`${server.url}/charts/keep.mjpeg?width=300`);
        await expectError(response, 503, /maxVariants/);
        assert.equal(response.headers.get('retry-after'), '1');
      } finally {
        for (const response of opened) await response.body?.cancel();
      }
    });
    it('rejects a bad window on a series read, and 404s an unknown series', async () => {
      await expectError(await fetch(`${server.url}/api/series/keep?window=forever`), 400, 'window');
      await expectError(await fetch(`${server.url}/api/series/missing`), 404, /no series named "missing"/);
      await expectError(await fetch(`${server.url}/api/series/missing`, { method: 'DELETE' }), 404, /no series named/);
    });
    it('answers 404 for unknown routes and 405 for wrong methods, as JSON', async () => {
      await expectError(await fetch(`${server.url}/nothing/here`), 404, /no route/);
      const response = await fetch(`${server.url}/charts/keep.mjpeg`, { method: 'POST', body: '1' });
      assert.equal(response.status, 405);
      assert.match(response.headers.get('allow') ?? '', /GET/);
      const unknown = await fetch(`${server.url}/api/charts`, { method: 'PROPFIND' });
      assert.equal(unknown.status, 501);
      assert.equal(((await unknown.json()) as ErrorBody).error.code, 'not_implemented');
    });
  });
});
