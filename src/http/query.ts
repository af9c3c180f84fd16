import { STREAM_LIMITS } from '../lib/chart-spec.js';
import { invalidField } from '../lib/errors.js';
import { parseDecimal } from '../lib/numbers.js';
import type { StreamVariant } from '../pipeline/variant.js';

type QueryValue = string | string[] | undefined;

/** Reads the optional width, height, fps and quality overrides of a stream URL; out of range → 400 naming the parameter. */
export function parseVariantQuery(query: Record<string, QueryValue>): Partial<StreamVariant> {
  const overrides: { -readonly [K in keyof StreamVariant]?: number } = {};
  for (const key of ['width', 'height', 'fps', 'quality'] as const) {
    const raw = query[key];
    if (raw === undefined) continue;
    if (Array.isArray(raw)) throw invalidField(key, 'given more than once');
    const { min, max } = STREAM_LIMITS[key];
    const value = parseDecimal(raw);
    const integral = key !== 'fps';
    if (value === undefined || (integral && !Number.isInteger(value)) || value < min || value > max) {
      throw invalidField(key, `"${raw.slice(0, 20)}" is out of range: expected ${integral ? 'a whole number' : 'a number'} from ${min} to ${max}`);
    }
    overrides[key] = value;
  }
  return overrides;
}

/** A single query parameter as a string, or undefined; repeated → 400. */
export function singleParam(query: Record<string, QueryValue>, key: string): string | undefined {
  const raw = query[key];
  if (Array.isArray(raw)) throw invalidField(key, 'given more than once');
  return raw;
}

/** Reads an optional 0/1 flag (`?eager=1`); anything else → 400 naming it. */
export function flagParam(query: Record<string, QueryValue>, key: string): boolean {
  const raw = singleParam(query, key);
  if (raw === undefined || raw === '0') return false;
  if (raw === '1') return true;
  throw invalidField(key, `"${raw.slice(0, 20)}" must be 0 or 1`);
}
