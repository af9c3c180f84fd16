import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ChartcastError } from '../../src/lib/errors.js';
import { MemorySeriesStore } from '../../src/series/memory-store.js';
import type { Sample, StoreLimits } from '../../src/series/types.js';
import { parseSelector } from '../../src/lib/series-selector.js';

/** A clock the test moves by hand. */
function fakeClock(start: number): { now: () => number; set: (t: number) => void } {
  let t = start;
  return { now: () => t, set: (next) => void (t = next) };
}

const T0 = 1_700_000_000_000;

function makeStore(limits: Partial<StoreLimits> = {}, start = T0) {
  const clock = fakeClock(start);
  const store = new MemorySeriesStore({
    limits: { maxPointsPerSeries: 100, maxSeries: 10, retentionMs: 60_000, ...limits },
    clock,
  });
  const changes: string[][] = [];
  store.onChange((names) => changes.push([...names].sort()));
  return { store, clock, changes };
}

const s = (series: string, time: number, value: number): Sample => ({ series, time, value });

describe('MemorySeriesStore', () => {
  it('stores points and returns them in time order from window', async () => {
    const { store } = makeStore();
    const result = await store.append([s('cpu', T0 - 1000, 3), s('cpu', T0 - 3000, 1), s('cpu', T0 - 2000, 2)]);
    assert.deepEqual(result, { stored: 3, dropped: 0, created: 1 });
    assert.deepEqual(store.window('cpu', T0 - 10_000, T0), [
      { x: T0 - 3000, y: 1 },
      { x: T0 - 2000, y: 2 },
      { x: T0 - 1000, y: 3 },
    ]);
    assert.equal(store.pointCount, 3);
  });

  it('returns an empty window for an unknown series', () => {
    const { store } = makeStore();
    assert.deepEqual(store.window('nope', 0, Infinity), []);
  });

  it('counts a same-time point as stored and replaces its value without adding a point', async () => {
    const { store } = makeStore();
    await store.append([s('cpu', T0, 1)]);
    const result = await store.append([s('cpu', T0, 2)]);
    assert.deepEqual(result, { stored: 1, dropped: 0, created: 0 });
    assert.equal(store.pointCount, 1);
    assert.deepEqual(store.window('cpu', 0, Infinity), [{ x: T0, y: 2 }]);
  });

  it('rejects a whole batch that would exceed maxSeries with code series_limit and stores nothing', async () => {
    const { store, changes } = makeStore({ maxSeries: 2 });
    await store.append([s('a', T0, 1)]);
    changes.length = 0;
    await assert.rejects(
      store.append([s('a', T0 + 1, 2), s('b', T0, 1), s('c', T0, 1)]),
      (error: unknown) => {
        assert.ok(error instanceof ChartcastError);
        assert.equal(error.code, 'series_limit');
        assert.equal(error.status, 422);
        return true;
      },
    );
    assert.deepEqual(store.names(), ['a']);
    assert.deepEqual(store.window('a', 0, Infinity), [{ x: T0, y: 1 }]);
    assert.equal(store.pointCount, 1);
    assert.deepEqual(changes, []);
  });

  it('in a partial append, refuses only the points of new series beyond maxSeries', async () => {
    const { store } = makeStore({ maxSeries: 2 });
    await store.append([s('a', T0, 1)]);
    const result = await store.append([s('a', T0 + 1, 2), s('b', T0, 3), s('c', T0, 4), s('c', T0 + 1, 5)], { partial: true });
    assert.deepEqual(result, { stored: 2, dropped: 0, created: 1, refused: 2 });
    assert.deepEqual(store.names(), ['a', 'b']);
    assert.equal(store.info('a')?.points, 2, 'the existing series got its point');
  });

  it('keeps a series key without keeping the request body it was sliced from', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const store = new MemorySeriesStore({ clock: fakeClock(T0), limits: { maxPointsPerSeries: 10, maxSeries: 100, retentionMs: 60_000 } });
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 20; i++) {
      // A 4 MB body; the key is a slice of it, as a parser makes.
      const body = `${'x'.repeat(4_000_000)}body.number.${String(i).padStart(4, '0')}.value`;
      await store.append([s(body.slice(4_000_000), T0, i)]);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.equal(store.names().length, 20);
    assert.ok(grown < 20_000_000, `heap grew ${(grown / 1e6).toFixed(0)} MB for 20 short keys`);
  });

  it('finds series by selector and moves its catalogue version only when series come or go', async () => {
    const { store } = makeStore();
    const v0 = store.catalogVersion;
    await store.append([s('temp{room=kitchen}', T0, 20), s('temp{room=hall}', T0, 18), s('temp', T0, 1), s('cpu', T0, 5)]);
    const v1 = store.catalogVersion;
    assert.notEqual(v1, v0);
    await store.append([s('temp{room=hall}', T0 + 1, 19)]);
    assert.equal(store.catalogVersion, v1, 'a point into an existing series does not change the catalogue');
    const keys = (text: string, limit = 10) => store.select(parseSelector(text), limit).map((m) => m.key);
    assert.deepEqual(keys('temp{room=*}'), ['temp{room=hall}', 'temp{room=kitchen}']);
    assert.deepEqual(keys('temp'), ['temp', 'temp{room=hall}', 'temp{room=kitchen}']);
    assert.deepEqual(keys('t*'), ['temp', 'temp{room=hall}', 'temp{room=kitchen}']);
    assert.deepEqual(keys('temp', 1), ['temp']);
    await store.delete('temp{room=hall}');
    assert.notEqual(store.catalogVersion, v1);
    assert.deepEqual(keys('temp{room=*}'), ['temp{room=kitchen}']);
  });

  it('allows a batch that fills maxSeries exactly and more points into existing series', async () => {
    const { store } = makeStore({ maxSeries: 2 });
    await store.append([s('a', T0, 1), s('b', T0, 1), s('a', T0 + 1, 2)]);
    const result = await store.append([s('a', T0 + 2, 3), s('b', T0 + 2, 3)]);
    assert.equal(result.stored, 2);
    assert.deepEqual(store.names(), ['a', 'b']);
    assert.throws(() => store.appendSync([s('c', T0, 1)]), { code: 'series_limit' });
  });

  it('counts a series named several times in one batch once against maxSeries', async () => {
    const { store } = makeStore({ maxSeries: 1 });
    const result = await store.append([s('a', T0, 1), s('a', T0 + 1, 2), s('a', T0 + 2, 3)]);
    assert.deepEqual(result, { stored: 3, dropped: 0, created: 1 });
  });

  it('drops points older than the retention on append', async () => {
    const { store } = makeStore({ retentionMs: 60_000 });
    const result = await store.append([s('cpu', T0 - 60_001, 1), s('cpu', T0 - 60_000, 2), s('cpu', T0, 3)]);
    assert.deepEqual(result, { stored: 2, dropped: 1, created: 1 });
    assert.deepEqual(store.window('cpu', 0, Infinity), [
      { x: T0 - 60_000, y: 2 },
      { x: T0, y: 3 },
    ]);
  });

  it('does not create a series whose every point is past retention', async () => {
    const { store, changes } = makeStore({ retentionMs: 1000 });
    const result = await store.append([s('old', T0 - 5000, 1)]);
    assert.deepEqual(result, { stored: 0, dropped: 1, created: 0 });
    assert.deepEqual(store.names(), []);
    assert.deepEqual(changes, []);
  });

  it('trims points that aged past retention when the series is appended to again', async () => {
    const { store, clock } = makeStore({ retentionMs: 10_000 });
    await store.append([s('cpu', T0 - 5000, 1), s('cpu', T0, 2)]);
    clock.set(T0 + 8000);
    await store.append([s('cpu', T0 + 8000, 3)]);
    assert.deepEqual(store.window('cpu', 0, Infinity), [
      { x: T0, y: 2 },
      { x: T0 + 8000, y: 3 },
    ]);
    assert.equal(store.pointCount, 2);
    assert.equal(store.info('cpu')?.firstTime, T0);
  });

  it('keeps at most maxPointsPerSeries points, dropping the oldest', async () => {
    const { store } = makeStore({ maxPointsPerSeries: 3 });
    const samples = [1, 2, 3, 4, 5].map((i) => s('cpu', T0 + i, i));
    const result = await store.append(samples);
    assert.deepEqual(result, { stored: 5, dropped: 0, created: 1 });
    assert.deepEqual(
      store.window('cpu', 0, Infinity).map((p) => p.y),
      [3, 4, 5],
    );
    assert.equal(store.pointCount, 3);
  });

  it('reports a late point older than a full series as dropped', async () => {
    const { store } = makeStore({ maxPointsPerSeries: 2 });
    await store.append([s('cpu', T0 - 10, 1), s('cpu', T0, 2)]);
    const result = await store.append([s('cpu', T0 - 20, 0)]);
    assert.deepEqual(result, { stored: 0, dropped: 1, created: 0 });
    assert.equal(store.pointCount, 2);
  });

  it('computes count, last, lastTime, min, max and avg over a window', async () => {
    const { store } = makeStore();
    await store.append([s('cpu', T0 - 4000, 100), s('cpu', T0 - 3000, 4), s('cpu', T0 - 2000, 8), s('cpu', T0 - 1000, 6), s('cpu', T0, -50)]);
    assert.deepEqual(store.stats('cpu', T0 - 3000, T0 - 1000), {
      count: 3,
      last: 6,
      lastTime: T0 - 1000,
      min: 4,
      max: 8,
      avg: 6,
    });
  });

  it('gives empty statistics for an empty window or unknown series', async () => {
    const { store } = makeStore();
    await store.append([s('cpu', T0, 1)]);
    const empty = { count: 0, last: undefined, lastTime: undefined, min: undefined, max: undefined, avg: undefined };
    assert.deepEqual(store.stats('cpu', T0 + 1, T0 + 100), empty);
    assert.deepEqual(store.stats('nope', 0, Infinity), empty);
  });

  it('describes a series with info', async () => {
    const { store } = makeStore();
    assert.equal(store.info('cpu'), undefined);
    await store.append([s('cpu', T0 - 10, 1), s('cpu', T0, 7)]);
    assert.deepEqual(store.info('cpu'), { name: 'cpu', points: 2, firstTime: T0 - 10, lastTime: T0, lastValue: 7 });
  });

  it('lists names sorted', async () => {
    const { store } = makeStore();
    await store.append([s('zeta', T0, 1), s('alpha', T0, 1), s('mid', T0, 1)]);
    assert.deepEqual(store.names(), ['alpha', 'mid', 'zeta']);
  });

  it('tells onChange listeners the names of the series that changed, once per append', async () => {
    const { store, changes } = makeStore();
    await store.append([s('a', T0, 1), s('b', T0, 1), s('a', T0 + 1, 2)]);
    await store.append([s('b', T0 + 2, 1)]);
    assert.deepEqual(changes, [['a', 'b'], ['b']]);
  });

  it('does not notify for an append that stored nothing', async () => {
    const { store, changes } = makeStore({ retentionMs: 1000 });
    await store.append([]);
    await store.append([s('a', T0 - 10_000, 1)]);
    assert.deepEqual(changes, []);
  });

  it('stops notifying after unsubscribe', async () => {
    const { store } = makeStore();
    const seen: string[] = [];
    const off = store.onChange((names) => seen.push(...names));
    await store.append([s('a', T0, 1)]);
    off();
    await store.append([s('b', T0, 1)]);
    assert.deepEqual(seen, ['a']);
  });

  it('deletes a series, frees its slot and notifies', async () => {
    const { store, changes } = makeStore({ maxSeries: 1 });
    await store.append([s('a', T0, 1), s('a', T0 + 1, 2)]);
    changes.length = 0;
    assert.equal(await store.delete('a'), true);
    assert.deepEqual(changes, [['a']]);
    assert.equal(store.info('a'), undefined);
    assert.equal(store.pointCount, 0);
    assert.deepEqual(store.names(), []);
    await store.append([s('b', T0, 1)]);
    assert.deepEqual(store.names(), ['b']);
  });

  it('returns false when deleting an unknown series and does not notify', async () => {
    const { store, changes } = makeStore();
    assert.equal(await store.delete('nope'), false);
    assert.deepEqual(changes, []);
  });

  it('sweep drops expired points, removes emptied series and frees their slots', async () => {
    const { store, clock, changes } = makeStore({ retentionMs: 10_000, maxSeries: 2 });
    await store.append([s('old', T0 - 9000, 1), s('mixed', T0 - 9000, 1), s('mixed', T0, 2)]);
    changes.length = 0;
    clock.set(T0 + 5000);
    store.sweep();
    assert.deepEqual(store.names(), ['mixed']);
    assert.deepEqual(store.window('mixed', 0, Infinity), [{ x: T0, y: 2 }]);
    assert.equal(store.pointCount, 1);
    assert.deepEqual(changes, [['mixed', 'old']]);
    // The swept series' slot is free again.
    await store.append([s('new', T0 + 5000, 1)]);
    assert.deepEqual(store.names(), ['mixed', 'new']);
  });

  it('sweep does nothing and does not notify when nothing expired', async () => {
    const { store, changes } = makeStore();
    await store.append([s('a', T0, 1)]);
    changes.length = 0;
    store.sweep();
    assert.deepEqual(store.names(), ['a']);
    assert.deepEqual(changes, []);
  });

  it('keeps pointCount equal to the points actually stored', async () => {
    const { store, clock } = makeStore({ maxPointsPerSeries: 4, retentionMs: 50 });
    for (let i = 0; i < 30; i++) {
      clock.set(T0 + i * 10);
      await store.append([s('a', T0 + i * 10, i), s('b', T0 + i * 7, i), s('a', T0 + i * 10 - 15, -i)]);
      if (i % 5 === 0) store.sweep();
      const total = store.names().reduce((sum, name) => sum + (store.info(name)?.points ?? 0), 0);
      assert.equal(store.pointCount, total);
    }
  });
});
