import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCanvas } from '@napi-rs/canvas';
import { JpegSplitter } from '../../src/sources/jpeg-splitter.js';
import { testsrcJpegs } from '../helpers/ffmpeg-mjpeg-server.js';
import { decodeJpeg } from '../helpers/mjpeg-reader.js';

async function jpeg(width: number, height: number, color: string): Promise<Buffer> {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = color;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(width / 4, height / 4, width / 2, height / 2);
  return canvas.encode('jpeg', 80);
}

/** `main` with an EXIF APP1 segment carrying `thumbnail` (a whole JPEG) right after SOI. */
function withExifThumbnail(main: Buffer, thumbnail: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), Buffer.from('MM\0\x2a\0\0\0\x08', 'latin1'), thumbnail]);
  const header = Buffer.alloc(4);
  header.writeUInt16BE(0xffe1, 0);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([main.subarray(0, 2), header, payload, main.subarray(2)]);
}

function split(stream: Buffer, chunkSize: number, maxFrameBytes = 1 << 20) {
  const frames: Buffer[] = [];
  const discarded: string[] = [];
  const splitter = new JpegSplitter({
    maxFrameBytes,
    onFrame: (frame) => frames.push(frame),
    onDiscard: (_bytes, reason) => discarded.push(reason),
  });
  for (let i = 0; i < stream.length; i += chunkSize) splitter.push(stream.subarray(i, i + chunkSize));
  return { frames, discarded };
}

describe('JpegSplitter', () => {
  it('splits frames with EXIF thumbnails and junk between them, in 1-byte and odd-sized chunks', async () => {
    const thumb = await jpeg(32, 24, '#00ff00');
    const a = withExifThumbnail(await jpeg(160, 120, '#ff0000'), thumb);
    const b = await jpeg(120, 90, '#0000ff');
    const c = withExifThumbnail(await jpeg(80, 60, '#ffff00'), thumb);
    const junk = Buffer.from('--boundary\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8 garbage \xff\xd9\xff', 'latin1');
    const stream = Buffer.concat([junk, a, junk, b, Buffer.from('\r\n'), c, junk]);
    // The control: a naive split at the first FF D9 cuts frame a inside its thumbnail.
    const naiveEnd = stream.indexOf(Buffer.from([0xff, 0xd9]), stream.indexOf(a));
    assert.ok(naiveEnd < stream.indexOf(a) + a.length - 2, 'the thumbnail holds an earlier FF D9');
    for (const chunkSize of [1, 7, 4096, stream.length]) {
      const { frames } = split(stream, chunkSize);
      assert.equal(frames.length, 3, `chunk size ${chunkSize}`);
      assert.ok(frames[0]!.equals(a) && frames[1]!.equals(b) && frames[2]!.equals(c), `chunk size ${chunkSize}: frames are exact`);
    }
    assert.deepEqual([decodeJpeg(split(stream, 4096).frames[0]!).width, decodeJpeg(split(stream, 4096).frames[1]!).width], [160, 120]);
  });

  it('drops a frame over the size cap and resyncs on the next one', async () => {
    const big = await jpeg(400, 300, '#ff0000');
    const small = await jpeg(40, 30, '#0000ff');
    const { frames, discarded } = split(Buffer.concat([big, small]), 1000, small.length + 100);
    assert.equal(frames.length, 1);
    assert.ok(frames[0]!.equals(small));
    assert.ok(discarded.includes('oversized'));
  });

  it('drops a truncated frame when the next one starts', async () => {
    const whole = await jpeg(80, 60, '#ff0000');
    const truncated = whole.subarray(0, Math.floor(whole.length / 2));
    const { frames } = split(Buffer.concat([truncated, whole]), 333);
    assert.equal(frames.length, 1);
    assert.ok(frames[0]!.equals(whole));
  });

  it('splits what ffmpeg writes as -f mjpeg', () => {
    const stream = testsrcJpegs('160x120', 5);
    const { frames } = split(stream, 1500);
    assert.equal(frames.length, 5);
    for (const frame of frames) assert.deepEqual([decodeJpeg(frame).width, decodeJpeg(frame).height], [160, 120]);
  });
});
