import { type Socket as UdpSocket, type RemoteInfo, createSocket } from 'node:dgram';
import { type Server, type Socket, createServer, isIPv6 } from 'node:net';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { MAX_GRAPHITE_LINE, parseGraphiteLines } from './graphite.js';
import type { IngestSink } from './ingest-sink.js';
import { type ListenerState, bindProblem, bindUdp } from './udp-socket.js';

/** Options of a GraphiteListener. */
export interface GraphiteListenerOptions {
  readonly sink: IngestSink;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly host: string;
  /** 0 = any free port (TCP first, then UDP on the same number when it is free). */
  readonly port: number;
  readonly maxFutureMs: number;
  /** Longest line in bytes; longer lines are discarded up to their newline and counted. */
  readonly maxLineBytes?: number;
  /** Most simultaneous TCP connections; more are refused by the kernel-level accept. */
  readonly maxConnections?: number;
  /** A TCP connection silent this long is closed (ms). */
  readonly idleTimeoutMs?: number;
}

const NEWLINE = 0x0a;
const DEFAULT_MAX_CONNECTIONS = 1000;
// collectd and carbon relays keep a connection open and write every 10-60 s.
const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
const DROP_LOG_EVERY_MS = 60_000;

/**
 * Graphite plaintext receiver: a TCP server and a UDP socket on the same port number. Each TCP
 * chunk or UDP datagram becomes one batch for the sink; a bad line is counted and logged, its
 * neighbours are stored.
 */
export class GraphiteListener {
  readonly #options: GraphiteListenerOptions;
  readonly #maxLine: number;
  readonly #connections = new Set<Socket>();
  readonly #writes = new Set<Promise<unknown>>();
  #server: Server | undefined;
  #udp: UdpSocket | undefined;
  #state: ListenerState | undefined;
  #lastDropLog = -Infinity;
  #stopping: Promise<void> | undefined;

  constructor(options: GraphiteListenerOptions) {
    this.#options = options;
    this.#maxLine = options.maxLineBytes ?? MAX_GRAPHITE_LINE;
  }

