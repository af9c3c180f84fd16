import { Worker } from 'node:worker_threads';
import type { ChartSpec } from '../lib/chart-spec.js';
import { ChartcastError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { FrameSize, RenderInput } from '../render/chart-renderer.js';
import type { Point } from '../series/types.js';
import type { FrameRenderer, RenderService, RenderServiceStats, RenderedFrame } from './frame-renderer.js';
import type { FromRenderThread, RenderThreadData, ThreadCameraView, ToRenderThread } from './render-protocol.js';

/** Options of a render pool. */
export interface RenderPoolOptions {
  /** Number of render threads. */
  readonly threads: number;
  readonly fontsDir: string | undefined;
  readonly logger: Logger;
  /** A render that takes longer than this (ms) is abandoned and its thread replaced. */
  readonly renderTimeoutMs: number;
  /** How long a thread may take to start (ms). */
  readonly startTimeoutMs?: number;
}

interface Job {
  readonly resolve: (frame: RenderedFrame) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** One render thread and what it holds. */
class Slot {
  worker: Worker | undefined;
  /** Settles once the thread has loaded (renders are timed from then on). */
  ready: Promise<void> = Promise.resolve();
  /** Bumped each time the slot gets a new thread, so charts know to re-open. */
  generation = 0;
  readonly jobs = new Map<number, Job>();
  charts = 0;
}

/** A chart opened in the pool: which thread draws it, and whether that thread knows it yet. */
interface Handle {
  readonly id: number;
  readonly spec: ChartSpec;
  readonly size: FrameSize;
  readonly slot: Slot;
  openedIn: number;
}

/** Starts the render thread: the built JavaScript, or (when running from source) the TypeScript through tsx. */
function startThread(workerData: RenderThreadData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./render-worker.js', import.meta.url), { workerData });
  const source = new URL('./render-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Renders frames in worker threads, one per core by default. Each chart variant is pinned to
 * one thread (its chart.js instance lives there), and variants are spread across threads, so
 * many streams use every core; encodes run beside the next render. A thread that crashes, or
 * whose render overruns `renderTimeoutMs`, is replaced and its charts re-opened on demand.
 */
export class RenderPool implements RenderService {
  readonly #options: RenderPoolOptions;
  readonly #slots: Slot[];
  #nextId = 1;
  #restarts = 0;
  #closed = false;

  constructor(options: RenderPoolOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError('a render pool needs at least one thread');
    this.#options = options;
    this.#slots = Array.from({ length: options.threads }, () => new Slot());
  }

  /** Starts every thread and waits until each has loaded; rejects if one cannot start. */
  async start(): Promise<void> {
    for (const slot of this.#slots) this.#spawn(slot);
    await Promise.all(this.#slots.map((slot) => slot.ready));
  }

  open(spec: ChartSpec, size: FrameSize): FrameRenderer {
    // The thread drawing the fewest charts takes the new one.
    const slot = this.#slots.reduce((best, candidate) => (candidate.charts < best.charts ? candidate : best));
    slot.charts++;
    const handle: Handle = { id: this.#nextId++, spec, size, slot, openedIn: -1 };
    let destroyed = false;
    return {
      render: (input, quality) => {
        if (destroyed) return Promise.reject(new ChartcastError('internal', 'render on a destroyed renderer'));
        return this.#render(handle, input, quality);
      },
      destroy: () => {
        if (destroyed) return;
        destroyed = true;
        slot.charts--;
        if (handle.openedIn === slot.generation) this.#post(slot, { type: 'close', chart: handle.id });
      },
    };
  }

  stats(): RenderServiceStats {
    return {
      threads: this.#slots.length,
      queued: this.#slots.map((slot) => slot.jobs.size),
      charts: this.#slots.map((slot) => slot.charts),
      restarts: this.#restarts,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      this.#slots.map(async (slot) => {
        const worker = slot.worker;
        slot.worker = undefined;
        this.#failJobs(slot, 'the render pool closed');
        await worker?.terminate();
      }),
    );
  }

  async #render(handle: Handle, input: RenderInput, quality: number): Promise<RenderedFrame> {
    const { slot } = handle;
    if (!this.#closed && !slot.worker) this.#spawn(slot);
    await slot.ready.catch(() => {}); // a thread that failed to load exits, which fails its jobs
    const worker = slot.worker;
    if (this.#closed || !worker) throw new ChartcastError('unavailable', 'the render pool is closed');
    if (handle.openedIn !== slot.generation) {
      this.#post(slot, { type: 'open', chart: handle.id, spec: handle.spec, size: handle.size });
      handle.openedIn = slot.generation;
    }
    const job = this.#nextId++;
    const points = input.datasets.map((dataset) => flatten(dataset.points));
    const datasets = input.datasets.map(({ key, entry, label }) => ({ key, entry, label }));
    const camera: ThreadCameraView | undefined = input.camera && {
      status: input.camera.status,
      title: input.camera.title,
      source: input.camera.source,
    };
    return new Promise<RenderedFrame>((resolve, reject) => {
      const timer = setTimeout(() => this.#overran(slot, worker), this.#options.renderTimeoutMs);
      slot.jobs.set(job, { resolve, reject, timer });
      const message: ToRenderThread = {
        type: 'render',
        job,
        chart: handle.id,
        quality,
        now: input.now,
        datasets,
        points,
        overlayLines: input.overlayLines,
        camera,
        error: input.error,
      };
      worker.postMessage(message, points.map((array) => array.buffer as ArrayBuffer));
    });
  }

  #post(slot: Slot, message: ToRenderThread): void {
    slot.worker?.postMessage(message);
  }

  #spawn(slot: Slot): Worker {
    const worker = startThread({ fontsDir: this.#options.fontsDir });
    slot.worker = worker;
    slot.generation++;
    slot.ready = this.#ready(worker);
    slot.ready.catch((error: Error) => this.#options.logger.error({ err: error.message }, 'a render thread failed to start'));
    worker.on('message', (message: FromRenderThread) => this.#onMessage(slot, message));
    worker.on('error', (error) => {
      this.#options.logger.error({ err: error.message }, 'render thread crashed');
    });
    worker.once('exit', (code) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined; // the next render starts a fresh thread
      if (this.#closed) return;
      this.#restarts++;
      this.#failJobs(slot, `the render thread exited (code ${code})`);
    });
    return worker;
  }

  #ready(worker: Worker): Promise<void> {
    const timeoutMs = this.#options.startTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`a render thread did not start within ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        reject(error);
      };
      const onMessage = (message: FromRenderThread) => {
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', fail);
        resolve();
      };
      worker.on('message', onMessage);
      worker.once('error', fail);
    });
  }

  #onMessage(slot: Slot, message: FromRenderThread): void {
    if (message.type === 'ready') return;
    const job = slot.jobs.get(message.job);
    if (!job) return;
    slot.jobs.delete(message.job);
    clearTimeout(job.timer);
    if (message.type === 'failed') {
      job.reject(new ChartcastError(message.message.startsWith('JPEG encode') ? 'encode_failed' : 'render_failed', message.message));
      return;
    }
    const { jpeg } = message;
    const frame = { jpeg: Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength), renderMs: message.renderMs, encodeMs: message.encodeMs };
    job.resolve(message.renderError === undefined ? frame : { ...frame, renderError: message.renderError });
  }

  /** A render ran too long (a pathological chart): replace the thread, failing what it held. */
  #overran(slot: Slot, worker: Worker): void {
    if (slot.worker !== worker) return;
    this.#options.logger.error({ timeoutMs: this.#options.renderTimeoutMs }, 'a render overran its time; replacing the render thread');
    slot.worker = undefined;
    this.#restarts++;
    this.#failJobs(slot, `a render took longer than ${this.#options.renderTimeoutMs} ms; the render thread was replaced`);
    void worker.terminate();
  }

  #failJobs(slot: Slot, reason: string): void {
    for (const job of slot.jobs.values()) {
      clearTimeout(job.timer);
      job.reject(new ChartcastError('render_failed', reason));
    }
    slot.jobs.clear();
  }
}

/** A dataset as x, y pairs in one transferable array. */
function flatten(points: readonly Point[]): Float64Array {
  const flat = new Float64Array(points.length * 2);
  for (let i = 0, j = 0; i < points.length; i++, j += 2) {
    const point = points[i] as Point;
    flat[j] = point.x;
    flat[j + 1] = point.y;
  }
  return flat;
}
