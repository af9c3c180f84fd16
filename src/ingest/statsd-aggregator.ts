import type { Clock } from '../lib/clock.js';
import { clip, detach } from '../lib/strings.js';
import type { Sample } from '../series/types.js';
import type { StatsdKind, StatsdMetric } from './statsd.js';

/**
 * StatsD aggregation between flushes. At each flush, per metric (tags stay on every series):
 *
 *   counter  name.count (sum over the interval, scaled by 1/rate), name.rate (per second)
 *   gauge    name (the last value; +N/-N deltas move it)
 *   timer    name.mean .median .p<N> .min .max .sum .count .rate .stddev
 *   set      name.count (distinct members seen in the interval)
 *
 * all stamped with the flush time. A metric with no update in an interval still reports
 * (counters 0, gauges their last value, timers and sets a count of 0) until it has been idle for
 * `idleMs`, then it is forgotten, as statsd does.
 *
 * A name has one type (whatever came first) until every series of it is forgotten: statsd keeps
 * types apart, but here a counter's, a timer's and a set's `name.count` would be one series.
 * A value of another type is refused with the reason, for the caller to report as malformed.
 *
 * Names, tags and set members are copied when first kept (`detach`), so that they do not hold
 * the packet they were sliced from in memory.
 *
 * Memory is bounded: at most `maxMetrics` metrics (new ones beyond are refused and counted), at
 * most `maxTimerValues` values kept per timer per interval (a uniform reservoir sample for the
 * median and percentiles; count, sum, min, max, mean and stddev stay exact), and at most
 * `maxSetMembers` members per set and `maxTotalSetMembers` over all sets per interval.
 */

/** Options of a StatsdAggregator. */
export interface StatsdAggregatorOptions {
  readonly clock: Clock;
  /** The flush interval (ms): counter and timer rates are per second over it. */
  readonly flushMs: number;
  /** Timer percentiles to report, each in (0, 100). */
  readonly percentiles: readonly number[];
  /** Most distinct metrics held. */
  readonly maxMetrics: number;
  readonly maxTimerValues?: number;
  readonly maxSetMembers?: number;
  readonly maxTotalSetMembers?: number;
  /** A metric without updates this long (ms) is forgotten. */
  readonly idleMs?: number;
  /** Random numbers in [0, 1), for reservoir sampling. */
  readonly random?: () => number;
}

/** Counters of an aggregator, for /api/stats. */
export interface StatsdAggregatorStats {
  /** Metrics held now. */
  readonly metrics: number;
  /** Values of new metrics refused because `maxMetrics` were held. */
  readonly refused: number;
  /** Set members not kept because a set cap was reached. */
  readonly setMembersDropped: number;
}

interface Entry {
  readonly name: string;
  readonly tags: string;
  /** Whether the metric got a value since the last flush. */
  updated: boolean;
  /** Flush time at which it last had an update. */
  lastActive: number;
}
interface CounterEntry extends Entry {
  readonly kind: 'counter';
  sum: number;
}
interface GaugeEntry extends Entry {
  readonly kind: 'gauge';
  value: number;
}
interface TimerEntry extends Entry {
  readonly kind: 'timer';
  /** Values received (unscaled). */
  n: number;
  /** Events represented: each value counts 1/rate. */
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Running mean and sum of squared deviations (Welford), exact whatever the reservoir keeps. */
  mean: number;
  m2: number;
  values: number[];
}
interface SetEntry extends Entry {
  readonly kind: 'set';
  members: Set<string>;
}
type AnyEntry = CounterEntry | GaugeEntry | TimerEntry | SetEntry;

const DEFAULT_TIMER_VALUES = 1000;
const DEFAULT_SET_MEMBERS = 10_000;
const DEFAULT_TOTAL_SET_MEMBERS = 200_000;
const DEFAULT_IDLE_MS = 5 * 60_000;

