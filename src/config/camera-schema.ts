import { z } from 'zod';
import type { CameraSpec, CameraSourceSpec } from '../lib/camera-spec.js';
import { type ChartSpec, STREAM_LIMITS } from '../lib/chart-spec.js';
import { parseDuration } from '../lib/duration.js';
import { duration, limit, overlay } from './chart-schema.js';
import { type SpecIssue, deepFreeze, describeIssue } from './spec-files.js';

const size = {
  width: limit(STREAM_LIMITS.width).int(),
  height: limit(STREAM_LIMITS.height).int(),
  fps: z.number().min(1).max(60),
};

const common = {
  $schema: z.string().optional(),
  title: z.string().max(200).optional(),
  maxFrameBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(8 * 1024 * 1024),
  stallTimeout: duration.default('5s'),
  idleGrace: duration.default('10s'),
  stream: z
    .strictObject({
      width: limit(STREAM_LIMITS.width).int().default(640),
      height: limit(STREAM_LIMITS.height).int().default(360),
      fps: limit(STREAM_LIMITS.fps).default(10),
      quality: limit(STREAM_LIMITS.quality).int().default(80),
      overlay: overlay.default({ lines: ['{time}'], timeFormat: 'yyyy-MM-dd HH:mm:ss', position: 'top-right', fontSize: 14, box: true }),
    })
    .default({
      width: 640,
      height: 360,
      fps: 10,
      quality: 80,
      overlay: { lines: ['{time}'], timeFormat: 'yyyy-MM-dd HH:mm:ss', position: 'top-right', fontSize: 14, box: true },
    }),
};

/** The schema of a camera file (JSON or YAML in the cameras folder). */
export const cameraFileSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('testsrc'), ...common, width: size.width.default(640), height: size.height.default(360), fps: size.fps.default(10) }),
  z.strictObject({
    type: z.literal('v4l2'),
    ...common,
    device: z.string().regex(/^\/dev\/[A-Za-z0-9_./-]+$/, 'expected a device path such as /dev/video0'),
    inputFormat: z.enum(['mjpeg', 'yuyv']).default('mjpeg'),
    width: size.width.default(1280),
    height: size.height.default(720),
    fps: size.fps.default(15),
    backend: z.enum(['ffmpeg', 'v4l2camera']).default('ffmpeg'),
  }),
  z.strictObject({
    type: z.literal('ffmpeg'),
    ...common,
    url: z.string().min(1).max(2048),
    fps: size.fps.optional(),
    rtspTransport: z.enum(['tcp', 'udp']).default('tcp'),
  }),
  z.strictObject({
    type: z.literal('mjpeg'),
    ...common,
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
    username: z.string().max(256).optional(),
    password: z.string().max(256).optional(),
    connectTimeout: duration.default('5s'),
  }),
]);

/** Validates camera content (parsed from JSON or YAML) into a frozen CameraSpec. */
export function parseCamera(name: string, content: unknown, file?: string): { spec: CameraSpec } | { issues: SpecIssue[] } {
  const result = cameraFileSchema.safeParse(content);
  if (!result.success) return { issues: result.error.issues.map(describeIssue) };
  const data = result.data;
  const ms = (text: string) => parseDuration(text) as number;
  let source: CameraSourceSpec;
  switch (data.type) {
    case 'testsrc':
      source = { type: 'testsrc', width: data.width, height: data.height, fps: data.fps };
      break;
    case 'v4l2':
      source = { type: 'v4l2', device: data.device, inputFormat: data.inputFormat, width: data.width, height: data.height, fps: data.fps, backend: data.backend };
      break;
    case 'ffmpeg':
      source = { type: 'ffmpeg', url: data.url, fps: data.fps, rtspTransport: data.rtspTransport };
      break;
    case 'mjpeg':
      source = { type: 'mjpeg', url: data.url, username: data.username, password: data.password, connectTimeoutMs: ms(data.connectTimeout) };
      break;
  }
  const spec: CameraSpec = {
    name,
    title: data.title ?? name,
    source,
    maxFrameBytes: data.maxFrameBytes,
    stallTimeoutMs: ms(data.stallTimeout),
    idleGraceMs: ms(data.idleGrace),
    stream: data.stream,
    file,
  };
  return { spec: deepFreeze(spec) };
}

/** The spec of a camera's own stream (`/cameras/:name.mjpeg`): the camera alone, with its overlay. */
export function cameraStreamSpec(camera: CameraSpec): ChartSpec {
  return deepFreeze({
    name: camera.name,
    title: camera.title,
    type: 'line',
    series: [],
    window: '1m',
    windowMs: 60_000,
    fps: camera.stream.fps,
    width: camera.stream.width,
    height: camera.stream.height,
    quality: camera.stream.quality,
    theme: 'dark',
    unit: '',
    stacked: false,
    overlay: camera.stream.overlay,
    camera: { name: camera.name, layout: 'only', corner: 'bottom-right', size: 1, side: 'left', backgroundAlpha: 0 },
    options: {},
    file: camera.file,
  } satisfies ChartSpec);
}
