// npm run bench [-- --quick] [-- --write] [-- --only=latency,slow]
// Runs every benchmark against the real service (built, in child processes) and the baseline
// (chartjs-node-canvas) in the same run, prints one table of target, measured value and result,
// saves bench/results.json, and with --write puts the table into BENCHMARKS.md.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { MjpegReader } from '../test/helpers/mjpeg-reader.js';
import { type TestServer, chartStats, getJson, sleep, startServer } from '../test/helpers/server.js';
import type { ViewerLoad, ViewerReport } from './viewers.js';

const ROOT = resolve(import.meta.dirname, '..');
const BASELINE = join(ROOT, 'bench', 'baseline');
const quick = process.argv.includes('--quick');
const write = process.argv.includes('--write');
const cores = availableParallelism();

/** One line of the table. */
interface Row {
  readonly target: string;
  readonly measured: string;
  /** undefined: reported, no pass/fail. */
  readonly pass: boolean | undefined;
}
const rows: Row[] = [];
const details: Record<string, unknown> = {};

function row(target: string, measured: string, pass: boolean | undefined): void {
  rows.push({ target, measured, pass });
  process.stdout.write(`  ${pass === undefined ? 'info' : pass ? 'pass' : 'FAIL'}  ${target}: ${measured}\n`);
}

const median = (values: readonly number[]) => percentile(values, 50);
function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
const fixed = (value: number, digits = 1) => value.toFixed(digits);

