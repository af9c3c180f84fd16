import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCanvas } from '@napi-rs/canvas';
import { MultipartJpegParser, boundaryOf, normaliseBoundary } from '../../src/sources/multipart-jpeg-parser.js';

async function jpeg(width: number): Promise<Buffer> {
  const canvas = createCanvas(width, 30);
  canvas.getContext('2d').fillRect(0, 0, width / 2, 10);
  return canvas.encode('jpeg', 70);
}

function parse(stream: Buffer, boundary: string, chunkSize: number, maxFrameBytes = 1 << 20): Buffer[] {
  const frames: Buffer[] = [];
  const parser = new MultipartJpegParser({ boundary, maxFrameBytes, onFrame: (f) => frames.push(f) });
  for (let i = 0; i < stream.length; i += chunkSize) parser.push(stream.subarray(i, i + chunkSize));
  return frames;
}

describe('multipart MJPEG parsing', () => {
  it('takes the boundary from Content-Type, tolerating quotes and a leading --', () => {
    assert.equal(boundaryOf('multipart/x-mixed-replace; boundary=frame'), 'frame');
    assert.equal(boundaryOf('multipart/x-mixed-replace;boundary="--myboundary"'), 'myboundary');
    assert.equal(boundaryOf('multipart/x-mixed-replace; boundary=--ipcam; charset=x'), 'ipcam');
    assert.equal(boundaryOf('multipart/x-mixed-replace'), undefined);
    assert.equal(normaliseBoundary(' "abc" '), 'abc');
  });

  it('reads parts by Content-Length and by boundary scanning, in any chunking', async () => {
    const [a, b, c] = await Promise.all([jpeg(40), jpeg(50), jpeg(60)]);
    const stream = Buffer.concat([
      Buffer.from('--cam\r\nContent-Type: image/jpeg\r\nContent-Length: ' + a!.length + '\r\n\r\n'),
      a!,
      Buffer.from('\r\n--cam\r\nContent-Type: image/jpeg\r\n\r\n'), // no length: scan for the boundary
      b!,
      Buffer.from('\r\n--cam\nContent-type: image/jpeg\n\n'), // bare LF line ends
      c!,
      Buffer.from('\r\n--cam\r\n'),
    ]);
    for (const chunk of [1, 5, 1000, stream.length]) {
      const frames = parse(stream, '--cam', chunk);
      assert.equal(frames.length, 3, `chunk ${chunk}`);
      assert.ok(frames[0]!.equals(a!) && frames[1]!.equals(b!) && frames[2]!.equals(c!), `chunk ${chunk}`);
    }
  });

  it('reads parts with no headers at all, whatever bytes the JPEG holds', async () => {
    const frame = await jpeg(64);
    const withBlankLines = Buffer.concat([frame.subarray(0, 20), Buffer.from('\n\n\r\n\r\n'), frame.subarray(20)]);
    // Not a valid image any more, but a JPEG-framed part: it must come through whole.
    const stream = Buffer.concat([Buffer.from('--b\r\n'), withBlankLines, Buffer.from('\r\n--b\r\n'), frame, Buffer.from('\r\n--b\r\n')]);
    for (const chunk of [1, 3, stream.length]) {
      const frames = parse(stream, 'b', chunk);
      assert.equal(frames.length, 2, `chunk ${chunk}`);
      assert.ok(frames[0]!.equals(withBlankLines) && frames[1]!.equals(frame));
    }
  });

  it('does not hold a delimiter-like run without a line end forever', async () => {
    const frame = await jpeg(30);
    const parser = new MultipartJpegParser({ boundary: 'x', maxFrameBytes: 1 << 16, onFrame: () => {} });
    parser.push(Buffer.concat([Buffer.from('--x'), Buffer.alloc(5 * 1024 * 1024, 0x41)]));
    const frames: Buffer[] = [];
    const fresh = new MultipartJpegParser({ boundary: 'x', maxFrameBytes: 1 << 16, onFrame: (f) => frames.push(f) });
    fresh.push(Buffer.concat([Buffer.from('--x'), Buffer.alloc(4096, 0x41), Buffer.from('\r\n--x\r\n\r\n'), frame, Buffer.from('\r\n--x\r\n')]));
    assert.equal(frames.length, 1, 'resyncs on the next real delimiter');
  });

  it('skips parts that are not JPEGs or exceed the size cap, and resyncs', async () => {
    const [small, big] = await Promise.all([jpeg(20), jpeg(400)]);
    const stream = Buffer.concat([
      Buffer.from('--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n'),
      Buffer.from(`--b\r\nContent-Length: ${big!.length}\r\n\r\n`),
      big!,
      Buffer.from('\r\n--b\r\n\r\n'),
      small!,
      Buffer.from('\r\n--b\r\n'),
    ]);
    const frames = parse(stream, 'b', 64, small!.length + 10);
    assert.equal(frames.length, 1);
    assert.ok(frames[0]!.equals(small!));
  });
});
