import { ChartcastError, invalidField } from '../lib/errors.js';
import { canonicalSeriesKey } from '../lib/series-key.js';
import { parseDecimal } from '../lib/numbers.js';
import type { Sample } from '../series/types.js';
import { type TimePolicy, describe, parseTime } from './time.js';

/** A request body as the HTTP layer hands it over. */
export interface PushBody {
  /** The media type without parameters, lower-case ("" when the header is absent). */
  readonly contentType: string;
  readonly text: string;
}

/** Media types the push API reads. */
export const PUSH_CONTENT_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded'] as const;

/**
 * Parses a push to one series (`POST /api/series/:name`). The body is a plain number ("42"),
 * a form ("value=42&time=…"), or JSON: a number, `{"value": 42, "time": …}`, or an array of those.
 * `defaultTime` (from the query or the clock) applies to points without a time.
 */
export function parseSeriesPush(name: string, body: PushBody, defaultTime: number, policy: TimePolicy): Sample[] {
  const series = canonicalSeriesKey(name, 'series');
  switch (kindOf(body.contentType)) {
    case 'json':
      return parseSeriesJson(series, parseJson(body.text), defaultTime, policy);
    case 'form':
      if (body.text.includes('=')) return [parseForm(series, body.text, defaultTime, policy)];
      return [{ series, time: defaultTime, value: parsePlainNumber(body.text) }];
    case 'text':
      return [{ series, time: defaultTime, value: parsePlainNumber(body.text) }];
  }
}

/**
 * Parses a batch (`POST /api/series`, JSON): an array of `{"series", "value", "time"?}`,
 * `{"time"?, "points": [...]}`, or `{"time"?, "values": {"cpu": 42, "mem": 17}}`.
 * All or nothing: any bad point rejects the whole batch, naming it.
 */
export function parseBatch(body: PushBody, defaultTime: number, policy: TimePolicy): Sample[] {
  if (kindOf(body.contentType) !== 'json') {
    throw invalidField('content-type', `a batch must be application/json, got "${body.contentType || '(none)'}"`);
  }
  const json = parseJson(body.text);
  if (Array.isArray(json)) return parsePointArray(json, 'points', defaultTime, policy);
  if (!isObject(json)) throw invalidField('body', `expected an array of points or an object, got ${describe(json)}`);
  for (const key of Object.keys(json)) {
    if (key !== 'time' && key !== 'points' && key !== 'values') {
      throw invalidField(key, 'unknown key (a batch has "points", "values" and an optional "time")');
    }
  }
  const time = json.time === undefined ? defaultTime : parseTime(json.time, 'time', policy);
  const samples: Sample[] = [];
  if (json.points !== undefined) {
    if (!Array.isArray(json.points)) throw invalidField('points', `expected an array, got ${describe(json.points)}`);
    samples.push(...parsePointArray(json.points, 'points', time, policy));
  }
  if (json.values !== undefined) {
    if (!isObject(json.values)) throw invalidField('values', `expected an object of series: value, got ${describe(json.values)}`);
    for (const [series, value] of Object.entries(json.values)) {
      const field = `values.${series}`;
      samples.push({ series: canonicalSeriesKey(series, field), time, value: checkValue(value, field) });
    }
  }
  if (json.points === undefined && json.values === undefined) throw invalidField('points', 'missing: give "points" or "values"');
  return samples;
}

type Kind = 'json' | 'form' | 'text';

function kindOf(contentType: string): Kind {
  if (contentType === 'application/json' || contentType.endsWith('+json')) return 'json';
  if (contentType === 'application/x-www-form-urlencoded') return 'form';
  if (contentType === 'text/plain' || contentType === '') return 'text';
  throw new ChartcastError(
    'unsupported_content_type',
    `content-type: "${contentType}" is not accepted; use ${PUSH_CONTENT_TYPES.join(', ')}`,
    { status: 400, field: 'content-type' },
  );
}

function parseJson(text: string): unknown {
  if (text.trim() === '') throw invalidField('body', 'empty; send a value');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidField('body', `invalid JSON: ${(error as Error).message}`);
  }
}

function parseSeriesJson(series: string, json: unknown, defaultTime: number, policy: TimePolicy): Sample[] {
  if (Array.isArray(json)) {
    return json.map((entry, i) => parseSeriesPoint(series, entry, `[${i}]`, defaultTime, policy));
  }
  return [parseSeriesPoint(series, json, '', defaultTime, policy)];
}

function parseSeriesPoint(series: string, entry: unknown, path: string, defaultTime: number, policy: TimePolicy): Sample {
  if (typeof entry === 'number') return { series, time: defaultTime, value: checkValue(entry, path || 'value') };
  if (!isObject(entry)) throw invalidField(path || 'value', `expected a number or {"value": …}, got ${describe(entry)}`);
  const prefix = path ? `${path}.` : '';
  for (const key of Object.keys(entry)) {
    if (key !== 'value' && key !== 'time') throw invalidField(`${prefix}${key}`, 'unknown key (a point has "value" and "time")');
  }
  const time = entry.time === undefined ? defaultTime : parseTime(entry.time, `${prefix}time`, policy);
  return { series, time, value: checkValue(entry.value, `${prefix}value`) };
}

function parsePointArray(entries: unknown[], path: string, defaultTime: number, policy: TimePolicy): Sample[] {
  const samples = new Array<Sample>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const at = `${path}[${i}]`;
    if (!isObject(entry)) throw invalidField(at, `expected {"series", "value", "time"?}, got ${describe(entry)}`);
    const { series, value, time } = entry;
    if (typeof series !== 'string') throw invalidField(`${at}.series`, `missing or not a string (${describe(series)})`);
    for (const key in entry) {
      if (key !== 'series' && key !== 'value' && key !== 'time') {
        throw invalidField(`${at}.${key}`, 'unknown key (a point has "series", "value" and "time")');
      }
    }
    samples[i] = {
      series: canonicalSeriesKey(series, `${at}.series`),
      time: time === undefined ? defaultTime : parseTime(time, `${at}.time`, policy),
      value: checkValue(value, `${at}.value`),
    };
  }
  return samples;
}

function parseForm(series: string, text: string, defaultTime: number, policy: TimePolicy): Sample {
  const form = new URLSearchParams(text);
  for (const key of form.keys()) {
    if (key !== 'value' && key !== 'time') throw invalidField(key, 'unknown form field (use "value" and "time")');
  }
  const raw = form.get('value');
  if (raw === null) throw invalidField('value', 'missing');
  const value = parseDecimal(raw);
  if (value === undefined) throw invalidField('value', `"${raw.slice(0, 40)}" is not a finite number`);
  const time = form.get('time');
  return { series, time: time === null ? defaultTime : parseTime(time, 'time', policy), value };
}

function parsePlainNumber(text: string): number {
  if (text.trim() === '') throw invalidField('value', 'missing: the body is empty; send a number such as 42');
  const value = parseDecimal(text);
  if (value === undefined) throw invalidField('value', `"${text.trim().slice(0, 40)}" is not a finite number`);
  return value;
}

function checkValue(value: unknown, field: string): number {
  if (value === undefined) throw invalidField(field, 'missing');
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidField(field, `must be a finite number, got ${describe(value)}`);
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
