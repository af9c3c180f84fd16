import type { ChartSpec } from '../lib/chart-spec.js';
import { FrameChannel } from '../hub/frame-channel.js';
import type { Frame } from '../hub/frame.js';
import type { Clock } from '../lib/clock.js';
import { ChartcastError, messageOf } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { clamp } from '../lib/numbers.js';
import { OverlayTemplate } from '../render/overlay.js';
import type { SeriesStore } from '../series/types.js';
import type { CameraRegistry } from '../sources/camera-registry.js';
import type { CameraSource } from '../sources/camera-source.js';
import type { FrameRenderer, RenderService } from './frame-renderer.js';
import { buildRenderInput, overlayLines } from './render-input.js';
import { SeriesSelection } from './series-selection.js';
import type { StreamVariant } from './variant.js';

/**
 * Frames a stream may draw back to back after a quiet spell. The fps cap holds on average, so a
 * point pushed just after a clock-driven frame (a new second in the overlay) is drawn at once
 * instead of waiting out a whole frame interval.
 */
const BURST_FRAMES = 2;

/** Counters of one stream (one chart variant). */
export interface StreamCounters {
  renders: number;
  renderErrors: number;
  encodes: number;
  encodeErrors: number;
  renderMs: number;
  encodeMs: number;
}

/** What a stream needs from the rest of the service. */
export interface ChartStreamDeps {
  readonly store: SeriesStore;
  /** Draws and encodes frames (on the main thread or in render threads). */
  readonly renderers: RenderService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly keepaliveMs: number;
  /** Disconnect a viewer that takes no data for this long (ms). */
  readonly stallTimeoutMs: number;
  /** Cameras charts may be drawn with. */
  readonly cameras: CameraRegistry;
}

/**
 * The scheduler of one chart variant. While it has viewers it renders when something visible
 * changed (data, overlay text, the time axis), at most `fps` times a second, and publishes each
 * frame once to its channel. Without viewers it does nothing.
 */
export class ChartStream {
  readonly spec: ChartSpec;
  readonly variant: StreamVariant;
  readonly channel: FrameChannel;
  readonly counters: StreamCounters = { renders: 0, renderErrors: 0, encodes: 0, encodeErrors: 0, renderMs: 0, encodeMs: 0 };
  readonly #deps: ChartStreamDeps;
  readonly #overlay: OverlayTemplate;
  readonly #selection: SeriesSelection;
  readonly #intervalMs: number;
  /** The time axis moves this far (ms) before an otherwise unchanged chart is redrawn. */
  readonly #axisStepMs: number;
  #renderer: FrameRenderer | undefined;
  #running = false;
  #dirty = true;
  #busy = false;
  /** Frames that may start now: refills at fps, holds at most BURST_FRAMES. */
  #credit = BURST_FRAMES;
  #creditAt = performance.now();
  #lastNow = -Infinity;
  #lastOverlay = '';
  #seq = 0;
  #tick: NodeJS.Timeout | undefined;
  #due: NodeJS.Timeout | undefined;
  #lastError = '';
  readonly #camera: CameraSource | undefined;
  #cameraLease: (() => void) | undefined;

  constructor(spec: ChartSpec, variant: StreamVariant, deps: ChartStreamDeps) {
    this.spec = spec;
    this.variant = variant;
    this.#deps = deps;
    this.#overlay = new OverlayTemplate(spec.overlay);
    this.#selection = new SeriesSelection(spec, deps.store, this.#overlay.series);
    this.#intervalMs = 1000 / variant.fps;
    this.#axisStepMs = clamp(spec.windowMs / variant.width, 1000, 60_000);
    this.channel = new FrameChannel({ keepaliveMs: deps.keepaliveMs, stallTimeoutMs: deps.stallTimeoutMs });
    this.#camera = spec.camera ? deps.cameras.get(spec.camera.name) : undefined;
  }

  /** Whether the stream is scheduling frames (it has viewers). */
  get running(): boolean {
    return this.#running;
  }

  /** Starts scheduling frames (idempotent). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    if (this.#camera) {
      // Every camera frame and state change is a change to show (capped at fps like any other).
      const release = this.#camera.acquire();
      const unsubscribe = this.#camera.subscribe(() => {
        this.#dirty = true;
        this.#kick();
      });
      this.#cameraLease = () => {
        unsubscribe();
        release();
      };
    }
    this.#tick = setInterval(() => this.#checkTime(), Math.max(this.#intervalMs, 50));
    this.#checkTime();
    this.#kick();
  }

  /** Stops rendering at once (idempotent); the renderer is kept until `destroy`. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#cameraLease?.();
    this.#cameraLease = undefined;
    clearInterval(this.#tick);
    clearTimeout(this.#due);
    this.#tick = undefined;
    this.#due = undefined;
  }

  /** Stops and frees the chart instance and canvas. */
  destroy(): void {
    this.stop();
    this.channel.close();
    this.#renderer?.destroy();
    this.#renderer = undefined;
  }

