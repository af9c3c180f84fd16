import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { CameraSourceSpec } from '../lib/camera-spec.js';
import { type CaptureFactory, CaptureError } from './capture.js';
import { JpegSplitter } from './jpeg-splitter.js';
import { MultipartJpegParser, boundaryOf } from './multipart-jpeg-parser.js';

type MjpegSource = Extract<CameraSourceSpec, { type: 'mjpeg' }>;

/** Most bytes read while looking for a stream's framing. */
const SNIFF_BYTES = 4096;

/**
 * The parser for a stream whose Content-Type gave no boundary: a multipart stream starting with
 * its "--boundary" line, or bare concatenated JPEGs. undefined: need more bytes.
 */
function sniffFraming(
  head: Buffer,
  maxFrameBytes: number,
  onFrame: (jpeg: Buffer) => void,
): { push(chunk: Buffer): void } | 'unknown' | undefined {
  const start = head.toString('latin1', 0, Math.min(head.length, SNIFF_BYTES)).replace(/^\s+/, '');
  if (start.startsWith('--')) {
    const line = /^--([^\r\n]+)\r?\n/.exec(start);
    if (line) return new MultipartJpegParser({ boundary: (line[1] as string).trim(), maxFrameBytes, onFrame });
  } else if (head[0] === 0xff && head[1] === 0xd8) {
    return new JpegSplitter({ maxFrameBytes, onFrame });
  } else if (head.length >= 2) {
    return 'unknown';
  }
  return head.length > SNIFF_BYTES ? 'unknown' : undefined;
}

/** A URL with its credentials removed, safe to show in messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Reads an HTTP MJPEG stream (IP cameras, mjpg-streamer, motion) in-process: Basic auth from the
 * camera file or the URL, a connect timeout, and multipart parsing by Content-Length or boundary.
 * The stall watchdog lives in the supervisor, which restarts a capture that stops delivering.
 */
export function httpMjpegCapture(source: MjpegSource, maxFrameBytes: number): CaptureFactory {
  return (handlers) => {
    let done = false;
    const url = new URL(source.url);
    const username = source.username ?? decodeURIComponent(url.username);
    const password = source.password ?? decodeURIComponent(url.password);
    url.username = '';
    url.password = '';
    const shown = url.toString();
    const fail = (message: string) => {
      if (done) return;
      done = true;
      clearTimeout(connectTimer);
      req.destroy();
      handlers.fail(new CaptureError(message));
    };
    const headers: Record<string, string> = { Accept: 'multipart/x-mixed-replace, image/jpeg', 'User-Agent': 'chartcast' };
    if (username || password) headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { headers, agent: false }, (response) => {
      clearTimeout(connectTimer);
      const status = response.statusCode ?? 0;
      if (status !== 200) {
        response.resume();
        const hint = status === 401 || status === 403 ? ' (check username and password)' : '';
        return fail(`${shown} answered HTTP ${status}${hint}`);
      }
      const contentType = response.headers['content-type'] ?? '';
      const declared = /^multipart\//i.test(contentType) ? boundaryOf(contentType) : undefined;
      const onFrame = (jpeg: Buffer) => !done && handlers.frame(jpeg);
      let parser: { push(chunk: Buffer): void } | undefined = declared
        ? new MultipartJpegParser({ boundary: declared, maxFrameBytes, onFrame })
        : undefined;
      // Without a boundary in Content-Type (some cameras, ffmpeg's own server), tell the framing from the first bytes.
      let head = Buffer.alloc(0);
      response.on('data', (chunk: Buffer) => {
        if (done) return;
        if (parser) return parser.push(chunk);
        head = Buffer.concat([head, chunk]);
        const sniffed = sniffFraming(head, maxFrameBytes, onFrame);
        if (sniffed === 'unknown') return fail(`${shown} is not an MJPEG stream (Content-Type "${contentType}", no multipart boundary or JPEG data)`);
        if (sniffed === undefined) return;
        parser = sniffed;
        parser.push(head);
      });
      response.once('end', () => fail(`${shown} ended the stream`));
      response.once('error', (error) => fail(`${shown}: ${error.message}`));
      // An upstream that dies mid-stream may only close the connection.
      response.once('close', () => fail(`${shown} closed the connection`));
    });
    req.once('error', (error) => fail(`${shown}: ${error.message}`));
    const connectTimer = setTimeout(() => fail(`${shown}: no answer within ${source.connectTimeoutMs} ms`), source.connectTimeoutMs);
    req.end();
    return {
      stop: async () => {
        done = true;
        clearTimeout(connectTimer);
        req.destroy();
      },
    };
  };
}
