import { ChartcastError } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import { detach } from '../lib/strings.js';
import { TimeRing } from '../lib/time-ring.js';
import type { SeriesSelector } from '../lib/series-selector.js';
import { type SelectedSeries, SeriesCatalog } from './series-catalog.js';
import type {
  AppendOptions,
  AppendResult,
  ChangeListener,
  Point,
  Sample,
  SeriesInfo,
  SeriesStore,
  StoreLimits,
  WindowStats,
} from './types.js';

/** Options of the in-memory store. */
export interface MemoryStoreOptions {
  readonly limits: StoreLimits;
  readonly clock: Clock;
}

/**
 * The default series store: one TimeRing per series in this process.
 * Worst-case memory is about maxSeries × maxPointsPerSeries × 16 bytes.
 */
export class MemorySeriesStore implements SeriesStore {
  readonly limits: StoreLimits;
  readonly #clock: Clock;
  readonly #series = new Map<string, TimeRing>();
  readonly #listeners = new Set<ChangeListener>();
  readonly #catalog = new SeriesCatalog();
  #pointCount = 0;

  constructor(options: MemoryStoreOptions) {
    this.limits = options.limits;
    this.#clock = options.clock;
  }

  get pointCount(): number {
    return this.#pointCount;
  }

  get catalogVersion(): number {
    return this.#catalog.version;
  }

  async append(samples: readonly Sample[], options?: AppendOptions): Promise<AppendResult> {
    return this.appendSync(samples, options);
  }

  /** The synchronous core of append, for callers in this process that do not need to wait. */
  appendSync(samples: readonly Sample[], options?: AppendOptions): AppendResult {
    const cutoff = this.#clock.now() - this.limits.retentionMs;
    const refusedSeries = this.#checkSeriesLimit(samples, cutoff, options?.partial ?? false);
    const changed = new Set<string>();
    let stored = 0;
    let dropped = 0;
    let created = 0;
    let refused = 0;
    // Grouped per series so late points merge into each ring in one pass.
    const groups = new Map<string, { times: number[]; values: number[] }>();
    for (const sample of samples) {
      if (sample.time < cutoff) {
        dropped++;
        continue;
      }
      if (refusedSeries?.has(sample.series)) {
        refused++;
        continue;
      }
      let group = groups.get(sample.series);
      if (!group) {
        group = { times: [], values: [] };
        groups.set(sample.series, group);
      }
      group.times.push(sample.time);
      group.values.push(sample.value);
    }
    for (const [name, group] of groups) {
      let ring = this.#series.get(name);
      if (!ring) {
        ring = new TimeRing(this.limits.maxPointsPerSeries);
        // The key may be a slice of a large request body; keep a copy, not the body.
        const key = detach(name);
        this.#series.set(key, ring);
        this.#catalog.add(key);
        created++;
      }
      const before = ring.size;
      const kept = ring.insertMany(group.times, group.values);
      stored += kept;
      dropped += group.times.length - kept;
      if (kept > 0) changed.add(name);
      this.#pointCount += ring.size - before;
    }
    for (const name of changed) this.#trim(name, cutoff);
    if (changed.size > 0) this.#notify(changed);
    return refused > 0 ? { stored, dropped, created, refused } : { stored, dropped, created };
  }

  select(selector: SeriesSelector, limit: number): SelectedSeries[] {
    return this.#catalog.select(selector, limit);
  }

  window(name: string, from: number, to: number): Point[] {
    const points: Point[] = [];
    this.#series.get(name)?.forEachBetween(from, to, (x, y) => {
      points.push({ x, y });
    });
    return points;
  }

  stats(name: string, from: number, to: number): WindowStats {
    let count = 0;
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let last: number | undefined;
    let lastTime: number | undefined;
    this.#series.get(name)?.forEachBetween(from, to, (time, value) => {
      count++;
      if (value < min) min = value;
      if (value > max) max = value;
      sum += value;
      last = value;
      lastTime = time;
    });
    if (count === 0) return { count, last, lastTime, min: undefined, max: undefined, avg: undefined };
    return { count, last, lastTime, min, max, avg: sum / count };
  }

  info(name: string): SeriesInfo | undefined {
    const ring = this.#series.get(name);
    if (!ring) return undefined;
    return { name, points: ring.size, firstTime: ring.firstTime, lastTime: ring.lastTime, lastValue: ring.lastValue };
  }

  names(): string[] {
    return [...this.#series.keys()].sort();
  }

  async delete(name: string): Promise<boolean> {
    const ring = this.#series.get(name);
    if (!ring) return false;
    this.#pointCount -= ring.size;
    this.#series.delete(name);
    this.#catalog.delete(name);
    this.#notify(new Set([name]));
    return true;
  }

  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Drops points past retention everywhere and removes series left empty (frees series slots). */
  sweep(): void {
    const cutoff = this.#clock.now() - this.limits.retentionMs;
    const changed = new Set<string>();
    for (const [name, ring] of this.#series) {
      if (this.#trim(name, cutoff) > 0) changed.add(name);
      if (ring.size === 0) {
        this.#series.delete(name);
        this.#catalog.delete(name);
      }
    }
    if (changed.size > 0) this.#notify(changed);
  }

  #trim(name: string, cutoff: number): number {
    const ring = this.#series.get(name);
    if (!ring) return 0;
    const dropped = ring.dropBefore(cutoff);
    this.#pointCount -= dropped;
    return dropped;
  }

  /** Throws if new series would exceed the limit; in partial mode returns the new series refused instead. */
  #checkSeriesLimit(samples: readonly Sample[], cutoff: number, partial: boolean): Set<string> | undefined {
    let fresh: Set<string> | undefined;
    for (const sample of samples) {
      if (sample.time < cutoff || this.#series.has(sample.series)) continue;
      fresh ??= new Set();
      fresh.add(sample.series);
    }
    if (!fresh || this.#series.size + fresh.size <= this.limits.maxSeries) return undefined;
    if (partial) {
      const room = Math.max(0, this.limits.maxSeries - this.#series.size);
      return new Set([...fresh].slice(room));
    }
    throw new ChartcastError(
      'series_limit',
      `series limit reached: ${this.#series.size} stored + ${fresh.size} new > maxSeries ${this.limits.maxSeries}; nothing was stored`,
      { status: 422 },
    );
  }

  #notify(names: ReadonlySet<string>): void {
    for (const listener of this.#listeners) listener(names);
  }
}
