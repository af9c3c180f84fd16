import type { Image } from '@napi-rs/canvas';
import type { CameraImageSource, CameraSpec, CameraState, CameraStatus, CameraView } from '../lib/camera-spec.js';
import type { Clock } from '../lib/clock.js';
import { messageOf } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { type Capture, type CaptureFactory, redactCredentials } from './capture.js';
import { decodeJpeg } from './decode-image.js';
import { jpegSize } from './jpeg-size.js';

/** Restart delays: doubling from `initialMs` up to `maxMs`, each with ±`jitter` randomness. */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly jitter: number;
}

/** A source must stay up this long before its restart delays start over (ms). */
const BACKOFF_RESET_MS = 10_000;
/** Frames with more pixels than this (8K) are dropped: decoding one would take gigabytes. */
export const MAX_CAMERA_PIXELS = 7680 * 4320;

/** The default restart delays: 0.5 s, 1 s, 2 s … 30 s, ±20 %. */
export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000, jitter: 0.2 };

/** The delay before restart number `failures` (1-based). */
export function backoffDelay(backoff: Backoff, failures: number, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (1 - backoff.jitter + 2 * backoff.jitter * random()));
}

/** A received frame. */
export interface CameraFrame {
  readonly jpeg: Buffer;
  readonly seq: number;
  /** Epoch ms it arrived. */
  readonly receivedAt: number;
}

/** What a camera source needs. */
export interface CameraSourceDeps {
  readonly createCapture: CaptureFactory;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly backoff?: Backoff;
}

/**
 * One camera's capture, shared by every stream that shows it. Started by the first lease and
 * stopped a grace period after the last. A supervisor restarts a failed or stalled capture with
 * exponential backoff and jitter; listeners hear of every frame and every state change, so
 * streams can show an "offline" placeholder at once.
 */
export class CameraSource {
  readonly spec: CameraSpec;
  readonly #deps: CameraSourceDeps;
  readonly #listeners = new Set<() => void>();
  #capture: Capture | undefined;
  #state: CameraState = 'idle';
  #error: string | undefined;
  #latest: CameraFrame | undefined;
  /** The newest decoded image and the JPEG it came from. */
  #decoded: { seq: number; image: Image | undefined; source: CameraImageSource | undefined } | undefined;
  #decoding = false;
  #inFlight: { image: Image; promise: Promise<Image> } | undefined;
  #failures = 0;
  #restarts = 0;
  #retryAt: number | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #leases = 0;
  #seq = 0;
  /** Frames up to this sequence number belong to an earlier run. */
  #startSeq = 0;
  #framesReceived = 0;
  #framesDropped = 0;
  /** The current capture attempt (a token): handlers of superseded attempts are ignored. */
  #attempt: object | undefined;
  /** Resolves when every retired capture has stopped. */
  #stopping: Promise<void> = Promise.resolve();
  /** When the current attempt delivered its first frame. */
  #liveSince: number | undefined;

  constructor(spec: CameraSpec, deps: CameraSourceDeps) {
    this.spec = spec;
    this.#deps = deps;
  }

