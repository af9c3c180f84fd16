import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';
import { ChartcastError } from '../lib/errors.js';

const duration = (min: number, max: number) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `expected a duration from ${min} ms to ${max} ms, such as "500ms", "10s", "24h"` });
      return z.NEVER;
    }
    return ms;
  });
const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
/** A listener port: a number (0 = any free port) or "off". */
const listenerPort = z.union([z.literal('off').transform(() => undefined), integer(0, 65535)]);
const percentiles = z
  .string()
  .regex(/^\d{1,2}(\.\d{1,3})?(,\d{1,2}(\.\d{1,3})?){0,9}$/, 'expected up to 10 comma-separated percentiles between 0 and 100, such as "90" or "50,90,99.9"')
  .transform((text) => [...new Set(text.split(',').map(Number))].filter((p) => p > 0 && p < 100).sort((a, b) => a - b));
const toggle = z.enum(['on', 'off', 'true', 'false', '1', '0']).transform((v) => v === 'on' || v === 'true' || v === '1');

/** Every configuration key: its flag, its environment variable, its schema, default and meaning. */
export const CONFIG_KEYS = {
  port: { env: 'CHARTCAST_PORT', schema: integer(0, 65535), default: '8080', help: 'HTTP port (PORT also works)' },
  host: { env: 'CHARTCAST_HOST', schema: z.string().min(1), default: '0.0.0.0', help: 'address to listen on' },
  charts: { env: 'CHARTCAST_CHARTS_DIR', schema: z.string().min(1), default: 'charts', help: 'folder of chart files' },
  cameras: { env: 'CHARTCAST_CAMERAS_DIR', schema: z.string().min(1), default: 'cameras', help: 'folder of camera files (missing: no cameras)' },
  ffmpeg: { env: 'CHARTCAST_FFMPEG', schema: z.string().min(1), default: 'ffmpeg', help: 'ffmpeg executable for camera capture' },
  fonts: { env: 'CHARTCAST_FONTS_DIR', schema: z.string().optional(), default: undefined, help: 'folder of extra fonts, used after the bundled ones (e.g. for CJK scripts)' },
  retention: { env: 'CHARTCAST_RETENTION', schema: duration(1000, 366 * 86_400_000), default: '24h', help: 'how long points are kept' },
  'max-series': { env: 'CHARTCAST_MAX_SERIES', schema: integer(1, 1_000_000), default: '1000', help: 'most distinct series stored' },
  'max-points': { env: 'CHARTCAST_MAX_POINTS', schema: integer(10, 10_000_000), default: '10000', help: 'most points kept per series' },
  'max-body': { env: 'CHARTCAST_MAX_BODY_BYTES', schema: integer(64, 256 * 1024 * 1024), default: '1048576', help: 'largest accepted request body (bytes, after decompression)' },
  'max-future': { env: 'CHARTCAST_MAX_FUTURE', schema: duration(0, 366 * 86_400_000), default: '10m', help: 'how far in the future a point may be' },
  'max-variants': { env: 'CHARTCAST_MAX_VARIANTS', schema: integer(1, 10_000), default: '32', help: 'most distinct live streams (chart × size × fps × quality)' },
  keepalive: { env: 'CHARTCAST_KEEPALIVE', schema: duration(100, 10_000), default: '1s', help: 're-send the latest frame to an idle viewer this often' },
  'max-pixels': { env: 'CHARTCAST_MAX_PIXELS', schema: integer(64 * 48, 1_000_000_000), default: '16000000', help: 'most pixels across all live streams (bounds canvas memory and render work)' },
  'stall-timeout': { env: 'CHARTCAST_STALL_TIMEOUT', schema: duration(1000, 3_600_000), default: '30s', help: 'disconnect a viewer whose connection takes no data this long' },
  'idle-grace': { env: 'CHARTCAST_IDLE_GRACE', schema: duration(0, 3_600_000), default: '10s', help: 'keep an unwatched stream warm this long' },
  system: { env: 'CHARTCAST_SYSTEM_COLLECTOR', schema: toggle, default: 'on', help: 'collect this machine\'s CPU, memory, load and network (on/off)' },
  'system-interval': { env: 'CHARTCAST_SYSTEM_INTERVAL', schema: duration(100, 3_600_000), default: '1s', help: 'system collector period' },
  'render-threads': {
    env: 'CHARTCAST_RENDER_THREADS',
    schema: z.union([z.literal('auto').transform(() => availableParallelism()), integer(0, 64)]),
    default: 'auto',
    help: 'threads that draw and encode frames; auto = one per core, 0 = the main thread',
  },
  'render-timeout': { env: 'CHARTCAST_RENDER_TIMEOUT', schema: duration(100, 600_000), default: '10s', help: 'a frame that takes longer is abandoned and its render thread replaced' },
  'graphite-port': { env: 'CHARTCAST_GRAPHITE_PORT', schema: listenerPort, default: '2003', help: 'Graphite plaintext port, TCP and UDP (off = no listener)' },
  'statsd-port': { env: 'CHARTCAST_STATSD_PORT', schema: listenerPort, default: '8125', help: 'StatsD UDP port (off = no listener)' },
  'statsd-flush': { env: 'CHARTCAST_STATSD_FLUSH', schema: duration(100, 3_600_000), default: '10s', help: 'StatsD flush interval: counters become rates over it' },
  'statsd-percentiles': { env: 'CHARTCAST_STATSD_PERCENTILES', schema: percentiles, default: '90', help: 'timer percentiles stored at each StatsD flush (comma-separated)' },
  'collectd-types': { env: 'CHARTCAST_COLLECTD_TYPES', schema: z.string().min(1), default: '/usr/share/collectd/types.db', help: "collectd's types.db, naming the values of PUTVAL lines (missing: values are numbered)" },
  scrape: { env: 'CHARTCAST_SCRAPE_DIR', schema: z.string().min(1), default: 'scrape', help: 'folder of Prometheus scrape target files (missing: no scraping)' },
  'log-level': { env: 'CHARTCAST_LOG_LEVEL', schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']), default: 'info', help: 'log level' },
} as const;

type Keys = typeof CONFIG_KEYS;

/** The validated service configuration. */
export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly chartsDir: string;
  readonly camerasDir: string;
  readonly ffmpegPath: string;
  readonly fontsDir: string | undefined;
  readonly retentionMs: number;
  readonly maxSeries: number;
  readonly maxPointsPerSeries: number;
  readonly maxBodyBytes: number;
  readonly maxFutureMs: number;
  readonly maxVariants: number;
  readonly maxPixels: number;
  readonly stallTimeoutMs: number;
  readonly keepaliveMs: number;
  readonly idleGraceMs: number;
  readonly systemCollector: boolean;
  readonly systemIntervalMs: number;
  readonly renderThreads: number;
  readonly renderTimeoutMs: number;
  /** Graphite plaintext TCP+UDP port; undefined = off. */
  readonly graphitePort: number | undefined;
  /** StatsD UDP port; undefined = off. */
  readonly statsdPort: number | undefined;
  readonly statsdFlushMs: number;
  readonly statsdPercentiles: readonly number[];
  readonly scrapeDir: string;
  readonly collectdTypesPath: string;
  readonly logLevel: string;
}

