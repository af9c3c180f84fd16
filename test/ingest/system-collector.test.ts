import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { SYSTEM_SERIES, SystemCollector, parseNetDev } from '../../src/ingest/system-collector.js';
import { createSystemClock } from '../../src/lib/clock.js';
import { createSilentLogger } from '../../src/lib/logger.js';
import { MemorySeriesStore } from '../../src/series/memory-store.js';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 9999999    1000    0    0    0     0          0         0  9999999    1000    0    0    0     0       0          0
  eth0: 1000      10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0
wlan0:300 3 0 0 0 0 0 0 400 4 0 0 0 0 0 0
 docker0:       5       1    0    0    0     0          0         0        7       1    0    0    0     0       0          0
`;

describe('parseNetDev', () => {
  it('sums received and sent bytes over every interface but loopback', () => {
    assert.deepEqual(parseNetDev(NET_DEV), { rx: 1000 + 300 + 5, tx: 2000 + 400 + 7 });
  });

  it('returns zeros when only loopback is present', () => {
    const onlyLo = NET_DEV.split('\n').slice(0, 3).join('\n');
    assert.deepEqual(parseNetDev(onlyLo), { rx: 0, tx: 0 });
  });

  it('treats the first two lines as headers', () => {
    assert.deepEqual(parseNetDev('a: 1 2 3 4 5 6 7 8 9\nb: 1 2 3 4 5 6 7 8 9\n'), { rx: 0, tx: 0 });
  });

  it('returns zeros for empty text', () => {
    assert.deepEqual(parseNetDev(''), { rx: 0, tx: 0 });
  });
});

describe('SystemCollector', () => {
  it('stores CPU, memory and load from the real machine', async () => {
    const clock = createSystemClock();
    const store = new MemorySeriesStore({
      limits: { maxPointsPerSeries: 100, maxSeries: 100, retentionMs: 3_600_000 },
      clock,
    });
    const collector = new SystemCollector({ store, clock, logger: createSilentLogger(), intervalMs: 60_000 });
    await collector.collect();
    await sleep(200);
    await collector.collect();

    const now = clock.now();
    const cpu = store.stats('system.cpu.total', 0, now + 1000);
    assert.ok(cpu.count >= 1, 'system.cpu.total was stored');
    assert.ok(cpu.last !== undefined && cpu.last >= 0 && cpu.last <= 100, `cpu.total ${cpu.last} within 0..100`);
    for (const name of ['system.cpu.user', 'system.cpu.system']) {
      const last = store.info(name)?.lastValue;
      assert.ok(last !== undefined && last >= 0 && last <= 100, `${name} ${last} within 0..100`);
    }
    const usedBytes = store.info('system.memory.used_bytes');
    assert.equal(usedBytes?.points, 2);
    assert.ok((usedBytes?.lastValue ?? 0) > 0, 'memory.used_bytes > 0');
    const usedPercent = store.info('system.memory.used_percent')?.lastValue;
    assert.ok(usedPercent !== undefined && usedPercent > 0 && usedPercent <= 100);
    for (const name of ['system.load.1', 'system.load.5', 'system.load.15']) {
      const load = store.info(name)?.lastValue;
      assert.ok(load !== undefined && load >= 0, `${name} stored`);
    }
    for (const name of store.names()) assert.ok((SYSTEM_SERIES as readonly string[]).includes(name), `${name} is a system series`);
  });

  it('stores network throughput read from the given net/dev file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chartcast-netdev-'));
    try {
      const netDevPath = join(dir, 'dev');
      await writeFile(netDevPath, NET_DEV);
      let t = 1_700_000_000_000;
      const clock = { now: () => t };
      const store = new MemorySeriesStore({ limits: { maxPointsPerSeries: 100, maxSeries: 100, retentionMs: 3_600_000 }, clock });
      const collector = new SystemCollector({ store, clock, logger: createSilentLogger(), intervalMs: 60_000, netDevPath });
      await collector.collect();
      assert.equal(store.info('system.net.rx_bytes'), undefined, 'no rate from a single reading');
      await writeFile(netDevPath, NET_DEV.replace('eth0: 1000 ', 'eth0: 5000 ').replace('     2000 ', '     3000 '));
      t += 2000;
      await collector.collect();
      assert.equal(store.info('system.net.rx_bytes')?.lastValue, 2000);
      assert.equal(store.info('system.net.tx_bytes')?.lastValue, 500);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
