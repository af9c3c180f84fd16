/** Options of a multipart JPEG parser. */
export interface MultipartJpegParserOptions {
  /** The boundary token from Content-Type (quotes and leading dashes are tolerated). */
  readonly boundary: string;
  readonly maxFrameBytes: number;
  readonly onFrame: (jpeg: Buffer) => void;
  /** Told about parts that were skipped: not a JPEG, or too large. */
  readonly onDiscard?: (reason: 'not-jpeg' | 'oversized' | 'bad-headers') => void;
}

/** Most bytes a delimiter line may take (the delimiter, transport padding, CRLF). */
const MAX_DELIMITER_LINE = 1024;
/** Most bytes of part headers accepted before the part is skipped. */
const MAX_HEADER_BYTES = 16 * 1024;

/** The token itself: without quotes and without the leading "--" some cameras add to the parameter. */
export function normaliseBoundary(raw: string): string {
  return raw.trim().replace(/^"(.*)"$/, '$1').replace(/^--/, '');
}

/** Reads the boundary parameter of a multipart Content-Type, or undefined. */
export function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary=("[^"]+"|[^;\s]+)/i.exec(contentType);
  const boundary = match ? normaliseBoundary(match[1] as string) : '';
  return boundary || undefined;
}

/**
 * Splits a multipart/x-mixed-replace body (an IP camera's MJPEG stream) into JPEG frames. A
 * part's Content-Length is used when present; otherwise the part ends at the next delimiter.
 * Delimiters are found as "--" + token, so a parameter declared with or without the leading
 * dashes both work. Any chunking works.
 */
export class MultipartJpegParser {
  readonly #options: MultipartJpegParserOptions;
  readonly #delimiter: Buffer;
  #data: Buffer = Buffer.allocUnsafe(64 * 1024);
  #start = 0;
  #end = 0;
  /** Where the next delimiter search starts, so small chunks are not rescanned from the top. */
  #scanFrom = 0;
  /** Reading headers of the part after a delimiter, or its body. */
  #state: 'preamble' | 'headers' | 'body' = 'preamble';
  #length: number | undefined;

  constructor(options: MultipartJpegParserOptions) {
    this.#options = options;
    this.#delimiter = Buffer.from(`--${normaliseBoundary(options.boundary)}`, 'latin1');
  }

  /** Feeds the next chunk of the body. */
  push(chunk: Buffer): void {
    this.#append(chunk);
    for (;;) {
      const buffer = this.#data.subarray(this.#start, this.#end);
      if (this.#state === 'preamble') {
        const at = this.#find(buffer, this.#delimiter);
        if (at < 0) {
          this.#consume(Math.max(0, buffer.length - this.#delimiter.length));
          return;
        }
        const lineEnd = buffer.indexOf('\n', at);
        if (lineEnd < 0) {
          // A delimiter line is short; without its line end soon, this was no delimiter.
          if (buffer.length - at > MAX_DELIMITER_LINE) this.#consume(at + this.#delimiter.length);
          else return;
          continue;
        }
        this.#consume(lineEnd + 1);
        this.#state = 'headers';
        continue;
      }
      if (this.#state === 'headers') {
        const end = headersEnd(buffer);
        if (end === undefined) {
          if (buffer.length > MAX_HEADER_BYTES) this.#skipPart('bad-headers');
          return;
        }
        const headers = buffer.subarray(0, end.at).toString('latin1');
        const length = /^content-length:\s*(\d+)\s*$/im.exec(headers)?.[1];
        this.#length = length === undefined ? undefined : Number(length);
        this.#consume(end.at + end.size);
        this.#state = 'body';
        if (this.#length !== undefined && this.#length > this.#options.maxFrameBytes) this.#skipPart('oversized');
        continue;
      }
      if (this.#length !== undefined) {
        if (buffer.length < this.#length) return;
        this.#deliver(buffer.subarray(0, this.#length));
        this.#consume(this.#length);
        this.#state = 'preamble';
        continue;
      }
      const at = this.#find(buffer, this.#delimiter);
      if (at < 0) {
        if (buffer.length > this.#options.maxFrameBytes + this.#delimiter.length) this.#skipPart('oversized');
        return;
      }
      let end = at;
      if (buffer[end - 1] === 0x0a) end--;
      if (buffer[end - 1] === 0x0d) end--;
      this.#deliver(buffer.subarray(0, end));
      this.#consume(at);
      this.#state = 'preamble';
    }
  }

  /** Index of `needle` in `buffer`, resuming where the last unsuccessful search stopped. */
  #find(buffer: Buffer, needle: Buffer): number {
    const at = buffer.indexOf(needle, this.#scanFrom);
    this.#scanFrom = at < 0 ? Math.max(0, buffer.length - needle.length + 1) : 0;
    return at;
  }

  #append(chunk: Buffer): void {
    if (this.#end + chunk.length > this.#data.length) {
      const live = this.#end - this.#start;
      const next = this.#data.length >= 2 * (live + chunk.length) ? this.#data : Buffer.allocUnsafe(2 * (live + chunk.length));
      this.#data.copy(next, 0, this.#start, this.#end);
      this.#data = next;
      this.#start = 0;
      this.#end = live;
    }
    chunk.copy(this.#data, this.#end);
    this.#end += chunk.length;
  }

  #consume(bytes: number): void {
    this.#start += bytes;
    this.#scanFrom = Math.max(0, this.#scanFrom - bytes);
    if (this.#start === this.#end) {
      this.#start = 0;
      this.#end = 0;
    }
  }

  #deliver(body: Buffer): void {
    if (body.length < 4 || body[0] !== 0xff || body[1] !== 0xd8) {
      this.#options.onDiscard?.('not-jpeg');
      return;
    }
    if (body.length > this.#options.maxFrameBytes) {
      this.#options.onDiscard?.('oversized');
      return;
    }
    this.#options.onFrame(Buffer.from(body));
  }

  /** Abandons the current part: resync at the next delimiter, keeping bytes that may start one. */
  #skipPart(reason: 'oversized' | 'bad-headers'): void {
    this.#options.onDiscard?.(reason);
    this.#state = 'preamble';
    this.#length = undefined;
    this.#consume(Math.max(0, this.#end - this.#start - this.#delimiter.length));
  }
}

const JPEG_START = Buffer.from([0xff, 0xd8, 0xff]);

/** Where a part's headers end (CRLF CRLF, or a bare LF LF from sloppy servers). */
function headersEnd(buffer: Buffer): { at: number; size: number } | undefined {
  // A part with no headers at all starts straight with the JPEG (whose bytes may hold LF LF).
  if (buffer[0] === 0xff && buffer[1] === 0xd8) return { at: 0, size: 0 };
  if (buffer.length < 2) return undefined;
  // An empty header block: the blank line comes first.
  if (buffer[0] === 0x0d && buffer[1] === 0x0a) return { at: 0, size: 2 };
  if (buffer[0] === 0x0a) return { at: 0, size: 1 };
  // Headers end at the first blank line, which must come before any JPEG data.
  const jpegAt = buffer.indexOf(JPEG_START);
  const limit = jpegAt < 0 ? buffer.length : jpegAt;
  const crlf = buffer.subarray(0, limit).indexOf('\r\n\r\n');
  const lf = buffer.subarray(0, limit).indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { at: crlf, size: 4 };
  if (lf >= 0) return { at: lf, size: 2 };
  return undefined;
}