/** A configuration problem, naming the flag and variable. */
export class ConfigError extends ChartcastError {
  constructor(message: string) {
    super('config_invalid', message);
    this.name = 'ConfigError';
  }
}

/** Reads the configuration: command-line flags win over environment variables, which win over defaults. */
export function loadAppConfig(argv: readonly string[], env: NodeJS.ProcessEnv): AppConfig | 'help' {
  const options = Object.fromEntries(Object.keys(CONFIG_KEYS).map((key) => [key, { type: 'string' as const }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' }, 'no-system': { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message} (see --help)`);
  }
  if (values.help) return 'help';
  if (values['no-system']) values.system = 'off';
  const raw = (key: keyof Keys): string | undefined => {
    const flag = values[key];
    if (typeof flag === 'string') return flag;
    const spec = CONFIG_KEYS[key];
    // An empty variable counts as unset, as shells and compose files often leave them.
    const fromEnv = (name: string) => (env[name] === '' ? undefined : env[name]);
    return fromEnv(spec.env) ?? (key === 'port' ? fromEnv('PORT') : undefined) ?? spec.default;
  };
  const read = <K extends keyof Keys>(key: K): z.output<Keys[K]['schema']> => {
    const result = CONFIG_KEYS[key].schema.safeParse(raw(key));
    if (!result.success) {
      const issue = result.error.issues[0];
      const env = key === 'port' ? 'CHARTCAST_PORT (or PORT)' : CONFIG_KEYS[key].env;
      throw new ConfigError(`--${key} / ${env} = "${raw(key)}": ${issue?.message ?? 'invalid'}`);
    }
    return result.data as z.output<Keys[K]['schema']>;
  };
  return Object.freeze({
    port: read('port'),
    host: read('host'),
    chartsDir: read('charts'),
    camerasDir: read('cameras'),
    ffmpegPath: read('ffmpeg'),
    fontsDir: read('fonts'),
    retentionMs: read('retention'),
    maxSeries: read('max-series'),
    maxPointsPerSeries: read('max-points'),
    maxBodyBytes: read('max-body'),
    maxFutureMs: read('max-future'),
    maxVariants: read('max-variants'),
    maxPixels: read('max-pixels'),
    stallTimeoutMs: read('stall-timeout'),
    keepaliveMs: read('keepalive'),
    idleGraceMs: read('idle-grace'),
    systemCollector: read('system'),
    systemIntervalMs: read('system-interval'),
    renderThreads: read('render-threads'),
    renderTimeoutMs: read('render-timeout'),
    graphitePort: read('graphite-port'),
    statsdPort: read('statsd-port'),
    statsdFlushMs: read('statsd-flush'),
    statsdPercentiles: read('statsd-percentiles'),
    scrapeDir: read('scrape'),
    collectdTypesPath: read('collectd-types'),
    logLevel: read('log-level'),
  });
}

/** The --help text: every flag with its variable and default. */
export function configHelp(): string {
  const rows = Object.entries(CONFIG_KEYS).map(
    ([key, spec]) => `  --${key.padEnd(20)} ${spec.env.padEnd(28)} ${spec.help}${spec.default ? ` (default ${spec.default})` : ''}`,
  );
  return ['Usage: chartcast [flags]   (flags override environment variables)', '', ...rows, '  --no-system                                       same as --system off', ''].join('\n');
}
