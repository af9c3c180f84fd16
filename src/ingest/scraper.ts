import type { Clock } from '../lib/clock.js';
import { formatDuration } from '../lib/duration.js';
import { ChartcastError, messageOf } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { ScrapeSpec } from '../lib/scrape-spec.js';
import { seriesKey } from '../lib/series-key.js';
import { detach } from '../lib/strings.js';
import type { Sample } from '../series/types.js';
import type { IngestSink } from './ingest-sink.js';
import { parseExposition } from './prometheus-text.js';

/** Options of a Scraper. */
export interface ScraperOptions {
  readonly targets: readonly ScrapeSpec[];
  readonly sink: IngestSink;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Sample timestamps further than this (ms) in the future are rejected. */
  readonly maxFutureMs: number;
}

/** What /api/scrape shows of one target (field names follow Prometheus' /api/v1/targets). */
export interface ScrapeTargetStatus {
  readonly job: string;
  readonly scrapeUrl: string;
  readonly instance: string;
  /** Every tag added to the target's samples. */
  readonly labels: Readonly<Record<string, string>>;
  readonly interval: string;
  readonly timeout: string;
  readonly metrics: readonly string[] | null;
  /** "unknown" until the first scrape ends. */
  readonly health: 'unknown' | 'up' | 'down';
  /** ISO 8601 start of the last scrape. */
  readonly lastScrape: string | null;
  /** Seconds the last scrape took. */
  readonly lastScrapeDuration: number | null;
  readonly lastError: string | null;
  /** Of the last scrape: chartable samples, NaN/±Inf samples, samples outside `metrics`, bad lines, points stored, points refused by the series limit. */
  readonly samples: number;
  readonly skipped: number;
  readonly filtered: number;
  readonly malformed: number;
  readonly stored: number;
  readonly refused: number;
  /** Since start. */
  readonly scrapes: number;
  readonly failures: number;
  readonly file: string | null;
}

/** The Accept header Prometheus-compatible exporters answer with the text format. */
const ACCEPT = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';

/**
 * Scrapes Prometheus /metrics endpoints on their intervals, like a Prometheus server: each
 * sample gets the tags job (the file name) and instance (host:port), and `up{job,instance}` is
 * stored as 1 or 0 after every scrape. A target never overlaps itself; a failure is recorded
 * and logged when the target's state changes, never thrown.
 */
export class Scraper {
  readonly #targets: ScrapeTarget[];

  constructor(options: ScraperOptions) {
    this.#targets = options.targets.map((spec) => new ScrapeTarget(spec, options));
  }

