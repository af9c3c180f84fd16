import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { type AppConfig, ConfigError, configHelp, loadAppConfig } from './config/app-config.js';
import { checkChartCameras, loadCameraDir } from './config/camera-loader.js';
import { cameraStreamSpec } from './config/camera-schema.js';
import { type ChartLoadError, loadChartDir } from './config/chart-loader.js';
import { loadScrapeDir } from './config/scrape-loader.js';
import { createCanvasJpegEncoder } from './encode/jpeg-encoder.js';
import { HttpServer, createApp } from './http/app.js';
import { createSocketTuner } from './http/socket-tuning.js';
import { GraphiteListener } from './ingest/graphite-listener.js';
import { CollectdReceiver } from './ingest/collectd-receiver.js';
import { parseTypesDb } from './ingest/collectd.js';
import { IngestSink } from './ingest/ingest-sink.js';
import { LineProtocolParser } from './ingest/line-protocol.js';
import { PushGroups } from './ingest/push-groups.js';
import { Scraper } from './ingest/scraper.js';
import { StatsdListener } from './ingest/statsd-listener.js';
import { SystemCollector } from './ingest/system-collector.js';
import { type Clock, createSystemClock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import { messageOf } from './lib/errors.js';
import { InlineRenderService, type RenderService } from './pipeline/frame-renderer.js';
import { RenderPool } from './pipeline/render-pool.js';
import { StreamRegistry } from './pipeline/stream-registry.js';
import { type FontStacks, registerFonts } from './render/fonts.js';
import { MemorySeriesStore } from './series/memory-store.js';
import { CameraRegistry } from './sources/camera-registry.js';

/** A running chartcast service. */
export interface Chartcast {
  readonly port: number;
  readonly url: string;
  readonly store: MemorySeriesStore;
  readonly registry: StreamRegistry;
  /** Stops everything in reverse order of starting (idempotent). */
  stop(): Promise<void>;
}

/** Options for embedding the service (tests, tools). */
export interface StartOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
}

const SWEEP_INTERVAL_MS = 60_000;
const FRAME_TIMEOUT_MS = 10_000;

/** Builds every part from `config` and starts them in dependency order. */
export async function startChartcast(config: AppConfig, options: StartOptions = {}): Promise<Chartcast> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'chartcast' } });
  const clock = options.clock ?? createSystemClock();
  const fonts = registerFonts(config.fontsDir);

  const store = new MemorySeriesStore({
    clock,
    limits: {
      maxPointsPerSeries: config.maxPointsPerSeries,
      maxSeries: config.maxSeries,
      retentionMs: config.retentionMs,
    },
  });
  const sweep = setInterval(() => store.sweep(), SWEEP_INTERVAL_MS);
  sweep.unref();
  const ingest = new IngestSink({ store, logger: logger.child({ component: 'ingest' }), clock });

  const chartsDir = resolve(config.chartsDir);
  const loaded = await loadChartDir(chartsDir).catch((error: Error): { charts: []; errors: ChartLoadError[] } => ({
    charts: [],
    errors: [{ file: chartsDir, field: '', message: `cannot read the charts folder: ${error.message}` }],
  }));
  const camerasDir = resolve(config.camerasDir);
  const cameraFiles = await loadCameraDir(camerasDir).catch((error: Error): { cameras: []; errors: ChartLoadError[] } => ({
    cameras: [],
    errors: [{ file: camerasDir, field: '', message: `cannot read the cameras folder: ${error.message}` }],
  }));
  const checked = checkChartCameras(loaded.charts, cameraFiles.cameras);
  const chartErrors = [...loaded.errors, ...checked.errors];
  for (const error of chartErrors) logger.error(error, 'chart file rejected');
  for (const error of cameraFiles.errors) logger.error(error, 'camera file rejected');
  logger.info({ charts: checked.charts.map((c) => c.name), dir: chartsDir }, 'charts loaded');
  if (cameraFiles.cameras.length) logger.info({ cameras: cameraFiles.cameras.map((c) => c.name), dir: camerasDir }, 'cameras loaded');

  const renderers = await startRenderService(config, fonts, logger);
  const cameras = new CameraRegistry(cameraFiles.cameras, { clock, logger, ffmpegPath: config.ffmpegPath });
  const streamOptions = {
    store,
    clock,
    logger,
    renderers,
    cameras,
    keepaliveMs: config.keepaliveMs,
    stallTimeoutMs: config.stallTimeoutMs,
    maxPixels: config.maxPixels,
    idleGraceMs: config.idleGraceMs,
    maxVariants: config.maxVariants,
  };
  const registry = new StreamRegistry(streamOptions);
  registry.setCharts(checked.charts);
  const cameraStreams = new StreamRegistry(streamOptions);
  cameraStreams.setCharts(cameraFiles.cameras.map(cameraStreamSpec));

  const collector = config.systemCollector
    ? new SystemCollector({ store, clock, logger, intervalMs: config.systemIntervalMs })
    : undefined;
  collector?.start();
  const receivers = await startReceivers(config, ingest, clock, logger);

  const socketTuner = createSocketTuner();
  if (!socketTuner.available) logger.warn({ reason: socketTuner.reason }, 'stream sockets not tuned: stalled viewers may get stale frames after they resume');

  const startedAt = clock.now();
  const server = new HttpServer(
    createApp({
      registry,
      cameraStreams,
      cameras,
      store,
      ingest,
      collectd: receivers.collectd,
      lineProtocol: new LineProtocolParser(),
      pushGroups: new PushGroups(store),
      scrape: receivers.scrape,
      listeners: receivers.listeners,
      clock,
      logger,
      chartErrors: () => chartErrors,
      cameraErrors: () => cameraFiles.errors,
      limits: { maxBodyBytes: config.maxBodyBytes, maxFutureMs: config.maxFutureMs },
      startedAt,
      frameTimeoutMs: FRAME_TIMEOUT_MS,
      socketTuner,
    }),
  );
  // The reverse of starting: receivers, collector, registry, store upkeep (HTTP is stopped first, ending every stream).
  const stopParts = async () => {
    await receivers.stop();
    collector?.stop();
    cameraStreams.close();
    registry.close();
    await cameras.close();
    await renderers.close();
    clearInterval(sweep);
  };
  let port: number;
  try {
    port = await server.start(config.port, config.host);
  } catch (error) {
    await stopParts();
    throw error;
  }
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  logger.info({ port, host: config.host, url }, `chartcast listening on ${url}`);

  let stopping: Promise<void> | undefined;
  return {
    port,
    url,
    store,
    registry,
    stop: () =>
      (stopping ??= (async () => {
        await server.stop();
        await stopParts();
      })()),
  };
}

