/** Where a running capture reports. */
export interface CaptureHandlers {
  /** A complete JPEG frame. */
  frame(jpeg: Buffer): void;
  /** The capture failed or ended; it will not report again. */
  fail(error: Error): void;
}

/** One attempt at capturing a camera: started once, stopped once (idempotent). */
export interface Capture {
  /** Stops the attempt; resolves once its resources (a child process, a socket) are gone. */
  stop(): Promise<void>;
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

/** Hides credentials in URLs inside a message ("rtsp://user:pass@host" → "rtsp://***@host"). */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1***@');
}
