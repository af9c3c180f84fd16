import { KeyError, cleanSeriesName, tagSuffix } from '../lib/series-key.js';
import { detach } from '../lib/strings.js';

/**
 * Series keys of InfluxDB line protocol: `measurement.field{tags}`, and a field named `value`
 * gives just `measurement{tags}`. Measurement and tags are read once per distinct text and cached,
 * as are the keys of their fields, so a line that repeats a known series costs a map lookup.
 */

/** The series key of one field of one series part, or why there is none. */
export interface FieldKey {
  /** The field key as written (escaped). */
  readonly raw: string;
  readonly series: string | undefined;
  readonly reason: string;
}

/** A series part (`measurement,tag=value,...`) read and checked. */
export interface SeriesEntry {
  /** The series part as written. */
  readonly raw: string;
  /** Why lines with this series part are rejected, or undefined. */
  readonly error: string | undefined;
  readonly measurement: string;
  /** The `{tag=value,...}` part of the keys, or "". */
  readonly suffix: string;
  readonly fields: Map<string, FieldKey>;
  /** The field keys of the latest line by position: most lines repeat them in the same order. */
  readonly recent: FieldKey[];
}

/** Cached series parts and field keys together; beyond this the cache starts afresh. */
const MAX_CACHED = 20_000;
/** Longer texts are not cached (they are rare, and would let a body pin memory). */
const MAX_CACHED_LENGTH = 512;
/** Fields remembered by position per series part. */
const MAX_RECENT = 32;

const SP = 32;
const COMMA = 44;
const EQ = 61;
const BS = 92;

/**
 * A bounded cache from line protocol text to series keys. What it caches is read from a copy of
 * the text (detach): a slice would keep the whole request body alive as long as the entry.
 */
export class LineKeyCache {
  readonly #series = new Map<string, SeriesEntry>();
  #cached = 0;
  #last: SeriesEntry | undefined;

  /** The entry of the series part text[start, end) (from the line's start to its first unescaped space). */
  series(text: string, start: number, end: number): SeriesEntry {
    const length = end - start;
    const last = this.#last;
    if (last !== undefined && last.raw.length === length && text.startsWith(last.raw, start)) return last;
    const raw = text.slice(start, end);
    if (length > MAX_CACHED_LENGTH) return readSeries(raw);
    let entry = this.#series.get(raw);
    if (entry === undefined) {
      this.#room();
      entry = readSeries(detach(raw));
      this.#series.set(entry.raw, entry);
    }
    this.#last = entry;
    return entry;
  }

  /** The key of the field whose (escaped) key is text[start, end), the `position`th of its line. */
  field(entry: SeriesEntry, text: string, start: number, end: number, position: number): FieldKey {
    const recent = entry.recent[position];
    if (recent !== undefined && recent.raw.length === end - start && text.startsWith(recent.raw, start)) return recent;
    const raw = text.slice(start, end);
    let key = entry.fields.get(raw);
    if (key === undefined) {
      if (raw.length > MAX_CACHED_LENGTH || entry.raw.length > MAX_CACHED_LENGTH) return fieldKey(entry, raw);
      this.#room();
      key = fieldKey(entry, detach(raw));
      entry.fields.set(key.raw, key);
    }
    if (position < MAX_RECENT) entry.recent[position] = key;
    return key;
  }

  /** Makes room for one more cached item (starting afresh when full: keys are cheap to rebuild). */
  #room(): void {
    if (++this.#cached <= MAX_CACHED) return;
    for (const entry of this.#series.values()) {
      entry.fields.clear();
      entry.recent.length = 0;
    }
    this.#series.clear();
    this.#last = undefined;
    this.#cached = 1;
  }
}

/** Reads `measurement[,tag=value...]`. */
function readSeries(raw: string): SeriesEntry {
  const n = raw.length;
  let i = skipTo(raw, 0, COMMA, COMMA);
  const measurement = unescape(raw.slice(0, i), false);
  const entry = (error: string | undefined, suffix = ''): SeriesEntry => ({ raw, error, measurement, suffix, fields: new Map(), recent: [] });
  if (measurement === '') return entry('missing measurement');
  const tags: [string, string][] = [];
  while (i < n) {
    const keyStart = ++i; // past the comma
    i = skipTo(raw, i, EQ, COMMA);
    if (i === keyStart) return entry('missing tag key');
    if (raw.charCodeAt(i) !== EQ) return entry('missing tag value');
    const key = unescape(raw.slice(keyStart, i), true);
    const valueStart = ++i;
    i = skipTo(raw, i, COMMA, COMMA);
    if (i === valueStart) return entry('missing tag value');
    tags.push([key, unescape(raw.slice(valueStart, i), true)]);
  }
  try {
    return entry(undefined, tagSuffix(tags));
  } catch (error) {
    if (error instanceof KeyError) return entry(error.message);
    throw error;
  }
}

/** The key of field `raw` (escaped) of a good series part. */
function fieldKey(entry: SeriesEntry, raw: string): FieldKey {
  const field = unescape(raw, true);
  try {
    const name = field === 'value' ? entry.measurement : `${entry.measurement}.${field}`;
    return { raw, series: cleanSeriesName(name) + entry.suffix, reason: '' };
  } catch (error) {
    if (error instanceof KeyError) return { raw, series: undefined, reason: error.message };
    throw error;
  }
}

/** The first position from `from` of an unescaped `a` or `b`, or the text's length. */
function skipTo(text: string, from: number, a: number, b: number): number {
  const n = text.length;
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === a || c === b) return i;
    i += c === BS ? 2 : 1;
  }
  return n;
}

/**
 * Undoes line protocol escapes: `\,` `\ ` and `\\` everywhere, `\=` in tags and field keys
 * (`withEquals`). A backslash before any other character is an ordinary character.
 */
function unescape(text: string, withEquals: boolean): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (c === BS && (next === COMMA || next === SP || next === BS || (withEquals && next === EQ))) {
      out += text[i + 1];
      i++;
    } else {
      out += text[i];
    }
  }
  return out;
}