  /** Starts every target's loop; the first scrape happens at once. */
  start(): void {
    for (const target of this.#targets) target.start();
  }

  /** Stops every loop, aborting scrapes in flight (idempotent). */
  async stop(): Promise<void> {
    await Promise.all(this.#targets.map((target) => target.stop()));
  }

  /** State of every target, in file order. */
  status(): ScrapeTargetStatus[] {
    return this.#targets.map((target) => target.status());
  }
}

/** One target: its loop, its fetch and its counters. */
class ScrapeTarget {
  readonly #spec: ScrapeSpec;
  readonly #sink: IngestSink;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #maxFutureMs: number;
  readonly #instance: string;
  readonly #tags: Map<string, string>;
  readonly #upKey: string;
  readonly #accept: ((name: string) => boolean) | undefined;
  readonly #headers: Record<string, string>;
  #loop: Promise<void> | undefined;
  #stopped = false;
  #abort: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;
  #health: ScrapeTargetStatus['health'] = 'unknown';
  #last: Omit<ScrapeTargetStatus, 'job' | 'scrapeUrl' | 'instance' | 'labels' | 'interval' | 'timeout' | 'metrics' | 'health' | 'scrapes' | 'failures' | 'file'> = {
    lastScrape: null,
    lastScrapeDuration: null,
    lastError: null,
    samples: 0,
    skipped: 0,
    filtered: 0,
    malformed: 0,
    stored: 0,
    refused: 0,
  };
  #scrapes = 0;
  #failures = 0;

  constructor(spec: ScrapeSpec, options: ScraperOptions) {
    this.#spec = spec;
    this.#sink = options.sink;
    this.#clock = options.clock;
    this.#logger = options.logger.child({ component: 'scraper', job: spec.name });
    this.#maxFutureMs = options.maxFutureMs;
    const url = new URL(spec.url);
    this.#instance = `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
    // Configured labels may override job and instance, as target labels do in Prometheus.
    this.#tags = new Map([['job', spec.name], ['instance', this.#instance], ...Object.entries(spec.labels)]);
    this.#upKey = seriesKey('up', this.#tags);
    this.#accept = spec.metrics ? globTest(spec.metrics) : undefined;
    this.#headers = {
      Accept: ACCEPT,
      'User-Agent': 'chartcast-scraper',
      'X-Prometheus-Scrape-Timeout-Seconds': String(spec.timeoutMs / 1000),
    };
    if (spec.username !== undefined) {
      this.#headers.Authorization = `Basic ${Buffer.from(`${spec.username}:${spec.password ?? ''}`).toString('base64')}`;
    }
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort?.abort(new ChartcastError('unavailable', 'the scraper is stopping'));
    clearTimeout(this.#timer);
    this.#wake?.();
    await this.#loop;
  }

  status(): ScrapeTargetStatus {
    return {
      job: this.#spec.name,
      scrapeUrl: this.#spec.url,
      instance: this.#instance,
      labels: Object.fromEntries(this.#tags),
      interval: formatDuration(this.#spec.intervalMs),
      timeout: formatDuration(this.#spec.timeoutMs),
      metrics: this.#spec.metrics ?? null,
      health: this.#health,
      ...this.#last,
      scrapes: this.#scrapes,
      failures: this.#failures,
      file: this.#spec.file ?? null,
    };
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const began = performance.now();
      await this.#scrape();
      if (this.#stopped) break;
      // The next scrape is due one interval after this one began; one that ran long is followed at once.
      const wait = Math.max(0, this.#spec.intervalMs - (performance.now() - began));
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        this.#timer = setTimeout(resolve, wait);
      });
    }
  }

  /** One scrape; records the outcome and never throws. */
  async #scrape(): Promise<void> {
    const startedAt = this.#clock.now();
    const began = performance.now();
    try {
      const { text, timestampUnit } = await this.#fetch();
      const parsed = parseExposition(text, {
        defaultTime: startedAt,
        now: startedAt,
        maxFutureMs: this.#maxFutureMs,
        timestampUnit,
        extraTags: this.#tags,
        conflict: this.#spec.honorLabels ? 'honor' : 'rename',
        accept: this.#accept,
      });
      const count = parsed.samples.length;
      parsed.samples.push({ series: this.#upKey, time: startedAt, value: 1 });
      const result = await this.#sink.write('scrape', parsed.samples);
      const first = parsed.errors[0];
      // The reason may quote the response and is kept (lastError here and in the sink): a copy, not the response.
      const problem = first ? detach(`line ${first.line}: ${first.reason}`) : undefined;
      if (problem) this.#sink.malformed('scrape', problem, { job: this.#spec.name, url: this.#spec.url }, parsed.errorCount);
      this.#record(startedAt, began, problem ? `${parsed.errorCount} bad line${parsed.errorCount > 1 ? 's' : ''} skipped; ${problem}` : null);
      this.#last = {
        ...this.#last,
        samples: count,
        skipped: parsed.skipped,
        filtered: parsed.filtered,
        malformed: parsed.errorCount,
        stored: Math.max(0, result.stored - 1),
        refused: result.refused ?? 0,
      };
    } catch (error) {
      if (this.#stopped) return;
      this.#failures++;
      this.#record(startedAt, began, messageOf(error), true);
      this.#last = { ...this.#last, samples: 0, skipped: 0, filtered: 0, malformed: 0, stored: 0, refused: 0 };
      await this.#store({ series: this.#upKey, time: startedAt, value: 0 });
    }
  }

  #record(startedAt: number, began: number, error: string | null, down = false): void {
    this.#scrapes++;
    const was = this.#health;
    this.#health = down ? 'down' : 'up';
    if (down && (was !== 'down' || error !== this.#last.lastError)) this.#logger.warn({ url: this.#spec.url, error }, 'scrape target down');
    if (!down && was === 'down') this.#logger.info({ url: this.#spec.url }, 'scrape target up again');
    this.#last = {
      ...this.#last,
      lastScrape: new Date(startedAt).toISOString(),
      lastScrapeDuration: Number(((performance.now() - began) / 1000).toFixed(6)),
      lastError: error,
    };
  }

  async #store(sample: Sample): Promise<void> {
    try {
      await this.#sink.write('scrape', [sample]);
    } catch (error) {
      this.#logger.error({ err: messageOf(error) }, 'cannot store the scrape result');
    }
  }

  /** GETs the target within its timeout and size cap. */
  async #fetch(): Promise<{ text: string; timestampUnit: 'ms' | 's' }> {
    const controller = new AbortController();
    this.#abort = controller;
    const timer = setTimeout(() => controller.abort(new ChartcastError('timeout', `timed out after ${formatDuration(this.#spec.timeoutMs)}`)), this.#spec.timeoutMs);
    try {
      const response = await fetch(this.#spec.url, { headers: this.#headers, signal: controller.signal, redirect: 'follow' });
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        throw new ChartcastError('unavailable', `HTTP ${response.status} ${response.statusText}`.trim());
      }
      const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (type === 'application/vnd.google.protobuf') {
        await response.body?.cancel().catch(() => {});
        throw new ChartcastError('unavailable', 'the target answered in protobuf; chartcast reads the text format');
      }
      const text = await readCapped(response, this.#spec.maxBytes, controller);
      return { text, timestampUnit: type === 'application/openmetrics-text' ? 's' : 'ms' };
    } catch (error) {
      // An abort surfaces as its reason (timeout, size cap, stop); network errors keep their cause.
      if (controller.signal.aborted) throw controller.signal.reason;
      throw new ChartcastError('unavailable', describeFetchError(error));
    } finally {
      clearTimeout(timer);
      this.#abort = undefined;
    }
  }
}

/** Reads a response body as UTF-8, aborting once it passes `maxBytes` (after decompression). */
async function readCapped(response: Response, maxBytes: number, controller: AbortController): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let total = 0;
  let text = '';
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      controller.abort(new ChartcastError('body_too_large', `the response is larger than ${maxBytes} bytes (maxBytes)`));
      throw controller.signal.reason;
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/** fetch's "fetch failed" with the reason underneath (ECONNREFUSED, ENOTFOUND, …). */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { message?: string; code?: string } }).cause;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return messageOf(error);
}

/** One test for a list of metric-name globs: `*` any characters, `?` one. */
function globTest(globs: readonly string[]): (name: string) => boolean {
  return (name) => globs.some((glob) => globMatch(glob, name));
}

/** Glob matching in O(glob × name) at worst (a regular expression could backtrack exponentially). */
export function globMatch(glob: string, name: string): boolean {
  let g = 0;
  let n = 0;
  let starG = -1;
  let starN = 0;
  while (n < name.length) {
    const c = glob[g];
    if (c === '?' || (c !== undefined && c !== '*' && c === name[n])) {
      g++;
      n++;
    } else if (c === '*') {
      starG = g++;
      starN = n;
    } else if (starG >= 0) {
      g = starG + 1;
      n = ++starN;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}
