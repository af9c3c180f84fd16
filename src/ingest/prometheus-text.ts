import { parseDecimal } from '../lib/numbers.js';
import { KeyError, cleanSeriesName, tagSuffix } from '../lib/series-key.js';
import { clip } from '../lib/strings.js';
import type { Sample } from '../series/types.js';
import { timeProblem } from './time.js';

/**
 * The Prometheus text exposition format 0.0.4, and the OpenMetrics text lines that share its
 * shape (`# EOF`, `# UNIT`, exemplars, timestamps in seconds):
 *
 *   # HELP http_requests_total Requests served.
 *   # TYPE http_requests_total counter
 *   http_requests_total{method="post",code="200"} 1027 1395066363000
 *
 * Every sample line becomes one series (`http_requests_total{code=200,method=post}`); histogram
 * and summary lines (`_bucket{le="0.5"}`, `_sum`, `_count`, `{quantile="0.9"}`) are series of
 * their own, exactly as Prometheus stores them. A bad line is reported with its number and
 * reason and never costs its neighbours; NaN and ±Inf are valid but not chartable, so they are
 * counted as skipped.
 */

/** One rejected line. */
export interface LineError {
  /** 1-based line number. */
  readonly line: number;
  readonly reason: string;
}

/** How labels of a sample meet tags the receiver adds (job, instance, grouping labels). */
export type LabelConflict =
  /** The added tag wins (Pushgateway grouping labels). */
  | 'override'
  /** The added tag wins and the sample's own value is kept as `exported_<label>` (Prometheus scraping). */
  | 'rename'
  /** The sample's label wins (Prometheus `honor_labels: true`). */
  | 'honor';

/** Options of parseExposition. */
export interface ExpositionOptions {
  /** Epoch ms of samples without a timestamp. */
  readonly defaultTime: number;
  /** Epoch ms now, for the future bound of timestamps. */
  readonly now: number;
  /** Timestamps further than this (ms) in the future are rejected. */
  readonly maxFutureMs: number;
  /** Unit of sample timestamps: milliseconds in text 0.0.4, seconds in OpenMetrics. */
  readonly timestampUnit?: 'ms' | 's';
  /** Tags added to every sample; an empty value removes the label. */
  readonly extraTags?: ReadonlyMap<string, string>;
  /** Default 'override'. */
  readonly conflict?: LabelConflict;
  /** Keeps only metrics whose name passes (the others are counted as `filtered`). */
  readonly accept?: (metricName: string) => boolean;
}

/** What parseExposition found. */
export interface ExpositionResult {
  readonly samples: Sample[];
  /** The first MAX_REPORTED_ERRORS bad lines. */
  readonly errors: LineError[];
  /** All bad lines. */
  readonly errorCount: number;
  /** Valid samples with a NaN or ±Inf value. */
  readonly skipped: number;
  /** Valid-looking samples of metrics `accept` refused. */
  readonly filtered: number;
}

/** Lines longer than this (characters) are rejected unread. */
export const MAX_LINE_LENGTH = 65_536;
/** Most labels on one sample line. */
export const MAX_LABELS = 64;
/** Bad lines reported individually; the rest are only counted. */
export const MAX_REPORTED_ERRORS = 100;

const METRIC_TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped', 'unknown', 'gaugehistogram', 'stateset', 'info']);
const METRIC_NAME = /^[A-Za-z_:][A-Za-z0-9_:]*$/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INTEGER = /^[+-]?\d+$/;
/** The words Go's ParseFloat reads besides decimals (lowercased). A Map: an object would also answer "__proto__". */
const SPECIAL_VALUES = new Map([
  ['nan', Number.NaN],
  ['inf', Number.POSITIVE_INFINITY],
  ['+inf', Number.POSITIVE_INFINITY],
  ['-inf', Number.NEGATIVE_INFINITY],
  ['infinity', Number.POSITIVE_INFINITY],
  ['+infinity', Number.POSITIVE_INFINITY],
  ['-infinity', Number.NEGATIVE_INFINITY],
]);
/** Longest word in SPECIAL_VALUES: longer text is not lowercased to look it up. */
const MAX_SPECIAL_LENGTH = 9;