/** The protocol receivers that run on their own: Graphite and StatsD listeners, the scraper, and collectd's converter. */
interface Receivers {
  readonly collectd: CollectdReceiver;
  readonly scrape: { targets(): ReturnType<Scraper['status']>; errors(): readonly ChartLoadError[] };
  listeners(): Record<string, unknown>;
  /** Stops them (StatsD flushes once more into the store). */
  stop(): Promise<void>;
}

/** Starts the receivers that config asks for. A listener port in use is logged and shown in /api/stats; the service runs on without it. */
async function startReceivers(config: AppConfig, ingest: IngestSink, clock: Clock, logger: Logger): Promise<Receivers> {
  const collectdTypes = await readFile(config.collectdTypesPath, 'utf8').then(parseTypesDb, (error: Error) => {
    logger.info({ path: config.collectdTypesPath, reason: error.message }, 'collectd types.db not read: PUTVAL values are numbered');
    return parseTypesDb('');
  });
  const collectd = new CollectdReceiver(ingest, collectdTypes, config.maxFutureMs);

  const scrapeDir = resolve(config.scrapeDir);
  const scrapeFiles = await loadScrapeDir(scrapeDir).catch((error: Error) => ({
    targets: [],
    errors: [{ file: scrapeDir, field: '', message: `cannot read the scrape folder: ${error.message}` }],
  }));
  for (const error of scrapeFiles.errors) logger.error(error, 'scrape file rejected');
  if (scrapeFiles.targets.length) logger.info({ targets: scrapeFiles.targets.map((t) => t.name), dir: scrapeDir }, 'scrape targets loaded');
  const scraper = new Scraper({ targets: scrapeFiles.targets, sink: ingest, clock, logger, maxFutureMs: config.maxFutureMs });
  scraper.start();

  const base = { sink: ingest, clock, host: config.host };
  const graphite =
    config.graphitePort === undefined
      ? undefined
      : new GraphiteListener({ ...base, logger: logger.child({ component: 'graphite' }), port: config.graphitePort, maxFutureMs: config.maxFutureMs });
  const statsd =
    config.statsdPort === undefined
      ? undefined
      : new StatsdListener({
          ...base,
          logger: logger.child({ component: 'statsd' }),
          port: config.statsdPort,
          flushMs: config.statsdFlushMs,
          percentiles: config.statsdPercentiles,
          maxMetrics: config.maxSeries,
        });
  await graphite?.start();
  await statsd?.start();

  return {
    collectd,
    scrape: { targets: () => scraper.status(), errors: () => scrapeFiles.errors },
    listeners: () => ({ graphite: graphite?.state() ?? null, statsd: statsd?.state() ?? null }),
    stop: async () => {
      await scraper.stop();
      await statsd?.stop();
      await graphite?.stop();
    },
  };
}

/** Render threads as configured; the main thread if there are none or they cannot start. */
async function startRenderService(config: AppConfig, fonts: FontStacks, logger: Logger): Promise<RenderService> {
  const inline = () => new InlineRenderService(fonts, createCanvasJpegEncoder());
  if (config.renderThreads === 0) return inline();
  const pool = new RenderPool({ threads: config.renderThreads, fontsDir: config.fontsDir, logger, renderTimeoutMs: config.renderTimeoutMs });
  try {
    await pool.start();
    logger.info({ threads: config.renderThreads }, 'render threads started');
    return pool;
  } catch (error) {
    await pool.close();
    logger.error({ err: messageOf(error) }, 'render threads could not start; drawing frames on the main thread');
    return inline();
  }
}

async function runCli(): Promise<void> {
  let config: AppConfig | 'help';
  try {
    config = loadAppConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`chartcast: ${error.message}\n`);
    process.exit(2);
  }
  if (config === 'help') {
    process.stdout.write(configHelp());
    return;
  }
  const service = await startChartcast(config);
  const shutdown = (signal: string) => {
    process.stderr.write(`chartcast: ${signal}, stopping\n`);
    setTimeout(() => process.exit(1), 2000).unref();
    void service.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runCli().catch((error: unknown) => {
    process.stderr.write(`chartcast: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
