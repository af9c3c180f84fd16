import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MjpegReader } from '../helpers/mjpeg-reader.js';
import { type TestServer, chartStats, feed, sleep, startServer } from '../helpers/server.js';

const CHART = { series: ['busy.value'], fps: 10, width: 640, height: 360, overlay: { lines: ['{time:HH:mm:ss.SSS}', '{last:busy.value:3}'] } };


describe('work follows viewers', () => {
  let server: TestServer;
  let stopFeed: () => void;
  before(async () => {
    server = await startServer({ charts: { 'busy.json': CHART }, args: ['--idle-grace', '1s'] });
    stopFeed = feed(server.url, 'busy.value');
  });
  after(async () => {
    stopFeed();
    await server.stop();
  });

  it('renders nothing while nobody watches, though data keeps changing', async () => {
    await sleep(1500);
    const stats = await chartStats(server, 'busy');
    assert.equal(stats.renders, 0);
    assert.equal(stats.variants, 0);
  });

  it('stops rendering as soon as the last viewer leaves', async () => {
    const reader = await MjpegReader.open(`${server.url}/charts/busy.mjpeg`);
    await reader.nextPart();
    await sleep(500);
    assert.ok((await chartStats(server, 'busy')).renders > 0);
    reader.close();
    await sleep(300);
    const closed = await chartStats(server, 'busy');
    assert.equal(closed.viewers, 0);
    await sleep(1500);
    const later = await chartStats(server, 'busy');
    assert.equal(later.renders, closed.renders, 'no renders after the viewer left');
  });

  it('lets a stalled reader skip frames without growing memory, then gives it a recent frame', async () => {
    const reader = await MjpegReader.open(`${server.url}/charts/busy.mjpeg`);
    try {
      await reader.nextPart();
      reader.pause();
      await sleep(1000);
      const rssBefore = await server.rss();
      const { framesSkipped: skippedBefore, framesPublished: publishedBefore } = await chartStats(server, 'busy');
      await sleep(5000);
      const rssAfter = await server.rss();
      const stats = await chartStats(server, 'busy');
      assert.ok(stats.framesSkipped - skippedBefore >= 20, `frames skipped while stalled: ${stats.framesSkipped - skippedBefore}`);
      assert.ok(rssAfter - rssBefore < 30 * 1024 * 1024, `RSS grew ${((rssAfter - rssBefore) / 1e6).toFixed(1)} MB while stalled`);
      const resumedAt = Date.now();
      reader.resume();
      // Only what socket buffers held (about 150 KB in the kernel, a little in the client) may come
      // before a fresh frame; a server-side queue would replay every frame published during the stall.
      let stale = 0;
      let staleBytes = 0;
      const fresh = await reader.nextPartWhere((part) => {
        if (part.timestamp >= resumedAt - 1000) return true;
        stale++;
        staleBytes += part.body.length;
        return false;
      }, 2000);
      assert.ok(fresh.receivedAt - resumedAt < 1000, `a recent frame came ${fresh.receivedAt - resumedAt} ms after resuming`);
      const published = stats.framesPublished - publishedBefore;
      assert.ok(stale < published / 2, `${stale} stale frames (of ${published} published while stalled) before a fresh one`);
      assert.ok(staleBytes < 400_000, `${staleBytes} stale bytes before a fresh frame`);
    } finally {
      reader.close();
    }
  });
});

describe('a viewer that stops reading for good', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ charts: { 'busy.json': CHART }, args: ['--stall-timeout', '2s'] });
  });
  after(() => server.stop());

  it('is disconnected after the stall timeout, and its stream stops rendering', async () => {
    const stop = feed(server.url, 'busy.value');
    const reader = await MjpegReader.open(`${server.url}/charts/busy.mjpeg`);
    try {
      await reader.nextPart();
      reader.pause();
      const deadline = Date.now() + 8000;
      let stats = await chartStats(server, 'busy');
      while (stats.viewersDropped === 0 && Date.now() < deadline) {
        await sleep(200);
        stats = await chartStats(server, 'busy');
      }
      assert.equal(stats.viewers, 0);
      assert.equal(stats.viewersDropped, 1);
      await sleep(300);
      const renders = (await chartStats(server, 'busy')).renders;
      await sleep(1000);
      assert.equal((await chartStats(server, 'busy')).renders, renders, 'no renders once the stalled viewer is gone');
    } finally {
      stop();
      reader.close();
    }
  });
});
