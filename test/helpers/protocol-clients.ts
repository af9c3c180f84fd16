/** Real clients for the protocol listeners (nc) and ways to see what they stored. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { sleep } from './server.js';

/** Runs `nc` with `input` on its standard input; resolves when it exits. */
export async function nc(args: readonly string[], input: string | Buffer): Promise<void> {
  const child = spawn('nc', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill(), 5000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  assert.equal(code, 0, `nc ${args.join(' ')} failed: ${stderr}`);
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The points of a series ([unix seconds, value]), or undefined while it does not exist. */
export async function seriesPoints(url: string, key: string): Promise<[number, number][] | undefined> {
  const response = await fetch(`${url}/api/series/${encodeURIComponent(key)}?window=10m`);
  if (response.status === 404) return undefined;
  assert.equal(response.status, 200);
  return ((await response.json()) as { points: [number, number][] }).points;
}
