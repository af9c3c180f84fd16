import type { Frame, FrameSink } from './frame.js';

/** Counters of one channel. */
export interface ChannelStats {
  readonly published: number;
  readonly framesSent: number;
  readonly framesSkipped: number;
  readonly keepalivesSent: number;
  readonly bytesSent: number;
  readonly viewers: number;
  /** Viewers disconnected because they took no data for `stallTimeoutMs`. */
  readonly viewersDropped: number;
}

/** Per-viewer counters. */
export interface ViewerStats {
  /** Who the viewer is (e.g. its address and port), as given to `subscribe`. */
  readonly client: string;
  /** Epoch ms when it subscribed. */
  readonly connectedAt: number;
  readonly framesSent: number;
  /** Frames published while its connection was still busy with an earlier one. */
  readonly framesSkipped: number;
  readonly bytesSent: number;
  /** Whether a frame is still on its way to it. */
  readonly busy: boolean;
  /** Bytes written to it that the kernel has not taken yet (at most about one frame). */
  readonly queuedBytes: number;
}

/** Options of a channel. */
export interface FrameChannelOptions {
  /** Re-send the latest frame to a viewer that got nothing for this long (ms). */
  readonly keepaliveMs: number;
  /** Disconnect a viewer whose connection has taken nothing for this long (ms). */
  readonly stallTimeoutMs: number;
  /** Called when the number of viewers changes. */
  readonly onViewersChange?: (viewers: number) => void;
}

class Viewer {
  readonly sink: FrameSink;
  readonly client: string;
  readonly connectedAt = Date.now();
  busy = false;
  /** performance.now() when the viewer last became busy. */
  busySince = 0;
  lastSeq = -1;
  lastSentAt = 0;
  framesSent = 0;
  framesSkipped = 0;
  bytesSent = 0;
  closed = false;

  constructor(sink: FrameSink, client: string) {
    this.sink = sink;
    this.client = client;
  }

  stats(): ViewerStats {
    const { client, connectedAt, framesSent, framesSkipped, bytesSent, busy } = this;
    return { client, connectedAt, framesSent, framesSkipped, bytesSent, busy, queuedBytes: this.sink.queuedBytes?.() ?? 0 };
  }
}

/**
 * The fan-out point of one stream: holds the latest frame and writes it to every viewer.
 * The latest frame wins: a viewer whose connection is saturated skips frames until it
 * drains, then gets the newest frame. Nothing is queued per viewer, and the same Buffer goes
 * to every connection.
 */
export class FrameChannel {
  readonly #options: FrameChannelOptions;
  readonly #viewers = new Set<Viewer>();
  readonly #frameWaiters = new Set<(frame: Frame) => void>();
  #latest: Frame | undefined;
  #keepalive: NodeJS.Timeout | undefined;
  #published = 0;
  #framesSent = 0;
  #framesSkipped = 0;
  #keepalivesSent = 0;
  #bytesSent = 0;
  #viewersDropped = 0;

  constructor(options: FrameChannelOptions) {
    this.#options = options;
  }

  /** The newest frame, if any was published. */
  get latest(): Frame | undefined {
    return this.#latest;
  }

  /** Number of subscribed viewers. */
  get viewerCount(): number {
    return this.#viewers.size;
  }

