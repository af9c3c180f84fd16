import type { Sample } from '../series/types.js';
import { LineKeyCache, type SeriesEntry } from './line-protocol-keys.js';
import { readFieldValue, readTimestamp } from './line-protocol-values.js';

/**
 * InfluxDB line protocol (v1 and v2):
 *
 *   measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *
 * A hand-written scanner over char codes: one pass, no regular expressions, and repeated series
 * (the usual case: an agent reports the same hosts every interval) cost one map lookup per line.
 * Every line stands alone: a bad line is reported with its number and reason, its neighbours are
 * kept. Work is linear in the input whatever it holds.
 */

/** Timestamp units: InfluxDB v2 names (ns us ms s) plus v1's n, u, m (minutes) and h. */
export type LinePrecision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

/** How a body is read. */
export interface LineProtocolOptions {
  readonly precision: LinePrecision;
  /** Epoch ms: the time of lines without a timestamp. */
  readonly now: number;
  /** Timestamps later than now + this (ms) are rejected. */
  readonly maxFutureMs: number;
}

/** A rejected line: its 1-based number (where it starts) and why, in InfluxDB's words. */
export interface LineError {
  readonly line: number;
  readonly reason: string;
}

/** What a body held. */
export interface LineProtocolResult {
  readonly samples: Sample[];
  /** The first MAX_LINE_ERRORS rejected lines. */
  readonly errors: LineError[];
  /** Every rejected line, including those beyond `errors`. */
  readonly rejectedLines: number;
  /** String field values seen in accepted lines: accepted, but not charted. */
  readonly skippedStrings: number;
}

/** Errors kept in a result; further rejected lines are only counted. */
export const MAX_LINE_ERRORS = 100;

const NL = 10;
const CR = 13;
const TAB = 9;
const SP = 32;
const QUOTE = 34;
const HASH = 35;
const COMMA = 44;
const EQ = 61;
const BS = 92;

/** Whether `c` (a char code, NaN past the end) ends a line. */
const isEnd = (c: number) => c === NL || c !== c; // c !== c: NaN, past the end of the text

/**
 * Parses line protocol bodies. Holds a bounded cache of series keys across calls, so create one
 * per receiver and reuse it.
 */
export class LineProtocolParser {
  readonly #keys = new LineKeyCache();
  // Per-line scratch, reused: field keys are resolved only once the whole line is known good.
  readonly #fieldStarts: number[] = [];
  readonly #fieldEnds: number[] = [];
  readonly #fieldValues: number[] = [];
  #reason = '';
  /** Newlines inside string fields of the current line (so line numbers stay right). */
  #innerLines = 0;
  /** String field values in the current line. */
  #stringsInLine = 0;
  /** A string opened at or after this position has no closing quote (see #skipString). */
  #unclosedFrom = Infinity;

