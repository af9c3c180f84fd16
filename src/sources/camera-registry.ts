import type { CameraSpec } from '../lib/camera-spec.js';
import type { Clock } from '../lib/clock.js';
import { notFound } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { type Backoff, CameraSource } from './camera-source.js';
import type { CaptureFactory } from './capture.js';
import { ffmpegCapture } from './ffmpeg-capture.js';
import { httpMjpegCapture } from './http-mjpeg-capture.js';
import { v4l2cameraCapture } from './v4l2camera-capture.js';

/** The capture backend a camera definition asks for. */
export function captureFor(spec: CameraSpec, ffmpegPath?: string): CaptureFactory {
  const { source } = spec;
  if (source.type === 'mjpeg') return httpMjpegCapture(source, spec.maxFrameBytes);
  if (source.type === 'v4l2' && source.backend === 'v4l2camera') return v4l2cameraCapture(source, spec.maxFrameBytes);
  return ffmpegCapture(source, spec.maxFrameBytes, ffmpegPath);
}

/** Options of the camera registry. */
export interface CameraRegistryOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly backoff?: Backoff;
  readonly ffmpegPath?: string;
}

/** Every configured camera, each with exactly one capture shared by all of its streams. */
export class CameraRegistry {
  readonly #sources = new Map<string, CameraSource>();

  constructor(cameras: readonly CameraSpec[], options: CameraRegistryOptions) {
    for (const spec of cameras) {
      const deps = { clock: options.clock, logger: options.logger, createCapture: captureFor(spec, options.ffmpegPath) };
      this.#sources.set(spec.name, new CameraSource(spec, options.backoff ? { ...deps, backoff: options.backoff } : deps));
    }
  }

  /** The camera called `name`; throws a 404 if there is none. */
  get(name: string): CameraSource {
    const source = this.#sources.get(name);
    if (!source) throw notFound(`no camera named "${name}" (GET /api/cameras lists them)`);
    return source;
  }

  /** Whether a camera called `name` exists. */
  has(name: string): boolean {
    return this.#sources.has(name);
  }

  /** All cameras, by name. */
  all(): CameraSource[] {
    return [...this.#sources.values()].sort((a, b) => a.spec.name.localeCompare(b.spec.name));
  }

  /** Stops every capture; resolves once every child process has ended. */
  async close(): Promise<void> {
    await Promise.all([...this.#sources.values()].map((source) => source.close()));
  }
}
