import type { Image } from '@napi-rs/canvas';
import type { OverlaySpec } from './chart-spec.js';

/** Where a camera's frames come from. */
export type CameraSourceSpec =
  /** ffmpeg's testsrc2 pattern: a synthetic camera. */
  | { readonly type: 'testsrc'; readonly width: number; readonly height: number; readonly fps: number }
  /** A V4L2 device (USB webcam), captured by ffmpeg or in-process by the optional v4l2camera binding. */
  | {
      readonly type: 'v4l2';
      readonly device: string;
      /** mjpeg: frames pass through untouched; yuyv: raw frames encoded to JPEG. */
      readonly inputFormat: 'mjpeg' | 'yuyv';
      readonly width: number;
      readonly height: number;
      readonly fps: number;
      readonly backend: 'ffmpeg' | 'v4l2camera';
    }
  /** Any URL ffmpeg reads: RTSP, HTTP, files. */
  | { readonly type: 'ffmpeg'; readonly url: string; readonly fps: number | undefined; readonly rtspTransport: 'tcp' | 'udp' }
  /** An HTTP MJPEG stream (IP cameras, mjpg-streamer, motion), read by chartcast itself. */
  | {
      readonly type: 'mjpeg';
      readonly url: string;
      readonly username: string | undefined;
      readonly password: string | undefined;
      readonly connectTimeoutMs: number;
    };

/** A camera-only stream's settings (`GET /cameras/:name.mjpeg`). */
export interface CameraStreamSpec {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly quality: number;
  readonly overlay: OverlaySpec;
}

/** A validated camera definition. */
export interface CameraSpec {
  readonly name: string;
  readonly title: string;
  readonly source: CameraSourceSpec;
  /** Frames larger than this are dropped (bytes). */
  readonly maxFrameBytes: number;
  /** A source that delivers no frame for this long is restarted (ms). */
  readonly stallTimeoutMs: number;
  /** Capture keeps running this long after its last viewer left (ms). */
  readonly idleGraceMs: number;
  readonly stream: CameraStreamSpec;
  readonly file: string | undefined;
}

/** How a chart uses a camera (the `camera` key of a chart file). */
export interface ChartCamera {
  readonly name: string;
  /** overlay: chart over the full frame; pip: camera in a corner; side: side by side; only: camera alone. */
  readonly layout: 'overlay' | 'pip' | 'side' | 'only';
  /** pip: the corner the camera sits in. */
  readonly corner: 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';
  /** pip: camera width as a fraction of the image width; side: the camera's share of the width. */
  readonly size: number;
  /** side: which side the camera is on. */
  readonly side: 'left' | 'right';
  /** overlay: opacity of the chart background over the camera (0 = transparent). */
  readonly backgroundAlpha: number;
}

/** Where a camera is in its life. */
export type CameraState = 'idle' | 'starting' | 'live' | 'offline';

/** A camera's state as streams show it. */
export interface CameraStatus {
  readonly state: CameraState;
  /** Epoch ms of the last frame received. */
  readonly lastFrameAt: number | undefined;
  /** Why the camera is offline. */
  readonly error: string | undefined;
  readonly restarts: number;
  /** Epoch ms of the next restart attempt while offline. */
  readonly retryAt: number | undefined;
}

/** A camera frame as received: its sequence number and JPEG bytes. */
export interface CameraImageSource {
  readonly seq: number;
  readonly jpeg: Uint8Array;
}

/** What a frame needs of a camera: its latest decoded image and its status. */
export interface CameraView {
  readonly image: Image | undefined;
  /** The JPEG `image` was decoded from (render threads decode it themselves). */
  readonly source?: CameraImageSource | undefined;
  readonly status: CameraStatus;
  /** The camera's title, for placeholders. */
  readonly title: string;
}
