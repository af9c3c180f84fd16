import type { ChartSpec } from '../lib/chart-spec.js';
import { ChartcastError, notFound } from '../lib/errors.js';
import type { ViewerStats } from '../hub/frame-channel.js';
import { ChartStream, type ChartStreamDeps, type StreamCounters } from './chart-stream.js';
import type { RenderServiceStats } from './frame-renderer.js';
import { type StreamVariant, resolveVariant, variantKey } from './variant.js';

/** Options of the registry beyond what each stream needs. */
export interface StreamRegistryOptions extends ChartStreamDeps {
  /** A variant without viewers is freed after this long (ms); its renderer is kept warm meanwhile. */
  readonly idleGraceMs: number;
  /** Most variants alive at once, across all charts. */
  readonly maxVariants: number;
  /** Most pixels (width × height) across all live variants: bounds canvas memory and render work. */
  readonly maxPixels: number;
}

/** A viewer's claim on a stream; `release` is idempotent. */
export interface StreamLease {
  readonly stream: ChartStream;
  release(): void;
}

/** Counters summed over a chart's variants (live and freed). */
export interface ChartStats extends StreamCounters {
  readonly variants: number;
  readonly viewers: number;
  readonly framesPublished: number;
  readonly framesSent: number;
  readonly framesSkipped: number;
  readonly keepalivesSent: number;
  readonly bytesSent: number;
  readonly viewersDropped: number;
}

interface Entry {
  readonly stream: ChartStream;
  leases: number;
  idleTimer: NodeJS.Timeout | undefined;
}

const ZERO: ChartStats = {
  renders: 0,
  renderErrors: 0,
  encodes: 0,
  encodeErrors: 0,
  renderMs: 0,
  encodeMs: 0,
  variants: 0,
  viewers: 0,
  framesPublished: 0,
  framesSent: 0,
  framesSkipped: 0,
  keepalivesSent: 0,
  bytesSent: 0,
  viewersDropped: 0,
};

/**
 * Owns the charts and their live streams: one stream per distinct variant, shared by all of
 * its viewers, started by the first lease and stopped by the last.
 */
export class StreamRegistry {
  readonly #options: StreamRegistryOptions;
  readonly #charts = new Map<string, ChartSpec>();
  readonly #entries = new Map<string, Entry>();
  /** Counters of freed variants, per chart, so totals never go backwards. */
  readonly #retired = new Map<string, ChartStats>();
  readonly #unsubscribe: () => void;

