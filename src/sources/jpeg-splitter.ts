/** Options of a JPEG splitter. */
export interface JpegSplitterOptions {
  /** Frames larger than this are discarded and the splitter resyncs (bytes). */
  readonly maxFrameBytes: number;
  /** Receives each complete JPEG (a copy the caller may keep). */
  readonly onFrame: (jpeg: Buffer) => void;
  /** Told about discarded bytes: junk between frames, truncated or oversized frames. */
  readonly onDiscard?: (bytes: number, reason: 'junk' | 'oversized' | 'corrupt') => void;
}

const enum Phase {
  /** Looking for FF D8 FF (start of image followed by a marker). */
  Seek,
  /** At a marker inside the header: read its type and, if it has one, its length. */
  Marker,
  /** Inside entropy-coded scan data: scanning for a marker that ends it. */
  Scan,
}

/** Markers without a length field: TEM, RST0-7, SOI, EOI. */
const standalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9);

/**
 * Splits a byte stream of concatenated JPEGs (ffmpeg `-f mjpeg`, MJPEG cameras) into frames by
 * walking the JPEG segment structure: every header segment is skipped by its length, so EXIF
 * thumbnails (whole JPEGs inside an APP1 segment) cannot end a frame early, as a bare FF D9
 * search would. Junk between frames is skipped, oversized frames are dropped, and any chunking
 * (down to single bytes) works: parsing resumes where it stopped.
 */
export class JpegSplitter {
  readonly #options: JpegSplitterOptions;
  #buffer = Buffer.allocUnsafe(64 * 1024);
  #length = 0;
  /** Where the current frame starts in the buffer. */
  #start = 0;
  /** Parse position. */
  #pos = 0;
  #phase = Phase.Seek;

  constructor(options: JpegSplitterOptions) {
    this.#options = options;
  }

  /** Feeds the next chunk of the stream. */
  push(chunk: Buffer): void {
    this.#append(chunk);
    this.#parse();
    this.#compact();
  }

  /** Drops any partial frame (after a reconnect, say). */
  reset(): void {
    this.#length = 0;
    this.#start = 0;
    this.#pos = 0;
    this.#phase = Phase.Seek;
  }

  #parse(): void {
    const buf = this.#buffer;
    for (;;) {
      if (this.#phase === Phase.Seek) {
        const found = this.#findStart();
        if (!found) return;
        this.#phase = Phase.Marker;
        this.#pos = this.#start + 2;
      }
      if (this.#pos - this.#start > this.#options.maxFrameBytes) {
        // Skip everything already walked: rescanning it for nested starts would cost time without end.
        this.#options.onDiscard?.(this.#pos - this.#start, 'oversized');
        this.#start = Math.min(this.#pos, this.#length);
        this.#pos = this.#start;
        this.#phase = Phase.Seek;
        continue;
      }
      if (this.#phase === Phase.Marker) {
        if (this.#pos + 2 > this.#length) return;
        if (buf[this.#pos] !== 0xff) {
          this.#discard(this.#pos - this.#start, 'corrupt');
          continue;
        }
        const marker = buf[this.#pos + 1] as number;
        if (marker === 0xff) {
          this.#pos++; // fill byte
          continue;
        }
        if (marker === 0xd9) {
          this.#emit(this.#pos + 2);
          continue;
        }
        if (marker === 0xd8) {
          // A new image before this one ended: the previous was truncated; the new one starts here.
          this.#options.onDiscard?.(this.#pos - this.#start, 'corrupt');
          this.#start = this.#pos;
          this.#pos = this.#start;
          this.#phase = Phase.Seek;
          continue;
        }
        if (standalone(marker)) {
          this.#pos += 2;
          continue;
        }
        if (this.#pos + 4 > this.#length) return;
        const length = buf.readUInt16BE(this.#pos + 2);
        if (length < 2) {
          this.#discard(this.#pos - this.#start, 'corrupt');
          continue;
        }
        this.#pos += 2 + length;
        if (marker === 0xda) this.#phase = Phase.Scan;
        continue;
      }
      // Scan data: FF 00 is a stuffed byte and FF D0-D7 are restart markers; any other FF xx ends the scan.
      let i = this.#pos;
      const end = this.#length - 1;
      while (i < end) {
        if (buf[i] === 0xff) {
          const next = buf[i + 1] as number;
          if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) break;
        }
        i++;
      }
      this.#pos = i;
      if (i >= end) return;
      this.#phase = Phase.Marker;
    }
  }

  /** Moves `#start` to the next FF D8 FF; returns false (keeping a possible partial marker) if none yet. */
  #findStart(): boolean {
    const buf = this.#buffer;
    let i = this.#start;
    while (i + 2 < this.#length) {
      if (buf[i] === 0xff && buf[i + 1] === 0xd8 && buf[i + 2] === 0xff) {
        if (i > this.#start) this.#options.onDiscard?.(i - this.#start, 'junk');
        this.#start = i;
        return true;
      }
      i++;
    }
    if (i > this.#start) this.#options.onDiscard?.(i - this.#start, 'junk');
    this.#start = i;
    return false;
  }

  #emit(end: number): void {
    this.#options.onFrame(Buffer.from(this.#buffer.subarray(this.#start, end)));
    this.#start = end;
    this.#pos = end;
    this.#phase = Phase.Seek;
  }

  /** Gives up on a malformed frame and resyncs just after its start. */
  #discard(bytes: number, reason: 'corrupt'): void {
    this.#options.onDiscard?.(bytes, reason);
    this.#start += 1;
    this.#pos = this.#start;
    this.#phase = Phase.Seek;
  }

  #append(chunk: Buffer): void {
    const needed = this.#length + chunk.length;
    if (needed > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.#buffer.length * 2));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    chunk.copy(this.#buffer, this.#length);
    this.#length = needed;
  }

  /** Drops consumed bytes from the front of the buffer. */
  #compact(): void {
    if (this.#start === 0) return;
    this.#buffer.copy(this.#buffer, 0, this.#start, this.#length);
    this.#length -= this.#start;
    this.#pos -= this.#start;
    this.#start = 0;
    // An oversized frame may have grown the buffer; give the memory back once it is gone.
    if (this.#buffer.length > 4 * this.#options.maxFrameBytes && this.#length < this.#options.maxFrameBytes) {
      const shrunk = Buffer.allocUnsafe(Math.max(64 * 1024, this.#length));
      this.#buffer.copy(shrunk, 0, 0, this.#length);
      this.#buffer = shrunk;
    }
  }
}
