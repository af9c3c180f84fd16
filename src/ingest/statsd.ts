import { parseDecimal } from '../lib/numbers.js';
import { KeyError, MAX_SERIES_NAME, cleanSeriesName, tagSuffix } from '../lib/series-key.js';
import { clip } from '../lib/strings.js';

/**
 * StatsD packets: metrics separated by newlines, each `name:value|type[|@rate][|#tags]`.
 *
 *   page.views:1|c                  counter
 *   api.latency:320|ms|@0.1         timer, sampled 1 in 10
 *   queue.depth:42|g  queue.depth:-3|g   gauge, then a delta (+N/-N)
 *   users.online:alice|s            set
 *   req:1|c|#env:prod,route:/home   DogStatsD tags
 *   gorets:1|c:2|c|@0.5             several values of one metric, each its own rate (etsy statsd)
 *   latency:1:2:3|d                 packed values sharing a type (DogStatsD)
 *   req:1|c|#env:prod|c:abc|T1769860800   DogStatsD container id and timestamp (ignored)
 *
 * Types: c counter, g gauge, ms and h timer/histogram, d distribution (a timer), s set.
 * All values of a line have one type: the aggregator gives a name one type.
 */

/** What a metric's type tells the aggregator to do. */
export type StatsdKind = 'counter' | 'gauge' | 'timer' | 'set';

/** One value of one metric, ready for the aggregator. */
export interface StatsdMetric {
  /** The metric name, cleaned for series names. */
  readonly name: string;
  /** The `{tag=value,...}` suffix of its series ("" without tags). */
  readonly tags: string;
  readonly kind: StatsdKind;
  /** The number (counters, gauges, timers); 0 for sets. */
  readonly value: number;
  /** Gauges: `+N`/`-N` changes the last value instead of setting it. */
  readonly delta: boolean;
  /** Sets: the member. */
  readonly member: string;
  /** Sample rate in (0, 1]: a counter adds value/rate, a timer counts 1/rate. */
  readonly rate: number;
}

/** A packet taken apart: the metrics it held and the lines that were rejected. */
export interface StatsdPacket {
  readonly metrics: StatsdMetric[];
  readonly problems: { readonly line: string; readonly reason: string }[];
}

const KINDS: Record<string, StatsdKind> = { c: 'counter', g: 'gauge', ms: 'timer', h: 'timer', d: 'timer', s: 'set' };
/** Room for the longest suffix the aggregator appends (`.p99_999`, `.median`, `.stddev`). */
export const MAX_STATSD_NAME = MAX_SERIES_NAME - 10;
/** Longest set member (longer members would let one packet pin a lot of memory). */
export const MAX_SET_MEMBER = 256;
const TIMESTAMP = /^T\d+$/;

/** Reads a packet; bad lines are reported with a reason and never affect the others. Never throws. */
export function parseStatsdPacket(text: string): StatsdPacket {
  const metrics: StatsdMetric[] = [];
  const problems: { line: string; reason: string }[] = [];
  eachStatsdLine(text, (line, values, problem) => {
    if (problem) problems.push({ line: clip(line, 200), reason: problem });
    else for (const metric of values) metrics.push(metric);
  });
  return { metrics, problems };
}

/**
 * Calls `visit` for each non-blank line of a packet with its values (all of one name and type),
 * or with the reason it was rejected. `values` is reused: copy what is kept. Never throws.
 */
export function eachStatsdLine(text: string, visit: (line: string, values: readonly StatsdMetric[], problem: string | undefined) => void): void {
  const values: StatsdMetric[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    values.length = 0;
    visit(line, values, parseStatsdLine(line, values));
  }
}

/**
 * Reads one line into `out`; returns the reason when the line is rejected (then nothing of it
 * is added, so a half-valid line does not leave half its values).
 */