  /** Parses `text`; never throws for any input. */
  parse(text: string, options: LineProtocolOptions): LineProtocolResult {
    const samples: Sample[] = [];
    const errors: LineError[] = [];
    let rejectedLines = 0;
    let skippedStrings = 0;
    this.#unclosedFrom = Infinity;
    const n = text.length;
    let pos = 0;
    let line = 1;
    while (pos < n) {
      let c = text.charCodeAt(pos);
      while (c === SP || c === TAB || c === CR) c = text.charCodeAt(++pos);
      if (pos >= n) break;
      if (c === NL) {
        pos++;
        line++;
        continue;
      }
      if (c === HASH) {
        pos = nextNewline(text, pos);
        continue;
      }
      this.#innerLines = 0;
      const end = this.#line(text, pos, options, samples);
      if (end < 0) {
        rejectedLines++;
        if (errors.length < MAX_LINE_ERRORS) errors.push({ line, reason: this.#reason });
        pos = this.#recover(text, -end - 1);
      } else {
        skippedStrings += this.#stringsInLine;
        pos = end;
      }
      line += this.#innerLines;
    }
    return { samples, errors, rejectedLines, skippedStrings };
  }

  /**
   * Reads one line from `start` (not blank, not a comment) and appends its samples. Returns the
   * position of its end (the newline or the end of the text), or -(position of the problem) - 1
   * with #reason set, adding nothing.
   */
  #line(text: string, start: number, options: LineProtocolOptions, samples: Sample[]): number {
    this.#stringsInLine = 0;
    // The series part: measurement and tags, up to the first unescaped space.
    let i = start;
    let c = text.charCodeAt(i);
    while (c === c && c !== SP && c !== NL) {
      if (c === BS) {
        const next = text.charCodeAt(i + 1);
        if (next === next && next !== NL) i++;
      }
      c = text.charCodeAt(++i);
    }
    if (c !== SP) return this.#fail('missing fields', i);
    const entry: SeriesEntry = this.#keys.series(text, start, i);
    if (entry.error !== undefined) return this.#fail(entry.error, i);
    while (c === SP) c = text.charCodeAt(++i);
    if (isEnd(c) || (c === CR && isEnd(text.charCodeAt(i + 1)))) return this.#fail('missing fields', i);

    // Fields: key=value, comma-separated.
    let fields = 0;
    for (;;) {
      const keyStart = i;
      while (c !== EQ) {
        if (c === SP || c === COMMA || isEnd(c)) return this.#fail(i === keyStart ? 'missing field key' : 'invalid field format', i);
        if (c === BS) {
          const next = text.charCodeAt(i + 1);
          if (next === next && next !== NL) i++;
        }
        c = text.charCodeAt(++i);
      }
      if (i === keyStart) return this.#fail('missing field key', i);
      const keyEnd = i;
      c = text.charCodeAt(++i);
      if (c === QUOTE) {
        const close = this.#skipString(text, i + 1);
        if (close < 0) return this.#fail('unbalanced quotes', i);
        this.#stringsInLine++;
        i = close + 1;
      } else {
        const valueStart = i;
        while (c !== COMMA && c !== SP && c !== TAB && c !== CR && !isEnd(c)) c = text.charCodeAt(++i);
        if (i === valueStart) return this.#fail('missing field value', i);
        const value = readFieldValue(text, valueStart, i);
        if (typeof value === 'string') return this.#fail(value, valueStart);
        this.#fieldStarts[fields] = keyStart;
        this.#fieldEnds[fields] = keyEnd;
        this.#fieldValues[fields] = value;
        fields++;
      }
      c = text.charCodeAt(i);
      if (c !== COMMA) break;
      c = text.charCodeAt(++i);
    }

    // The optional timestamp, then only whitespace.
    if (c !== SP && c !== TAB && c !== CR && !isEnd(c)) return this.#fail('invalid field format', i);
    while (c === SP || c === TAB || c === CR) c = text.charCodeAt(++i);
    let time = options.now;
    if (!isEnd(c)) {
      const timeStart = i;
      while (c !== SP && c !== TAB && c !== CR && !isEnd(c)) c = text.charCodeAt(++i);
      const parsed = readTimestamp(text, timeStart, i, options);
      if (typeof parsed === 'string') return this.#fail(parsed, timeStart);
      time = parsed;
      while (c === SP || c === TAB || c === CR) c = text.charCodeAt(++i);
      if (!isEnd(c)) return this.#fail('bad timestamp', i);
    }

    // Keys last, so a line with a bad name adds nothing.
    const first = samples.length;
    for (let k = 0; k < fields; k++) {
      const key = this.#keys.field(entry, text, this.#fieldStarts[k] as number, this.#fieldEnds[k] as number, k);
      if (key.series === undefined) {
        samples.length = first;
        return this.#fail(key.reason, this.#fieldStarts[k] as number);
      }
      samples.push({ series: key.series, time, value: this.#fieldValues[k] as number });
    }
    return i;
  }

  #fail(reason: string, at: number): number {
    this.#reason = reason;
    return -at - 1;
  }

  /**
   * From just after an opening quote, the position of the closing one (`\"` and `\\` are escapes;
   * newlines belong to the string), or -1. Once a string was found unclosed, any string opening
   * later is unclosed too (the scan from there runs in step with the failed one), so a body full
   * of stray quotes is still read in linear time.
   */
  #skipString(text: string, from: number): number {
    if (from >= this.#unclosedFrom) return -1;
    let lines = 0;
    const n = text.length;
    for (let i = from; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.#innerLines += lines;
        return i;
      }
      if (c === BS) i++;
      else if (c === NL) lines++;
    }
    this.#unclosedFrom = from;
    return -1;
  }

  /**
   * Where a rejected line ends, from the problem's position: the next newline, except inside a
   * string field value (`="…"`), whose newlines belong to the line, as InfluxDB reads it.
   */
  #recover(text: string, from: number): number {
    const n = text.length;
    for (let i = from; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === NL) return i;
      if (c === BS) i++;
      else if (c === QUOTE && text.charCodeAt(i - 1) === EQ && text.charCodeAt(i - 2) !== BS) {
        const close = this.#skipString(text, i + 1);
        if (close < 0) return nextNewline(text, i);
        i = close;
      }
    }
    return n;
  }
}

/** The position of the next newline at or after `from`, or the text's length. */
function nextNewline(text: string, from: number): number {
  const at = text.indexOf('\n', from);
  return at < 0 ? text.length : at;
}
