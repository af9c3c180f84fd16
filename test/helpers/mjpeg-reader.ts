import { type IncomingMessage, request } from 'node:http';
import jpeg from 'jpeg-js';

/** One part of a multipart/x-mixed-replace stream. */
export interface Part {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** Epoch ms when the part's delimiter had arrived (the moment a browser could show it). */
  readonly receivedAt: number;
  readonly timestamp: number;
  readonly seq: number;
}

const CRLF = Buffer.from('\r\n');

/**
 * A strict client of chartcast's MJPEG wire format (design.md §4): it checks the opening
 * delimiter, that every part has Content-Type, Content-Length and X-Timestamp, and that the
 * delimiter follows each JPEG at once. Violations reject the next `nextPart()`.
 */
export class MjpegReader {
  readonly response: IncomingMessage;
  readonly boundary: string;
  #buffer: Buffer = Buffer.alloc(0);
  #opened = false;
  #parts: Part[] = [];
  #waiters: { resolve: (part: Part) => void; reject: (error: Error) => void }[] = [];
  #error: Error | undefined;
  #ended = false;
  bytesReceived = 0;

  private constructor(response: IncomingMessage) {
    this.response = response;
    const type = response.headers['content-type'] ?? '';
    const match = /^multipart\/x-mixed-replace;\s*boundary=([^";\s]+)$/.exec(type);
    if (!match) throw new Error(`unexpected Content-Type "${type}"`);
    this.boundary = match[1] as string;
    response.on('data', (chunk: Buffer) => this.#onData(chunk));
    response.on('end', () => this.#fail(new Error('stream ended')));
    response.on('error', (error) => this.#fail(error));
  }

  /** Opens `url` and checks the response status. */
  static open(url: string): Promise<MjpegReader> {
    return new Promise((resolve, reject) => {
      const req = request(url, { agent: false }, (response) => {
        if (response.statusCode !== 200) {
          let body = '';
          response.on('data', (c) => (body += c));
          response.on('end', () => reject(new Error(`${url}: ${response.statusCode} ${body}`)));
          return;
        }
        try {
          resolve(new MjpegReader(response));
        } catch (error) {
          reject(error);
        }
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** The next complete part (waits up to `timeoutMs`). */
  nextPart(timeoutMs = 5000): Promise<Part> {
    const ready = this.#parts.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no part within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (part: Part) => {
        clearTimeout(timer);
        resolve(part);
      };
      this.#waiters.push({
        resolve: done,
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  /** Reads parts until one satisfies `accept`. */
  async nextPartWhere(accept: (part: Part) => boolean, timeoutMs = 5000): Promise<Part> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const part = await this.nextPart(Math.max(1, deadline - Date.now()));
      if (accept(part)) return part;
    }
  }

  /** Stops reading from the socket (the server sees a slow client). */
  pause(): void {
    this.response.pause();
  }

  resume(): void {
    this.response.resume();
  }

  /** Parts parsed but not yet taken. */
  get pending(): number {
    return this.#parts.length;
  }

  close(): void {
    this.#ended = true;
    this.response.destroy();
  }

  #onData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    try {
      this.#parse();
    } catch (error) {
      this.#fail(error as Error);
    }
  }

  #parse(): void {
    const delimiter = Buffer.from(`--${this.boundary}\r\n`);
    if (!this.#opened) {
      if (this.#buffer.length < delimiter.length) return;
      if (!this.#buffer.subarray(0, delimiter.length).equals(delimiter)) throw new Error('stream does not open with the delimiter');
      this.#buffer = this.#buffer.subarray(delimiter.length);
      this.#opened = true;
    }
    for (;;) {
      const headerEnd = this.#buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const headers: Record<string, string> = {};
      for (const line of this.#buffer.subarray(0, headerEnd).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) throw new Error(`malformed part header line "${line}"`);
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      if (headers['content-type'] !== 'image/jpeg') throw new Error(`part Content-Type is "${headers['content-type']}"`);
      const length = Number(headers['content-length']);
      if (!Number.isInteger(length) || length <= 0) throw new Error(`bad part Content-Length "${headers['content-length']}"`);
      if (!/^\d+\.\d{6}$/.test(headers['x-timestamp'] ?? '')) throw new Error(`bad X-Timestamp "${headers['x-timestamp']}"`);
      const bodyStart = headerEnd + 4;
      const closing = Buffer.concat([CRLF, delimiter]);
      if (this.#buffer.length < bodyStart + length + closing.length) return;
      const body = this.#buffer.subarray(bodyStart, bodyStart + length);
      if (!this.#buffer.subarray(bodyStart + length, bodyStart + length + closing.length).equals(closing)) {
        throw new Error('JPEG is not followed at once by CRLF and the delimiter');
      }
      this.#buffer = this.#buffer.subarray(bodyStart + length + closing.length);
      this.#deliver({
        headers,
        body: Buffer.from(body),
        receivedAt: Date.now(),
        timestamp: Number(headers['x-timestamp']) * 1000,
        seq: Number(headers['x-frame-seq']),
      });
    }
  }

  #deliver(part: Part): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(part);
    else this.#parts.push(part);
  }

  #fail(error: Error): void {
    if (this.#error) return;
    this.#error = this.#ended ? new Error('closed') : error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#error);
  }
}

/** A decoded JPEG: size and RGBA pixels. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Decodes JPEG bytes with an independent decoder (jpeg-js); throws if they are not a valid JPEG. */
export function decodeJpeg(bytes: Buffer): DecodedImage {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error('not a JPEG (no SOI marker)');
  const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256 });
  return { width: image.width, height: image.height, data: image.data };
}

/** Counts pixels in a rectangle whose colour is within `tolerance` of rgb. */
export function countColor(
  image: DecodedImage,
  rgb: readonly [number, number, number],
  tolerance: number,
  area: { x0: number; y0: number; x1: number; y1: number } = { x0: 0, y0: 0, x1: image.width, y1: image.height },
): number {
  let count = 0;
  for (let y = area.y0; y < area.y1; y++) {
    for (let x = area.x0; x < area.x1; x++) {
      const i = (y * image.width + x) * 4;
      if (
        Math.abs((image.data[i] as number) - rgb[0]) <= tolerance &&
        Math.abs((image.data[i + 1] as number) - rgb[1]) <= tolerance &&
        Math.abs((image.data[i + 2] as number) - rgb[2]) <= tolerance
      ) {
        count++;
      }
    }
  }
  return count;
}
