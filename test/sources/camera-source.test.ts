import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { parseCamera } from '../../src/config/camera-schema.js';
import { createSystemClock } from '../../src/lib/clock.js';
import { createSilentLogger } from '../../src/lib/logger.js';
import { captureFor } from '../../src/sources/camera-registry.js';
import { CameraSource, backoffDelay } from '../../src/sources/camera-source.js';
import { decodeJpeg } from '../helpers/mjpeg-reader.js';
import { listenLoopback, startUpstreamCamera, testsrcJpegs } from '../helpers/ffmpeg-mjpeg-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FAST = { initialMs: 200, maxMs: 1000, jitter: 0.2 };

function source(content: Record<string, unknown>, backoff = FAST): CameraSource {
  const parsed = parseCamera('cam', content);
  if (!('spec' in parsed)) throw new Error(JSON.stringify(parsed.issues));
  return new CameraSource(parsed.spec, { createCapture: captureFor(parsed.spec), clock: createSystemClock(), logger: createSilentLogger(), backoff });
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** ffmpeg processes whose command line contains `marker`. */
function ffmpegProcesses(marker: string): number {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

describe('backoffDelay', () => {
  it('doubles up to the cap, with jitter', () => {
    const backoff = { initialMs: 500, maxMs: 30_000, jitter: 0.2 };
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(backoff, n, () => 0.5)), [500, 1000, 2000, 4000]);
    assert.equal(backoffDelay(backoff, 20, () => 0.5), 30_000);
    assert.equal(backoffDelay(backoff, 1, () => 0), 400);
    assert.equal(backoffDelay(backoff, 1, () => 1), 600);
  });
});

