import { type RemoteInfo, type Socket as UdpSocket, createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { clip } from '../lib/strings.js';
import type { IngestSink } from './ingest-sink.js';
import { type StatsdMetric, eachStatsdLine } from './statsd.js';
import { StatsdAggregator, type StatsdAggregatorStats } from './statsd-aggregator.js';
import { type ListenerState, bindProblem, bindUdp } from './udp-socket.js';

/** Options of a StatsdListener. */
export interface StatsdListenerOptions {
  readonly sink: IngestSink;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly host: string;
  /** UDP port; 0 = any free port. */
  readonly port: number;
  readonly flushMs: number;
  readonly percentiles: readonly number[];
  /** Most distinct metrics aggregated at once. */
  readonly maxMetrics: number;
}

/** The state /api/stats shows: the bound port (or the error) and the aggregator's counters. */
export type StatsdListenerState = ListenerState & Partial<StatsdAggregatorStats>;

const REFUSED_LOG_EVERY_MS = 60_000;

/**
 * StatsD receiver: a UDP socket feeding a StatsdAggregator, flushed to the sink every `flushMs`
 * (the flush timer is its only timer). Bad lines of a packet are counted; the rest are kept.
 */
export class StatsdListener {
  readonly #options: StatsdListenerOptions;
  readonly #aggregator: StatsdAggregator;
  readonly #writes = new Set<Promise<unknown>>();
  #socket: UdpSocket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastFlush = 0;
  #state: ListenerState | undefined;
  #lastRefusedLog = -Infinity;
  #refusedLogged = 0;
  #stopping: Promise<void> | undefined;

  constructor(options: StatsdListenerOptions) {
    this.#options = options;
    this.#aggregator = new StatsdAggregator({
      clock: options.clock,
      flushMs: options.flushMs,
      percentiles: options.percentiles,
      maxMetrics: options.maxMetrics,
    });
  }

  /** Binds the UDP socket and starts flushing; a port that cannot be bound is logged and reported, never thrown. */
  async start(): Promise<ListenerState> {
    const { host, port, logger, flushMs } = this.#options;
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    try {
      const udp = await bindUdp(socket, port, host);
      socket.on('message', (message, peer) => this.#packet(message, peer));
      socket.on('error', (error) => logger.error({ err: error.message }, 'statsd UDP socket error'));
      this.#socket = socket;
      this.#state = { udp };
      this.#lastFlush = this.#options.clock.now();
      this.#timer = setInterval(() => this.#flush(), flushMs);
      logger.info({ udp, host, flushMs }, `statsd listening on UDP ${udp}`);
    } catch (error) {
      socket.close();
      this.#state = { error: bindProblem('StatsD', 'UDP', port, error, '--statsd-port') };
      logger.error({ port }, this.#state.error as string);
    }
    return this.#state;
  }

  /** Bound port or error, with the aggregator's counters; undefined before start. */
  state(): StatsdListenerState | undefined {
    return this.#state && { ...this.#state, ...(this.#socket ? this.#aggregator.stats() : {}) };
  }

  /** Closes the socket, flushes what was gathered once more and waits for it to be stored (idempotent). */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#timer);
      const socket = this.#socket;
      if (!socket) return;
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      this.#flush(this.#options.clock.now() - this.#lastFlush);
      await Promise.allSettled([...this.#writes]);
    })();
    return this.#stopping;
  }

  #packet(message: Buffer, peer: RemoteInfo): void {
    const { sink } = this.#options;
    eachStatsdLine(message.toString('utf8'), (line, values, problem) => {
      // The values of a line share name and type: if the first one is refused, all are.
      const first = values[0];
      const reason = problem ?? (first ? this.#aggregator.add(first) : undefined);
      if (reason !== undefined) {
        sink.malformed('statsd', reason, { line: clip(line, 200), peer: `${peer.address}:${peer.port}` });
        return;
      }
      for (let i = 1; i < values.length; i++) this.#aggregator.add(values[i] as StatsdMetric);
    });
  }

  #flush(intervalMs?: number): void {
    this.#lastFlush = this.#options.clock.now();
    const samples = this.#aggregator.flush(intervalMs);
    this.#logRefused();
    if (samples.length === 0) return;
    const write = this.#options.sink
      .write('statsd', samples)
      .catch((error: unknown) => this.#options.logger.error({ err: String(error) }, 'statsd flush not stored'))
      .finally(() => this.#writes.delete(write));
    this.#writes.add(write);
  }

  /** Warns (at most once a minute) when new metrics were refused for the metric limit. */
  #logRefused(): void {
    const { refused, metrics } = this.#aggregator.stats();
    const now = this.#options.clock.now();
    if (refused === this.#refusedLogged || now - this.#lastRefusedLog < REFUSED_LOG_EVERY_MS) return;
    this.#options.logger.warn(
      { refused: refused - this.#refusedLogged, metrics, maxMetrics: this.#options.maxMetrics },
      'statsd metric limit reached: values of new metrics refused (raise --max-series)',
    );
    this.#refusedLogged = refused;
    this.#lastRefusedLog = now;
  }
}