  /** Binds TCP then UDP; a port that cannot be bound is logged and reported, never thrown. */
  async start(): Promise<ListenerState> {
    const { host, port, logger } = this.#options;
    const errors: string[] = [];
    let tcp: number | undefined;
    let udp: number | undefined;

    const server = createServer({ noDelay: true }, (socket) => this.#accept(socket));
    server.maxConnections = this.#options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    server.on('drop', () => this.#logDrop());
    try {
      tcp = await listenTcp(server, port, host);
      this.#server = server;
    } catch (error) {
      errors.push(bindProblem('Graphite', 'TCP', port, error, '--graphite-port'));
    }

    const wanted = port === 0 && tcp !== undefined ? [tcp, 0] : [port];
    for (const candidate of wanted) {
      const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
      try {
        udp = await bindUdp(socket, candidate, host);
        socket.on('message', (message, peer) => this.#datagram(message, peer));
        socket.on('error', (error) => logger.error({ err: error.message }, 'graphite UDP socket error'));
        this.#udp = socket;
        break;
      } catch (error) {
        socket.close();
        if (candidate === wanted[wanted.length - 1]) errors.push(bindProblem('Graphite', 'UDP', candidate, error, '--graphite-port'));
      }
    }

    this.#state = { ...(tcp === undefined ? {} : { tcp }), ...(udp === undefined ? {} : { udp }), ...(errors.length ? { error: errors.join('; ') } : {}) };
    for (const error of errors) logger.error({ port }, error);
    if (tcp !== undefined || udp !== undefined) logger.info({ tcp, udp, host }, `graphite listening on TCP ${tcp ?? '-'} / UDP ${udp ?? '-'}`);
    return this.#state;
  }

  /** Bound ports and errors; undefined before start. */
  state(): ListenerState | undefined {
    return this.#state;
  }

  /** Closes the sockets and every connection, then waits for batches already handed to the sink (idempotent). */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const server = this.#server;
      const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
      for (const socket of this.#connections) socket.destroy();
      this.#connections.clear();
      const udp = this.#udp;
      if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
      await closed;
      await Promise.allSettled([...this.#writes]);
    })();
    return this.#stopping;
  }

  #accept(socket: Socket): void {
    if (this.#stopping) {
      socket.destroy();
      return;
    }
    this.#connections.add(socket);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setTimeout(this.#options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, () => socket.destroy());
    const splitter = new LineSplitter(this.#maxLine);
    socket.on('data', (chunk: Buffer) => {
      const { lines, overlong } = splitter.push(chunk);
      this.#deliver(lines, overlong, peer, socket);
    });
    socket.on('end', () => {
      // A last line without a newline (`printf 'a 1' | nc`) still counts.
      const { lines, overlong } = splitter.end();
      this.#deliver(lines, overlong, peer, undefined);
      socket.end();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#connections.delete(socket));
  }

  #datagram(message: Buffer, peer: RemoteInfo): void {
    const splitter = new LineSplitter(this.#maxLine);
    const first = splitter.push(message);
    const last = splitter.end();
    this.#deliver([...first.lines, ...last.lines], first.overlong + last.overlong, `${peer.address}:${peer.port}`, undefined);
  }

  /** Parses lines, reports the bad ones, and writes the good ones as one batch; pauses `socket` meanwhile. */
  #deliver(lines: readonly string[], overlong: number, peer: string, socket: Socket | undefined): void {
    const { sink, clock, maxFutureMs } = this.#options;
    if (overlong) sink.malformed('graphite', `line longer than ${this.#maxLine} bytes (discarded)`, { peer }, overlong);
    if (lines.length === 0) return;
    const { samples, problems } = parseGraphiteLines(lines, { now: clock.now(), maxFutureMs });
    for (const { line, reason } of problems) sink.malformed('graphite', reason, { line, peer });
    if (samples.length === 0) return;
    // Backpressure: a connection sends nothing more until its batch is stored.
    socket?.pause();
    const write = sink
      .write('graphite', samples)
      .catch((error: unknown) => this.#options.logger.error({ err: String(error), peer }, 'graphite batch not stored'))
      .finally(() => {
        this.#writes.delete(write);
        if (socket && !socket.destroyed) socket.resume();
      });
    this.#writes.add(write);
  }

  #logDrop(): void {
    const now = this.#options.clock.now();
    if (now - this.#lastDropLog < DROP_LOG_EVERY_MS) return;
    this.#lastDropLog = now;
    this.#options.logger.warn({ maxConnections: this.#server?.maxConnections }, 'graphite connection refused: too many open connections');
  }
}

/**
 * Splits a byte stream into lines, holding at most `maxLine` bytes of an unfinished line. A line
 * longer than that is discarded up to its newline and counted in `overlong`.
 */
export class LineSplitter {
  readonly #maxLine: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #discarding = false;

  constructor(maxLine: number) {
    this.#maxLine = maxLine;
  }

  /** Lines completed by `chunk` (decoded as UTF-8, `\r\n` accepted) and how many were too long. */
  push(chunk: Buffer): { lines: string[]; overlong: number } {
    const lines: string[] = [];
    let overlong = 0;
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline < 0 ? chunk.length : newline;
      if (this.#discarding) {
        if (newline >= 0) this.#discarding = false;
      } else if (this.#pendingBytes + (end - start) > this.#maxLine) {
        overlong++;
        this.#pending = [];
        this.#pendingBytes = 0;
        this.#discarding = newline < 0;
      } else if (newline >= 0) {
        const tail = chunk.subarray(start, end);
        const bytes = this.#pendingBytes ? Buffer.concat([...this.#pending, tail]) : tail;
        this.#pending = [];
        this.#pendingBytes = 0;
        lines.push(decodeLine(bytes));
      } else {
        this.#pending.push(chunk.subarray(start, end));
        this.#pendingBytes += end - start;
      }
      if (newline < 0) break;
      start = newline + 1;
    }
    return { lines, overlong };
  }

  /** The unfinished last line, if any (the input ended without a newline). */
  end(): { lines: string[]; overlong: number } {
    const bytes = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#discarding = false;
    return { lines: bytes.length ? [decodeLine(bytes)] : [], overlong: 0 };
  }
}

function decodeLine(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** Starts `server` listening; resolves with the bound port. */
function listenTcp(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