/** Whether `name` is a valid Prometheus label name (for grouping labels and configured labels). */
export function isLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}

/** Parses an exposition into samples; never throws on any input. */
export function parseExposition(text: string, options: ExpositionOptions): ExpositionResult {
  const samples: Sample[] = [];
  const errors: LineError[] = [];
  let errorCount = 0;
  let skipped = 0;
  let filtered = 0;
  const reader = new LineReader(options);
  let start = 0;
  for (let number = 1; start <= text.length; number++) {
    const lineStart = start;
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    start = lineEnd + 1;
    if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 13) lineEnd--; // CRLF
    if (lineEnd === lineStart) continue;
    const outcome: LineOutcome =
      lineEnd - lineStart > MAX_LINE_LENGTH ? { error: `line longer than ${MAX_LINE_LENGTH} characters` } : reader.read(text.slice(lineStart, lineEnd));
    if (outcome === 'eof') break;
    if (outcome === undefined) continue;
    if ('error' in outcome) {
      errorCount++;
      if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line: number, reason: outcome.error });
    } else if (outcome === FILTERED) filtered++;
    else if (Number.isFinite(outcome.value)) samples.push(outcome);
    else skipped++;
  }
  return { samples, errors, errorCount, skipped, filtered };
}

const FILTERED = { series: '', time: 0, value: 0 } as const satisfies Sample;
/** A sample, a problem, nothing (blank line, comment), or the end marker. */
type LineOutcome = Sample | { readonly error: string } | undefined | 'eof';

/**
 * Reads one line at a time: a cursor over the line and the rules of the format. A problem is
 * recorded with #fail and the line's methods return at once, instead of throwing: a throw and
 * catch per line cost ~2 µs, over a second for a megabyte of short bad lines.
 */
class LineReader {
  readonly #options: ExpositionOptions;
  readonly #toMs: number;
  #line = '';
  #at = 0;
  /** Why the current line is rejected, once something is wrong with it. */
  #problem: string | undefined;

  constructor(options: ExpositionOptions) {
    this.#options = options;
    this.#toMs = options.timestampUnit === 's' ? 1000 : 1;
  }

