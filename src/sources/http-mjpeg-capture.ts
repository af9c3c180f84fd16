import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { CameraSourceSpec } from '../lib/camera-spec.js';
import { type CaptureFactory, CaptureError } from './capture.js';
import { MultipartJpegParser, boundaryOf } from './multipart-jpeg-parser.js';

type MjpegSource = Extract<CameraSourceSpec, { type: 'mjpeg' }>;

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
      const boundary = /^multipart\//i.test(contentType) ? boundaryOf(contentType) : undefined;
      if (!boundary) return fail(`${shown} is not an MJPEG stream (Content-Type "${contentType}")`);
      const parser = new MultipartJpegParser({ boundary, maxFrameBytes, onFrame: (jpeg) => !done && handlers.frame(jpeg) });
      response.on('data', (chunk: Buffer) => !done && parser.push(chunk));
      response.once('end', () => fail(`${shown} ended the stream`));
      response.once('error', (error) => fail(`${shown}: ${error.message}`));
    });
    req.once('error', (error) => fail(`${shown}: ${error.message}`));
    const connectTimer = setTimeout(() => fail(`${shown}: no answer within ${source.connectTimeoutMs} ms`), source.connectTimeoutMs);
    req.end();
    return {
      stop: () => {
        done = true;
        clearTimeout(connectTimer);
        req.destroy();
      },
    };
  };
}
