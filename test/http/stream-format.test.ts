import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MjpegReader, decodeJpeg } from '../helpers/mjpeg-reader.js';
import { type TestServer, startServer } from '../helpers/server.js';

const CHART = { title: 'Probe', series: ['probe.value'], fps: 10, width: 480, height: 270, overlay: { lines: ['{time:HH:mm:ss.SSS}'] } };

/** Reads the raw bytes of a response (status line, headers, first body bytes) straight off a TCP socket. */
function rawResponse(port: number, path: string, minBodyBytes: number): Promise<{ head: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`);
    });
    let data = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end >= 0 && data.length - end - 4 >= minBodyBytes) {
        socket.destroy();
        resolve({ head: data.subarray(0, end).toString('latin1'), body: data.subarray(end + 4) });
      }
    });
    socket.on('error', reject);
    setTimeout(() => reject(new Error('timed out reading raw response')), 5000);
  });
}

describe('GET /charts/:name.mjpeg wire format', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ charts: { 'probe.json': CHART } });
  });
  after(() => server.stop());

  it('sends multipart headers with no chunked encoding and opens with the delimiter', async () => {
    const { head, body } = await rawResponse(server.port, '/charts/probe.mjpeg', 200);
    const lines = head.split('\r\n');
    assert.equal(lines[0], 'HTTP/1.1 200 OK');
    const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const boundary = /^multipart\/x-mixed-replace; boundary=([A-Za-z0-9-]+)$/.exec(headers.get('content-type') ?? '')?.[1];
    assert.ok(boundary, `Content-Type: ${headers.get('content-type')}`);
    assert.ok(!boundary.startsWith('--'), 'boundary parameter has no leading --');
    assert.equal(headers.get('transfer-encoding'), undefined);
    assert.equal(headers.get('content-length'), undefined);
    assert.equal(headers.get('cache-control'), 'no-store, no-cache, must-revalidate, max-age=0');
    assert.equal(headers.get('pragma'), 'no-cache');
    assert.equal(headers.get('x-accel-buffering'), 'no');
    assert.equal(headers.get('connection'), 'close');
    const start = body.toString('latin1', 0, 200);
    assert.ok(start.startsWith(`--${boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: `), JSON.stringify(start.slice(0, 120)));
    assert.match(start, /X-Timestamp: \d+\.\d{6}\r\n/);
  });

  it('streams frames that decode as JPEGs of the requested size with increasing X-Timestamp', async () => {
    const reader = await MjpegReader.open(`${server.url}/charts/probe.mjpeg?width=320&height=200&fps=10`);
    try {
      const parts = [];
      for (let i = 0; i < 6; i++) parts.push(await reader.nextPart(5000));
      for (const part of parts) {
        const image = decodeJpeg(part.body);
        assert.equal(image.width, 320);
        assert.equal(image.height, 200);
        assert.equal(Number(part.headers['content-length']), part.body.length);
      }
      for (let i = 1; i < parts.length; i++) {
        const [prev, part] = [parts[i - 1]!, parts[i]!];
        assert.ok(part.timestamp >= prev.timestamp, 'X-Timestamp never goes back');
        if (part.seq !== prev.seq) assert.ok(part.timestamp > prev.timestamp, 'a new frame has a newer X-Timestamp');
      }
      assert.ok(parts.at(-1)!.timestamp > parts[0]!.timestamp, 'time moves on across the stream');
      assert.ok(Math.abs(parts.at(-1)!.timestamp - Date.now()) < 5000, 'X-Timestamp is Unix time');
    } finally {
      reader.close();
    }
  });

  it('serves the chart default size without overrides', async () => {
    const reader = await MjpegReader.open(`${server.url}/charts/probe.mjpeg`);
    try {
      const image = decodeJpeg((await reader.nextPart()).body);
      assert.deepEqual([image.width, image.height], [480, 270]);
    } finally {
      reader.close();
    }
  });

  it('serves one current frame as .jpg with the overridden size', async () => {
    const response = await fetch(`${server.url}/charts/probe.jpg?width=200&height=120&quality=50`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/jpeg');
    assert.equal(response.headers.get('cache-control'), 'no-store, no-cache, must-revalidate, max-age=0');
    assert.ok(Math.abs(Number(response.headers.get('x-timestamp')) * 1000 - Date.now()) < 5000);
    const image = decodeJpeg(Buffer.from(await response.arrayBuffer()));
    assert.deepEqual([image.width, image.height], [200, 120]);
  });

  it('with ?eager=1 sends each part\'s headers right after the delimiter, ahead of its frame', async () => {
    const { head, body } = await rawResponse(server.port, '/charts/probe.mjpeg?eager=1&width=160&height=90', 40_000);
    const boundary = /boundary=([A-Za-z0-9-]+)/.exec(head)?.[1] as string;
    const partHead = 'Content-Type: image/jpeg\r\n\r\n';
    assert.ok(body.toString('latin1').startsWith(`--${boundary}\r\n${partHead}`), 'opens with delimiter and the first part\'s headers');
    const segments = body.toString('latin1').split(`\r\n--${boundary}\r\n`);
    const complete = segments.slice(1, -1); // the first holds the opening, the last may be cut short
    assert.ok(complete.length >= 2, `${complete.length} complete parts`);
    for (const segment of [segments[0]!.slice(`--${boundary}\r\n`.length), ...complete]) {
      assert.ok(segment.startsWith(partHead), 'each part starts with its headers, already sent');
      const image = decodeJpeg(Buffer.from(segment.slice(partHead.length), 'latin1'));
      assert.deepEqual([image.width, image.height], [160, 90]);
    }
  });

  it('rejects a bad eager flag', async () => {
    const response = await fetch(`${server.url}/charts/probe.mjpeg?eager=yes`);
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { field: string } }).error.field, 'eager');
  });

  it('answers HEAD on a stream with its headers only', async () => {
    const response = await fetch(`${server.url}/charts/probe.mjpeg`, { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^multipart\/x-mixed-replace; boundary=/);
  });
});
