import type { ChartSpec } from '../lib/chart-spec.js';
import type { ParsedKey } from '../lib/series-key.js';
import { type SeriesSelector, autoLabel, fillLabel, hasPlaceholders, parseSelector } from '../lib/series-selector.js';
import type { SeriesStore } from '../series/types.js';

/** Most datasets one series entry of a chart expands to, and most in one chart. */
export const MAX_DATASETS_PER_ENTRY = 32;
export const MAX_DATASETS = 64;

/** One dataset a chart shows: a stored series, the chart entry that selected it, its legend label. */
export interface SelectedDataset {
  readonly key: string;
  /** Index into the chart's `series`. */
  readonly entry: number;
  readonly label: string;
}

/**
 * What a chart's series entries select from the store right now. Bare names and patterns are
 * resolved against the store's catalogue and cached until a series is created or removed, so
 * new matching series join the chart live.
 */
export class SeriesSelection {
  readonly #spec: ChartSpec;
  readonly #store: SeriesStore;
  readonly #selectors: readonly SeriesSelector[];
  /** Series the overlay reads (exact keys). */
  readonly #extra: ReadonlySet<string>;
  #version = -1;
  #datasets: readonly SelectedDataset[] = [];
  #keys = new Set<string>();

  constructor(spec: ChartSpec, store: SeriesStore, overlaySeries: Iterable<string> = []) {
    this.#spec = spec;
    this.#store = store;
    this.#selectors = spec.series.map((entry) => parseSelector(entry.name));
    this.#extra = new Set(overlaySeries);
  }

  /** The datasets to draw, in chart order. */
  datasets(): readonly SelectedDataset[] {
    if (this.#version !== this.#store.catalogVersion) this.#resolve();
    return this.#datasets;
  }

  /** Whether a change to any of `keys` shows in the chart (a new series may be one it selects). */
  affectedBy(keys: ReadonlySet<string>): boolean {
    if (this.#version !== this.#store.catalogVersion) this.#resolve();
    for (const key of keys) if (this.#keys.has(key) || this.#extra.has(key)) return true;
    return false;
  }

  #resolve(): void {
    this.#version = this.#store.catalogVersion;
    const datasets: SelectedDataset[] = [];
    this.#selectors.forEach((selector, entry) => {
      const room = Math.min(MAX_DATASETS_PER_ENTRY, MAX_DATASETS - datasets.length);
      if (room <= 0) return;
      const matched = this.#store.select(selector, room);
      const label = this.#spec.series[entry]?.label;
      if (matched.length === 0) {
        // A plain name shows as an (empty) dataset until its first point arrives.
        if (selector.exactName && selector.matchers.length === 0) {
          datasets.push({ key: selector.name, entry, label: label ?? selector.name });
        }
        return;
      }
      for (const { key, parsed } of matched) datasets.push({ key, entry, label: labelOf(selector, parsed, key, label) });
    });
    this.#datasets = datasets;
    this.#keys = new Set(datasets.map((d) => d.key));
  }
}

function labelOf(selector: SeriesSelector, parsed: ParsedKey, key: string, label: string | undefined): string {
  if (label !== undefined && hasPlaceholders(label)) return fillLabel(label, parsed);
  if (key === selector.name) return label ?? key;
  const auto = autoLabel(selector, parsed);
  return label === undefined ? auto : `${label} ${auto}`;
}
