/** Where a running capture reports. */
export interface CaptureHandlers {
  /** A complete JPEG frame. */
  frame(jpeg: Buffer): void;
  /** The capture failed or ended; it will not report again. */
  fail(error: Error): void;
}

/** One attempt at capturing a camera: started once, stopped once (idempotent). */
export interface Capture {
  stop(): void;
}

/** Starts a capture attempt; a supervisor calls it again after each failure. */
export type CaptureFactory = (handlers: CaptureHandlers) => Capture;

/** Error of a camera backend, with the advice a user needs. */
export class CaptureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureError';
  }
}
