import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { LineError, LinePrecision } from '../../ingest/line-protocol.js';
import { ChartcastError } from '../../lib/errors.js';
import { headerSafe } from '../../lib/strings.js';
import { readBody } from '../body.js';
import type { HttpDeps } from '../deps.js';
import { toChartcastError } from '../errors.js';
import { singleParam } from '../query.js';

/** What /ping reports: the InfluxDB API chartcast speaks (1.8 and 2.x write paths). */
const INFLUX_VERSION = '1.8.10-chartcast';
/** Rejected lines named in the one-line error message; the `errors` array holds more. */
const MESSAGE_LINES = 10;

const V1_PRECISIONS: Record<string, LinePrecision> = { n: 'ns', ns: 'ns', u: 'us', us: 'us', ms: 'ms', s: 's', m: 'm', h: 'h' };
const V2_PRECISIONS: Record<string, LinePrecision> = { ns: 'ns', us: 'us', ms: 'ms', s: 's' };

type Api = 'v1' | 'v2';

/**
 * InfluxDB write endpoints, so agents that speak line protocol (Telegraf, client libraries)
 * write to chartcast unchanged: v1 `POST /write`, v2 `POST /api/v2/write`, and the `/ping` and
 * `/health` probes clients make first. Databases, buckets, organisations, retention policies and
 * credentials are accepted and ignored: every point lands in the one series store.
 */
export function influxRoutes(deps: HttpDeps): Router {
  const router = new Router();
  const parser = deps.lineProtocol;

  const write = (api: Api) => async (ctx: Context) => {
    const precision = precisionParam(ctx, api);
    const now = deps.clock.now();
    const body = await readBody(ctx, deps.limits.maxBodyBytes);
    const parsed = parser.parse(body.text, { precision, now, maxFutureMs: deps.limits.maxFutureMs });
    const result = await deps.ingest.write('influx', parsed.samples);
    if (parsed.rejectedLines > 0) {
      const first = parsed.errors[0] as LineError;
      deps.ingest.malformed('influx', `line ${first.line}: ${first.reason}`, { api, rejectedLines: parsed.rejectedLines, errors: parsed.errors.slice(0, 5) }, parsed.rejectedLines);
    }
    const refused = result.refused ?? 0;
    if (parsed.rejectedLines === 0 && refused === 0) {
      ctx.status = 204;
      return;
    }
    const problems = describeProblems(parsed.errors, parsed.rejectedLines, refused);
    const extra = { written: result.stored, rejectedLines: parsed.rejectedLines, refused, errors: parsed.errors };
    ctx.status = 400;
    if (api === 'v2') {
      ctx.body = { code: 'invalid', message: `partial write error (${result.stored} written): ${problems}`, ...extra };
    } else {
      const message = `partial write: ${problems} dropped=${parsed.rejectedLines + refused}`;
      ctx.set('X-Influxdb-Error', headerSafe(message));
      ctx.body = { error: message, ...extra };
    }
  };

  router.post('/write', influxErrors('v1'), (ctx) => {
    if (!singleParam(ctx.query, 'db')) throw influxError(400, 'database is required');
    return write('v1')(ctx);
  });
  router.post('/api/v2/write', influxErrors('v2'), (ctx) => {
    if (!singleParam(ctx.query, 'bucket') && !singleParam(ctx.query, 'bucketID')) throw influxError(400, 'bucket is required');
    return write('v2')(ctx);
  });

  // GET also answers HEAD: clients probe either before writing.
  router.get('/ping', (ctx) => {
    ctx.set('X-Influxdb-Version', INFLUX_VERSION);
    ctx.set('X-Influxdb-Build', 'OSS');
    ctx.status = 204;
  });
  router.get('/health', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { name: 'chartcast', message: 'ready for writes', status: 'pass', checks: [], version: INFLUX_VERSION, commit: '' };
  });

  return router;
}

/** The precision parameter (nanoseconds when absent), in the names the API version knows. */
function precisionParam(ctx: Context, api: Api): LinePrecision {
  const raw = singleParam(ctx.query, 'precision');
  if (raw === undefined || raw === '') return 'ns';
  const known = api === 'v1' ? V1_PRECISIONS : V2_PRECISIONS;
  const precision = Object.hasOwn(known, raw) ? known[raw] : undefined;
  if (precision !== undefined) return precision;
  throw influxError(
    400,
    api === 'v1'
      ? `invalid precision "${raw.slice(0, 10)}": use n, u, ms, s, m or h`
      : `invalid precision "${raw.slice(0, 10)}"; valid precision units are ns, us, ms, and s`,
  );
}

/** `line 3: bad timestamp; line 7: invalid number; … and 12 more lines`. */
function describeProblems(errors: readonly LineError[], rejected: number, refused: number): string {
  const parts = errors.slice(0, MESSAGE_LINES).map((error) => `line ${error.line}: ${error.reason}`);
  if (rejected > parts.length) parts.push(`and ${rejected - parts.length} more lines`);
  if (refused > 0) parts.push(`${refused} points of new series refused: series limit reached`);
  return parts.join('; ');
}

function influxError(status: number, message: string): ChartcastError {
  return new ChartcastError('bad_request', message, { status, field: 'query' });
}

/** Code names of InfluxDB 2's error bodies, by status. */
const V2_CODES: Record<number, string> = {
  400: 'invalid',
  404: 'not found',
  405: 'method not allowed',
  413: 'request too large',
  415: 'unsupported media type',
  422: 'unprocessable entity',
  503: 'unavailable',
};

/**
 * Errors of the write endpoints in InfluxDB's own shapes (v1 `{"error"}`, v2 `{"code","message"}`),
 * which client libraries and Telegraf show to their users.
 */
function influxErrors(api: Api) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (thrown) {
      const error = toChartcastError(thrown);
      if (error.status >= 500) throw thrown; // logged and answered by the app's error middleware
      ctx.status = error.status;
      if (api === 'v2') {
        ctx.body = { code: V2_CODES[error.status] ?? 'invalid', message: error.message };
      } else {
        ctx.set('X-Influxdb-Error', headerSafe(error.message));
        ctx.body = { error: error.message };
      }
    }
  };
}
