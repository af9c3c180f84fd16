import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { parseCamera } from '../../src/config/camera-schema.js';
import { createSystemClock } from '../../src/lib/clock.js';
import { createSilentLogger } from '../../src/lib/logger.js';
import { captureFor } from '../../src/sources/camera-registry.js';
import { CameraSource, backoffDelay } from '../../src/sources/camera-source.js';
import { decodeJpeg } from '../helpers/mjpeg-reader.js';
import { startUpstreamCamera } from '../helpers/ffmpeg-mjpeg-server.js';

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
    await until(() => camera.status().state === 'live', 5000, 'restart on demand');
    again();
    unsubscribe();
    camera.close();
    await until(() => ffmpegProcesses(marker) === 0, 3000, 'ffmpeg to end on close');
  });

  it('reports a missing V4L2 device clearly and retries with growing delays, without crashing', async () => {
    const camera = source({ type: 'v4l2', device: '/dev/video-missing-42' });
    const release = camera.acquire();
    await until(() => camera.status().restarts >= 3, 5000, 'three attempts');
    const status = camera.status();
    assert.equal(status.state, 'offline');
    assert.match(status.error ?? '', /\/dev\/video-missing-42 does not exist/);
    assert.ok(status.retryAt !== undefined && status.retryAt > Date.now() - 50);
    release();
    camera.close();
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

    it('fails with a clear message on a wrong URL, and times out a silent server', async () => {
      const camera = source({ type: 'mjpeg', url: 'http://127.0.0.1:9/none', connectTimeout: '500ms' });
      const release = camera.acquire();
      await until(() => camera.status().state === 'offline', 3000, 'offline');
      assert.match(camera.status().error ?? '', /127\.0\.0\.1:9/);
      release();
      camera.close();
    });
  });
});
