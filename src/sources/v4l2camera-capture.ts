import { createRequire } from 'node:module';
import type { CameraSourceSpec } from '../lib/camera-spec.js';
import { type CaptureFactory, CaptureError } from './capture.js';

type V4l2Source = Extract<CameraSourceSpec, { type: 'v4l2' }>;

/** The part of the v4l2camera binding chartcast uses. */
interface V4l2Camera {
  configSet(config: { formatName: string; width: number; height: number; interval?: { numerator: number; denominator: number } }): void;
  start(): void;
  stop(callback?: () => void): void;
  capture(callback: (ok: boolean) => void): void;
  frameRaw(): Uint8Array;
}

const MISSING =
  'the optional v4l2camera package is not installed or did not build (the published 1.0.4 does not build on Node 20); ' +
  'use "backend: ffmpeg" for this camera, or install a working v4l2camera with: npm install v4l2camera';

/** Loads the optional binding, or explains why it cannot. */
export function loadV4l2camera(): { Camera: new (device: string) => V4l2Camera } {
  try {
    return createRequire(import.meta.url)('v4l2camera') as { Camera: new (device: string) => V4l2Camera };
  } catch (error) {
    throw new CaptureError(`${MISSING} (${(error as Error).message.split('\n')[0]})`);
  }
}

/** Captures MJPEG frames in-process through the optional v4l2camera binding. */
export function v4l2cameraCapture(source: V4l2Source, maxFrameBytes: number): CaptureFactory {
  return (handlers) => {
    let done = false;
    const fail = (error: Error) => {
      if (done) return;
      done = true;
      handlers.fail(error);
    };
    let camera: V4l2Camera | undefined;
    try {
      const { Camera } = loadV4l2camera();
      if (source.inputFormat !== 'mjpeg') throw new CaptureError('the v4l2camera backend reads MJPEG cameras only; use "backend: ffmpeg" for yuyv');
      camera = new Camera(source.device);
      camera.configSet({ formatName: 'MJPG', width: source.width, height: source.height, interval: { numerator: 1, denominator: source.fps } });
      camera.start();
      const loop = (ok: boolean) => {
        if (done || !camera) return;
        if (!ok) return fail(new CaptureError(`${source.device}: capture failed`));
        const frame = Buffer.from(camera.frameRaw());
        if (frame.length <= maxFrameBytes) handlers.frame(frame);
        camera.capture(loop);
      };
      camera.capture(loop);
    } catch (error) {
      queueMicrotask(() => fail(error instanceof CaptureError ? error : new CaptureError(`${source.device}: ${(error as Error).message}`)));
    }
    return {
      stop: async () => {
        done = true;
        try {
          camera?.stop();
        } catch {
          // Already stopped or never started.
        }
      },
    };
  };
}