/** Runs a child that prints one JSON line, and returns it parsed. */
function childJson<T>(command: string, args: readonly string[], cwd = ROOT): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolvePromise(JSON.parse(line) as T);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}\n${err.slice(-2000)}`));
    });
  });
}
const tsx = (script: string, ...args: string[]) => childJson<Record<string, number>>(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', script), ...args]);

/** CPU seconds a process has used so far (Linux /proc). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

/** Measures a server over `ms`: CPU cores used and renders of `chart`. */
async function watch(server: TestServer, chart: string, ms: number): Promise<{ cores: number; rendersPerSecond: number }> {
  const pid = server.process.pid as number;
  const [cpu0, stats0] = await Promise.all([cpuSeconds(pid), chartStats(server, chart)]);
  await sleep(ms);
  const [cpu1, stats1] = await Promise.all([cpuSeconds(pid), chartStats(server, chart)]);
  return { cores: (cpu1 - cpu0) / (ms / 1000), rendersPerSecond: (stats1.renders - stats0.renders) / (ms / 1000) };
}

/** Posts a changing value to `series` every `everyMs` until stopped. */
function feeder(url: string, series: string, everyMs: number): () => void {
  let stopped = false;
  let n = 0;
  void (async () => {
    while (!stopped) {
      const started = performance.now();
      await fetch(`${url}/api/series/${series}`, { method: 'POST', body: String(50 + 40 * Math.sin(n++ / 5)) }).catch(() => {});
      await sleep(Math.max(0, everyMs - (performance.now() - started)));
    }
  })();
  return () => {
    stopped = true;
  };
}

const referenceChart = (extra: Record<string, unknown> = {}) => ({
  title: 'Reference',
  series: ['bench.a', 'bench.b'],
  window: '5m',
  width: 640,
  height: 360,
  fps: 10,
  quality: 80,
  overlay: { lines: ['{time}'] },
  ...extra,
});

/** Points for the reference chart's window, so frames show 2 × 300 points. */
async function fillHistory(url: string): Promise<void> {
  const now = Date.now();
  const points = Array.from({ length: 300 }, (_, i) => [
    { series: 'bench.a', time: now - (300 - i) * 1000, value: 50 + 40 * Math.sin(i / 15) },
    { series: 'bench.b', time: now - (300 - i) * 1000, value: 50 + 40 * Math.sin(i / 15 + 2) },
  ]).flat();
  const response = await fetch(`${url}/api/series?precision=ms`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ points }) });
  if (!response.ok) throw new Error(`history: ${response.status} ${await response.text()}`);
}

async function withServer<T>(charts: Record<string, unknown>, work: (server: TestServer) => Promise<T>, args: string[] = []): Promise<T> {
  const server = await startServer({ charts, built: true, args: ['--idle-grace', '1s', ...args] });
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

const viewers = (load: ViewerLoad) => childJson<ViewerReport>(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'viewers.ts'), JSON.stringify(load)]);

// ---------------------------------------------------------------------------------------------

/** Installs the baseline (chartjs-node-canvas builds node-canvas from source against Debian's Cairo). */
function ensureBaseline(): string | undefined {
  if (existsSync(join(BASELINE, 'node_modules', 'canvas', 'build', 'Release', 'canvas.node'))) return undefined;
  process.stdout.write('Installing the baseline (bench/baseline: chartjs-node-canvas, node-canvas built from source)...\n');
  const result = spawnSync('bash', [join(ROOT, 'bench', 'setup-baseline.sh')], { stdio: 'inherit' });
  return result.status === 0 ? undefined : 'the baseline could not be installed (see the output of bench/setup-baseline.sh above)';
}

async function throughput(): Promise<void> {
  const seconds = quick ? '3' : '6';
  const problem = ensureBaseline();
  const baseline = problem
    ? undefined
    : await childJson<{ framesPerSecond: number; cpuCores: number; meanBytes: number }>(process.execPath, ['throughput.mjs', seconds], BASELINE);
  const single = await tsx('throughput.ts', '0', '1', seconds);
  const pooled = await tsx('throughput.ts', String(cores), String(cores * 4), seconds);
  details.throughput = { baseline, mainThreadOneStream: single, renderThreads: pooled, threads: cores, streams: cores * 4 };
  if (!baseline) {
    row('1. Throughput ≥ 8× chartjs-node-canvas', `${fixed(pooled.framesPerSecond as number, 0)} frames/s; baseline not run: ${problem}`, false);
    return;
  }
  const ratio = (pooled.framesPerSecond as number) / baseline.framesPerSecond;
  row('1. Throughput, all cores, ≥ 8× chartjs-node-canvas', `${fixed(pooled.framesPerSecond as number, 0)} vs ${fixed(baseline.framesPerSecond)} frames/s = ${fixed(ratio, 2)}×`, ratio >= 8);
  row(
    '   per core, one stream on the main thread',
    `${fixed(single.framesPerSecond as number, 0)} frames/s (render ${fixed(single.renderMs as number, 2)} ms, encode ${fixed(single.encodeMs as number, 2)} ms) = ${fixed((single.framesPerSecond as number) / baseline.framesPerSecond, 2)}× baseline`,
    undefined,
  );
}

async function fanOut(): Promise<void> {
  const count = quick ? 200 : 1000;
  await withServer({ 'fan.json': referenceChart() }, async (server) => {
    await fillHistory(server.url);
    const stop = feeder(server.url, 'bench.a', 100);
    try {
      const load = viewers({ url: `${server.url}/charts/fan.mjpeg`, fast: count, slow: 0, slowBytesPerSecond: 0, warmupSeconds: 3, seconds: quick ? 4 : 8 });
      await sleep(4000);
      const [watched, rss] = await Promise.all([watch(server, 'fan', quick ? 3000 : 6000), server.rss()]);
      const report = await load;
      const fps = median(report.fastFps);
      details.fanOut = { viewers: count, connected: report.connected, failed: report.failed, medianFps: fps, p10Fps: percentile(report.fastFps, 10), rssBytes: rss, serverCores: watched.cores, rendersPerSecond: watched.rendersPerSecond, loadGeneratorCpuSeconds: report.cpuSeconds };
      row(`2. Fan-out ${count} viewers: renders/s stays 10`, fixed(watched.rendersPerSecond), watched.rendersPerSecond >= 9 && watched.rendersPerSecond <= 11);
      row(`   median viewer ≥ 9 fps`, `${fixed(fps)} fps (10th percentile ${fixed(percentile(report.fastFps, 10))}; ${report.connected}/${count} connected)`, fps >= 9 && report.connected === count);
      row('   server RSS ≤ 400 MB', `${fixed(rss / 2 ** 20, 0)} MB`, rss <= 400 * 2 ** 20);
      row('   server CPU', `${fixed(watched.cores * 100, 0)}% of one core`, undefined);
    } finally {
      stop();
    }
  });
}

async function latency(): Promise<void> {
  const samples = quick ? 30 : 100;
  await withServer({ 'lat.json': referenceChart() }, async (server) => {
    await fillHistory(server.url);
    const reader = await MjpegReader.open(`${server.url}/charts/lat.mjpeg`);
    try {
      await reader.nextPart();
      const delays: number[] = [];
      for (let i = 0; i < samples; i++) {
        await sleep(150 + Math.random() * 250); // land at every phase of the frame schedule
        const sentAt = Date.now();
        const response = await fetch(`${server.url}/api/series/bench.a`, { method: 'POST', body: String(Math.random() * 100) });
        const { storedAt } = (await response.json()) as { storedAt: number }; // Unix seconds, as X-Timestamp
        // The first frame drawn at or after the store shows the point.
        for (;;) {
          const part = await reader.nextPart(2000);
          if (part.timestamp >= storedAt * 1000) {
            delays.push(part.receivedAt - sentAt);
            break;
          }
        }
      }
      const p50 = percentile(delays, 50);
      const p99 = percentile(delays, 99);
      details.latency = { samples, p50, p90: percentile(delays, 90), p99, max: Math.max(...delays) };
      row('3. Push-to-wire latency p50 ≤ 25 ms', `${fixed(p50)} ms (${samples} points, 10 fps stream)`, p50 <= 25);
      row('   p99 ≤ 75 ms', `${fixed(p99)} ms (max ${fixed(Math.max(...delays))})`, p99 <= 75);
    } finally {
      reader.close();
    }
  });
}

async function costFollowsChange(): Promise<void> {
  await withServer({ 'cost.json': referenceChart({ overlay: { lines: ['{time:HH:mm:ss}'] } }) }, async (server) => {
    await fillHistory(server.url);
    const stop = feeder(server.url, 'bench.a', 1000);
    try {
      const reader = await MjpegReader.open(`${server.url}/charts/cost.mjpeg`);
      await reader.nextPart();
      let received = 0;
      const reading = (async () => {
        for (;;) {
          try {
            await reader.nextPart(3000);
          } catch {
            return; // closed
          }
          received++;
        }
      })();
      // Start half-way between two clock ticks and watch whole seconds, so the window holds exactly
      // as many second changes and pushes as it has seconds.
      await sleep(1500 - (Date.now() % 1000));
      const watched = await watch(server, 'cost', quick ? 10_000 : 20_000);
      reader.close();
      await reading;
      await sleep(2000); // the last viewer left; the stream stops at once and is freed after its grace
      const idle = await watch(server, 'cost', 5000);
      details.cost = { watched, idle, framesReceived: received };
      row('4. Data 1/s, clock in seconds, 10 fps stream: renders/s ≤ 2', `${fixed(watched.rendersPerSecond, 2)} renders/s (server CPU ${fixed(watched.cores * 100)}%)`, watched.rendersPerSecond <= 2);
      row('   no viewers: 0 renders/s, near-zero CPU', `${fixed(idle.rendersPerSecond, 2)} renders/s, CPU ${fixed(idle.cores * 100)}% (1 push/s still arriving)`, idle.rendersPerSecond === 0 && idle.cores < 0.02);
    } finally {
      stop();
    }
  });
}

async function slowClients(): Promise<void> {
  await withServer({ 'slow.json': referenceChart() }, async (server) => {
    await fillHistory(server.url);
    const stop = feeder(server.url, 'bench.a', 100);
    try {
      const warm = await MjpegReader.open(`${server.url}/charts/slow.mjpeg`);
      await warm.nextPart();
      await sleep(1000);
      const rssBefore = await server.rss();
      const frameBytes = (await warm.nextPart()).body.length;
      // The load generator caps slow viewers' receive buffers once connected; the window advertised
      // before that (about 64 KB, 3 s at 20 KB/s) drains during the warm-up.
      const load = viewers({ url: `${server.url}/charts/slow.mjpeg`, fast: 50, slow: 50, slowBytesPerSecond: 20_000, warmupSeconds: 8, seconds: quick ? 6 : 12 });
      await sleep(9000);
      // What each viewer holds queued in the server, sampled through the service's own counters.
      let maxQueued = 0;
      let maxTotalQueued = 0;
      for (let i = 0; i < 20; i++) {
        const { viewers: list } = await getJson<{ viewers: { queuedBytes: number }[] }>(`${server.url}/api/viewers`);
        const queued = list.map((v) => v.queuedBytes);
        maxQueued = Math.max(maxQueued, ...queued);
        maxTotalQueued = Math.max(maxTotalQueued, queued.reduce((a, b) => a + b, 0));
        await sleep(200);
      }
      const rssDuring = await server.rss();
      const report = await load;
      warm.close();
      const fastMedian = median(report.fastFps);
      const growth = Math.max(0, rssDuring - rssBefore);
      const framesPerClient = maxQueued / frameBytes;
      const ageP50 = percentile(report.slowAgesMs, 50);
      const ageP95 = percentile(report.slowAgesMs, 95);
      details.slowClients = { fastFps: { median: fastMedian, min: Math.min(...report.fastFps) }, slowFps: median(report.slowFps), rssBefore, rssDuring, frameBytes, framesPerClient, maxQueued, maxTotalQueued, ageP50, ageP95, ageMax: Math.max(...report.slowAgesMs) };
      row('5. 50 slow (20 KB/s) + 50 fast viewers: fast keep ≥ 9 fps', `median ${fixed(fastMedian)} fps, slowest ${fixed(Math.min(...report.fastFps))}; slow viewers ${fixed(median(report.slowFps), 2)} fps`, fastMedian >= 9);
      row(
        '   memory bounded (≤ ~2 frames in flight per client)',
        `at most ${fixed(framesPerClient, 2)} frames (${fixed(frameBytes / 1024, 0)} KB each) queued per client, ${fixed(maxTotalQueued / 2 ** 20, 2)} MB in all, + ≤ 8 KB unsent in the kernel each; RSS +${fixed(growth / 2 ** 20)} MB for 100 connections`,
        framesPerClient <= 2,
      );
      row('   slow viewers get recent frames (age ≤ 1 s + transfer)', `age beyond transfer: p50 ${fixed(ageP50 / 1000, 2)} s, p95 ${fixed(ageP95 / 1000, 2)} s`, ageP95 <= 1000);
    } finally {
      stop();
    }
  });
}

async function ingest(): Promise<void> {
  await withServer(
    {},
    async (server) => {
      const batchPoints = 10_000;
      const bodies = Array.from({ length: 8 }, (_, b) => {
        const base = Date.now() - 3_600_000 + b * 1000;
        return JSON.stringify({
          points: Array.from({ length: batchPoints }, (_, i) => ({ series: `ingest.s${i % 100}`, time: base + Math.floor(i / 100) * 10 + b, value: Math.round(Math.random() * 1e6) / 100 })),
        });
      });
      const { rate, cores } = await postBatches(server, bodies, {
        path: '/api/series?precision=ms',
        contentType: 'application/json',
        status: 200,
        pointsPerBody: batchPoints,
      });
      details.ingest = { pointsPerSecond: rate, batchPoints, serverCores: cores };
      row('6. JSON batch ingest ≥ 200k points/s on one core', `${fixed(rate / 1000, 0)}k points/s over HTTP, batches of ${batchPoints / 1000}k (server CPU ${fixed(cores * 100, 0)}%)`, rate >= 200_000);
    },
    ['--max-body', String(8 * 2 ** 20), '--max-series', '1000'],
  );
}

/** Two clients POST `bodies` in turn, back to back, for a few seconds: points stored per second, and the server's CPU (cores). */
async function postBatches(
  server: TestServer,
  bodies: readonly (string | Buffer)[],
  request: { path: string; contentType: string; status: number; pointsPerBody: number },
): Promise<{ rate: number; cores: number }> {
  const pid = server.process.pid as number;
  let points = 0;
  const until = performance.now() + (quick ? 3 : 6) * 1000;
  const cpu0 = await cpuSeconds(pid);
  const started = performance.now();
  const client = async (k: number) => {
    for (let i = k; performance.now() < until; i += 2) {
      const response = await fetch(`${server.url}${request.path}`, { method: 'POST', headers: { 'Content-Type': request.contentType }, body: bodies[i % bodies.length] });
      if (response.status !== request.status) throw new Error(`${request.path}: ${response.status} ${await response.text()}`);
      points += request.pointsPerBody;
    }
  };
  await Promise.all([client(0), client(1)]);
  const elapsed = (performance.now() - started) / 1000;
  return { rate: points / elapsed, cores: ((await cpuSeconds(pid)) - cpu0) / elapsed };
}

async function lineProtocol(): Promise<void> {
  await withServer(
    {},
    async (server) => {
      const batchLines = 10_000;
      const fieldsPerLine = 2;
      // Telegraf-like batches: 100 hosts × 2 fields, tags, nanosecond timestamps 10 ms apart.
      const bodies = Array.from({ length: 8 }, (_, b) => {
        const baseNs = BigInt(Date.now() - 3_600_000 + b * 1000) * 1_000_000n;
        const lines: string[] = [];
        for (let i = 0; i < batchLines; i++) {
          const time = baseNs + BigInt(Math.floor(i / 100) * 10 + b) * 1_000_000n;
          lines.push(`bench,host=web${i % 100},region=eu-west usage_user=${(Math.random() * 100).toFixed(2)},requests=${Math.round(Math.random() * 1e6)}i ${time}`);
        }
        return Buffer.from(`${lines.join('\n')}\n`); // encoded once: the load generator's CPU is not the server's
      });
      const { rate, cores } = await postBatches(server, bodies, {
        path: '/api/v2/write?org=bench&bucket=bench&precision=ns',
        contentType: 'text/plain; charset=utf-8',
        status: 204,
        pointsPerBody: batchLines * fieldsPerLine,
      });
      details.lineProtocol = { pointsPerSecond: rate, batchLines, fieldsPerLine, bodyBytes: bodies[0]?.length, serverCores: cores };
      row('7. Line protocol ingest ≥ 500k points/s on one core', `${fixed(rate / 1000, 0)}k points/s over HTTP (/api/v2/write), batches of ${batchLines / 1000}k lines × ${fieldsPerLine} fields (server CPU ${fixed(cores * 100, 0)}%)`, rate >= 500_000);
    },
    ['--max-body', String(8 * 2 ** 20), '--max-series', '1000'],
  );
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  let os = process.platform;
  try {
    os = (execFileSync('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']).toString().trim() || os) as NodeJS.Platform;
  } catch {}
  return `${cores} cores (${cpu}), ${fixed(totalmem() / 2 ** 30, 0)} GiB, ${os}, Node ${process.versions.node}`;
}

function table(): string {
  const lines = ['| target | measured | result |', '|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.target.trim()} | ${r.measured} | ${r.pass === undefined ? '—' : r.pass ? 'pass' : '**miss**'} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  process.stdout.write(`chartcast benchmarks${quick ? ' (quick)' : ''} on ${machine()}\nBuilding...\n`);
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const steps: [string, () => Promise<void>][] = [
    ['throughput', throughput],
    ['latency', latency],
    ['cost follows change', costFollowsChange],
    ['ingest', ingest],
    ['lineprotocol', lineProtocol],
    ...(quick && !process.argv.some((arg) => arg.startsWith('--only=')) ? [] : ([['fan-out', fanOut], ['slow clients', slowClients]] as [string, () => Promise<void>][])),
  ];
  const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',');
  for (const [name, step] of steps) {
    if (only && !only.some((wanted) => name.startsWith(wanted))) continue;
    process.stdout.write(`\n${name}\n`);
    try {
      await step();
    } catch (error) {
      row(name, `did not run: ${(error as Error).message.split('\n')[0]}`, false);
    }
  }
  const minutes = (performance.now() - started) / 60_000;
  const text = table();
  process.stdout.write(`\n${text}\n\n${rows.filter((r) => r.pass === false).length} missed; ran in ${fixed(minutes)} min\n`);
  const result = { date: new Date().toISOString(), quick, machine: machine(), minutes, rows, details };
  await writeFile(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  if (write) await writeBenchmarks(text, result.machine, result.date);
}

/** Replaces the results block of BENCHMARKS.md. */
async function writeBenchmarks(text: string, machineText: string, date: string): Promise<void> {
  const file = join(ROOT, 'BENCHMARKS.md');
  const current = await readFile(file, 'utf8');
  const start = '<!-- bench:results -->';
  const end = '<!-- /bench:results -->';
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  if (from < 0 || to < 0) throw new Error(`BENCHMARKS.md has no ${start} … ${end} block`);
  const block = `${start}\nMeasured ${date.slice(0, 10)} on ${machineText}${quick ? ' (quick run)' : ''}.\n\n${text}\n`;
  await writeFile(file, current.slice(0, from) + block + current.slice(to));
  process.stdout.write('BENCHMARKS.md updated\n');
}

await main();
