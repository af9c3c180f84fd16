import { parseDecimal } from '../lib/numbers.js';
import { KeyError, MAX_SERIES_NAME, cleanSeriesName, tagSuffix } from '../lib/series-key.js';
import { clip } from './graphite.js';

/**
 * StatsD packets: metrics separated by newlines, each `name:value|type[|@rate][|#tags]`.
 *
 *   page.views:1|c                  counter
 *   api.latency:320|ms|@0.1         timer, sampled 1 in 10
 *   queue.depth:42|g  queue.depth:-3|g   gauge, then a delta (+N/-N)
 *   users.online:alice|s            set
 *   req:1|c|#env:prod,route:/home   DogStatsD tags
 *   gorets:1|c:2|c                  several values of one metric (etsy statsd)
 *   latency:1:2:3|d                 packed values sharing a type (DogStatsD)
 *
 * Types: c counter, g gauge, ms and h timer/histogram, d distribution (a timer), s set.
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
const RATE = /^@(\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Reads a packet; bad lines are reported with a reason and never affect the others. Never throws. */
export function parseStatsdPacket(text: string): StatsdPacket {
  const metrics: StatsdMetric[] = [];
  const problems: { line: string; reason: string }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const result = parseStatsdLine(line, metrics);
    if (result) problems.push({ line: clip(line, 200), reason: result });
  }
  return { metrics, problems };
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

  // DogStatsD extensions come after the type: |#tags, |c:container, |T<timestamp>. Take them
  // out before splitting on ":", which also separates several values of one metric.
  const segments = line.slice(colon + 1).split('|');
  let tagText: string | undefined;
  const kept: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (i >= 2 && segment.startsWith('#')) tagText = segment.slice(1);
    else if (i >= 2 && (segment.startsWith('c:') || /^T\d+$/.test(segment))) continue;
    else kept.push(segment);
  }

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
  for (const piece of kept.join('|').split(':')) {
    const fields = piece.split('|');
    if (fields.length === 1) {
      pending.push(piece); // a packed value: its type follows in a later piece
      continue;
    }
    const [valueText, typeText, ...options] = fields as [string, string, ...string[]];
    const kind = KINDS[typeText];
    if (!kind) return `unknown metric type "${clip(typeText, 10)}" (expected c, g, ms, h, d or s)`;
    let rate = 1;
    for (const option of options) {
      if (!RATE.test(option)) return `unexpected "|${clip(option, 20)}" (expected |@rate or |#tags)`;
      rate = Number(option.slice(1));
      if (!(rate > 0 && rate <= 1)) return `sample rate ${clip(option.slice(1), 20)} is not in (0, 1]`;
    }
    for (const text of [...pending, valueText]) {
      const metric = readValue(name, tags, kind, text, rate);
      if (typeof metric !== 'string' && typeText === 'ms' && metric.value < 0) return `timer value ${clip(text, 20)} is negative`;
      if (typeof metric === 'string') return metric;
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