describe('CameraSource', () => {
  it('captures ffmpeg\'s testsrc2, shares one process, and ends it after the grace period', async () => {
    const camera = source({ type: 'testsrc', width: 322, height: 182, fps: 10, idleGrace: '300ms' });
    const marker = 'testsrc2=size=322x182';
    const events: number[] = [];
    const unsubscribe = camera.subscribe(() => events.push(1));
    const first = camera.acquire();
    const second = camera.acquire();
    await until(() => camera.view().image !== undefined, 5000, 'a decoded frame');
    assert.equal(camera.status().state, 'live');
    assert.equal(ffmpegProcesses(marker), 1, 'one capture for two viewers');
    const frame = camera.latest!;
    assert.deepEqual([decodeJpeg(frame.jpeg).width, decodeJpeg(frame.jpeg).height], [322, 182]);
    first();
    await sleep(500);
    assert.equal(ffmpegProcesses(marker), 1, 'still running for the other viewer');
    second();
    second(); // idempotent
    await until(() => ffmpegProcesses(marker) === 0, 3000, 'ffmpeg to end after the grace period');
    assert.equal(camera.status().state, 'idle');
    assert.ok(events.length > 3, 'listeners heard of frames');
    const again = camera.acquire();
    assert.equal(camera.view().image, undefined, 'no stale image from the earlier run');
    await camera.ready(5000);
    assert.ok(camera.view().image, 'a fresh image once ready');
    assert.equal(camera.status().state, 'live');
    again();
    unsubscribe();
    camera.close();
    await until(() => ffmpegProcesses(marker) === 0, 3000, 'ffmpeg to end on close');
  });

  it('reports a missing V4L2 device clearly and retries with growing delays, without crashing', async () => {
    const camera = source({ type: 'v4l2', device: '/dev/video-missing-42' }, { initialMs: 100, maxMs: 5000, jitter: 0.1 });
    const delays: number[] = [];
    let restarts = 0;
    camera.subscribe(() => {
      const status = camera.status();
      if (status.restarts > restarts && status.retryAt !== undefined) {
        restarts = status.restarts;
        delays.push(status.retryAt - Date.now());
      }
    });
    const release = camera.acquire();
    await until(() => camera.status().restarts >= 4, 5000, 'four attempts');
    const status = camera.status();
    assert.equal(status.state, 'offline');
    assert.match(status.error ?? '', /\/dev\/video-missing-42 does not exist/);
    // 100, 200, 400, 800 ms ± 10 %: each delay clearly longer than the one before.
    for (let i = 1; i < delays.length; i++) assert.ok(delays[i]! > delays[i - 1]! * 1.5, `delays ${delays.map(Math.round).join(', ')}`);
    release();
    await camera.close();
  });

  it('keeps camera passwords out of errors, logs and placeholders', async () => {
    const rtsp = source({ type: 'ffmpeg', url: 'rtsp://admin:hunter2@127.0.0.1:9/stream1' });
    const http = source({ type: 'mjpeg', url: 'http://admin:hunter2@127.0.0.1:9/video' });
    const releases = [rtsp.acquire(), http.acquire()];
    await until(() => rtsp.status().state === 'offline' && http.status().state === 'offline', 8000, 'both offline');
    for (const camera of [rtsp, http]) {
      const error = camera.status().error ?? '';
      assert.ok(error.length > 0);
      assert.ok(!error.includes('hunter2'), error);
    }
    for (const release of releases) release();
    await Promise.all([rtsp.close(), http.close()]);
  });

  it('drops frames whose header claims a huge image instead of decoding them', async () => {
    const frame = testsrcJpegs('160x90');
    const huge = Buffer.from(frame);
    const sof = huge.indexOf(Buffer.from([0xff, 0xc0]));
    huge.writeUInt16BE(20_000, sof + 5);
    huge.writeUInt16BE(20_000, sof + 7);
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=f' });
      let n = 0;
      const timer = setInterval(() => res.write(Buffer.concat([Buffer.from('--f\r\n\r\n'), n++ % 2 ? frame : huge, Buffer.from('\r\n')])), 30);
      res.once('close', () => clearInterval(timer));
    });
    const camera = source({ type: 'mjpeg', url: `${await listenLoopback(server)}/` });
    camera.subscribe(() => {}); // a viewer: frames get decoded
    const release = camera.acquire();
    try {
      await until(() => camera.status().framesDropped >= 3 && camera.view().image !== undefined, 5000, `dropped and good frames (${JSON.stringify(camera.status())})`);
      assert.equal(camera.view().image?.width, 160);
    } finally {
      release();
      await camera.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it('explains what to do when the optional v4l2camera backend is missing', async () => {
    const camera = source({ type: 'v4l2', device: '/dev/video0', backend: 'v4l2camera' });
    const release = camera.acquire();
    await until(() => camera.status().state === 'offline', 3000, 'the backend to fail');
    assert.match(camera.status().error ?? '', /v4l2camera.*not installed.*backend: ffmpeg/s);
    release();
    camera.close();
  });

  describe('reading an upstream MJPEG server we did not write (ffmpeg -f mpjpeg)', () => {
    const upstreams: { kill(): Promise<void> }[] = [];
    after(async () => {
      for (const upstream of upstreams) await upstream.kill();
    });

    for (const contentType of [true, false]) {
      it(`reads frames ${contentType ? 'with the boundary in Content-Type' : 'finding the boundary in the body'}`, async () => {
        const upstream = await startUpstreamCamera({ contentType });
        upstreams.push(upstream);
        const camera = source({ type: 'mjpeg', url: upstream.url });
        const release = camera.acquire();
        await until(() => camera.status().framesReceived >= 5, 5000, 'five frames');
        assert.deepEqual([decodeJpeg(camera.latest!.jpeg).width, decodeJpeg(camera.latest!.jpeg).height], [320, 180]);
        release();
        camera.close();
        await upstream.kill();
      });
    }

    it('goes offline at once when the upstream dies, and recovers by itself when it returns', async () => {
      const upstream = await startUpstreamCamera();
      upstreams.push(upstream);
      const camera = source({ type: 'mjpeg', url: upstream.url, stallTimeout: '3s' });
      const release = camera.acquire();
      await until(() => camera.status().state === 'live', 5000, 'live');
      const killedAt = Date.now();
      await upstream.kill();
      await until(() => camera.status().state === 'offline', 1000, 'offline within 1 s');
      assert.ok(Date.now() - killedAt < 1000);
      assert.ok(camera.status().lastFrameAt !== undefined, 'the last-seen time is kept');
      await upstream.restart();
      await until(() => camera.status().state === 'live', 8000, 'automatic recovery');
      const before = camera.status().framesReceived;
      await until(() => camera.status().framesReceived > before + 3, 3000, 'frames after recovery');
      release();
      camera.close();
    });

    it('sends Basic credentials, and reports a refusal as an authentication problem', async () => {
      const frame = testsrcJpegs('160x90');
      const server = createServer((req, res) => {
        if (req.headers.authorization !== `Basic ${Buffer.from('viewer:s3cret').toString('base64')}`) {
          res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="cam"' }).end();
          return;
        }
        res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary="--cam"' });
        const timer = setInterval(() => res.write(Buffer.concat([Buffer.from('--cam\r\nContent-Type: image/jpeg\r\n\r\n'), frame, Buffer.from('\r\n')])), 50);
        res.once('close', () => clearInterval(timer));
      });
      const url = `${await listenLoopback(server)}/stream`;
      try {
        const wrong = source({ type: 'mjpeg', url, username: 'viewer', password: 'nope' });
        const releaseWrong = wrong.acquire();
        await until(() => wrong.status().state === 'offline', 3000, 'refusal');
        assert.match(wrong.status().error ?? '', /401.*username and password/);
        releaseWrong();
        wrong.close();
        const right = source({ type: 'mjpeg', url: url.replace('http://', 'http://viewer:s3cret@') });
        const releaseRight = right.acquire();
        await until(() => right.status().framesReceived >= 3, 3000, 'frames with credentials from the URL');
        assert.ok(!(right.status().error ?? '').includes('s3cret'));
        releaseRight();
        right.close();
      } finally {
        server.closeAllConnections();
        server.close();
      }
    });

    it('restarts a stream that stalls, and times out a server that never answers', async () => {
      const frame = testsrcJpegs('160x90');
      let connections = 0;
      const stalling = createServer((_req, res) => {
        connections++;
        res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=x' });
        res.write(Buffer.concat([Buffer.from('--x\r\nContent-Type: image/jpeg\r\n\r\n'), frame, Buffer.from('\r\n--x\r\n')]));
        // ...and then nothing more, with the connection left open.
      });
      const stallingUrl = await listenLoopback(stalling);
      const silent = createNetServer(() => {}); // accepts, never answers
      const silentUrl = await listenLoopback(silent);
      try {
        const stalled = source({ type: 'mjpeg', url: `${stallingUrl}/`, stallTimeout: '1s' });
        const releaseStalled = stalled.acquire();
        await until(() => stalled.status().framesReceived >= 1, 3000, 'the one frame');
        await until(() => stalled.status().state === 'offline', 3000, 'the stall watchdog');
        assert.match(stalled.status().error ?? '', /no frame for 1000 ms/);
        await until(() => connections >= 2, 3000, 'a reconnect');
        releaseStalled();
        stalled.close();
        const mute = source({ type: 'mjpeg', url: `${silentUrl}/`, connectTimeout: '500ms' });
        const releaseMute = mute.acquire();
        await until(() => mute.status().state === 'offline', 3000, 'the connect timeout');
        assert.match(mute.status().error ?? '', /no answer within 500 ms/);
        releaseMute();
        mute.close();
      } finally {
        stalling.closeAllConnections();
        stalling.close();
        silent.close();
      }
    });

    it('fails with a clear message when nothing listens', async () => {
      const camera = source({ type: 'mjpeg', url: 'http://127.0.0.1:9/none', connectTimeout: '500ms' });
      const release = camera.acquire();
      await until(() => camera.status().state === 'offline', 3000, 'offline');
      assert.match(camera.status().error ?? '', /127\.0\.0\.1:9/);
      release();
      camera.close();
    });
  });
});
