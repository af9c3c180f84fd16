import Router from '@koa/router';
import type { ChartSpec } from '../../lib/chart-spec.js';
import { notFound } from '../../lib/errors.js';
import type { HttpDeps } from '../deps.js';

/** Chart listing, counters and health. */
export function apiRoutes(deps: HttpDeps): Router {
  const router = new Router();

  router.get('/api/charts', (ctx) => {
    ctx.body = {
      charts: deps.registry.charts().map((chart) => describeChart(deps, chart)),
      errors: deps.chartErrors(),
    };
  });

  router.get('/api/charts/:name', (ctx) => {
    const chart = deps.registry.chart(ctx.params.name ?? '');
    if (!chart) throw notFound(`no chart named "${ctx.params.name}" (GET /api/charts lists them)`);
    ctx.body = { ...describeChart(deps, chart), spec: chart };
  });

  router.get('/api/cameras', (ctx) => {
    ctx.body = {
      cameras: deps.cameras.all().map((source) => {
        const { spec } = source;
        const base = `/cameras/${encodeURIComponent(spec.name)}`;
        return {
          name: spec.name,
          title: spec.title,
          type: spec.source.type,
          status: source.status(),
          urls: { mjpeg: `${base}.mjpeg`, jpg: `${base}.jpg` },
          stats: deps.cameraStreams.chartStats(spec.name),
        };
      }),
      errors: deps.cameraErrors(),
    };
  });

  router.get('/api/stats', (ctx) => {
    ctx.body = {
      totals: deps.registry.totals(),
      variants: deps.registry.variants(),
      render: deps.registry.renderStats(),
      store: { series: deps.store.names().length, points: deps.store.pointCount, limits: deps.store.limits },
      ingest: deps.ingest.stats(),
      listeners: deps.listeners(),
    };
  });

  router.get('/api/viewers', (ctx) => {
    const now = Date.now();
    ctx.body = {
      viewers: [...deps.registry.viewers(), ...deps.cameraStreams.viewers()].map(({ connectedAt, ...viewer }) => ({
        ...viewer,
        connectedSeconds: Math.round((now - connectedAt) / 1000),
      })),
    };
  });

  router.get('/healthz', (ctx) => {
    const totals = deps.registry.totals();
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      status: 'ok',
      uptimeSeconds: Math.round((deps.clock.now() - deps.startedAt) / 1000),
      charts: { loaded: deps.registry.charts().length, failed: deps.chartErrors().length },
      streams: { variants: totals.variants, viewers: totals.viewers },
      cameras: Object.fromEntries(deps.cameras.all().map((source) => [source.spec.name, source.status().state])),
      store: { backend: 'memory', series: deps.store.names().length, points: deps.store.pointCount },
    };
  });

  return router;
}

function describeChart(deps: HttpDeps, chart: ChartSpec) {
  const base = `/charts/${encodeURIComponent(chart.name)}`;
  return {
    name: chart.name,
    title: chart.title,
    type: chart.type,
    series: chart.series.map((s) => s.name),
    window: chart.window,
    width: chart.width,
    height: chart.height,
    fps: chart.fps,
    quality: chart.quality,
    file: chart.file,
    urls: { mjpeg: `${base}.mjpeg`, jpg: `${base}.jpg` },
    stats: deps.registry.chartStats(chart.name),
  };
}