  /** Adds a viewer (sent the latest frame at once); returns the function that removes it. */
  subscribe(sink: FrameSink, client = ''): { unsubscribe: () => void; stats: () => ViewerStats } {
    const viewer = new Viewer(sink, client);
    this.#viewers.add(viewer);
    this.#startKeepalive();
    this.#options.onViewersChange?.(this.#viewers.size);
    if (this.#latest) this.#send(viewer, this.#latest, false);
    return {
      unsubscribe: () => this.#remove(viewer),
      stats: () => viewer.stats(),
    };
  }

  /** Counters of every current viewer. */
  viewers(): ViewerStats[] {
    return [...this.#viewers].map((viewer) => viewer.stats());
  }

  /** Makes `frame` the latest and writes it to every viewer that can take it now. */
  publish(frame: Frame): void {
    this.#latest = frame;
    this.#published++;
    for (const viewer of this.#viewers) {
      if (viewer.busy) {
        viewer.framesSkipped++;
        this.#framesSkipped++;
        continue;
      }
      this.#send(viewer, frame, false);
    }
    const waiters = [...this.#frameWaiters];
    this.#frameWaiters.clear();
    for (const resolve of waiters) resolve(frame);
  }

  /** Resolves with the next published frame, or rejects with `onTimeout()` after `timeoutMs`. */
  nextFrame(timeoutMs: number, onTimeout: () => Error): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const waiter = (frame: Frame) => {
        clearTimeout(timer);
        resolve(frame);
      };
      const timer = setTimeout(() => {
        this.#frameWaiters.delete(waiter);
        reject(onTimeout());
      }, timeoutMs);
      this.#frameWaiters.add(waiter);
    });
  }

  /** Counters since the channel was made. */
  stats(): ChannelStats {
    return {
      published: this.#published,
      framesSent: this.#framesSent,
      framesSkipped: this.#framesSkipped,
      keepalivesSent: this.#keepalivesSent,
      bytesSent: this.#bytesSent,
      viewers: this.#viewers.size,
      viewersDropped: this.#viewersDropped,
    };
  }

  /** Ends the channel: stops the keep-alive timer and asks every viewer's connection to close. */
  close(): void {
    this.#stopKeepalive();
    for (const viewer of [...this.#viewers]) viewer.sink.close?.('ended');
  }

  #remove(viewer: Viewer): void {
    if (viewer.closed) return;
    viewer.closed = true;
    this.#viewers.delete(viewer);
    if (this.#viewers.size === 0) this.#stopKeepalive();
    this.#options.onViewersChange?.(this.#viewers.size);
  }

  #send(viewer: Viewer, frame: Frame, keepalive: boolean): void {
    viewer.lastSeq = frame.seq;
    viewer.lastSentAt = performance.now();
    viewer.framesSent++;
    viewer.bytesSent += frame.jpeg.length;
    this.#framesSent++;
    this.#bytesSent += frame.jpeg.length;
    if (keepalive) this.#keepalivesSent++;
    if (viewer.sink.write(frame)) return;
    viewer.busy = true;
    viewer.busySince = performance.now();
    viewer.sink.onceDrain(() => {
      viewer.busy = false;
      const latest = this.#latest;
      if (!viewer.closed && latest && latest.seq !== viewer.lastSeq) this.#send(viewer, latest, false);
    });
  }

  #startKeepalive(): void {
    if (this.#keepalive) return;
    this.#keepalive = setInterval(() => this.#sendKeepalives(), this.#keepalivePeriod());
    this.#keepalive.unref();
  }

  #stopKeepalive(): void {
    clearInterval(this.#keepalive);
    this.#keepalive = undefined;
  }

  #keepalivePeriod(): number {
    return Math.max(20, Math.floor(this.#options.keepaliveMs / 4));
  }

  #sendKeepalives(): void {
    const now = performance.now();
    for (const viewer of [...this.#viewers]) {
      if (viewer.busy && now - viewer.busySince > this.#options.stallTimeoutMs) {
        // A peer that vanished without a reset, or stopped reading: free its slot and its stream.
        this.#viewersDropped++;
        this.#remove(viewer);
        viewer.sink.close?.('stalled');
      }
    }
    const latest = this.#latest;
    if (!latest) return;
    // Checked every period, so a viewer due within the next period is served now: no gap exceeds keepaliveMs.
    const due = now - this.#options.keepaliveMs + this.#keepalivePeriod();
    for (const viewer of this.#viewers) {
      if (!viewer.busy && viewer.lastSentAt <= due) this.#send(viewer, latest, true);
    }
  }
}