  /** Claims the camera (starting capture if needed); returns the release function (idempotent). */
  acquire(): () => void {
    this.#leases++;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#state === 'idle') this.#start();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#leases > 0) return;
      this.#idleTimer = setTimeout(() => this.#stop(), this.spec.idleGraceMs);
      this.#idleTimer.unref();
    };
  }

  /** Calls `listener` on every frame and state change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    this.#decodeNewest(); // frames that came while nobody watched were not decoded
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** The newest frame (kept after the camera goes offline, for the last-seen time). */
  get latest(): CameraFrame | undefined {
    return this.#latest;
  }

  /** Status and counters. */
  status(): CameraStatus & { readonly framesReceived: number; readonly framesDropped: number; readonly viewers: number } {
    return {
      state: this.#state,
      lastFrameAt: this.#latest?.receivedAt,
      error: this.#error,
      restarts: this.#restarts,
      retryAt: this.#retryAt,
      framesReceived: this.#framesReceived,
      framesDropped: this.#framesDropped,
      viewers: this.#leases,
    };
  }

  /** The newest decoded image (decoded once per frame, however many streams draw it) and the status. */
  view(): CameraView {
    const fresh = this.#decoded && this.#decoded.seq > this.#startSeq ? this.#decoded : undefined;
    return { image: fresh?.image, source: fresh?.source, status: this.status(), title: this.spec.title };
  }

  /**
   * Decodes the newest frame off the main thread, one at a time: frames that arrive meanwhile are
   * skipped but for the newest. Listeners hear of each decoded image.
   */
  #decodeNewest(): void {
    const frame = this.#latest;
    if (this.#decoding || !frame || this.#decoded?.seq === frame.seq || this.#listeners.size === 0) return;
    this.#decoding = true;
    const decoding = decodeJpeg(frame.jpeg);
    // The canvas library drops an Image nobody references before it finishes decoding.
    this.#inFlight = decoding;
    decoding.promise
      .then(
        (image) => {
          this.#decoded = { seq: frame.seq, image, source: { seq: frame.seq, jpeg: frame.jpeg } };
        },
        () => {
          // Corrupt: keep the last good image.
          this.#decoded = { seq: frame.seq, image: this.#decoded?.image, source: this.#decoded?.source };
        },
      )
      .finally(() => {
        this.#inFlight = undefined;
        this.#decoding = false;
        this.#notify();
        this.#decodeNewest();
      });
  }

  /** Resolves once the camera has decoded the newest frame it had when asked (or any, if none yet), or is offline; at most `timeoutMs`. */
  ready(timeoutMs: number): Promise<void> {
    const wanted = Math.max(this.#latest?.seq ?? 0, this.#startSeq) + (this.#latest && this.#latest.seq > this.#startSeq ? 0 : 1);
    const isReady = () =>
      this.#state === 'offline' || this.#state === 'idle' || (this.#decoded?.image !== undefined && this.#decoded.seq >= wanted);
    if (isReady()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      const unsubscribe = this.subscribe(() => {
        if (isReady()) done();
      });
    });
  }

  /** Stops capture and forgets listeners (idempotent); resolves once the capture's process or socket is gone. */
  close(): Promise<void> {
    clearTimeout(this.#idleTimer);
    this.#stop();
    this.#listeners.clear();
    return this.#stopping;
  }

  #start(): void {
    this.#startSeq = this.#seq; // images from an earlier run are stale
    this.#setState('starting');
    this.#launch();
  }

  /** Starts a capture attempt once the previous one has fully stopped (a device may be busy until then). */
  #launch(): void {
    this.#retryTimer = undefined;
    this.#retryAt = undefined;
    const attempt = {};
    this.#attempt = attempt;
    const current = () => this.#attempt === attempt;
    void this.#stopping.then(() => {
      if (!current()) return;
      const handlers = {
        frame: (jpeg: Buffer) => current() && this.#onFrame(jpeg),
        fail: (error: Error) => current() && this.#fail(error.message),
      };
      let capture: Capture;
      try {
        capture = this.#deps.createCapture(handlers);
      } catch (error) {
        if (current()) this.#fail(messageOf(error));
        return;
      }
      if (!current()) {
        // It failed before it was even returned: stop what it started.
        this.#retire(capture);
        return;
      }
      this.#capture = capture;
      const connectMs = this.spec.source.type === 'mjpeg' ? this.spec.source.connectTimeoutMs : 0;
      this.#armWatchdog(Math.max(this.spec.stallTimeoutMs, connectMs));
    });
  }

  #onFrame(jpeg: Buffer): void {
    const size = jpegSize(jpeg);
    if (!size || size.width * size.height > MAX_CAMERA_PIXELS || size.width === 0 || size.height === 0) {
      this.#framesDropped++; // not a usable JPEG, or too large to decode safely
      return;
    }
    const now = this.#deps.clock.now();
    this.#liveSince ??= now;
    // Only a source that stays up a while earns a fresh backoff; one that drops after each frame keeps backing off.
    if (now - this.#liveSince >= BACKOFF_RESET_MS) this.#failures = 0;
    this.#error = undefined;
    this.#framesReceived++;
    this.#latest = { jpeg, seq: ++this.#seq, receivedAt: now };
    this.#armWatchdog(this.spec.stallTimeoutMs);
    if (this.#state !== 'live') this.#setState('live');
    this.#decodeNewest();
  }

  /** A capture that delivers nothing for a while (including while starting) is restarted. */
  #armWatchdog(ms: number): void {
    clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(() => this.#fail(`no frame for ${ms} ms`), ms);
    this.#watchdog.unref();
  }

  #fail(message: string): void {
    if (this.#state === 'idle') return;
    const safe = redactCredentials(message);
    this.#attempt = undefined;
    clearTimeout(this.#watchdog);
    this.#retire(this.#capture);
    this.#capture = undefined;
    this.#liveSince = undefined;
    this.#failures++;
    this.#restarts++;
    this.#error = safe;
    const delay = backoffDelay(this.#deps.backoff ?? DEFAULT_BACKOFF, this.#failures);
    this.#retryAt = this.#deps.clock.now() + delay;
    this.#deps.logger.warn({ camera: this.spec.name, err: safe, retryInMs: delay }, 'camera offline');
    this.#retryTimer = setTimeout(() => this.#launch(), delay);
    this.#retryTimer.unref();
    this.#setState('offline');
  }

  #stop(): void {
    this.#attempt = undefined;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#watchdog);
    this.#retryTimer = undefined;
    this.#retryAt = undefined;
    this.#retire(this.#capture);
    this.#capture = undefined;
    this.#failures = 0;
    this.#liveSince = undefined;
    this.#setState('idle');
  }

  /** Stops a capture; the next attempt waits for it to be gone. */
  #retire(capture: Capture | undefined): void {
    if (!capture) return;
    this.#stopping = this.#stopping.then(() => capture.stop()).catch(() => {});
  }

  #setState(state: CameraState): void {
    const changed = state !== this.#state;
    this.#state = state;
    if (changed) this.#notify();
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