/** Accumulates StatsD metrics and turns them into samples at each flush. */
export class StatsdAggregator {
  readonly #options: StatsdAggregatorOptions;
  /** By series (name + tags). */
  readonly #entries = new Map<string, AnyEntry>();
  /** The type of each name in use, and how many entries (tag combinations) share it. */
  readonly #names = new Map<string, { readonly kind: StatsdKind; entries: number }>();
  readonly #percentiles: readonly { readonly p: number; readonly stat: string }[];
  readonly #maxTimerValues: number;
  readonly #maxSetMembers: number;
  readonly #maxTotalSetMembers: number;
  readonly #idleMs: number;
  readonly #random: () => number;
  #setMembers = 0;
  #refused = 0;
  #setMembersDropped = 0;

  constructor(options: StatsdAggregatorOptions) {
    this.#options = options;
    this.#percentiles = options.percentiles.filter((p) => p > 0 && p < 100).map((p) => ({ p, stat: percentileStat(p) }));
    this.#maxTimerValues = options.maxTimerValues ?? DEFAULT_TIMER_VALUES;
    this.#maxSetMembers = options.maxSetMembers ?? DEFAULT_SET_MEMBERS;
    this.#maxTotalSetMembers = options.maxTotalSetMembers ?? DEFAULT_TOTAL_SET_MEMBERS;
    this.#idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    this.#random = options.random ?? Math.random;
  }

