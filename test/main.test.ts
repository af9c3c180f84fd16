import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { loadAppConfig, type AppConfig } from '../src/config/app-config.js';
import { createSilentLogger } from '../src/lib/logger.js';
import { startChartcast } from '../src/main.js';
import { sleep, writeChartDir } from './helpers/server.js';

describe('startChartcast', () => {
  it('stops every part it started when the HTTP port cannot be bound', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as { port: number };
    const chartsDir = await writeChartDir({});
    const config = loadAppConfig(
      ['--host', '127.0.0.1', '--port', String(port), '--charts', chartsDir, '--system', 'off', '--render-threads', '0', '--graphite-port', '0', '--statsd-port', '0', '--scrape', `${chartsDir}/none`],
      {},
    ) as AppConfig;
    // Sockets and servers: what the HTTP server, the Graphite and StatsD listeners would leave.
    const sockets = () => process.getActiveResourcesInfo().filter((r) => /UDP|TCP/.test(r)).length;
    const before = sockets();
    await assert.rejects(startChartcast(config, { logger: createSilentLogger() }), /EADDRINUSE/);
    await sleep(50);
    const after = sockets();
    blocker.close();
    assert.equal(after, before, `resources left open: ${process.getActiveResourcesInfo().join(', ')}`);
  });
});