  read(line: string): LineOutcome {
    this.#line = line;
    this.#at = 0;
    this.#problem = undefined;
    this.#skipBlanks();
    if (this.#at >= line.length) return undefined;
    let outcome: LineOutcome;
    try {
      outcome = line[this.#at] === '#' ? this.#comment() : this.#sample();
    } catch (error) {
      // Names and tags the key scheme cannot hold: rare (it takes a long name or many labels).
      if (error instanceof KeyError) return { error: error.message };
      throw error;
    }
    return this.#problem === undefined ? outcome : { error: this.#problem };
  }

  /** Records why the line is rejected; returns undefined for its caller to return. */
  #fail(reason: string): undefined {
    this.#problem = reason;
    return undefined;
  }

  #comment(): LineOutcome {
    this.#at++;
    this.#skipBlanks();
    const keyword = this.#token();
    if (keyword === 'EOF' && this.#rest() === '') return 'eof';
    if (keyword !== 'HELP' && keyword !== 'TYPE' && keyword !== 'UNIT') return undefined; // a plain comment
    this.#skipBlanks();
    const name = this.#token();
    if (!name) return this.#fail(`# ${keyword} needs a metric name`);
    if (!METRIC_NAME.test(name)) return this.#fail(`# ${keyword}: "${clip(name)}" is not a valid metric name`);
    if (keyword === 'TYPE') {
      this.#skipBlanks();
      const type = this.#token();
      if (!METRIC_TYPES.has(type)) return this.#fail(`# TYPE ${clip(name)}: "${clip(type)}" is not a metric type (counter, gauge, histogram, summary, untyped)`);
    }
    return undefined;
  }

  #sample(): LineOutcome {
    const line = this.#line;
    let name: string | undefined;
    if (line[this.#at] !== '{') {
      const start = this.#at;
      while (this.#at < line.length && isNameChar(line.charCodeAt(this.#at))) this.#at++;
      name = line.slice(start, this.#at);
      if (!name) return this.#fail(`expected a metric name, found "${clip(line.slice(start))}"`);
      if (!METRIC_NAME.test(name)) return this.#fail(`"${clip(name)}" is not a valid metric name (it must not start with a digit)`);
      if (this.#options.accept && !this.#options.accept(name)) return FILTERED;
      const afterName = this.#at;
      this.#skipBlanks(); // `name {labels}` is allowed too
      if (line[this.#at] !== '{') this.#at = afterName;
    }
    const labels = new Map<string, string>();
    const braces = line[this.#at] === '{';
    if (braces) {
      const named = this.#labels(labels, name);
      if (this.#problem !== undefined) return undefined;
      if (typeof named === 'object') return named; // FILTERED
      name = named;
    }
    if (name === undefined) return this.#fail('expected a metric name before the labels');
    // After a name the value needs a blank; after "}" Prometheus accepts none.
    if (!braces && this.#at < line.length && !isBlank(line.charCodeAt(this.#at))) {
      return this.#fail(`unexpected "${line[this.#at]}" after the metric name (labels are written {name="value"})`);
    }
    this.#skipBlanks();
    const valueText = this.#token();
    if (!valueText) return this.#fail(`${clip(name)} has no value`);
    const value = parseValue(valueText);
    if (value === undefined) return this.#fail(`"${clip(valueText)}" is not a number (use a decimal number, NaN, +Inf or -Inf)`);
    this.#skipBlanks();
    let time = this.#options.defaultTime;
    if (this.#at < line.length && line[this.#at] !== '#') {
      const stamped = this.#timestamp(this.#token());
      if (stamped === undefined) return undefined;
      time = stamped;
    }
    this.#skipBlanks();
    // Anything left must be an OpenMetrics exemplar (` # {trace_id="…"} 1.0`): not charted.
    if (this.#at < line.length && line[this.#at] !== '#') return this.#fail(`unexpected "${clip(this.#rest())}" at the end of the line (expected: name{labels} value [timestamp])`);
    return { series: cleanSeriesName(name) + tagSuffix(this.#merge(labels)), time, value };
  }

  /**
   * Reads `{...}` into `labels`; returns the metric name (from a quoted `{"name", ...}` if there
   * is one), or FILTERED when `accept` refuses that name. Undefined with #problem set on a problem.
   */
  #labels(labels: Map<string, string>, name: string | undefined): string | undefined | typeof FILTERED {
    const line = this.#line;
    this.#at++; // {
    let count = 0;
    while (true) {
      this.#skipBlanks();
      if (line[this.#at] === '}') break;
      if (this.#at >= line.length) return this.#fail('labels are not closed with "}"');
      let label: string;
      const quoted = line[this.#at] === '"';
      if (quoted) {
        label = this.#quoted();
        if (this.#problem !== undefined) return undefined;
      } else {
        const start = this.#at;
        while (this.#at < line.length && isNameChar(line.charCodeAt(this.#at))) this.#at++;
        label = line.slice(start, this.#at);
        if (!LABEL_NAME.test(label)) {
          return this.#fail(label ? `"${clip(label)}" is not a valid label name` : `expected a label name, found "${clip(line.slice(start))}"`);
        }
      }
      this.#skipBlanks();
      if (line[this.#at] !== '=') {
        // Prometheus 3's UTF-8 syntax: a lone quoted string inside the braces is the metric name.
        if (quoted && name === undefined && count === 0 && (line[this.#at] === ',' || line[this.#at] === '}')) {
          name = label;
          if (this.#options.accept && !this.#options.accept(name)) return FILTERED;
          if (line[this.#at] === ',') this.#at++;
          continue;
        }
        return this.#fail(`label "${clip(label)}" needs ="value"`);
      }
      this.#at++;
      this.#skipBlanks();
      if (line[this.#at] !== '"') return this.#fail(`the value of label "${clip(label)}" must be in double quotes`);
      const value = this.#quoted();
      if (this.#problem !== undefined) return undefined;
      if (labels.has(label)) return this.#fail(`label "${clip(label)}" appears twice`);
      if (++count > MAX_LABELS) return this.#fail(`more than ${MAX_LABELS} labels`);
      labels.set(label, value);
      this.#skipBlanks();
      if (line[this.#at] === ',') this.#at++;
      else if (line[this.#at] !== '}') return this.#fail(`expected "," or "}" after the value of label "${clip(label)}"`);
    }
    this.#at++; // }
    return name;
  }

  /** Reads a double-quoted string with the escapes \\, \" and \n ("" with #problem set on a problem). */
  #quoted(): string {
    const line = this.#line;
    this.#at++; // "
    let out = '';
    let start = this.#at;
    while (this.#at < line.length) {
      const c = line[this.#at];
      if (c === '"') {
        out += line.slice(start, this.#at);
        this.#at++;
        return out;
      }
      if (c === '\\') {
        out += line.slice(start, this.#at);
        const next = line[this.#at + 1];
        if (next === '\\' || next === '"') out += next;
        else if (next === 'n') out += '\n';
        else {
          this.#fail(`invalid escape "\\${next ?? ''}" in a quoted string (only \\\\, \\" and \\n)`);
          return '';
        }
        this.#at += 2;
        start = this.#at;
        continue;
      }
      this.#at++;
    }
    this.#fail('a quoted string is not closed');
    return '';
  }

  /** A sample timestamp as epoch ms (undefined with #problem set on a problem). */
  #timestamp(text: string): number | undefined {
    const inMs = this.#toMs === 1;
    const number = inMs ? (INTEGER.test(text) ? Number(text) : undefined) : parseFloat64(text);
    if (number === undefined) return this.#fail(`timestamp "${clip(text)}" is not ${inMs ? 'whole milliseconds' : 'a number of seconds'} since 1970`);
    const ms = number * this.#toMs;
    const problem = timeProblem(ms, this.#options.now, this.#options.maxFutureMs);
    if (problem !== undefined) return this.#fail(`timestamp ${clip(text)} (${inMs ? 'milliseconds' : 'seconds'}): ${problem}`);
    return ms;
  }

  /** The sample's labels with the receiver's tags applied. */
  #merge(labels: Map<string, string>): Map<string, string> {
    const extra = this.#options.extraTags;
    if (!extra || extra.size === 0) return labels;
    const conflict = this.#options.conflict ?? 'override';
    for (const [tag, value] of extra) {
      const own = labels.get(tag);
      if (own !== undefined && own !== '') {
        if (conflict === 'honor') continue;
        if (conflict === 'rename') labels.set(`exported_${tag}`, own);
      }
      labels.set(tag, value);
    }
    return labels;
  }

  #skipBlanks(): void {
    while (this.#at < this.#line.length && isBlank(this.#line.charCodeAt(this.#at))) this.#at++;
  }

  /** The run of non-blank characters at the cursor. */
  #token(): string {
    const start = this.#at;
    while (this.#at < this.#line.length && !isBlank(this.#line.charCodeAt(this.#at))) this.#at++;
    return this.#line.slice(start, this.#at);
  }

  #rest(): string {
    return this.#line.slice(this.#at).trim();
  }
}

/** A sample value: a finite number, NaN or ±Inf (any case, as Go's ParseFloat reads them); undefined when not a number. */
function parseValue(text: string): number | undefined {
  const value = parseFloat64(text);
  if (value !== undefined || text.length > MAX_SPECIAL_LENGTH) return value;
  return SPECIAL_VALUES.get(text.toLowerCase());
}

/** A finite decimal (`1e3`, `.5`, `+1`, `3.`) in linear time; 1e999 overflows a float64 and is none. */
function parseFloat64(text: string): number | undefined {
  // parseDecimal trims, Go does not: a token may still hold \v or a no-break space.
  if (text.trim().length !== text.length) return undefined;
  return parseDecimal(text);
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/** A-Z a-z 0-9 _ : */
function isNameChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 58) || code === 95;
}
