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

/** How parts are framed. */
export interface MjpegOptions {
  /**
   * Send each part's headers right after the previous delimiter instead of with the frame, so
   * Chrome (which draws a part only once the next part's headers arrive) shows every frame at
   * once. Parts then have no Content-Length or X-Timestamp: clients find frames by the boundary.
   */
  readonly eagerHeaders?: boolean;
  /** The shared part-header cache (one is made per response if none is given). */
  readonly partHeaders?: PartHeaders;
}

const PART_TYPE = 'Content-Type: image/jpeg\r\n';

/**
 * Part headers built once per frame and shared by every viewer's response (they depend on the
 * frame only), so fan-out does no per-viewer formatting. One per app; frames are held weakly.
 */
export class PartHeaders {
  readonly #cache = new WeakMap<Frame, Buffer>();

  /** The headers of `frame`'s part, ending with the blank line. */
  for(frame: Frame): Buffer {
    let head = this.#cache.get(frame);
    if (!head) {
      head = Buffer.from(
        `${PART_TYPE}Content-Length: ${frame.jpeg.length}\r\nX-Timestamp: ${unixTimestamp(frame.timestamp)}\r\nX-Frame-Seq: ${frame.seq}\r\n\r\n`,
        'latin1',
      );
      this.#cache.set(frame, head);
    }
    return head;
  }
}

/**
 * A multipart/x-mixed-replace response that is also a FrameSink. The delimiter goes out right
 * after each JPEG, so a browser shows each frame as soon as it arrives. No chunked encoding.
 */
export class MjpegResponse implements FrameSink {
  readonly boundary = `chartcast-${randomBytes(8).toString('hex')}`;
  readonly #res: ServerResponse;
  readonly #tail: Buffer;
  readonly #eager: boolean;
  readonly #partHeaders: PartHeaders;
  readonly #drainListeners: (() => void)[] = [];
  /** Parts handed to Node but not yet to the kernel. */
  #unflushed = 0;

  constructor(res: ServerResponse, options: MjpegOptions = {}) {
    this.#res = res;
    this.#eager = options.eagerHeaders ?? false;
    this.#partHeaders = options.partHeaders ?? new PartHeaders();
    this.#tail = Buffer.from(`\r\n--${this.boundary}\r\n${this.#eager ? `${PART_TYPE}\r\n` : ''}`);
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
    res.write(`--${this.boundary}\r\n${this.#eager ? `${PART_TYPE}\r\n` : ''}`);
  }

  /** Writes one part; false while the part is not yet wholly in the kernel (the viewer is busy). */
  write(frame: Frame): boolean {
    const res = this.#res;
    if (res.destroyed || res.writableEnded) return true;
    res.cork();
    if (!this.#eager) res.write(this.#partHeaders.for(frame));
    res.write(frame.jpeg);
    this.#unflushed++;
    res.write(this.#tail, () => this.#flushed());
    res.uncork();
    // Busy until the whole part is in the kernel: at most one frame waits in this process per viewer.
    return res.writableLength === 0;
  }

  queuedBytes(): number {
    return this.#res.writableLength;
  }

  /** Calls `listener` once every written part has reached the kernel. */
  onceDrain(listener: () => void): void {
    if (this.#unflushed > 0) this.#drainListeners.push(listener);
    else queueMicrotask(listener);
  }

  #flushed(): void {
    if (--this.#unflushed > 0) return;
    for (const listener of this.#drainListeners.splice(0)) listener();
  }

  /** Ends the response: gracefully, or at once (dropping unsent data) for a stalled viewer. */
  close(reason: 'ended' | 'stalled' = 'ended'): void {
    if (reason === 'stalled') this.#res.destroy();
    else this.#res.end();
  }
}