  constructor(options: StreamRegistryOptions) {
    this.#options = options;
    this.#unsubscribe = options.store.onChange((names) => {
      for (const entry of this.#entries.values()) entry.stream.notifyChanged(names);
    });
  }

  /** Replaces the set of charts; streams of removed or changed charts are closed. */
  setCharts(charts: readonly ChartSpec[]): void {
    this.#charts.clear();
    for (const chart of charts) this.#charts.set(chart.name, chart);
    for (const [key, entry] of this.#entries) {
      if (this.#charts.get(entry.stream.spec.name) !== entry.stream.spec) this.#free(key, entry);
    }
  }

  /** The chart called `name`, if any. */
  chart(name: string): ChartSpec | undefined {
    return this.#charts.get(name);
  }

  /** All charts, by name. */
  charts(): ChartSpec[] {
    return [...this.#charts.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Claims the stream of chart `name` at the given variant, starting it if needed. */
  acquire(name: string, overrides: Partial<StreamVariant> = {}): StreamLease {
    const spec = this.#charts.get(name);
    if (!spec) throw notFound(`no chart named "${name}" (GET /api/charts lists them)`);
    const variant = resolveVariant(spec, overrides);
    const key = variantKey(name, variant);
    let entry = this.#entries.get(key);
    if (!entry) {
      this.#makeRoom(variant.width * variant.height);
      this.#ensureRoom(variant.width * variant.height);
      entry = { stream: new ChartStream(spec, variant, this.#options), leases: 0, idleTimer: undefined };
      this.#entries.set(key, entry);
    }
    const claimed = entry;
    claimed.leases++;
    clearTimeout(claimed.idleTimer);
    claimed.idleTimer = undefined;
    claimed.stream.start();
    let released = false;
    return {
      stream: claimed.stream,
      release: () => {
        if (released) return;
        released = true;
        claimed.leases--;
        if (claimed.leases > 0) return;
        claimed.stream.stop();
        claimed.idleTimer = setTimeout(() => {
          if (this.#entries.get(key) === claimed && claimed.leases === 0) this.#free(key, claimed);
        }, this.#options.idleGraceMs);
        claimed.idleTimer.unref();
      },
    };
  }

  /** Counters of one chart, summed over its variants. */
  chartStats(name: string): ChartStats {
    const total: ChartStats = { ...(this.#retired.get(name) ?? ZERO) };
    for (const entry of this.#entries.values()) {
      if (entry.stream.spec.name === name) add(total, statsOf(entry.stream), true);
    }
    return total;
  }

  /** Counters of every chart, summed. */
  totals(): ChartStats {
    const total: ChartStats = { ...ZERO };
    for (const retired of this.#retired.values()) add(total, retired, false);
    for (const entry of this.#entries.values()) add(total, statsOf(entry.stream), true);
    return total;
  }

  /** Live variants with their counters. */
  variants(): { key: string; chart: string; variant: StreamVariant; running: boolean; stats: ChartStats }[] {
    return [...this.#entries].map(([key, entry]) => ({
      key,
      chart: entry.stream.spec.name,
      variant: entry.stream.variant,
      running: entry.stream.running,
      stats: { ...statsOf(entry.stream), variants: 1 },
    }));
  }

  /** Every viewer of every live variant, with its counters. */
  viewers(): ({ chart: string; key: string } & ViewerStats)[] {
    return [...this.#entries].flatMap(([key, entry]) =>
      entry.stream.channel.viewers().map((viewer) => ({ chart: entry.stream.spec.name, key, ...viewer })),
    );
  }

  /** Counters of the threads that draw frames. */
  renderStats(): RenderServiceStats {
    return this.#options.renderers.stats();
  }

  /** Stops and frees every stream. */
  close(): void {
    this.#unsubscribe();
    for (const [key, entry] of this.#entries) this.#free(key, entry);
  }

  #pixels(): number {
    let total = 0;
    for (const entry of this.#entries.values()) total += entry.stream.variant.width * entry.stream.variant.height;
    return total;
  }

  #fits(pixels: number): boolean {
    return this.#entries.size < this.#options.maxVariants && this.#pixels() + pixels <= this.#options.maxPixels;
  }

  /** Frees idle variants, oldest first, until a new one of `pixels` fits. */
  #makeRoom(pixels: number): void {
    for (const [key, entry] of this.#entries) {
      if (this.#fits(pixels)) return;
      if (entry.leases === 0) this.#free(key, entry);
    }
  }

  #ensureRoom(pixels: number): void {
    if (this.#entries.size >= this.#options.maxVariants) {
      throw new ChartcastError(
        'variant_limit',
        `too many distinct streams (maxVariants ${this.#options.maxVariants}); use a size/fps/quality already being served`,
        { status: 503, expose: true },
      );
    }
    if (this.#pixels() + pixels > this.#options.maxPixels) {
      throw new ChartcastError(
        'variant_limit',
        `live streams would exceed maxPixels ${this.#options.maxPixels} (${this.#pixels()} in use, ${pixels} asked); use a smaller or already served size`,
        { status: 503, expose: true },
      );
    }
  }

  #free(key: string, entry: Entry): void {
    clearTimeout(entry.idleTimer);
    entry.stream.destroy();
    this.#entries.delete(key);
    const name = entry.stream.spec.name;
    const retired = { ...(this.#retired.get(name) ?? ZERO) };
    add(retired, { ...statsOf(entry.stream), viewers: 0 }, false);
    this.#retired.set(name, retired);
  }
}

function statsOf(stream: ChartStream): ChartStats {
  const channel = stream.channel.stats();
  return {
    ...stream.counters,
    variants: 0,
    viewers: channel.viewers,
    framesPublished: channel.published,
    framesSent: channel.framesSent,
    framesSkipped: channel.framesSkipped,
    keepalivesSent: channel.keepalivesSent,
    bytesSent: channel.bytesSent,
    viewersDropped: channel.viewersDropped,
  };
}

function add(total: ChartStats, part: ChartStats, live: boolean): void {
  const target = total as { -readonly [K in keyof ChartStats]: number };
  for (const key of Object.keys(ZERO) as (keyof ChartStats)[]) {
    if (key === 'variants') continue;
    target[key] += part[key];
  }
  if (live) target.variants++;
}
