import { availableParallelism } from 'node:os';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AppConfig, CONFIG_KEYS, ConfigError, configHelp, loadAppConfig } from '../../src/config/app-config.js';

function load(argv: readonly string[] = [], env: NodeJS.ProcessEnv = {}): AppConfig {
  const config = loadAppConfig(argv, env);
  assert.notEqual(config, 'help');
  return config as AppConfig;
}

/** Asserts loading fails with a ConfigError whose message matches every pattern. */
function fails(argv: readonly string[], env: NodeJS.ProcessEnv, ...patterns: RegExp[]): void {
  assert.throws(
    () => loadAppConfig(argv, env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      assert.equal(error.name, 'ConfigError');
      for (const pattern of patterns) assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('loadAppConfig', () => {
  it('uses the defaults with no flags and no environment', () => {
    assert.deepEqual(load(), {
      port: 8080,
      host: '0.0.0.0',
      chartsDir: 'charts',
      camerasDir: 'cameras',
      ffmpegPath: 'ffmpeg',
      fontsDir: undefined,
      retentionMs: 86_400_000,
      maxSeries: 1000,
      maxPointsPerSeries: 10_000,
      maxBodyBytes: 1_048_576,
      maxFutureMs: 600_000,
      maxVariants: 32,
      maxPixels: 16_000_000,
      stallTimeoutMs: 30_000,
      keepaliveMs: 1000,
      idleGraceMs: 10_000,
      systemCollector: true,
      systemIntervalMs: 1000,
      renderThreads: availableParallelism(),
      renderTimeoutMs: 10_000,
      graphitePort: 2003,
      statsdPort: 8125,
      statsdFlushMs: 10_000,
      statsdPercentiles: [90],
      scrapeDir: 'scrape',
      collectdTypesPath: '/usr/share/collectd/types.db',
      logLevel: 'info',
    });
  });

  it('returns a frozen config', () => {
    assert.ok(Object.isFrozen(load()));
  });

  it('reads every setting from its environment variable', () => {
    const config = load([], {
      CHARTCAST_PORT: '9000',
      CHARTCAST_HOST: '127.0.0.1',
      CHARTCAST_CHARTS_DIR: '/etc/charts',
      CHARTCAST_FONTS_DIR: '/usr/share/fonts',
      CHARTCAST_RETENTION: '2h',
      CHARTCAST_MAX_SERIES: '50',
      CHARTCAST_MAX_POINTS: '500',
      CHARTCAST_MAX_BODY_BYTES: '4096',
      CHARTCAST_MAX_FUTURE: '1m',
      CHARTCAST_MAX_VARIANTS: '4',
      CHARTCAST_MAX_PIXELS: '1000000',
      CHARTCAST_STALL_TIMEOUT: '5s',
      CHARTCAST_KEEPALIVE: '250ms',
      CHARTCAST_IDLE_GRACE: '1m',
      CHARTCAST_SYSTEM_COLLECTOR: 'off',
      CHARTCAST_SYSTEM_INTERVAL: '5s',
      CHARTCAST_RENDER_THREADS: '0',
      CHARTCAST_RENDER_TIMEOUT: '2s',
      CHARTCAST_GRAPHITE_PORT: 'off',
      CHARTCAST_STATSD_PORT: '0',
      CHARTCAST_STATSD_FLUSH: '1s',
      CHARTCAST_STATSD_PERCENTILES: '99.9,50,90',
      CHARTCAST_SCRAPE_DIR: '/etc/scrape',
      CHARTCAST_COLLECTD_TYPES: '/opt/types.db',
      CHARTCAST_LOG_LEVEL: 'debug',
    });
    assert.deepEqual(config, {
      port: 9000,
      host: '127.0.0.1',
      chartsDir: '/etc/charts',
      camerasDir: 'cameras',
      ffmpegPath: 'ffmpeg',
      fontsDir: '/usr/share/fonts',
      retentionMs: 7_200_000,
      maxSeries: 50,
      maxPointsPerSeries: 500,
      maxBodyBytes: 4096,
      maxFutureMs: 60_000,
      maxVariants: 4,
      maxPixels: 1_000_000,
      stallTimeoutMs: 5000,
      keepaliveMs: 250,
      idleGraceMs: 60_000,
      systemCollector: false,
      systemIntervalMs: 5000,
      renderThreads: 0,
      renderTimeoutMs: 2000,
      graphitePort: undefined,
      statsdPort: 0,
      statsdFlushMs: 1000,
      statsdPercentiles: [50, 90, 99.9],
      scrapeDir: '/etc/scrape',
      collectdTypesPath: '/opt/types.db',
      logLevel: 'debug',
    });
  });

  it('lets flags override environment variables', () => {
    const env = { CHARTCAST_PORT: '9000', CHARTCAST_RETENTION: '2h', CHARTCAST_LOG_LEVEL: 'debug', CHARTCAST_SYSTEM_COLLECTOR: 'off' };
    const config = load(['--port', '9100', '--retention=30m', '--log-level', 'warn', '--system', 'on'], env);
    assert.equal(config.port, 9100);
    assert.equal(config.retentionMs, 1_800_000);
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.systemCollector, true);
  });

  it('falls back to PORT when CHARTCAST_PORT is unset', () => {
    assert.equal(load([], { PORT: '3000' }).port, 3000);
    assert.equal(load([], { PORT: '3000', CHARTCAST_PORT: '4000' }).port, 4000);
    assert.equal(load(['--port', '5000'], { PORT: '3000' }).port, 5000);
  });

  it('reads every spelling of the system toggle', () => {
    for (const [text, on] of [['on', true], ['true', true], ['1', true], ['off', false], ['false', false], ['0', false]] as const) {
      assert.equal(load(['--system', text]).systemCollector, on, text);
    }
  });

  it('turns the system collector off with --no-system', () => {
    assert.equal(load(['--no-system']).systemCollector, false);
    assert.equal(load(['--no-system'], { CHARTCAST_SYSTEM_COLLECTOR: 'on' }).systemCollector, false);
  });

  it('rejects bad values, naming the flag, the variable and the value', () => {
    fails(['--port', 'abc'], {}, /--port/, /CHARTCAST_PORT/, /"abc"/);
    fails(['--graphite-port', 'on'], {}, /--graphite-port/, /CHARTCAST_GRAPHITE_PORT/);
    fails(['--statsd-port', '70000'], {}, /--statsd-port/);
    fails(['--statsd-percentiles', '90,abc'], {}, /--statsd-percentiles/, /percentiles/);
    fails(['--port', '70000'], {}, /--port/, /CHARTCAST_PORT/);
    fails(['--port', '80.5'], {}, /--port/);
    fails([], { CHARTCAST_MAX_SERIES: '0' }, /--max-series/, /CHARTCAST_MAX_SERIES/, /"0"/);
    fails([], { CHARTCAST_MAX_POINTS: '5' }, /--max-points/, /CHARTCAST_MAX_POINTS/);
    fails([], { CHARTCAST_RETENTION: 'forever' }, /--retention/, /CHARTCAST_RETENTION/, /duration/);
    fails(['--retention', '500ms'], {}, /--retention/);
    fails(['--keepalive', '1m'], {}, /--keepalive/, /CHARTCAST_KEEPALIVE/);
    fails([], { CHARTCAST_SYSTEM_COLLECTOR: 'yes' }, /--system/, /CHARTCAST_SYSTEM_COLLECTOR/);
    fails([], { CHARTCAST_LOG_LEVEL: 'verbose' }, /--log-level/, /CHARTCAST_LOG_LEVEL/);
    fails(['--render-threads', 'many'], {}, /--render-threads/, /CHARTCAST_RENDER_THREADS/);
    fails(['--render-threads', '65'], {}, /--render-threads/);
    fails(['--render-timeout', '10ms'], {}, /--render-timeout/);
    fails(['--host', ''], {}, /--host/, /CHARTCAST_HOST/);
  });

  it('rejects a bad PORT, naming the port flag', () => {
    fails([], { PORT: 'http' }, /--port/, /"http"/);
  });

  it('accepts 0 ms for settings whose range starts at 0', () => {
    // --idle-grace and --max-future are declared as duration(0, …) and their error message
    // says "from 0 ms", so 0 must be a value one can give.
    assert.equal(load(['--idle-grace', '0s']).idleGraceMs, 0);
    assert.equal(load(['--max-future', '0ms']).maxFutureMs, 0);
  });

  it('rejects an unknown flag', () => {
    fails(['--bogus'], {}, /bogus/, /see --help/);
    fails(['--port'], {}, /port/);
  });

  it('rejects positional arguments', () => {
    fails(['serve'], {}, /serve/);
  });

  it('returns "help" for --help and -h', () => {
    assert.equal(loadAppConfig(['--help'], {}), 'help');
    assert.equal(loadAppConfig(['-h'], {}), 'help');
    assert.equal(loadAppConfig(['--help'], { CHARTCAST_PORT: 'not a port' }), 'help');
  });
});

describe('configHelp', () => {
  it('lists every flag with its variable', () => {
    const help = configHelp();
    for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
      assert.match(help, new RegExp(`--${key} +${spec.env}`));
    }
    assert.match(help, /--no-system/);
    assert.match(help, /\(default 8080\)/);
  });
});
