import { Image } from '@napi-rs/canvas';

/** Most time a decode may take before it is given up (ms). */
const DECODE_TIMEOUT_MS = 5000;

/**
 * Decodes JPEG bytes into a drawable image, asynchronously in the canvas library's threads.
 * The caller must hold `image` until `promise` settles: the library drops an Image nobody
 * references before it finishes decoding.
 */
export function decodeJpeg(jpeg: Uint8Array): { image: Image; promise: Promise<Image> } {
  const image = new Image();
  const promise = new Promise<Image>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('decode timed out')), DECODE_TIMEOUT_MS);
    image.onload = () => {
      clearTimeout(timer);
      if (image.width > 0) resolve(image);
      else reject(new Error('empty image'));
    };
    image.onerror = (error) => {
      clearTimeout(timer);
      reject(error);
    };
  });
  image.src = Buffer.isBuffer(jpeg) ? jpeg : Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  return { image, promise };
}