  /**
   * Adds one value. Returns why it is malformed (its name is in use by another type), else
   * undefined. A new metric beyond `maxMetrics` is refused and counted in stats().
   */
  add(metric: StatsdMetric): string | undefined {
    let entry = this.#entries.get(metric.name + metric.tags);
    if (!entry) {
      const owner = this.#names.get(metric.name);
      if (owner && owner.kind !== metric.kind) return typeConflict(metric.name, owner.kind, metric.kind);
      if (this.#entries.size >= this.#options.maxMetrics) {
        this.#refused++;
        return undefined;
      }
      entry = newEntry(metric, this.#options.clock.now());
      this.#entries.set(entry.name + entry.tags, entry);
      if (owner) owner.entries++;
      else this.#names.set(entry.name, { kind: entry.kind, entries: 1 });
    } else if (entry.kind !== metric.kind) {
      return typeConflict(metric.name, entry.kind, metric.kind);
    }
    entry.updated = true;
    switch (entry.kind) {
      case 'counter':
        entry.sum += metric.value / metric.rate;
        break;
      case 'gauge':
        entry.value = metric.delta ? entry.value + metric.value : metric.value;
        break;
      case 'timer':
        this.#addTiming(entry, metric.value, metric.rate);
        break;
      case 'set':
        if (entry.members.has(metric.member)) break;
        if (entry.members.size >= this.#maxSetMembers || this.#setMembers >= this.#maxTotalSetMembers) {
          this.#setMembersDropped++;
          break;
        }
        entry.members.add(detach(metric.member));
        this.#setMembers++;
        break;
    }
    return undefined;
  }

  /**
   * The samples of the interval that ends now, stamped with the clock's time, and a fresh
   * interval. `intervalMs` is the interval's length for rates (a final flush at stop is shorter).
   */
  flush(intervalMs = this.#options.flushMs): Sample[] {
    const now = this.#options.clock.now();
    const seconds = Math.max(intervalMs, 1) / 1000;
    const out: Sample[] = [];
    const emit = (entry: Entry, stat: string | undefined, value: number) => {
      if (!Number.isFinite(value)) return; // e.g. a sum of huge values overflowing
      out.push({ series: `${entry.name}${stat === undefined ? '' : `.${stat}`}${entry.tags}`, time: now, value });
    };
    for (const [id, entry] of this.#entries) {
      if (entry.updated) {
        entry.lastActive = now;
      } else if (now - entry.lastActive >= this.#idleMs) {
        this.#forget(id, entry);
        continue;
      }
      entry.updated = false;
      switch (entry.kind) {
        case 'counter':
          emit(entry, 'count', entry.sum);
          emit(entry, 'rate', entry.sum / seconds);
          entry.sum = 0;
          break;
        case 'gauge':
          emit(entry, undefined, entry.value);
          break;
        case 'timer':
          this.#flushTimer(entry, seconds, emit);
          break;
        case 'set':
          emit(entry, 'count', entry.members.size);
          this.#setMembers -= entry.members.size;
          entry.members = new Set();
          break;
      }
    }
    return out;
  }

  /** Counters for /api/stats. */
  stats(): StatsdAggregatorStats {
    return { metrics: this.#entries.size, refused: this.#refused, setMembersDropped: this.#setMembersDropped };
  }

  /** Drops an idle entry; its name is free for another type once no entry uses it. */
  #forget(id: string, entry: AnyEntry): void {
    this.#entries.delete(id); // idle: a set's members were already let go at the last flush
    const owner = this.#names.get(entry.name);
    if (owner && --owner.entries === 0) this.#names.delete(entry.name);
  }

  #addTiming(entry: TimerEntry, value: number, rate: number): void {
    entry.n++;
    entry.count += 1 / rate;
    entry.sum += value;
    if (value < entry.min) entry.min = value;
    if (value > entry.max) entry.max = value;
    const delta = value - entry.mean;
    entry.mean += delta / entry.n;
    entry.m2 += delta * (value - entry.mean);
    // Algorithm R: every value so far has the same chance to be among those kept.
    if (entry.values.length < this.#maxTimerValues) {
      entry.values.push(value);
    } else {
      const slot = Math.floor(this.#random() * entry.n);
      if (slot < this.#maxTimerValues) entry.values[slot] = value;
    }
  }

  #flushTimer(entry: TimerEntry, seconds: number, emit: (entry: Entry, stat: string, value: number) => void): void {
    if (entry.n > 0) {
      const sorted = Float64Array.from(entry.values).sort();
      const size = sorted.length;
      const mid = size >> 1;
      emit(entry, 'mean', entry.mean);
      emit(entry, 'median', size % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2);
      for (const { p, stat } of this.#percentiles) {
        // Nearest rank, as statsd's upper_N: the largest value within the lowest p percent.
        const rank = Math.min(size, Math.max(1, Math.ceil((p / 100) * size)));
        emit(entry, stat, sorted[rank - 1] as number);
      }
      emit(entry, 'min', entry.min);
      emit(entry, 'max', entry.max);
      emit(entry, 'sum', entry.sum);
      emit(entry, 'stddev', Math.sqrt(Math.max(0, entry.m2 / entry.n)));
    }
    emit(entry, 'count', entry.count);
    emit(entry, 'rate', entry.count / seconds);
    Object.assign(entry, { n: 0, count: 0, sum: 0, min: Infinity, max: -Infinity, mean: 0, m2: 0, values: [] });
  }
}

/** The stat name of a percentile: 90 → p90, 99.9 → p99_9. */
export function percentileStat(p: number): string {
  return `p${String(p).replace('.', '_')}`;
}

/** The reason a value whose name is in use by another type is refused. */
function typeConflict(name: string, held: StatsdKind, wanted: StatsdKind): string {
  return `"${clip(name, 60)}" is already a ${held}; a ${wanted} needs another name`;
}

function newEntry(metric: StatsdMetric, now: number): AnyEntry {
  // Copies: the metric's strings are slices of the packet, which must not stay in memory.
  const base = { name: detach(metric.name), tags: detach(metric.tags), updated: false, lastActive: now };
  switch (metric.kind) {
    case 'counter':
      return { ...base, kind: 'counter', sum: 0 };
    case 'gauge':
      return { ...base, kind: 'gauge', value: 0 };
    case 'timer':
      return { ...base, kind: 'timer', n: 0, count: 0, sum: 0, min: Infinity, max: -Infinity, mean: 0, m2: 0, values: [] };
    case 'set':
      return { ...base, kind: 'set', members: new Set() };
  }
}
