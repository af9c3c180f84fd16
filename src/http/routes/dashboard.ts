import Router from '@koa/router';
import { dashboardPage } from '../dashboard-page.js';
import type { HttpDeps } from '../deps.js';

/** `GET /`: the dashboard. */
export function dashboardRoutes(deps: HttpDeps): Router {
  const router = new Router();
  router.get('/', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    const errors = [...deps.chartErrors(), ...deps.cameraErrors()];
    ctx.body = dashboardPage(`${ctx.protocol}://${ctx.host}`, deps.registry.charts(), errors, deps.cameraStreams.charts());
  });
  return router;
}
