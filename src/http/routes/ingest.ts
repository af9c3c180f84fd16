import Router from '@koa/router';
import type { Context } from 'koa';
import { parseBatch, parseSeriesPush } from '../../ingest/push-parser.js';
import { type TimePolicy, isTimePrecision, parseTime } from '../../ingest/time.js';
import { invalidField, notFound } from '../../lib/errors.js';
import { parseDuration } from '../../lib/duration.js';
import { canonicalSeriesKey } from '../../lib/series-key.js';
import type { Sample } from '../../series/types.js';
import { readBody } from '../body.js';
import type { HttpDeps } from '../deps.js';
import { singleParam } from '../query.js';

/** Push API: write points, and read or delete series. */
export function ingestRoutes(deps: HttpDeps): Router {
  const router = new Router({ prefix: '/api/series' });

  router.post('/', async (ctx) => {
    const { policy, defaultTime } = timeContext(ctx, deps);
    const body = await readBody(ctx, deps.limits.maxBodyBytes);
    await store(ctx, deps, parseBatch(body, defaultTime, policy));
  });

  router.post('/:name', async (ctx) => {
    const name = seriesParam(ctx);
    const { policy, defaultTime } = timeContext(ctx, deps);
    const body = await readBody(ctx, deps.limits.maxBodyBytes);
    await store(ctx, deps, parseSeriesPush(name, body, defaultTime, policy));
  });

  router.get('/', (ctx) => {
    ctx.body = { series: deps.store.names().map((name) => deps.store.info(name)) };
  });

  router.get('/:name', (ctx) => {
    const name = seriesParam(ctx);
    const info = deps.store.info(name);
    if (!info) throw notFound(`no series named "${name}"`);
    const windowText = singleParam(ctx.query, 'window') ?? '5m';
    const windowMs = parseDuration(windowText);
    if (windowMs === undefined || windowMs <= 0) throw invalidField('window', `"${windowText}" is not a duration such as "30s", "5m", "1h"`);
    const now = deps.clock.now();
    const points = deps.store.window(name, now - windowMs, now).map((p) => [p.x / 1000, p.y]);
    ctx.body = { ...info, window: windowText, points };
  });

  router.delete('/:name', async (ctx) => {
    const name = seriesParam(ctx);
    if (!(await deps.store.delete(name))) throw notFound(`no series named "${name}"`);
    ctx.status = 204;
  });

  return router;
}

/** The series key in the path, canonical (`temp{room=kitchen}` may be written URL-encoded, tags in any order). */
function seriesParam(ctx: Context & { params: Record<string, string> }): string {
  return canonicalSeriesKey(ctx.params.name ?? '', 'series');
}

function timeContext(ctx: Context, deps: HttpDeps): { policy: TimePolicy; defaultTime: number } {
  const precision = singleParam(ctx.query, 'precision') ?? 's';
  if (!isTimePrecision(precision)) throw invalidField('precision', `"${precision.slice(0, 10)}" is not one of s, ms, us, ns`);
  const now = deps.clock.now();
  const policy: TimePolicy = { precision, now, maxFutureMs: deps.limits.maxFutureMs };
  const time = singleParam(ctx.query, 'time');
  return { policy, defaultTime: time === undefined ? now : parseTime(time, 'time', policy) };
}

async function store(ctx: Context, deps: HttpDeps, samples: Sample[]): Promise<void> {
  const result = await deps.ingest.writeAll('json', samples);
  ctx.status = 200;
  // storedAt: frames with a later X-Timestamp include these points.
  ctx.body = { stored: result.stored, dropped: result.dropped, storedAt: Number((deps.clock.now() / 1000).toFixed(6)) };
}
