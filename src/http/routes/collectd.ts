import Router from '@koa/router';
import { ChartcastError } from '../../lib/errors.js';
import { readBody } from '../body.js';
import type { HttpDeps } from '../deps.js';

/** Most problems listed in a response; the rest are counted. */
const MAX_LISTED = 20;

/** collectd's write_http plugin: `URL "http://host:8080/collectd"`, Format JSON or Command. */
export function collectdRoutes(deps: HttpDeps): Router {
  const router = new Router();

  router.post('/collectd', async (ctx) => {
    const body = await readBody(ctx, deps.limits.maxBodyBytes);
    const json = body.contentType === 'application/json' || (body.contentType === '' && body.text.trimStart().startsWith('['));
    if (!json && body.contentType !== 'text/plain' && body.contentType !== '') {
      throw new ChartcastError('unsupported_content_type', `content-type: "${body.contentType}" is not a collectd format; write_http sends application/json (Format "JSON") or text/plain (Format "Command")`, {
        status: 415,
        field: 'content-type',
      });
    }
    const result = await deps.collectd.receive(body.text, json, deps.clock.now());
    if (result.problems.length === 0) {
      ctx.status = 204;
      return;
    }
    const listed = result.problems.slice(0, MAX_LISTED).map((p) => `${json ? 'value list' : 'line'} ${p.item}: ${p.reason}`);
    const more = result.problems.length - listed.length;
    ctx.status = 400;
    ctx.body = {
      error: {
        code: 'invalid_field',
        message: `${result.problems.length} of the values were rejected (${result.stored} points stored): ${listed.join('; ')}${more > 0 ? `; and ${more} more` : ''}`,
        stored: result.stored,
        problems: result.problems.slice(0, MAX_LISTED),
      },
    };
  });

  return router;
}
