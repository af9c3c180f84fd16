/** Wall-clock source, injected so tests and benchmarks can reason about time. */
export interface Clock {
  /** Milliseconds since the Unix epoch (may be fractional). */
  now(): number;
}

/** The real clock, with sub-millisecond resolution from the monotonic timer. */
export function createSystemClock(): Clock {
  const origin = Date.now() - performance.now();
  return { now: () => origin + performance.now() };
}
