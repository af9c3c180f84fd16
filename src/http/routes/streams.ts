import Router from '@koa/router';
import type { Context } from 'koa';
import { notFound } from '../../lib/errors.js';
import type { StreamRegistry } from '../../pipeline/stream-registry.js';
import type { HttpDeps } from '../deps.js';
import { MjpegResponse, type MjpegOptions, NO_CACHE_HEADERS, PartHeaders, unixTimestamp } from '../mjpeg-response.js';
import { flagParam, parseVariantQuery } from '../query.js';

/**
 * Unsent bytes a stream socket may queue in the kernel: enough to keep a link busy between
 * wake-ups, few enough that a viewer on a slow link is never more than a fraction of a second
 * behind (8 KiB is 0.4 s at 20 KB/s). Fast viewers are unaffected: their queue drains at once.
 */
const STREAM_UNSENT_BYTES = 8 * 1024;

/**
 * `GET /charts/:name.mjpeg` (live stream) and `.jpg` (one current frame), and the same for
 * camera-only streams under `/cameras/`.
 */
export function streamRoutes(deps: HttpDeps): Router {
  const router = new Router();
  const partHeaders = new PartHeaders();
  const kinds = [
    { prefix: 'charts', kind: 'chart', registry: deps.registry },
    { prefix: 'cameras', kind: 'camera', registry: deps.cameraStreams },
  ] as const;
  for (const { prefix, kind, registry } of kinds) {
    router.get(`/${prefix}/:file`, async (ctx) => {
      const file = ctx.params.file ?? '';
      const dot = file.lastIndexOf('.');
      const name = dot > 0 ? file.slice(0, dot) : file;
      const extension = dot > 0 ? file.slice(dot + 1) : '';
      if (extension !== 'mjpeg' && extension !== 'jpg' && extension !== 'jpeg') {
        throw notFound(`"${file}" is not a stream: use /${prefix}/${name}.mjpeg for live video or /${prefix}/${name}.jpg for one frame`);
      }
      if (!registry.chart(name)) throw notFound(`no ${kind} named "${name}" (GET /api/${prefix} lists them)`);
      const overrides = parseVariantQuery(ctx.query);
      const eagerHeaders = flagParam(ctx.query, 'eager');
      if (extension === 'mjpeg') serveStream(ctx, registry, deps, name, overrides, { eagerHeaders, partHeaders });
      else await serveSnapshot(ctx, registry, deps, name, overrides);
    });
  }
  return router;
}

function serveStream(
  ctx: Context,
  registry: StreamRegistry,
  deps: HttpDeps,
  name: string,
  overrides: ReturnType<typeof parseVariantQuery>,
  options: MjpegOptions,
): void {
  if (ctx.method === 'HEAD') {
    const probe = new MjpegResponse(ctx.res);
    ctx.status = 200;
    ctx.set({ 'Content-Type': `multipart/x-mixed-replace; boundary=${probe.boundary}`, Connection: 'close', ...NO_CACHE_HEADERS });
    return;
  }
  const lease = registry.acquire(name, overrides);
  ctx.respond = false;
  const response = new MjpegResponse(ctx.res, options);
  response.open();
  const socket = ctx.req.socket;
  const viewer = lease.stream.channel.subscribe(response, `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`);
  let done = false;
  const cleanup = () => {
    if (done) return;
    done = true;
    viewer.unsubscribe();
    lease.release();
  };
  ctx.res.once('close', cleanup);
  ctx.res.once('error', cleanup);
  ctx.req.socket.setNoDelay(true);
  // TCP keep-alive probes notice a peer that vanished without closing, even between frames.
  ctx.req.socket.setKeepAlive(true, 15_000);
  deps.socketTuner.limitUnsent(ctx.req.socket, STREAM_UNSENT_BYTES);
}

async function serveSnapshot(
  ctx: Context,
  registry: StreamRegistry,
  deps: HttpDeps,
  name: string,
  overrides: ReturnType<typeof parseVariantQuery>,
): Promise<void> {
  // A still has no frame rate: a valid fps (copied from a stream URL) is accepted and ignored.
  const { fps: _fps, ...size } = overrides;
  const lease = registry.acquire(name, size);
  try {
    const frame = await lease.stream.currentFrame(deps.frameTimeoutMs);
    ctx.set({ ...NO_CACHE_HEADERS, 'X-Timestamp': unixTimestamp(frame.timestamp), 'X-Frame-Seq': String(frame.seq) });
    ctx.type = 'image/jpeg';
    ctx.body = frame.jpeg;
  } finally {
    lease.release();
  }
}
