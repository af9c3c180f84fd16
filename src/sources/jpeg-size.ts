/** Width and height from a JPEG's frame header (SOFn), or undefined if it has none before the scan. */
export function jpegSize(jpeg: Buffer): { width: number; height: number } | undefined {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  let pos = 2;
  while (pos + 4 <= jpeg.length) {
    if (jpeg[pos] !== 0xff) return undefined;
    const marker = jpeg[pos + 1] as number;
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined;
    const length = jpeg.readUInt16BE(pos + 2);
    // SOF0-SOF15, except DHT (C4), JPG (C8) and DAC (CC), carry the image size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (pos + 9 > jpeg.length) return undefined;
      return { height: jpeg.readUInt16BE(pos + 5), width: jpeg.readUInt16BE(pos + 7) };
    }
    pos += 2 + length;
  }
  return undefined;
}
