import type { LinePrecision } from './line-protocol.js';
import { timeProblem } from './time.js';

/**
 * Field values and timestamps of InfluxDB line protocol, read in place from char codes.
 * Each reader returns the number, or a string: the reason the text is rejected.
 */

const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const LOWER_E = 101;
const UPPER_E = 69;
const PLUS = 43;
const LOWER_I = 105;
const LOWER_U = 117;
const LOWER_T = 116;
const UPPER_T = 84;
const LOWER_F = 102;
const UPPER_F = 70;

const INT64_MAX = '9223372036854775807';
const INT64_MIN_ABS = '9223372036854775808';
const UINT64_MAX = '18446744073709551615';
/** Powers of ten that doubles hold exactly (10^0 … 10^22). */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * A field value other than a string in text[start, end): float (`-1.5`, `.5`, `1e3`), integer
 * (`42i`), unsigned (`42u`) or boolean (`t T true True TRUE f F false False FALSE`, as 1 and 0).
 */
export function readFieldValue(text: string, start: number, end: number): number | string {
  const first = text.charCodeAt(start);
  if (first === LOWER_T || first === UPPER_T || first === LOWER_F || first === UPPER_F) return readBoolean(text, start, end);
  const last = text.charCodeAt(end - 1);
  if (last === LOWER_I) return readInteger(text, start, end - 1, true);
  if (last === LOWER_U) return readInteger(text, start, end - 1, false);
  return readFloat(text, start, end);
}

function readBoolean(text: string, start: number, end: number): number | string {
  const first = text.charCodeAt(start);
  const truthy = first === LOWER_T || first === UPPER_T;
  switch (end - start) {
    case 1:
      return truthy ? 1 : 0;
    case 4:
      if (text.startsWith('true', start) || text.startsWith('True', start) || text.startsWith('TRUE', start)) return 1;
      break;
    case 5:
      if (text.startsWith('false', start) || text.startsWith('False', start) || text.startsWith('FALSE', start)) return 0;
      break;
  }
  return 'invalid boolean';
}

function readInteger(text: string, start: number, end: number, signed: boolean): number | string {
  let i = start;
  const negative = signed && text.charCodeAt(i) === MINUS;
  if (negative) i++;
  const digitsStart = i;
  let value = 0;
  for (; i < end; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (!(digit >= 0 && digit <= 9)) return 'invalid number';
    value = value * 10 + digit;
  }
  if (i === digitsStart) return 'invalid number';
  if (end - digitsStart > 15) {
    // Past 2^53 the sum above may round differently from the exact value.
    if (end - digitsStart >= 19 && !fitsDigits(text, digitsStart, end, signed ? (negative ? INT64_MIN_ABS : INT64_MAX) : UINT64_MAX)) {
      return signed ? 'integer out of range' : 'unsigned integer out of range';
    }
    value = Number(text.slice(digitsStart, end));
  }
  return negative ? -value : value;
}

function readFloat(text: string, start: number, end: number): number | string {
  let i = start;
  const negative = text.charCodeAt(i) === MINUS;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  let c = text.charCodeAt(i) - ZERO;
  for (; c >= 0 && c <= 9; c = text.charCodeAt(++i) - ZERO) {
    mantissa = mantissa * 10 + c;
    digits++;
  }
  if (c === DOT - ZERO) {
    for (c = text.charCodeAt(++i) - ZERO; c >= 0 && c <= 9; c = text.charCodeAt(++i) - ZERO) {
      mantissa = mantissa * 10 + c;
      digits++;
      fraction++;
    }
  }
  if (digits === 0) return 'invalid number';
  let exponent = 0;
  if (c === LOWER_E - ZERO || c === UPPER_E - ZERO) {
    c = text.charCodeAt(++i);
    const negativeExponent = c === MINUS;
    if (c === MINUS || c === PLUS) i++;
    const exponentStart = i;
    for (c = text.charCodeAt(i) - ZERO; c >= 0 && c <= 9; c = text.charCodeAt(++i) - ZERO) {
      if (exponent < 100_000) exponent = exponent * 10 + c;
    }
    if (i === exponentStart) return 'invalid number';
    if (negativeExponent) exponent = -exponent;
  }
  if (i !== end) return 'invalid number';
  const scale = exponent - fraction;
  let value: number;
  // Up to 15 digits and 10^±22 are exact doubles, so one multiplication or division rounds correctly.
  if (digits <= 15 && scale >= -22 && scale <= 22) {
    value = scale >= 0 ? mantissa * (POW10[scale] as number) : mantissa / (POW10[-scale] as number);
    if (negative) value = -value;
  } else {
    value = Number(text.slice(start, end));
  }
  return Number.isFinite(value) ? value : 'number out of range';
}

/**
 * A timestamp in text[start, end): an integer in `precision` units, as epoch ms. Nanoseconds and
 * microseconds are read as whole milliseconds plus the rest, so timestamps beyond 2^53 (every
 * nanosecond timestamp) keep their sub-millisecond part instead of rounding to 256 ns.
 */
export function readTimestamp(
  text: string,
  start: number,
  end: number,
  options: { readonly precision: LinePrecision; readonly now: number; readonly maxFutureMs: number },
): number | string {
  let i = start;
  const negative = text.charCodeAt(i) === MINUS;
  if (negative) i++;
  const digitsStart = i;
  const precision = options.precision;
  const split = end - (precision === 'ns' ? 6 : precision === 'us' ? 3 : 0);
  let whole = 0; // digits before `split`: milliseconds for ns and us
  let rest = 0;
  for (; i < end; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (!(digit >= 0 && digit <= 9)) return 'bad timestamp';
    if (i < split) whole = whole * 10 + digit;
    else rest = rest * 10 + digit;
  }
  if (i === digitsStart) return 'bad timestamp';
  let ms: number;
  switch (precision) {
    case 'ns':
      ms = whole + rest / 1e6;
      break;
    case 'us':
      ms = whole + rest / 1e3;
      break;
    case 'ms':
      ms = whole;
      break;
    case 's':
      ms = whole * 1000;
      break;
    case 'm':
      ms = whole * 60_000;
      break;
    case 'h':
      ms = whole * 3_600_000;
      break;
  }
  // Times are int64 in InfluxDB: beyond that is out of range, whatever the unit.
  if (end - digitsStart >= 19 && !fitsDigits(text, digitsStart, end, negative ? INT64_MIN_ABS : INT64_MAX)) ms = Number.POSITIVE_INFINITY;
  if (negative && ms > 0) ms = -ms; // "-0" is 0
  return timeProblem(ms, options.now, options.maxFutureMs) ?? ms;
}

/** Whether the decimal digits text[start, end) are at most `limit` (digits, same base). */
function fitsDigits(text: string, start: number, end: number, limit: string): boolean {
  let i = start;
  while (i < end - 1 && text.charCodeAt(i) === ZERO) i++;
  const length = end - i;
  if (length !== limit.length) return length < limit.length;
  return text.slice(i, end) <= limit;
}
