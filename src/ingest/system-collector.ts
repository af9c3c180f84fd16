import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { Clock } from '../lib/clock.js';
import { messageOf } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Sample, SeriesStore } from '../series/types.js';

/** Options of the system collector. */
export interface SystemCollectorOptions {
  readonly store: SeriesStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Sampling period in milliseconds. */
  readonly intervalMs: number;
  /** Where network counters are read (Linux). */
  readonly netDevPath?: string;
}

interface CpuTotals {
  readonly user: number;
  readonly system: number;
  readonly idle: number;
  readonly total: number;
}

interface NetTotals {
  readonly rx: number;
  readonly tx: number;
  readonly at: number;
}

/** Series the collector writes. */
export const SYSTEM_SERIES = [
  'system.cpu.total',
  'system.cpu.user',
  'system.cpu.system',
  'system.memory.used_percent',
  'system.memory.used_bytes',
  'system.load.1',
  'system.load.5',
  'system.load.15',
  'system.net.rx_bytes',
  'system.net.tx_bytes',
] as const;

/**
 * Samples this machine's CPU use (%), memory, load average and network throughput (bytes/s,
 * all interfaces but loopback) into the store, so the built-in charts are live out of the box.
 */
export class SystemCollector {
  readonly #options: SystemCollectorOptions;
  #timer: NodeJS.Timeout | undefined;
  #cpu: CpuTotals | undefined;
  #net: NetTotals | undefined;
  #netWarned = false;

  constructor(options: SystemCollectorOptions) {
    this.#options = options;
  }

  /** Takes a first sample and starts the timer (idempotent). */
  start(): void {
    if (this.#timer) return;
    this.#cpu = readCpu();
    void this.collect();
    this.#timer = setInterval(() => void this.collect(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Stops sampling (idempotent). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Takes one sample of everything and stores it. */
  async collect(): Promise<void> {
    const { store, clock, logger } = this.#options;
    const time = clock.now();
    const samples: Sample[] = [];
    const push = (series: string, value: number) => {
      if (Number.isFinite(value)) samples.push({ series, time, value });
    };
    const cpu = readCpu();
    if (this.#cpu && cpu.total > this.#cpu.total) {
      const span = cpu.total - this.#cpu.total;
      push('system.cpu.total', (100 * (span - (cpu.idle - this.#cpu.idle))) / span);
      push('system.cpu.user', (100 * (cpu.user - this.#cpu.user)) / span);
      push('system.cpu.system', (100 * (cpu.system - this.#cpu.system)) / span);
    }
    this.#cpu = cpu;
    const total = os.totalmem();
    const used = total - os.freemem();
    push('system.memory.used_bytes', used);
    push('system.memory.used_percent', (100 * used) / total);
    const [load1 = 0, load5 = 0, load15 = 0] = os.loadavg();
    push('system.load.1', load1);
    push('system.load.5', load5);
    push('system.load.15', load15);
    const net = await this.#readNet(time);
    if (net && this.#net && net.at > this.#net.at) {
      const seconds = (net.at - this.#net.at) / 1000;
      push('system.net.rx_bytes', Math.max(0, net.rx - this.#net.rx) / seconds);
      push('system.net.tx_bytes', Math.max(0, net.tx - this.#net.tx) / seconds);
    }
    if (net) this.#net = net;
    try {
      await store.append(samples);
    } catch (error) {
      logger.warn({ err: messageOf(error) }, 'system collector could not store samples');
    }
  }

  async #readNet(at: number): Promise<NetTotals | undefined> {
    try {
      const text = await readFile(this.#options.netDevPath ?? '/proc/net/dev', 'utf8');
      return { ...parseNetDev(text), at };
    } catch (error) {
      if (!this.#netWarned) this.#options.logger.info({ err: messageOf(error) }, 'network counters unavailable');
      this.#netWarned = true;
      return undefined;
    }
  }
}

function readCpu(): CpuTotals {
  let user = 0;
  let system = 0;
  let idle = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    user += times.user + times.nice;
    system += times.sys + times.irq;
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.irq + times.idle;
  }
  return { user, system, idle, total };
}

/** Sums received and sent bytes over all interfaces but loopback from /proc/net/dev text. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    if (line.slice(0, colon).trim() === 'lo') continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    rx += fields[0] ?? 0;
    tx += fields[8] ?? 0;
  }
  return { rx, tx };
}