  /** Tells the stream that series changed; it re-renders if it shows any of them. */
  notifyChanged(names: ReadonlySet<string>): void {
    if (this.#selection.affectedBy(names)) {
      this.#dirty = true;
      this.#kick();
    }
  }

  /** A frame showing the current state: the latest if nothing changed since, else the next one. */
  async currentFrame(timeoutMs: number): Promise<Frame> {
    // A still of a camera that is just starting would only say "connecting": wait for it a little.
    await this.#camera?.ready(Math.min(timeoutMs / 2, this.#camera.spec.stallTimeoutMs));
    this.#checkTime();
    const latest = this.channel.latest;
    if (latest && !this.#dirty && !this.#busy) return latest;
    // A frame already being drawn may predate the change: wait for one begun from now on.
    const since = this.#deps.clock.now();
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const remaining = Math.max(1, deadline - performance.now());
      const frame = await this.channel.nextFrame(
        remaining,
        () => new ChartcastError('timeout', `no frame of "${this.spec.name}" within ${timeoutMs} ms`, { status: 503, expose: true }),
      );
      if (frame.timestamp >= since || !this.#dirty) return frame;
    }
  }

  /** Marks the frame stale when the overlay text or the time axis moved on. */
  #checkTime(): void {
    const now = this.#deps.clock.now();
    try {
      this.#markIfStale(now);
    } catch (error) {
      this.#logOnce('error', messageOf(error), 'overlay text failed');
      // The render draws the problem as an error frame; redraw it only as the time axis moves.
      if (now - this.#lastNow >= this.#axisStepMs) this.#dirty = true;
    }
    if (this.#dirty) this.#kick();
  }

  #markIfStale(now: number): void {
    if (now - this.#lastNow >= this.#axisStepMs) {
      this.#dirty = true;
    } else if (this.#overlay.spec.lines.length > 0) {
      const text = overlayLines(this.spec, this.#overlay, this.#deps.store, now).join('\n');
      if (text !== this.#lastOverlay) this.#dirty = true;
    }
  }

  /** Renders now, or schedules the render for when the fps cap allows it. */
  #kick(): void {
    if (!this.#running || !this.#dirty || this.#busy || this.#due) return;
    const credit = this.#refill();
    const wait = credit >= 1 ? 0 : (1 - credit) * this.#intervalMs;
    this.#due = setTimeout(() => this.#fire(), Math.max(0, wait));
  }

  #fire(): void {
    this.#due = undefined;
    if (!this.#running || !this.#dirty || this.#busy) return;
    this.#busy = true;
    this.#produce()
      .catch((error: unknown) => {
        // Only a fault outside chart.js lands here (chart.js errors become error frames).
        this.counters.renderErrors++;
        this.#logOnce('error', messageOf(error), 'frame production failed');
      })
      .finally(() => {
        this.#busy = false;
        this.#kick();
      });
  }

  /** The frame credit now: the rate cap is an average, so a change just after a frame is not held back. */
  #refill(): number {
    const now = performance.now();
    this.#credit = Math.min(BURST_FRAMES, this.#credit + (now - this.#creditAt) / this.#intervalMs);
    this.#creditAt = now;
    return this.#credit;
  }

  async #produce(): Promise<void> {
    const { clock, store, renderers } = this.#deps;
    this.#dirty = false;
    this.#credit = this.#refill() - 1;
    const now = clock.now();
    let input;
    try {
      input = buildRenderInput(this.spec, this.#overlay, store, this.#selection, now, this.#camera?.view());
    } catch (error) {
      // An overlay that cannot be formatted: draw the problem as an error frame.
      input = { now, datasets: [], overlayLines: [], camera: undefined, error: messageOf(error) };
    }
    const renderer = (this.#renderer ??= renderers.open(this.spec, this.variant));
    let frame;
    try {
      frame = await renderer.render(input, this.variant.quality);
    } catch (error) {
      const encode = error instanceof ChartcastError && error.code === 'encode_failed';
      if (encode) this.counters.encodeErrors++;
      else this.counters.renderErrors++;
      this.#dirty = true; // retried at the next allowed frame
      this.#logOnce('error', messageOf(error), encode ? 'JPEG encode failed' : 'frame production failed');
      return;
    }
    this.counters.renders++;
    this.counters.encodes++;
    this.counters.renderMs += frame.renderMs;
    this.counters.encodeMs += frame.encodeMs;
    if (frame.renderError === undefined) this.#lastError = '';
    else {
      this.counters.renderErrors++;
      this.#logOnce('warn', frame.renderError, 'chart render failed');
    }
    this.#lastNow = now;
    this.#lastOverlay = input.overlayLines.join('\n');
    this.channel.publish({ jpeg: frame.jpeg, seq: ++this.#seq, timestamp: now });
  }

  /** Logs a failure once per distinct message, so a chart that keeps failing does not flood the log. */
  #logOnce(level: 'warn' | 'error', message: string, what: string): void {
    if (message === this.#lastError) return;
    this.#lastError = message;
    this.#deps.logger[level]({ chart: this.spec.name, variant: this.variant, err: message }, what);
  }
}
