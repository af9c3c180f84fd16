import type { SeriesSelector } from '../lib/series-selector.js';
import type { SelectedSeries } from './series-catalog.js';

/** One measurement: a value of a named series at a time (milliseconds since the Unix epoch). */
export interface Sample {
  readonly series: string;
  readonly time: number;
  readonly value: number;
}

/** A chart.js-ready point: x in epoch milliseconds. */
export interface Point {
  x: number;
  y: number;
}

/** Summary statistics of a series over a window. */
export interface WindowStats {
  readonly count: number;
  readonly last: number | undefined;
  readonly lastTime: number | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly avg: number | undefined;
}

/** Facts about one stored series. */
export interface SeriesInfo {
  readonly name: string;
  readonly points: number;
  readonly firstTime: number | undefined;
  readonly lastTime: number | undefined;
  readonly lastValue: number | undefined;
}

/** What an append did. */
export interface AppendResult {
  /** Points refused because their series would exceed `maxSeries` (partial appends only). */
  readonly refused?: number;
  /** Points stored (including ones that replaced a point with the same time). */
  readonly stored: number;
  /** Points dropped because they were older than the retention or than a full series. */
  readonly dropped: number;
  /** Series created by this append. */
  readonly created: number;
}

/** Memory caps of a store. */
export interface StoreLimits {
  /** Points kept per series; the oldest are overwritten beyond it. */
  readonly maxPointsPerSeries: number;
  /** Distinct series; appends that would create more are rejected whole. */
  readonly maxSeries: number;
  /** Points older than this (milliseconds) are dropped. */
  readonly retentionMs: number;
}

/** How an append treats the series limit. */
export interface AppendOptions {
  readonly partial?: boolean;
}

/** Listener for changes: receives the names of the series that changed. */
export type ChangeListener = (names: ReadonlySet<string>) => void;

/** The series store: per-series time-ordered points, window queries and change notification. */
export interface SeriesStore {
  readonly limits: StoreLimits;
  /**
   * Stores samples. By default all-or-nothing: a batch that would exceed `maxSeries` is rejected
   * before anything is written. With `partial`, points of series beyond the limit are refused
   * (counted in `refused`) and the rest stored: for protocol receivers, whose neighbours must not suffer.
   */
  append(samples: readonly Sample[], options?: AppendOptions): Promise<AppendResult>;
  /** Series matching `selector`, sorted by key, at most `limit`. */
  select(selector: SeriesSelector, limit: number): SelectedSeries[];
  /** Changes whenever a series is created or removed (to cache selector results). */
  readonly catalogVersion: number;
  /** Points of `name` with from <= x <= to, oldest first. */
  window(name: string, from: number, to: number): Point[];
  /** Statistics of `name` over [from, to]. */
  stats(name: string, from: number, to: number): WindowStats;
  /** Facts about one series, or undefined if it does not exist. */
  info(name: string): SeriesInfo | undefined;
  /** All series names, sorted. */
  names(): string[];
  /** Removes a series; returns whether it existed. */
  delete(name: string): Promise<boolean>;
  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: ChangeListener): () => void;
  /** Total stored points. */
  readonly pointCount: number;
}
