import { invalidField } from '../lib/errors.js';
import { parseDecimal } from '../lib/numbers.js';

/** Units a numeric time may be given in. */
export type TimePrecision = 's' | 'ms' | 'us' | 'ns';

const TO_MS: Record<TimePrecision, number> = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };
/** Latest accepted time: year 9999. */
export const MAX_TIME_MS = 253_402_300_799_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Whether `text` names a precision. */
export function isTimePrecision(text: string): text is TimePrecision {
  return Object.hasOwn(TO_MS, text);
}

/** Time bounds for incoming points. */
export interface TimePolicy {
  /** Numeric times are in this unit. */
  readonly precision: TimePrecision;
  /** Epoch milliseconds now. */
  readonly now: number;
  /** Points further than this (ms) in the future are rejected. */
  readonly maxFutureMs: number;
}

/**
 * Parses a point's time: a number (Unix time in the policy's precision, seconds by default)
 * or an ISO 8601 string. Returns epoch milliseconds; throws a 400 naming `field` otherwise.
 */
export function parseTime(raw: unknown, field: string, policy: TimePolicy): number {
  let ms: number;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw invalidField(field, 'time must be a finite number');
    ms = raw * TO_MS[policy.precision];
  } else if (typeof raw === 'string') {
    const numeric = parseDecimal(raw);
    if (numeric !== undefined) return parseTime(numeric, field, policy);
    const match = ISO_DATE.exec(raw.trim());
    if (!match) {
      throw invalidField(field, `"${truncate(raw)}" is not a time: use Unix ${policy.precision} or ISO 8601 like 2026-01-31T12:00:00Z`);
    }
    ms = Date.parse(raw.trim());
    if (Number.isNaN(ms) || !isRealDate(match)) throw invalidField(field, `"${truncate(raw)}" is not a valid date`);
  } else {
    throw invalidField(field, `time must be a number or an ISO 8601 string, got ${describe(raw)}`);
  }
  const hint = policy.precision === 's' && ms > policy.now * 100 ? ' (milliseconds? add ?precision=ms)' : '';
  if (ms < 0 || ms > MAX_TIME_MS) throw invalidField(field, `time ${String(raw)} is out of range (1970 to 9999)${hint}`);
  if (ms > policy.now + policy.maxFutureMs) throw invalidField(field, `time ${String(raw)} is too far in the future${hint}`);
  return ms;
}

/**
 * Why a point's time (epoch ms) cannot be stored, or undefined when it can: before 1970, after
 * 9999, or further than `maxFutureMs` ahead of `now`. For receivers that report per line.
 */
export function timeProblem(ms: number, now: number, maxFutureMs: number): string | undefined {
  if (!(ms >= 0)) return 'time before 1970';
  if (ms > MAX_TIME_MS) return 'time outside range (1970 to 9999)';
  if (ms > now + maxFutureMs) return 'time too far in the future';
  return undefined;
}

/** Rejects dates Date.parse would roll over (2026-02-30 → March 2) and out-of-range clock fields. */
function isRealDate(match: RegExpExecArray): boolean {
  const [, year, month, day, hour = '0', minute = '0', second = '0'] = match.map((part) => part ?? undefined);
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return (
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day) &&
    Number(hour) < 24 &&
    Number(minute) < 60 &&
    Number(second) < 60
  );
}

/** A short description of a JSON value's type, for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string "${truncate(value)}"`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
