import type { CameraStatus } from '../lib/camera-spec.js';
import type { ChartSpec } from '../lib/chart-spec.js';
import type { DatasetMeta, FrameSize } from '../render/chart-renderer.js';

/** What a render thread is started with. */
export interface RenderThreadData {
  /** Extra font folder, registered after the bundled fonts. */
  readonly fontsDir: string | undefined;
}

/** A camera as a frame drawn in a render thread needs it. */
export interface ThreadCameraView {
  readonly status: CameraStatus;
  readonly title: string;
  /** The newest frame; decoded in the thread once per sequence number. */
  readonly source?: { readonly seq: number; readonly jpeg: Uint8Array } | undefined;
}

/** Messages from the pool to a render thread. */
export type ToRenderThread =
  | { readonly type: 'open'; readonly chart: number; readonly spec: ChartSpec; readonly size: FrameSize }
  | {
      readonly type: 'render';
      readonly job: number;
      readonly chart: number;
      readonly quality: number;
      readonly now: number;
      readonly datasets: readonly DatasetMeta[];
      /** Per dataset: x0, y0, x1, y1, ... */
      readonly points: readonly Float64Array[];
      readonly overlayLines: readonly string[];
      readonly camera: ThreadCameraView | undefined;
      readonly error: string | undefined;
    }
  | { readonly type: 'close'; readonly chart: number };

/** Messages from a render thread to the pool. */
export type FromRenderThread =
  | { readonly type: 'ready' }
  | {
      readonly type: 'frame';
      readonly job: number;
      readonly jpeg: Uint8Array;
      readonly renderMs: number;
      readonly encodeMs: number;
      readonly renderError: string | undefined;
    }
  | { readonly type: 'failed'; readonly job: number; readonly message: string };
