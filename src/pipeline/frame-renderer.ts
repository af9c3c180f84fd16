import type { JpegEncoder } from '../encode/jpeg-encoder.js';
import type { ChartSpec } from '../lib/chart-spec.js';
import { ChartcastError, messageOf } from '../lib/errors.js';
import { ChartRenderer, type FrameSize, type RenderInput } from '../render/chart-renderer.js';
import type { FontStacks } from '../render/fonts.js';

/** One rendered and encoded frame. */
export interface RenderedFrame {
  readonly jpeg: Buffer;
  readonly renderMs: number;
  readonly encodeMs: number;
  /** Set when chart.js failed: `jpeg` is then an error frame that says why. */
  readonly renderError?: string;
}

/** Renders and encodes the frames of one chart at one size; one frame at a time. */
export interface FrameRenderer {
  /** Draws `input` and encodes it. Rejects only when no frame could be made (encode failure, a lost render thread). */
  render(input: RenderInput, quality: number): Promise<RenderedFrame>;
  /** Frees the chart instance and canvas. */
  destroy(): void;
}

/** Makes frame renderers: on the main thread, or in a pool of render threads. */
export interface RenderService {
  open(spec: ChartSpec, size: FrameSize): FrameRenderer;
  /** Counters of the service's threads. */
  stats(): RenderServiceStats;
  /** Frees every thread (in-flight renders reject). */
  close(): Promise<void>;
}

/** Counters of a render service. */
export interface RenderServiceStats {
  /** Render threads (0: frames are drawn on the main thread). */
  readonly threads: number;
  /** Renders waiting or running, per thread. */
  readonly queued: readonly number[];
  /** Charts drawn by each thread. */
  readonly charts: readonly number[];
  /** Render threads replaced after a crash or a render that overran its time. */
  readonly restarts: number;
}

/**
 * Draws a frame with `renderer` and encodes it: a chart.js failure becomes an error frame,
 * an encode failure rejects. Shared by the main-thread service and the render threads.
 */
export async function renderAndEncode(
  renderer: ChartRenderer,
  input: RenderInput,
  quality: number,
  encoder: JpegEncoder,
): Promise<RenderedFrame> {
  const started = performance.now();
  let canvas;
  let renderError: string | undefined;
  try {
    if (input.error !== undefined) throw new Error(input.error);
    canvas = renderer.render(input);
  } catch (error) {
    renderError = messageOf(error);
    renderer.destroy(); // a chart.js instance that threw may be half-updated; start afresh next time
    canvas = renderer.renderError(renderError, input.overlayLines);
  }
  const rendered = performance.now();
  let jpeg: Buffer;
  try {
    jpeg = await encoder.encode(canvas, quality);
  } catch (error) {
    throw new ChartcastError('encode_failed', `JPEG encode failed: ${messageOf(error)}`);
  }
  const frame = { jpeg, renderMs: rendered - started, encodeMs: performance.now() - rendered };
  return renderError === undefined ? frame : { ...frame, renderError };
}

/** Renders on the main thread (encoding runs in the canvas library's threads). */
export class InlineRenderService implements RenderService {
  readonly #fonts: FontStacks;
  readonly #encoder: JpegEncoder;
  #charts = 0;

  constructor(fonts: FontStacks, encoder: JpegEncoder) {
    this.#fonts = fonts;
    this.#encoder = encoder;
  }

  open(spec: ChartSpec, size: FrameSize): FrameRenderer {
    const renderer = new ChartRenderer(spec, size, this.#fonts);
    this.#charts++;
    let destroyed = false;
    return {
      render: (input, quality) => renderAndEncode(renderer, input, quality, this.#encoder),
      destroy: () => {
        if (destroyed) return;
        destroyed = true;
        this.#charts--;
        renderer.destroy();
      },
    };
  }

  stats(): RenderServiceStats {
    return { threads: 0, queued: [], charts: [this.#charts], restarts: 0 };
  }

  async close(): Promise<void> {}
}
