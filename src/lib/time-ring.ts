const INITIAL_CAPACITY = 64;

/**
 * A time-ordered ring of (time, value) pairs in typed arrays, bounded by `maxPoints`.
 * Appends in time order are O(1); a late point is inserted in place; a point with the
 * same time as a stored one replaces its value (idempotent retries). When full, the
 * oldest point is overwritten. Storage grows by doubling up to `maxPoints`.
 */
export class TimeRing {
  readonly maxPoints: number;
  #times: Float64Array;
  #values: Float64Array;
  #head = 0; // index of the oldest point
  #size = 0;

  constructor(maxPoints: number) {
    if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new RangeError('maxPoints must be a positive integer');
    this.maxPoints = maxPoints;
    const capacity = Math.min(INITIAL_CAPACITY, maxPoints);
    this.#times = new Float64Array(capacity);
    this.#values = new Float64Array(capacity);
  }

  /** Number of stored points. */
  get size(): number {
    return this.#size;
  }

  /** Time of the oldest point, or undefined when empty. */
  get firstTime(): number | undefined {
    return this.#size === 0 ? undefined : this.#timeAt(0);
  }

  /** Time of the newest point, or undefined when empty. */
  get lastTime(): number | undefined {
    return this.#size === 0 ? undefined : this.#timeAt(this.#size - 1);
  }

  /** Value of the newest point, or undefined when empty. */
  get lastValue(): number | undefined {
    return this.#size === 0 ? undefined : this.#valueAt(this.#size - 1);
  }

  /** Stores a point; returns false when it was older than everything in a full ring (and so dropped). */
  insert(time: number, value: number): boolean {
    const last = this.lastTime;
    if (last === undefined || time > last) {
      this.#append(time, value);
      return true;
    }
    const at = this.#lowerBound(time);
    if (at < this.#size && this.#timeAt(at) === time) {
      this.#values[this.#physical(at)] = value;
      return true;
    }
    if (this.#size === this.maxPoints) {
      if (at === 0) return false;
      this.#dropOldest(1);
      this.#insertAt(at - 1, time, value);
      return true;
    }
    this.#ensureCapacity(this.#size + 1);
    this.#insertAt(at, time, value);
    return true;
  }

  /**
   * Stores many points at once with the same rules as `insert` (a later duplicate time in the
   * batch wins). Late points are merged in one pass instead of shifting the ring per point.
   * Returns how many of them are kept.
   */
  insertMany(times: readonly number[], values: readonly number[]): number {
    const order = sortedOrder(times);
    const first = times[order[0] as number];
    if (first === undefined) return 0;
    const last = this.lastTime;
    if (last === undefined || first > last) {
      let kept = 0;
      for (let k = 0; k < order.length; k++) {
        const i = order[k] as number;
        const next = order[k + 1];
        if (next !== undefined && times[next] === times[i]) continue; // the later duplicate wins
        this.#append(times[i] as number, values[i] as number);
        kept++;
      }
      return kept;
    }
    // Lift out the stored points from the batch's first time on, then append both in time order.
    const at = this.#lowerBound(first);
    const tailTimes: number[] = [];
    const tailValues: number[] = [];
    for (let i = at; i < this.#size; i++) {
      tailTimes.push(this.#timeAt(i));
      tailValues.push(this.#valueAt(i));
    }
    this.#size = at;
    let t = 0;
    let b = 0;
    while (t < tailTimes.length || b < order.length) {
      const i = order[b];
      const batchTime = i === undefined ? Infinity : (times[i] as number);
      const tailTime = tailTimes[t] ?? Infinity;
      if (tailTime < batchTime) {
        this.#append(tailTime, tailValues[t] as number);
        t++;
        continue;
      }
      if (tailTime === batchTime) t++; // replaced by the batch point
      const next = order[b + 1];
      if (next === undefined || times[next] !== batchTime) this.#append(batchTime, values[i as number] as number);
      b++;
    }
    const oldest = this.firstTime as number;
    return order.filter((i) => (times[i] as number) >= oldest).length;
  }

  /** Drops every point older than `time`; returns how many were dropped. */
  dropBefore(time: number): number {
    const count = this.#lowerBound(time);
    this.#dropOldest(count);
    return count;
  }

  /** Calls `visit` for each point with from <= time <= to, oldest first. */
  forEachBetween(from: number, to: number, visit: (time: number, value: number) => void): void {
    for (let i = this.#lowerBound(from); i < this.#size; i++) {
      const time = this.#timeAt(i);
      if (time > to) break;
      visit(time, this.#valueAt(i));
    }
  }

  /** Value of the newest point with time <= `time` ("the value as of t"), or undefined. */
  valueAtOrBefore(time: number): number | undefined {
    const at = this.#lowerBound(time);
    if (at < this.#size && this.#timeAt(at) === time) return this.#valueAt(at);
    return at === 0 ? undefined : this.#valueAt(at - 1);
  }

  #append(time: number, value: number): void {
    if (this.#size === this.maxPoints) {
      this.#dropOldest(1);
    } else {
      this.#ensureCapacity(this.#size + 1);
    }
    const at = this.#physical(this.#size);
    this.#times[at] = time;
    this.#values[at] = value;
    this.#size++;
  }

  #insertAt(logical: number, time: number, value: number): void {
    for (let i = this.#size; i > logical; i--) {
      const to = this.#physical(i);
      const from = this.#physical(i - 1);
      this.#times[to] = this.#times[from] as number;
      this.#values[to] = this.#values[from] as number;
    }
    const at = this.#physical(logical);
    this.#times[at] = time;
    this.#values[at] = value;
    this.#size++;
  }

  #dropOldest(count: number): void {
    if (count <= 0) return;
    this.#head = (this.#head + count) % this.#times.length;
    this.#size -= count;
    if (this.#size === 0) this.#head = 0;
  }

  #ensureCapacity(needed: number): void {
    const capacity = this.#times.length;
    if (needed <= capacity) return;
    const next = Math.min(this.maxPoints, Math.max(needed, capacity * 2));
    const times = new Float64Array(next);
    const values = new Float64Array(next);
    for (let i = 0; i < this.#size; i++) {
      times[i] = this.#timeAt(i);
      values[i] = this.#valueAt(i);
    }
    this.#times = times;
    this.#values = values;
    this.#head = 0;
  }

  /** First logical index whose time is >= `time`. */
  #lowerBound(time: number): number {
    let lo = 0;
    let hi = this.#size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#timeAt(mid) < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #physical(logical: number): number {
    return (this.#head + logical) % this.#times.length;
  }

  #timeAt(logical: number): number {
    return this.#times[this.#physical(logical)] as number;
  }

  #valueAt(logical: number): number {
    return this.#values[this.#physical(logical)] as number;
  }
}

/** Indices of `times` in ascending time order, stable (equal times keep their batch order). */
function sortedOrder(times: readonly number[]): number[] {
  const order = Array.from(times.keys());
  let sorted = true;
  for (let i = 1; i < times.length && sorted; i++) sorted = (times[i - 1] as number) <= (times[i] as number);
  if (!sorted) order.sort((a, b) => (times[a] as number) - (times[b] as number) || a - b);
  return order;
}
