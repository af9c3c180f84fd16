// Load generator: many MJPEG viewers of one stream, in a process of their own. Fast viewers read
// as fast as they can; slow viewers read at a fixed byte rate through a small receive buffer, as
// over a slow link. Prints one JSON line with frames per second per viewer and, for slow
// viewers, how old each frame was when it had arrived.
// Usage: node --import tsx bench/viewers.ts '<json ViewerLoad>'
import { createRequire } from 'node:module';
import { type Socket, connect } from 'node:net';

/** What to run. */
export interface ViewerLoad {
  readonly url: string;
  readonly fast: number;
  readonly slow: number;
  /** Bytes per second a slow viewer reads. */
  readonly slowBytesPerSecond: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

/** What it measured. */
export interface ViewerReport {
  readonly connected: number;
  readonly failed: number;
  /** Frames per second of each viewer over the measured window. */
  readonly fastFps: number[];
  readonly slowFps: number[];
  /** Per frame a slow viewer received: ms from the frame's X-Timestamp to its arrival, less its own transfer time at the slow rate. */
  readonly slowAgesMs: number[];
  readonly cpuSeconds: number;
}

const SOL_SOCKET = 1;
const SO_RCVBUF = 8;

/**
 * A viewer behind a slow link reads promptly; the link holds the little that is in flight. The
 * receive buffer is capped once connected, so bytes wait at the sender, as they would before a
 * slow link, instead of piling up unread at the receiver. (On loopback about 32 KB still stays in
 * flight: see BENCHMARKS.md.)
 */
function smallReceiveBuffer(): (socket: Socket) => void {
  try {
    const { setsockopt } = createRequire(import.meta.url)('sockopt') as { setsockopt: (s: Socket, level: number, name: number, value: number) => void };
    return (socket) => setsockopt(socket, SOL_SOCKET, SO_RCVBUF, 2048);
  } catch {
    return () => {};
  }
}

class Viewer {
  readonly #onFrame: (timestamp: number, bytes: number) => void;
  #head = '';
  #inResponseHead = true;
  #bodyLeft = 0;
  #bodyBytes = 0;
  #timestamp = 0;

  constructor(onFrame: (timestamp: number, bytes: number) => void) {
    this.#onFrame = onFrame;
  }

  /** Consumes one chunk: skips JPEG bodies by their Content-Length, parses only headers. */
  feed(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#bodyLeft > 0) {
        const take = Math.min(this.#bodyLeft, chunk.length - offset);
        this.#bodyLeft -= take;
        offset += take;
        if (this.#bodyLeft === 0) this.#onFrame(this.#timestamp, this.#bodyBytes);
        continue;
      }
      const end = chunk.indexOf('\r\n\r\n', offset, 'latin1');
      if (end < 0 || this.#head.length > 0) {
        // Headers split across chunks: collect them as text (small).
        this.#head += chunk.toString('latin1', offset, end < 0 ? chunk.length : end + 4);
        offset = end < 0 ? chunk.length : end + 4;
        const blank = this.#head.indexOf('\r\n\r\n');
        if (blank < 0) continue;
        this.#headers(this.#head.slice(0, blank));
        this.#head = '';
        continue;
      }
      this.#headers(chunk.toString('latin1', offset, end));
      offset = end + 4;
    }
  }

  #headers(text: string): void {
    if (this.#inResponseHead) {
      this.#inResponseHead = false;
      if (!text.startsWith('HTTP/1.1 200')) throw new Error(`stream refused: ${text.split('\r\n')[0]}`);
      return;
    }
    let length = -1;
    for (const line of text.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).toLowerCase();
      if (name === 'content-length') length = Number(line.slice(colon + 1));
      else if (name === 'x-timestamp') this.#timestamp = Number(line.slice(colon + 1)) * 1000;
    }
    if (!(length >= 0)) throw new Error(`part without Content-Length: ${JSON.stringify(text)}`);
    this.#bodyLeft = length;
    this.#bodyBytes = length;
    if (length === 0) this.#onFrame(this.#timestamp, 0);
  }
}

async function run(load: ViewerLoad): Promise<ViewerReport> {
  const url = new URL(load.url);
  const tuneSlow = smallReceiveBuffer();
  let measuring = false;
  let connected = 0;
  let failed = 0;
  const fastFrames: number[] = [];
  const slowFrames: number[] = [];
  const slowAgesMs: number[] = [];
  const sockets: Socket[] = [];

  const open = (index: number, slow: boolean) =>
    new Promise<void>((resolve) => {
      const frames = slow ? slowFrames : fastFrames;
      frames[index] = 0;
      const rate = slow ? load.slowBytesPerSecond : 0;
      const viewer = new Viewer((timestamp, bytes) => {
        if (!measuring) return;
        frames[index] = (frames[index] ?? 0) + 1;
        if (slow) slowAgesMs.push(Date.now() - timestamp - (bytes / rate) * 1000);
      });
      // Slow viewers read in small pieces, so the byte rate is smooth rather than 64 KB bursts.
      const onread = slow ? { onread: { buffer: Buffer.alloc(1024), callback: (n: number, buf: Uint8Array) => { received(Buffer.from(buf.subarray(0, n))); return true; } } } : {};
      const socket = connect({ host: url.hostname, port: Number(url.port), ...onread }, () => {
        connected++;
        if (slow) tuneSlow(socket);
        socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
        resolve();
      });
      sockets.push(socket);
      let allowance = 0;
      let last = performance.now();
      const received = (chunk: Buffer) => {
        try {
          viewer.feed(chunk);
        } catch (error) {
          failed++;
          socket.destroy();
          process.stderr.write(`${(error as Error).message}\n`);
          return;
        }
        if (!slow) return;
        // Token bucket at the slow rate: pause until the bytes just read are paid for.
        const now = performance.now();
        allowance = Math.min(allowance + ((now - last) / 1000) * rate, rate) - chunk.length;
        last = now;
        if (allowance < 0) {
          socket.pause();
          setTimeout(() => socket.resume(), (-allowance / rate) * 1000);
        }
      };
      if (!slow) socket.on('data', received);
      socket.on('error', () => {
        failed++;
        resolve();
      });
    });

  const cpu = process.cpuUsage();
  // Connect in batches so the listen backlog is never overrun.
  for (let i = 0; i < load.fast; i += 100) await Promise.all(Array.from({ length: Math.min(100, load.fast - i) }, (_, k) => open(i + k, false)));
  for (let i = 0; i < load.slow; i += 100) await Promise.all(Array.from({ length: Math.min(100, load.slow - i) }, (_, k) => open(i + k, true)));
  await new Promise((r) => setTimeout(r, load.warmupSeconds * 1000));
  measuring = true;
  await new Promise((r) => setTimeout(r, load.seconds * 1000));
  measuring = false;
  for (const socket of sockets) socket.destroy();
  const used = process.cpuUsage(cpu);
  return {
    connected,
    failed,
    fastFps: fastFrames.map((n) => n / load.seconds),
    slowFps: slowFrames.map((n) => n / load.seconds),
    slowAgesMs,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

const load = JSON.parse(process.argv[2] ?? '{}') as ViewerLoad;
process.stdout.write(`${JSON.stringify(await run(load))}\n`);
