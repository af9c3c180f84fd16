import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

/** A free loopback TCP port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** An MJPEG-over-HTTP server that is not ours: ffmpeg serving its testsrc2 pattern with the mpjpeg muxer. */
export interface UpstreamCamera {
  readonly url: string;
  readonly port: number;
  /** Kills ffmpeg (the camera "fails" mid-stream). */
  kill(): Promise<void>;
  /** Starts ffmpeg again on the same port. */
  restart(): Promise<void>;
}

/**
 * Starts `ffmpeg -f mpjpeg -listen 1` on a loopback port. With `contentType`, ffmpeg announces
 * multipart/x-mixed-replace with its boundary, as IP cameras do; without, it sends
 * application/octet-stream and the reader must find the boundary in the body.
 */
export async function startUpstreamCamera(options: { contentType?: boolean; size?: string; port?: number } = {}): Promise<UpstreamCamera> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}/video.mjpg`;
  let child: ChildProcess | undefined;
  const launch = async () => {
    const args = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${options.size ?? '320x180'}:rate=10`, '-f', 'mpjpeg'];
    if (options.contentType ?? true) args.push('-content_type', 'multipart/x-mixed-replace;boundary=ffmpeg');
    args.push('-listen', '1', url);
    const started = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    let stderr = '';
    started.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    // ffmpeg listens within a moment (longer on a busy machine); wait until the port is listening.
    for (let i = 0; i < 150; i++) {
      if (await isListening(port)) return;
      if (started.exitCode !== null) throw new Error(`ffmpeg exited before listening: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`ffmpeg did not start listening: ${stderr}`);
  };
  await launch();
  return {
    url,
    port,
    kill: async () => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
    restart: launch,
  };
}

/**
 * Whether ffmpeg is up on the loopback port: listening, or already serving the one client it
 * takes (it stops listening then). Read from /proc/net/tcp, since a probe connection would take
 * that client slot.
 */
async function isListening(port: number): Promise<boolean> {
  const table = await readFile('/proc/net/tcp', 'utf8');
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return table.split('\n').some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[1]?.endsWith(`:${hex}`) && (fields[3] === '0A' || fields[3] === '01');
  });
}

/** JPEG frames of ffmpeg's testsrc2 pattern, concatenated as ffmpeg -f mjpeg writes them. */
export function testsrcJpegs(size: string, frames = 1): Buffer {
  return execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=10`, '-frames:v', String(frames), '-f', 'mjpeg', 'pipe:1']);
}

/** Starts `server` on a free loopback port; resolves with its base URL. */
export async function listenLoopback(server: import('node:net').Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}
