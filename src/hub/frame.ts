/** One encoded frame of a stream, shared by reference with every viewer. */
export interface Frame {
  readonly jpeg: Buffer;
  /** Increases by one per published frame of a channel. */
  readonly seq: number;
  /** Epoch milliseconds of the moment the frame shows. */
  readonly timestamp: number;
}

/** Where a channel delivers frames: one viewer's connection. */
export interface FrameSink {
  /** Sends one frame; returns false when the connection is saturated (then `onceDrain` is awaited). */
  write(frame: Frame): boolean;
  /** Calls `listener` once when the connection can take more. */
  onceDrain(listener: () => void): void;
  /** Bytes written but still held in this process (not yet taken by the kernel). */
  queuedBytes?(): number;
  /**
   * Ends the connection: gracefully when the stream itself ended (chart removed, service
   * stopping), or at once when the viewer stalled and its unsent data is worthless.
   */
  close?(reason: 'ended' | 'stalled'): void;
}
