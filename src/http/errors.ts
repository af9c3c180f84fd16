import type { Middleware } from 'koa';
import { ChartcastError, isChartcastError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** The one place that turns thrown errors into HTTP responses. */
export function errorMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.respond !== false) {
        throw new ChartcastError('not_found', `no route for ${ctx.method} ${ctx.path}`, { status: 404 });
      }
    } catch (thrown) {
      const error = toChartcastError(thrown);
      if (error.status >= 500) logger.error({ err: thrown, method: ctx.method, path: ctx.path }, 'request failed');
      if (ctx.respond === false || ctx.headerSent) return;
      const body: ErrorBody = {
        error: { code: error.code, message: error.expose ? error.message : 'internal error' },
      };
      if (error.field !== undefined) body.error.field = error.field;
      ctx.status = error.status;
      ctx.body = body;
      if (error.status === 503) ctx.set('Retry-After', '1');
    }
  };
}

/** Maps errors from chartcast, raw-body and Koa onto ChartcastError. */
export function toChartcastError(thrown: unknown): ChartcastError {
  if (isChartcastError(thrown)) return thrown;
  const http = thrown as { status?: unknown; expose?: unknown; message?: unknown; type?: unknown };
  if (typeof http?.status === 'number' && http.status >= 400 && http.status < 500) {
    if (http.status === 413 || http.type === 'entity.too.large') {
      return new ChartcastError('body_too_large', 'body: request body is larger than the limit', { status: 413, field: 'body' });
    }
    return new ChartcastError('bad_request', String(http.message ?? 'bad request'), { status: http.status });
  }
  return new ChartcastError('internal', thrown instanceof Error ? thrown.message : String(thrown), {
    status: 500,
    expose: false,
    cause: thrown,
  });
}
