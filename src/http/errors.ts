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
      if (ctx.body === undefined && ctx.respond !== false) {
        if (ctx.status === 404) throw new ChartcastError('not_found', `no route for ${ctx.method} ${ctx.path}`, { status: 404 });
        if (ctx.status === 405) {
          throw new ChartcastError('method_not_allowed', `${ctx.method} is not allowed on ${ctx.path} (allowed: ${ctx.response.get('Allow')})`, {
            status: 405,
          });
        }
        if (ctx.status === 501) {
          throw new ChartcastError('not_implemented', `method ${ctx.method} is not supported`, { status: 501, expose: true });
        }
      }
    } catch (thrown) {
      const error = toChartcastError(thrown);
      if (error.status >= 500 && error.code !== 'not_implemented') logger.error({ err: thrown, method: ctx.method, path: ctx.path }, 'request failed');
      if (ctx.respond === false || ctx.headerSent) return;
      const body: ErrorBody = {
        error: { code: error.code, message: error.expose ? error.message : 'internal error' },
      };
      if (error.field !== undefined) body.error.field = error.field;
      const headers = (thrown as { headers?: unknown }).headers;
      if (headers && typeof headers === 'object') ctx.set(headers as Record<string, string>); // e.g. Allow on 405
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
    const code = http.status === 405 ? 'method_not_allowed' : 'bad_request';
    return new ChartcastError(code, String(http.message ?? 'bad request'), { status: http.status });
  }
  if (http?.status === 501) {
    // The router's answer to a method no route knows (PROPFIND…): the client's doing, not a fault.
    return new ChartcastError('not_implemented', String(http.message ?? 'not implemented'), { status: 501, expose: true });
  }
  return new ChartcastError('internal', thrown instanceof Error ? thrown.message : String(thrown), {
    status: 500,
    expose: false,
    cause: thrown,
  });
}
