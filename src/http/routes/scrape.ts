import Router from '@koa/router';
import type { HttpDeps } from '../deps.js';

/** GET /api/scrape: every Prometheus scrape target with its health, last error and counters. */
export function scrapeRoutes(deps: HttpDeps): Router {
  const router = new Router();
  router.get('/api/scrape', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { targets: deps.scrape.targets(), errors: deps.scrape.errors() };
  });
  return router;
}
