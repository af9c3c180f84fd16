import { type ParsedKey, compareText, parseSeriesKey } from '../lib/series-key.js';
import { type SeriesSelector, nameTester, tagsMatch } from '../lib/series-selector.js';

/**
 * The names of the stored series, indexed by series name, for selector queries. `version` changes
 * whenever a series is added or removed, so callers can cache what a selector matched.
 */
export class SeriesCatalog {
  /** Series name → key → parsed key. */
  readonly #byName = new Map<string, Map<string, ParsedKey>>();
  #version = 0;

  get version(): number {
    return this.#version;
  }

  add(key: string): void {
    const parsed = parseSeriesKey(key);
    let keys = this.#byName.get(parsed.name);
    if (!keys) {
      keys = new Map();
      this.#byName.set(parsed.name, keys);
    }
    if (keys.has(key)) return;
    keys.set(key, parsed);
    this.#version++;
  }

  delete(key: string): void {
    const parsed = parseSeriesKey(key);
    const keys = this.#byName.get(parsed.name);
    if (!keys?.delete(key)) return;
    if (keys.size === 0) this.#byName.delete(parsed.name);
    this.#version++;
  }

  /** Keys matching `selector`, sorted, at most `limit`. */
  select(selector: SeriesSelector, limit: number): SelectedSeries[] {
    const out: SelectedSeries[] = [];
    const collect = (keys: Map<string, ParsedKey>) => {
      for (const [key, parsed] of keys) if (tagsMatch(selector, parsed)) out.push({ key, parsed });
    };
    if (selector.exactName) {
      const keys = this.#byName.get(selector.name);
      if (keys) collect(keys);
    } else {
      const test = nameTester(selector);
      for (const [name, keys] of this.#byName) if (test(name)) collect(keys);
    }
    out.sort((a, b) => compareText(a.key, b.key));
    return out.length > limit ? out.slice(0, limit) : out;
  }
}

/** A series a selector matched. */
export interface SelectedSeries {
  readonly key: string;
  readonly parsed: ParsedKey;
}
