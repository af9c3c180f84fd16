import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { CameraSourceSpec } from '../lib/camera-spec.js';
import { type CaptureFactory, CaptureError, redactCredentials } from './capture.js';
import { JpegSplitter } from './jpeg-splitter.js';

/** Lines of ffmpeg's stderr kept for error messages. */
const STDERR_LINES = 8;
/** How long ffmpeg gets to exit after SIGTERM before SIGKILL (ms). */
const KILL_AFTER_MS = 2000;

type FfmpegSource = Exclude<CameraSourceSpec, { type: 'mjpeg' }>;

/** ffmpeg's arguments: read the source, write concatenated JPEGs to stdout. */
export function ffmpegArgs(source: FfmpegSource): string[] {
  const head = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  const mjpegOut = (fps: number | undefined) => [
    ...(fps ? ['-r', String(fps)] : []),
    '-c:v', 'mjpeg', '-q:v', '4', '-pix_fmt', 'yuvj420p', '-f', 'mjpeg', 'pipe:1',
  ];
  switch (source.type) {
    case 'testsrc':
      return [...head, '-re', '-f', 'lavfi', '-i', `testsrc2=size=${source.width}x${source.height}:rate=${source.fps}`, ...mjpegOut(undefined)];
    case 'v4l2': {
      const input = ['-f', 'v4l2', '-input_format', source.inputFormat === 'mjpeg' ? 'mjpeg' : 'yuyv422', '-video_size', `${source.width}x${source.height}`, '-framerate', String(source.fps), '-i', source.device];
      // MJPEG cameras already send JPEGs: pass them through without decoding.
      const output = source.inputFormat === 'mjpeg' ? ['-c:v', 'copy', '-f', 'mjpeg', 'pipe:1'] : mjpegOut(undefined);
      return [...head, ...input, ...output];
    }
    case 'ffmpeg': {
      const rtsp = /^rtsps?:/i.test(source.url) ? ['-rtsp_transport', source.rtspTransport] : [];
      return [...head, ...rtsp, '-i', source.url, '-an', ...mjpegOut(source.fps)];
    }
    default:
      throw new CaptureError(`ffmpeg cannot capture a ${(source as { type: string }).type} source`);
  }
}

/** Captures with an ffmpeg child process (V4L2 devices, URLs, the test pattern). */
export function ffmpegCapture(source: FfmpegSource, maxFrameBytes: number, ffmpegPath = 'ffmpeg'): CaptureFactory {
  return (handlers) => {
    let done = false;
    const finish = (error: Error) => {
      if (done) return;
      done = true;
      handlers.fail(new CaptureError(redactCredentials(error.message)));
    };
    if (source.type === 'v4l2' && !existsSync(source.device)) {
      queueMicrotask(() => finish(new CaptureError(`device ${source.device} does not exist (is the camera plugged in? ls /dev/video*)`)));
      return {
        stop: async () => {
          done = true;
        },
      };
    }
    const child = spawn(ffmpegPath, ffmpegArgs(source), { stdio: ['ignore', 'pipe', 'pipe'] });
    const splitter = new JpegSplitter({ maxFrameBytes, onFrame: (jpeg) => !done && handlers.frame(jpeg) });
    const stderr: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => splitter.push(chunk));
    // Always drained, so ffmpeg never blocks on a full stderr pipe.
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      for (const line of text.split('\n')) if (line.trim()) stderr.push(line.trim());
      stderr.splice(0, Math.max(0, stderr.length - STDERR_LINES));
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      finish(new CaptureError(error.code === 'ENOENT' ? `${ffmpegPath} is not installed (apt install ffmpeg)` : `ffmpeg: ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      const why = stderr.at(-1) ?? (signal ? `killed by ${signal}` : `exit code ${code}`);
      finish(new CaptureError(`ffmpeg stopped: ${why}`));
    });
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      child.once('exit', () => resolve());
      child.once('error', () => resolve()); // never spawned
    });
    return {
      stop: async () => {
        done = true;
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          // A child stuck on a device may ignore SIGTERM.
          const killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
          await exited;
          clearTimeout(killTimer);
        }
      },
    };
  };
}
