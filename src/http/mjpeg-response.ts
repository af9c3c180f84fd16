import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Frame, FrameSink } from '../hub/frame.js';

/** Headers that keep browsers and proxies from caching or buffering a live stream. */
export const NO_CACHE_HEADERS = {
  'Cache-Control': 'no-store, no-cache, must-revalidate, max-age=0',
  Pragma: 'no-cache',
  Expires: '0',
  'X-Accel-Buffering': 'no',
} as const;

/** `X-Timestamp` value: Unix seconds with microseconds. */
export function unixTimestamp(ms: number): string {
  return (ms / 1000).toFixed(6);
}

/**
 * A multipart/x-mixed-replace response that is also a FrameSink. The delimiter goes out right
 * after each JPEG, so a browser shows each frame as soon as it arrives. No chunked encoding.
 */
export class MjpegResponse implements FrameSink {
  readonly boundary = `chartcast-${randomBytes(8).toString('hex')}`;
  readonly #res: ServerResponse;
  readonly #tail: Buffer;
  readonly #drainListeners: (() => void)[] = [];
  /** Parts handed to Node but not yet to the kernel. */
  #unflushed = 0;

  constructor(res: ServerResponse) {
    this.#res = res;
    this.#tail = Buffer.from(`\r\n--${this.boundary}\r\n`);
  }

  /** Sends the status line, headers and the opening delimiter. */
  open(extraHeaders: Record<string, string> = {}): void {
    const res = this.#res;
    // Without a length Node would chunk an HTTP/1.1 body; a raw body ended by closing the connection is what MJPEG clients expect.
    res.useChunkedEncodingByDefault = false;
    res.shouldKeepAlive = false;
    res.writeHead(200, {
      'Content-Type': `multipart/x-mixed-replace; boundary=${this.boundary}`,
      Connection: 'close',
      ...NO_CACHE_HEADERS,
      ...extraHeaders,
    });
    res.write(`--${this.boundary}\r\n`);
  }

  write(frame: Frame): boolean {
    const res = this.#res;
    if (res.destroyed || res.writableEnded) return true;
    const head = Buffer.from(
      `Content-Type: image/jpeg\r\nContent-Length: ${frame.jpeg.length}\r\nX-Timestamp: ${unixTimestamp(frame.timestamp)}\r\nX-Frame-Seq: ${frame.seq}\r\n\r\n`,
    );
    res.cork();
    res.write(head);
    res.write(frame.jpeg);
    this.#unflushed++;
    res.write(this.#tail, () => this.#flushed());
    res.uncork();
    // Busy until the whole part is in the kernel: at most one frame waits in this process per viewer.
    return res.writableLength === 0;
  }

  onceDrain(listener: () => void): void {
    if (this.#unflushed > 0) this.#drainListeners.push(listener);
    else queueMicrotask(listener);
  }

  #flushed(): void {
    if (--this.#unflushed > 0) return;
    for (const listener of this.#drainListeners.splice(0)) listener();
  }

  close(reason: 'ended' | 'stalled' = 'ended'): void {
    if (reason === 'stalled') this.#res.destroy();
    else this.#res.end();
  }
}
