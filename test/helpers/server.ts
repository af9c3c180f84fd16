import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** A chartcast process started for a test. */
export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Server log lines so far (pino JSON). */
  readonly logs: string[];
  /** Resident set size of the server process in bytes. */
  rss(): Promise<number>;
  stop(): Promise<void>;
}

/** Options for a test server. */
export interface TestServerOptions {
  /** Chart files to write into a fresh charts folder, by file name. */
  readonly charts?: Record<string, unknown>;
  /** Use this charts folder instead (e.g. the shipped one). */
  readonly chartsDir?: string;
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  /** Run the built service (dist/main.js, after `npm run build`) instead of the TypeScript source. */
  readonly built?: boolean;
}

/** Writes chart files into a fresh temporary folder; objects become JSON, strings are written as they are. */
export async function writeChartDir(charts: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chartcast-charts-'));
  for (const [file, content] of Object.entries(charts)) {
    await writeFile(join(dir, file), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

/** Starts the real service (src/main.ts) in a child process on a free loopback port. */
export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  const chartsDir = options.chartsDir ?? (await writeChartDir(options.charts ?? {}));
  const child = spawn(
    process.execPath,
    [...(options.built ? [join(ROOT, 'dist', 'main.js')] : ['--import', 'tsx', join(ROOT, 'src', 'main.ts')]), '--host', '127.0.0.1', '--port', '0', '--charts', chartsDir, '--system', 'off', '--graphite-port', 'off', '--statsd-port', 'off', '--scrape', join(chartsDir, 'no-scrape-targets'), ...(options.args ?? [])],
    { cwd: ROOT, env: { ...process.env, CHARTCAST_LOG_LEVEL: 'info', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: string[] = [];
  let buffered = '';
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs.join('\n')}`)), 20_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(line);
        const port = line.includes('chartcast listening') ? (JSON.parse(line) as { port: number }).port : undefined;
        if (port) {
          clearTimeout(timer);
          resolvePort(port);
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => logs.push(chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    process: child,
    logs,
    rss: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      return kb * 1024;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Fetches JSON from the server. */
export async function getJson<T = unknown>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Stats of one chart as /api/charts/:name reports them. */
export interface ChartStatsBody {
  stats: {
    renders: number;
    encodes: number;
    framesPublished: number;
    framesSent: number;
    framesSkipped: number;
    keepalivesSent: number;
    viewers: number;
    variants: number;
    viewersDropped: number;
  };
}

/** The render counters of a chart. */
export async function chartStats(server: TestServer, chart: string): Promise<ChartStatsBody['stats']> {
  return (await getJson<ChartStatsBody>(`${server.url}/api/charts/${chart}`)).stats;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Pushes a random value to `series` every `everyMs` until the returned function is called. */
export function feed(url: string, series: string, everyMs = 50): () => void {
  let stopped = false;
  void (async () => {
    while (!stopped) {
      await fetch(`${url}/api/series/${series}`, { method: 'POST', body: String(Math.random() * 100) }).catch(() => {});
      await sleep(everyMs);
    }
  })();
  return () => {
    stopped = true;
  };
}
