import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { type Server, connect, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MjpegReader } from '../helpers/mjpeg-reader.js';
import { probeChart, showsValueAt } from '../helpers/probe-chart.js';
import { nc, seriesPoints, waitFor } from '../helpers/protocol-clients.js';
import { type TestServer, getJson, sleep, startServer } from '../helpers/server.js';

interface Stats {
  ingest: Record<string, { points: number; malformed: number; lastError?: { reason: string } }>;
  listeners: Record<string, { tcp?: number; udp?: number; error?: string } | null>;
}

const nowSeconds = () => (Date.now() / 1000).toFixed(3);

describe('Graphite plaintext listener with real clients', () => {
  let server: TestServer;
  let tcp: number;
  let udp: number;
  const stats = () => getJson<Stats>(`${server.url}/api/stats`);

  before(async () => {
    server = await startServer({ charts: { 'gprobe.json': probeChart('graphite.probe') }, args: ['--graphite-port', '0'] });
    const graphite = (await stats()).listeners.graphite;
    assert.ok(graphite?.tcp && graphite.udp, `listeners: ${JSON.stringify(graphite)}`);
    tcp = graphite.tcp;
    udp = graphite.udp;
  });

  it('reports null for a listener turned off', async () => {
    assert.equal((await stats()).listeners.statsd, null);
  });
  after(() => server.stop());

  it('logs the bound ports', () => {
    const line = server.logs.find((l) => l.includes('graphite listening'));
    assert.ok(line, 'a "graphite listening" log line');
    assert.deepEqual({ tcp: JSON.parse(line).tcp, udp: JSON.parse(line).udp }, { tcp, udp });
  });

  it('stores lines sent over TCP by nc, next to bad lines', async () => {
    const before = (await stats()).ingest.graphite?.malformed ?? 0;
    const t = nowSeconds();
    await nc(['-N', '127.0.0.1', String(tcp)], `tcp.a 1.5 ${t}\ntcp.bad nan ${t}\nthis line is wrong\ntcp.b;host=web1 2 ${t}\r\ntcp.c 3\n`);
    assert.deepEqual(await waitFor('tcp.a', () => seriesPoints(server.url, 'tcp.a')), [[Number(t), 1.5]]);
    assert.deepEqual(await waitFor('tcp.b', () => seriesPoints(server.url, 'tcp.b{host=web1}')), [[Number(t), 2]]);
    const [[, value] = []] = await waitFor('tcp.c', () => seriesPoints(server.url, 'tcp.c'));
    assert.equal(value, 3, 'a line without a timestamp is stored at the current time');
    const after = await stats();
    assert.equal(after.ingest.graphite?.malformed, before + 2);
    assert.match(after.ingest.graphite?.lastError?.reason ?? '', /path value \[timestamp\]/);
  });

  it('stores lines sent over UDP by nc -u, several per datagram', async () => {
    const before = (await stats()).ingest.graphite?.malformed ?? 0;
    const t = nowSeconds();
    await nc(['-u', '-q0', '127.0.0.1', String(udp)], `udp.a 10 ${t}\nudp.bad 1 2 3 4\nudp.b 20 ${t}\n`);
    assert.deepEqual(await waitFor('udp.a', () => seriesPoints(server.url, 'udp.a')), [[Number(t), 10]]);
    assert.deepEqual(await waitFor('udp.b', () => seriesPoints(server.url, 'udp.b')), [[Number(t), 20]]);
    assert.equal((await stats()).ingest.graphite?.malformed, before + 1);
  });

  it('discards an over-long line up to its newline and keeps its neighbours', async () => {
    const before = (await stats()).ingest.graphite?.malformed ?? 0;
    // The long line would be valid (spaces between path and value) if it were read.
    await nc(['-N', '127.0.0.1', String(tcp)], `long.before 1\nlong.discarded ${' '.repeat(10_000)} 5\nlong.after 2\n`);
    await waitFor('long.after', () => seriesPoints(server.url, 'long.after'));
    assert.ok(await seriesPoints(server.url, 'long.before'));
    const { series } = await getJson<{ series: { name: string }[] }>(`${server.url}/api/series`);
    assert.deepEqual(series.map((s) => s.name).filter((name) => name.startsWith('long.')), ['long.after', 'long.before'], 'nothing from the discarded line');
    const after = await stats();
    assert.equal(after.ingest.graphite?.malformed, before + 1);
    assert.match(after.ingest.graphite?.lastError?.reason ?? '', /longer than 4096 bytes/);
  });

  it('joins a line that arrives in pieces on a long-lived connection', async () => {
    const socket = connect(tcp, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('split.line 4');
    await sleep(100);
    socket.write('2\nsplit.other 7\n');
    assert.equal((await waitFor('split.line', () => seriesPoints(server.url, 'split.line')))[0]?.[1], 42);
    assert.equal((await waitFor('split.other', () => seriesPoints(server.url, 'split.other')))[0]?.[1], 7);
    socket.end();
  });

  it('shows a value sent over TCP in the chart stream', async () => {
    const reader = await MjpegReader.open(`${server.url}/charts/gprobe.mjpeg`);
    try {
      await reader.nextPart();
      for (const value of [70, 30]) {
        await sleep(600); // past the previous value's points, so the new segment is flat
        const now = Date.now() / 1000;
        // Two points half a second apart make a flat segment.
        const lines = [0.5, 0].map((ago) => `graphite.probe ${value} ${(now - ago).toFixed(3)}`).join('\n');
        await nc(['-N', '127.0.0.1', String(tcp)], `${lines}\n`);
        await reader.nextPartWhere((part) => showsValueAt(part, value, now * 1000 - 250, 10_000), 4000);
      }
    } finally {
      reader.close();
    }
  });
});

describe('protocol listeners start and stop with the service', () => {
  it('keeps running without a listener whose port is in use, and says so', async () => {
    const blocker: Server = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const busyTcp = (blocker.address() as { port: number }).port;
    const udpBlocker = createSocket('udp4');
    udpBlocker.bind(0, '127.0.0.1');
    await once(udpBlocker, 'listening');
    const busyUdp = udpBlocker.address().port;
    const server = await startServer({ args: ['--graphite-port', String(busyTcp), '--statsd-port', String(busyUdp)] });
    try {
      const { listeners } = await getJson<Stats>(`${server.url}/api/stats`);
      // The UDP half of Graphite binds; the TCP half and StatsD report the clash.
      assert.equal(listeners.graphite?.udp, busyTcp);
      assert.equal(listeners.graphite?.tcp, undefined);
      assert.match(listeners.graphite?.error ?? '', new RegExp(`Graphite TCP port ${busyTcp} is in use.*--graphite-port`));
      assert.match(listeners.statsd?.error ?? '', new RegExp(`StatsD UDP port ${busyUdp} is in use.*--statsd-port`));
      assert.ok(server.logs.some((l) => l.includes(`StatsD UDP port ${busyUdp} is in use`) && l.includes('"level":50')), 'logged as an error');
      const pushed = await fetch(`${server.url}/api/series/still.alive`, { method: 'POST', body: '1' });
      assert.equal(pushed.status, 200);
    } finally {
      await server.stop();
      blocker.close();
      udpBlocker.close();
    }
  });

  it('frees the ports when the service stops', async () => {
    const server = await startServer({ args: ['--graphite-port', '0', '--statsd-port', '0'] });
    const { listeners } = await getJson<Stats>(`${server.url}/api/stats`);
    const graphite = listeners.graphite as { tcp: number; udp: number };
    const statsd = listeners.statsd as { udp: number };
    assert.ok(graphite.tcp && graphite.udp && statsd.udp);
    // An open connection must not keep the service from stopping.
    const client = connect(graphite.tcp, '127.0.0.1');
    await once(client, 'connect');
    client.on('error', () => {});
    await server.stop();
    const tcpServer = createServer().listen(graphite.tcp, '127.0.0.1');
    await once(tcpServer, 'listening');
    tcpServer.close();
    for (const port of [graphite.udp, statsd.udp]) {
      const socket = createSocket('udp4');
      socket.bind(port, '127.0.0.1');
      await once(socket, 'listening');
      socket.close();
    }
    client.destroy();
  });
});
