import type { Canvas } from '@napi-rs/canvas';

/** Turns a drawn canvas into JPEG bytes. */
export interface JpegEncoder {
  /** Encodes the canvas at `quality` (1–100). The canvas must not be drawn on until this settles. */
  encode(canvas: Canvas, quality: number): Promise<Buffer>;
}

/** The encoder built into @napi-rs/canvas; it runs off the main thread in libuv's pool. */
export function createCanvasJpegEncoder(): JpegEncoder {
  return { encode: (canvas, quality) => canvas.encode('jpeg', quality) };
}