export function parseStatsdLine(line: string, out: StatsdMetric[]): string | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return colon === 0 ? 'empty metric name' : 'expected "name:value|type"';
  let name: string;
  try {
    name = cleanSeriesName(line.slice(0, colon).trim());
  } catch (error) {
    if (error instanceof KeyError) return error.message;
    throw error;
  }
  if (name.length > MAX_STATSD_NAME) return `metric name longer than ${MAX_STATSD_NAME} characters`;

  // DogStatsD extensions (|#tags, |c:<container>, |T<timestamp>, in any order with |@rate) follow
  // the last type. Only there is "c:..." a container id: earlier, "|c:2" is a type and the next value.
  const rest = line.slice(colon + 1);
  const segments = rest.split('|');
  let last = segments.length - 1;
  while (last > 0 && !Object.hasOwn(KINDS, segments[last] as string)) last--;
  let tagText: string | undefined;
  let extensions = false;
  const rates: string[] = [];
  for (let i = last > 0 ? last + 1 : segments.length; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (segment.startsWith('@')) {
      rates.push(segment);
      continue;
    }
    extensions = true;
    if (segment.startsWith('#')) {
      if (tagText !== undefined) return 'tags given twice';
      tagText = segment.slice(1);
    } else if (!segment.startsWith('c:') && !TIMESTAMP.test(segment)) {
      return `unexpected "|${clip(segment, 20)}" (expected |@rate, |#tags, |c:<container> or |T<timestamp> after the type)`;
    }
  }
  // Without extensions the text is left as it is (the common case: no copy).
  const body = extensions ? [...segments.slice(0, last + 1), ...rates].join('|') : rest;

  let tags = '';
  if (tagText !== undefined) {
    try {
      tags = tagSuffix(readTags(tagText));
    } catch (error) {
      if (error instanceof KeyError) return error.message;
      throw error;
    }
  }

  const added: StatsdMetric[] = [];
  let pending: string[] = [];
  let lineType: string | undefined;
  for (const piece of body.split(':')) {
    const fields = piece.split('|');
    if (fields.length === 1) {
      pending.push(piece); // a packed value: its type follows in a later piece
      continue;
    }
    const [valueText, typeText, ...options] = fields as [string, string, ...string[]];
    const kind = Object.hasOwn(KINDS, typeText) ? KINDS[typeText] : undefined;
    if (!kind) return `unknown metric type "${clip(typeText, 10)}" (expected c, g, ms, h, d or s)`;
    if (lineType !== undefined && KINDS[lineType] !== kind) {
      return `"${clip(name, 60)}" has values of two types (${lineType} and ${typeText}); a metric has one type`;
    }
    lineType ??= typeText;
    let rate = 1;
    for (const option of options) {
      const rateText = option.slice(1);
      const parsed = option.startsWith('@') && rateText.trim() === rateText ? parseDecimal(rateText) : undefined;
      if (parsed === undefined) return `unexpected "|${clip(option, 20)}" (expected |@rate)`;
      if (!(parsed > 0 && parsed <= 1)) return `sample rate ${clip(rateText, 20)} is not in (0, 1]`;
      rate = parsed;
    }
    for (const text of [...pending, valueText]) {
      const metric = readValue(name, tags, kind, text, rate);
      if (typeof metric === 'string') return metric;
      if (typeText === 'ms' && metric.value < 0) return `timer value ${clip(text, 20)} is negative`;
      added.push(metric);
    }
    pending = [];
  }
  if (pending.length) return `value "${clip(pending[pending.length - 1] as string, 20)}" has no type (expected value|type)`;
  if (added.length === 0) return 'no value';
  for (const metric of added) out.push(metric);
  return undefined;
}

function readValue(name: string, tags: string, kind: StatsdKind, text: string, rate: number): StatsdMetric | string {
  if (kind === 'set') {
    if (text === '') return 'empty set member';
    if (text.length > MAX_SET_MEMBER) return `set member longer than ${MAX_SET_MEMBER} characters`;
    return { name, tags, kind, value: 0, delta: false, member: text, rate };
  }
  const value = parseDecimal(text);
  if (value === undefined || text.trim() !== text) return `value "${clip(text, 20)}" is not a finite number`;
  // As in statsd: only gauges have deltas, and only a sign makes one ("-5" moves a gauge down).
  const delta = kind === 'gauge' && (text.startsWith('+') || text.startsWith('-'));
  return { name, tags, kind, value, delta, member: '', rate };
}

/** DogStatsD tags `k:v,k2:v2` (a tag without a value has no value, and so is dropped by the naming scheme). */
function readTags(text: string): [string, string][] {
  const tags: [string, string][] = [];
  for (const item of text.split(',')) {
    if (item === '') continue;
    const colon = item.indexOf(':');
    tags.push(colon < 0 ? [item, ''] : [item.slice(0, colon), item.slice(colon + 1)]);
  }
  return tags;
}
