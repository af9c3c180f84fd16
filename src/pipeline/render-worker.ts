// A render thread: holds chart.js instances for the charts assigned to it, draws and encodes
// their frames, and posts the JPEG bytes back. Started by RenderPool.
import type { Image } from '@napi-rs/canvas';
import { parentPort, workerData } from 'node:worker_threads';
import { createCanvasJpegEncoder } from '../encode/jpeg-encoder.js';
import type { CameraView } from '../lib/camera-spec.js';
import { messageOf } from '../lib/errors.js';
import { ChartRenderer } from '../render/chart-renderer.js';
import { registerFonts } from '../render/fonts.js';
import type { Point } from '../series/types.js';
import { decodeJpeg } from '../sources/decode-image.js';
import { renderAndEncode } from './frame-renderer.js';
import type { FromRenderThread, RenderThreadData, ThreadCameraView, ToRenderThread } from './render-protocol.js';

const port = parentPort;
if (!port) throw new Error('render-worker must run in a worker thread');

const { fontsDir } = workerData as RenderThreadData;
const fonts = registerFonts(fontsDir);
const encoder = createCanvasJpegEncoder();
const renderers = new Map<number, ChartRenderer>();
/** Why a chart could not be set up in this thread. */
const openErrors = new Map<number, string>();
/** Per camera name: the newest decoded image and the sequence number it was decoded from. */
const cameraImages = new Map<string, { seq: number; image: Image | undefined; pending?: Promise<void> }>();

function post(message: FromRenderThread): void {
  port?.postMessage(message);
}

function toPoints(flat: Float64Array): Point[] {
  const points = new Array<Point>(flat.length / 2);
  for (let i = 0, j = 0; j < flat.length; i++, j += 2) points[i] = { x: flat[j] as number, y: flat[j + 1] as number };
  return points;
}

/** The camera's image for this frame, decoding a new frame once however many charts draw it. */
async function cameraView(name: string, view: ThreadCameraView): Promise<CameraView> {
  const source = view.source;
  let entry = cameraImages.get(name);
  if (source && (!entry || entry.seq < source.seq)) {
    const decoding = decodeJpeg(source.jpeg);
    const next: { seq: number; image: Image | undefined; pending?: Promise<void> } = { seq: source.seq, image: entry?.image };
    next.pending = decoding.promise.then(
      (image) => {
        next.image = image;
      },
      () => {}, // corrupt: keep the last good image
    );
    cameraImages.set(name, next);
    entry = next;
  }
  await entry?.pending;
  return { image: source ? entry?.image : undefined, status: view.status, title: view.title };
}

async function render(message: Extract<ToRenderThread, { type: 'render' }>): Promise<void> {
  const renderer = renderers.get(message.chart);
  if (!renderer) {
    post({ type: 'failed', job: message.job, message: openErrors.get(message.chart) ?? `chart ${message.chart} is not open in this render thread` });
    return;
  }
  try {
    const camera = message.camera && renderer.spec.camera ? await cameraView(renderer.spec.camera.name, message.camera) : undefined;
    const input = { now: message.now, datasets: message.datasets.map((meta, i) => ({ ...meta, points: toPoints(message.points[i] as Float64Array) })), overlayLines: message.overlayLines, camera, error: message.error };
    const frame = await renderAndEncode(renderer, input, message.quality, encoder);
    post({ type: 'frame', job: message.job, jpeg: frame.jpeg, renderMs: frame.renderMs, encodeMs: frame.encodeMs, renderError: frame.renderError });
  } catch (error) {
    post({ type: 'failed', job: message.job, message: messageOf(error) });
  }
}

port.on('message', (message: ToRenderThread) => {
  switch (message.type) {
    case 'open':
      renderers.get(message.chart)?.destroy();
      renderers.delete(message.chart);
      try {
        renderers.set(message.chart, new ChartRenderer(message.spec, message.size, fonts));
      } catch (error) {
        openErrors.set(message.chart, messageOf(error)); // reported by the chart's renders
      }
      break;
    case 'render':
      void render(message);
      break;
    case 'close':
      renderers.get(message.chart)?.destroy();
      renderers.delete(message.chart);
      openErrors.delete(message.chart);
      break;
  }
});

post({ type: 'ready' });
