import type { Clock } from '../lib/clock.js';
import { detach } from '../lib/strings.js';
import type { Logger } from '../lib/logger.js';
import type { AppendResult, Sample, SeriesStore } from '../series/types.js';

/** The ways data reaches chartcast. */
export const PROTOCOLS = ['json', 'influx', 'graphite', 'statsd', 'prometheus', 'scrape', 'collectd'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** Counters of one protocol. */
export interface ProtocolStats {
  /** Points stored. */
  points: number;
  /** Lines, packets or metrics rejected as malformed. */
  malformed: number;
  /** Points refused because the series limit was reached. */
  refused: number;
  /** The latest problem, for /api/stats. */
  lastError: { readonly at: number; readonly reason: string } | undefined;
}

/** A malformed-input warning is logged at most this often per protocol; the rest are counted. */
const LOG_EVERY_MS = 10_000;

/** Options of an IngestSink. */
export interface IngestSinkOptions {
  readonly store: SeriesStore;
  readonly logger: Logger;
  readonly clock: Clock;
}

/**
 * Where every protocol receiver delivers: stores samples without letting one bad or surplus
 * series cost its neighbours, counts points and problems per protocol, and logs problems with
 * their reason (rate-limited, so a flood of garbage cannot flood the log).
 */
export class IngestSink {
  readonly #store: SeriesStore;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #stats = new Map<Protocol, ProtocolStats>();
  readonly #lastLog = new Map<Protocol, { at: number; suppressed: number }>();

  constructor(options: IngestSinkOptions) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.#clock = options.clock;
    for (const protocol of PROTOCOLS) this.#stats.set(protocol, { points: 0, malformed: 0, refused: 0, lastError: undefined });
  }

  /** Stores samples; series beyond the store's limit are refused (counted and logged), the rest kept. */
  async write(protocol: Protocol, samples: readonly Sample[]): Promise<AppendResult> {
    if (samples.length === 0) return { stored: 0, dropped: 0, created: 0 };
    const result = await this.#store.append(samples, { partial: true });
    const stats = this.#of(protocol);
    stats.points += result.stored;
    if (result.refused) {
      stats.refused += result.refused;
      this.#problem(protocol, `series limit of ${this.#store.limits.maxSeries} reached: ${result.refused} points of new series refused`, {});
    }
    return result;
  }

  /** Stores samples all-or-nothing (a batch that would exceed the series limit is rejected whole) and counts them. */
  async writeAll(protocol: Protocol, samples: readonly Sample[]): Promise<AppendResult> {
    const result = await this.#store.append(samples);
    this.#of(protocol).points += result.stored;
    return result;
  }

  /** Counts `count` malformed lines or packets and logs the reason (with context such as the line or the sender). */
  malformed(protocol: Protocol, reason: string, context: Record<string, unknown> = {}, count = 1): void {
    this.#of(protocol).malformed += count;
    this.#problem(protocol, reason, context);
  }

  /** Counters per protocol (a copy). */
  stats(): Record<Protocol, ProtocolStats> {
    return Object.fromEntries([...this.#stats].map(([protocol, stats]) => [protocol, { ...stats }])) as Record<Protocol, ProtocolStats>;
  }

  #of(protocol: Protocol): ProtocolStats {
    return this.#stats.get(protocol) as ProtocolStats;
  }

  #problem(protocol: Protocol, reason: string, context: Record<string, unknown>): void {
    const now = this.#clock.now();
    // Kept until the next problem: a copy, so a reason quoting input does not pin the request body.
    this.#of(protocol).lastError = { at: now, reason: detach(reason) };
    const last = this.#lastLog.get(protocol);
    if (last && now - last.at < LOG_EVERY_MS) {
      last.suppressed++;
      return;
    }
    this.#logger.warn({ protocol, reason, ...context, ...(last?.suppressed ? { suppressed: last.suppressed } : {}) }, 'ingest problem');
    this.#lastLog.set(protocol, { at: now, suppressed: 0 });
  }
}
