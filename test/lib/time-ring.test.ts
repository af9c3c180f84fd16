import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TimeRing } from '../../src/lib/time-ring.js';

/** Every stored point, oldest first. */
function pointsOf(ring: TimeRing): [number, number][] {
  const points: [number, number][] = [];
  ring.forEachBetween(-Infinity, Infinity, (time, value) => points.push([time, value]));
  return points;
}

function ringWith(maxPoints: number, points: readonly (readonly [number, number])[]): TimeRing {
  const ring = new TimeRing(maxPoints);
  for (const [time, value] of points) ring.insert(time, value);
  return ring;
}

describe('TimeRing', () => {
  it('rejects a maxPoints that is not a positive integer', () => {
    assert.throws(() => new TimeRing(0), RangeError);
    assert.throws(() => new TimeRing(-1), RangeError);
    assert.throws(() => new TimeRing(2.5), RangeError);
    assert.throws(() => new TimeRing(Number.NaN), RangeError);
  });

  it('reports undefined first/last time and value when empty', () => {
    const ring = new TimeRing(4);
    assert.equal(ring.size, 0);
    assert.equal(ring.firstTime, undefined);
    assert.equal(ring.lastTime, undefined);
    assert.equal(ring.lastValue, undefined);
    assert.equal(ring.valueAtOrBefore(100), undefined);
    assert.deepEqual(pointsOf(ring), []);
  });

  it('keeps points appended in time order', () => {
    const ring = ringWith(10, [
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    assert.equal(ring.size, 3);
    assert.equal(ring.firstTime, 1);
    assert.equal(ring.lastTime, 3);
    assert.equal(ring.lastValue, 30);
    assert.deepEqual(pointsOf(ring), [
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
  });

  it('inserts a late point in its place', () => {
    const ring = ringWith(10, [
      [10, 1],
      [30, 3],
      [40, 4],
    ]);
    assert.equal(ring.insert(20, 2), true);
    assert.equal(ring.insert(5, 0), true);
    assert.deepEqual(pointsOf(ring), [
      [5, 0],
      [10, 1],
      [20, 2],
      [30, 3],
      [40, 4],
    ]);
    assert.equal(ring.lastValue, 4);
    assert.equal(ring.firstTime, 5);
  });

  it('replaces the value of a point with the same time instead of adding one', () => {
    const ring = ringWith(10, [
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    assert.equal(ring.insert(2, 99), true);
    assert.equal(ring.insert(3, 33), true);
    assert.equal(ring.insert(1, 11), true);
    assert.equal(ring.size, 3);
    assert.deepEqual(pointsOf(ring), [
      [1, 11],
      [2, 99],
      [3, 33],
    ]);
    assert.equal(ring.lastValue, 33);
  });

  it('overwrites the oldest point when full', () => {
    const ring = ringWith(3, [
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    assert.equal(ring.insert(4, 40), true);
    assert.equal(ring.size, 3);
    assert.deepEqual(pointsOf(ring), [
      [2, 20],
      [3, 30],
      [4, 40],
    ]);
    assert.equal(ring.firstTime, 2);
  });

  it('inserts a late point into a full ring by dropping the oldest', () => {
    const ring = ringWith(3, [
      [10, 1],
      [20, 2],
      [30, 3],
    ]);
    assert.equal(ring.insert(25, 2.5), true);
    assert.deepEqual(pointsOf(ring), [
      [20, 2],
      [25, 2.5],
      [30, 3],
    ]);
  });

  it('replaces a value in a full ring without dropping anything', () => {
    const ring = ringWith(3, [
      [10, 1],
      [20, 2],
      [30, 3],
    ]);
    assert.equal(ring.insert(10, 100), true);
    assert.deepEqual(pointsOf(ring), [
      [10, 100],
      [20, 2],
      [30, 3],
    ]);
  });

  it('drops a late point older than everything in a full ring', () => {
    const ring = ringWith(3, [
      [10, 1],
      [20, 2],
      [30, 3],
    ]);
    assert.equal(ring.insert(5, 0.5), false);
    assert.equal(ring.size, 3);
    assert.deepEqual(pointsOf(ring), [
      [10, 1],
      [20, 2],
      [30, 3],
    ]);
  });

  it('accepts a point older than everything when the ring is not full', () => {
    const ring = ringWith(4, [
      [10, 1],
      [20, 2],
      [30, 3],
    ]);
    assert.equal(ring.insert(5, 0.5), true);
    assert.equal(ring.firstTime, 5);
    assert.equal(ring.size, 4);
  });

  it('stays correct after wrapping around many times', () => {
    const ring = new TimeRing(5);
    for (let t = 0; t < 103; t++) ring.insert(t, t * 2);
    assert.deepEqual(pointsOf(ring), [
      [98, 196],
      [99, 198],
      [100, 200],
      [101, 202],
      [102, 204],
    ]);
    // A late insert while the storage is wrapped lands in order.
    assert.equal(ring.insert(99.5, -1), true);
    assert.deepEqual(pointsOf(ring), [
      [99, 198],
      [99.5, -1],
      [100, 200],
      [101, 202],
      [102, 204],
    ]);
  });

  it('dropBefore removes only points strictly older than the time and counts them', () => {
    const ring = ringWith(10, [
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    assert.equal(ring.dropBefore(3), 2);
    assert.deepEqual(pointsOf(ring), [
      [3, 3],
      [4, 4],
    ]);
    assert.equal(ring.dropBefore(0), 0);
    assert.equal(ring.size, 2);
    assert.equal(ring.dropBefore(100), 2);
    assert.equal(ring.size, 0);
    assert.equal(ring.firstTime, undefined);
    assert.equal(ring.lastTime, undefined);
  });

  it('accepts new points after dropBefore emptied it', () => {
    const ring = ringWith(3, [
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    ring.dropBefore(10);
    ring.insert(20, 20);
    ring.insert(15, 15);
    assert.deepEqual(pointsOf(ring), [
      [15, 15],
      [20, 20],
    ]);
  });

  it('forEachBetween visits from <= time <= to, oldest first', () => {
    const ring = ringWith(10, [
      [10, 1],
      [20, 2],
      [30, 3],
      [40, 4],
    ]);
    const between = (from: number, to: number): number[] => {
      const seen: number[] = [];
      ring.forEachBetween(from, to, (time) => seen.push(time));
      return seen;
    };
    assert.deepEqual(between(20, 30), [20, 30]);
    assert.deepEqual(between(15, 35), [20, 30]);
    assert.deepEqual(between(-Infinity, Infinity), [10, 20, 30, 40]);
    assert.deepEqual(between(41, 100), []);
    assert.deepEqual(between(0, 9), []);
    assert.deepEqual(between(30, 20), []);
    assert.deepEqual(between(40, 40), [40]);
  });

  it('grows past its initial capacity of 64 up to maxPoints', () => {
    const ring = new TimeRing(200);
    for (let t = 0; t < 150; t++) ring.insert(t, t);
    assert.equal(ring.size, 150);
    assert.equal(ring.firstTime, 0);
    assert.equal(ring.lastTime, 149);
    for (let t = 150; t < 250; t++) ring.insert(t, t);
    assert.equal(ring.size, 200);
    assert.equal(ring.firstTime, 50);
    assert.equal(ring.lastTime, 249);
    const points = pointsOf(ring);
    assert.deepEqual(
      points.map(([time]) => time),
      Array.from({ length: 200 }, (_, i) => i + 50),
    );
  });

  it('keeps order when it grows while its storage is wrapped', () => {
    const ring = new TimeRing(100);
    for (let t = 0; t < 64; t++) ring.insert(t, t);
    // Move the head forward, then refill so the 64-slot storage wraps.
    ring.dropBefore(40);
    for (let t = 64; t < 104; t++) ring.insert(t, t);
    assert.equal(ring.size, 64);
    // One more point forces growth past 64 with a wrapped head.
    ring.insert(104, 104);
    ring.insert(50.5, -1);
    const times = pointsOf(ring).map(([time]) => time);
    const expected = [...Array.from({ length: 65 }, (_, i) => i + 40), 50.5].sort((a, b) => a - b);
    assert.deepEqual(times, expected);
  });

  it('valueAtOrBefore gives the value as of a time', () => {
    const ring = ringWith(10, [
      [10, 1],
      [20, 2],
      [30, 3],
    ]);
    assert.equal(ring.valueAtOrBefore(5), undefined);
    assert.equal(ring.valueAtOrBefore(10), 1);
    assert.equal(ring.valueAtOrBefore(15), 1);
    assert.equal(ring.valueAtOrBefore(20), 2);
    assert.equal(ring.valueAtOrBefore(29.9), 2);
    assert.equal(ring.valueAtOrBefore(30), 3);
    assert.equal(ring.valueAtOrBefore(1e15), 3);
  });

  it('behaves like a sorted array with the same rules under random operations', () => {
    type Op =
      | { kind: 'insert'; time: number; value: number }
      | { kind: 'drop'; time: number }
      | { kind: 'probe'; time: number };
    const time = fc.integer({ min: 0, max: 200 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 8, arbitrary: fc.record({ kind: fc.constant('insert' as const), time, value: fc.integer({ min: -1000, max: 1000 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), time }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('probe' as const), time }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 150 }), fc.array(op, { maxLength: 400 }), (maxPoints, ops) => {
        const ring = new TimeRing(maxPoints);
        let model: [number, number][] = [];
        for (const step of ops) {
          if (step.kind === 'insert') {
            const same = model.findIndex(([t]) => t === step.time);
            let expected = true;
            if (same >= 0) {
              model[same] = [step.time, step.value];
            } else if (model.length === maxPoints && step.time < (model[0] as [number, number])[0]) {
              expected = false;
            } else {
              if (model.length === maxPoints) model.shift();
              model.push([step.time, step.value]);
              model.sort((a, b) => a[0] - b[0]);
            }
            assert.equal(ring.insert(step.time, step.value), expected);
          } else if (step.kind === 'drop') {
            const kept = model.filter(([t]) => t >= step.time);
            assert.equal(ring.dropBefore(step.time), model.length - kept.length);
            model = kept;
          } else {
            const before = model.filter(([t]) => t <= step.time);
            assert.equal(ring.valueAtOrBefore(step.time), before.at(-1)?.[1]);
            const between: [number, number][] = [];
            ring.forEachBetween(step.time - 20, step.time, (t, v) => between.push([t, v]));
            assert.deepEqual(
              between,
              model.filter(([t]) => t >= step.time - 20 && t <= step.time),
            );
          }
          assert.equal(ring.size, model.length);
          assert.equal(ring.firstTime, model[0]?.[0]);
          assert.equal(ring.lastTime, model.at(-1)?.[0]);
          assert.equal(ring.lastValue, model.at(-1)?.[1]);
        }
        assert.deepEqual(pointsOf(ring), model);
      }),
      { numRuns: 300 },
    );
  });
});

describe('TimeRing.insertMany', () => {
  /** The reference: the same points stored one by one. */
  function oneByOne(maxPoints: number, seed: [number, number][], batch: [number, number][]): [number, number][] {
    const ring = new TimeRing(maxPoints);
    for (const [t, v] of [...seed, ...batch]) ring.insert(t, v);
    const out: [number, number][] = [];
    ring.forEachBetween(-Infinity, Infinity, (t, v) => out.push([t, v]));
    return out;
  }

  it('stores a batch exactly as inserting its points one by one would', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer()), { maxLength: 30 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer()), { maxLength: 30 }),
        (maxPoints, seed, batch) => {
          const ring = new TimeRing(maxPoints);
          for (const [t, v] of seed) ring.insert(t, v);
          ring.insertMany(batch.map(([t]) => t), batch.map(([, v]) => v));
          const out: [number, number][] = [];
          ring.forEachBetween(-Infinity, Infinity, (t, v) => out.push([t, v]));
          assert.deepEqual(out, oneByOne(maxPoints, seed, batch));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('merges 20,000 late points into a full 10,000-point series in order', () => {
    const ring = new TimeRing(10_000);
    for (let i = 0; i < 10_000; i++) ring.insert(i * 2, i);
    const times = Array.from({ length: 20_000 }, (_, i) => i + 0.5);
    ring.insertMany(times, times);
    assert.equal(ring.size, 10_000);
    let previous = -Infinity;
    ring.forEachBetween(-Infinity, Infinity, (t) => {
      assert.ok(t > previous);
      previous = t;
    });
  });
});
