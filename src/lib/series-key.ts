import { ChartcastError, invalidField } from './errors.js';

/**
 * Series keys: the one naming scheme every protocol maps to.
 *
 *   key   = name [ "{" tag "=" value { "," tag "=" value } "}" ]
 *
 * Tags are sorted by tag name, so a series has exactly one key. `name` uses the characters
 * A-Z a-z 0-9 _ . : - (anything else becomes `_`); tag names use A-Z a-z 0-9 _ . -; tag values
 * may hold any printable character except , = { } " \ * (each becomes `_`; leading and trailing
 * spaces are dropped). Empty tag values mean "no such tag", as in Prometheus.
 */

/** One tag of a series: [name, value]. */
export type Tag = readonly [name: string, value: string];

/** A series key taken apart. */
export interface ParsedKey {
  readonly name: string;
  /** Sorted by tag name. */
  readonly tags: readonly Tag[];
}

/** Longest series name. */
export const MAX_SERIES_NAME = 200;
/** Longest tag name and tag value. */
export const MAX_TAG_NAME = 64;
export const MAX_TAG_VALUE = 200;
/** Most tags on one series. */
export const MAX_TAGS = 16;

export const SERIES_NAME_RULE = `1-${MAX_SERIES_NAME} characters from A-Z a-z 0-9 _ . : -, not starting with . or -`;

const NAME_OK = /^[A-Za-z0-9_:][A-Za-z0-9_.:-]*$/;
const NAME_BAD_CHARS = /[^A-Za-z0-9_.:-]/g;
const TAG_NAME_OK = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const TAG_NAME_BAD_CHARS = /[^A-Za-z0-9_.-]/g;
// Control characters, the characters the key syntax uses, and the selector wildcard.
const TAG_VALUE_BAD_CHARS = /[\u0000-\u001f\u007f,={}"\\*]/g;
const TAG_VALUE_HAS_BAD = /[\u0000-\u001f\u007f,={}"\\*]|^\s|\s$/;

/** A series name made safe: characters outside the name set become `_`. Throws when empty or too long. */
export function cleanSeriesName(raw: string): string {
  if (raw.length > 0 && raw.length <= MAX_SERIES_NAME && NAME_OK.test(raw)) return raw;
  if (raw.length === 0) throw new KeyError('name', 'empty series name');
  if (raw.length > MAX_SERIES_NAME) throw new KeyError('name', `series name longer than ${MAX_SERIES_NAME} characters`);
  let name = raw.replace(NAME_BAD_CHARS, '_');
  if (name[0] === '.' || name[0] === '-') name = `_${name.slice(1)}`;
  return name;
}

/** A tag name made safe, or throws. */
export function cleanTagName(raw: string): string {
  if (raw.length > 0 && raw.length <= MAX_TAG_NAME && TAG_NAME_OK.test(raw)) return raw;
  if (raw.length === 0) throw new KeyError('tag', 'empty tag name');
  if (raw.length > MAX_TAG_NAME) throw new KeyError('tag', `tag name "${raw.slice(0, 20)}…" longer than ${MAX_TAG_NAME} characters`);
  let name = raw.replace(TAG_NAME_BAD_CHARS, '_');
  if (name[0] === '.' || name[0] === '-') name = `_${name.slice(1)}`;
  return name;
}

/** A tag value made safe ("" stays "", meaning no tag), or throws when too long. */
export function cleanTagValue(raw: string): string {
  if (raw.length > MAX_TAG_VALUE) throw new KeyError('tag', `tag value "${raw.slice(0, 20)}…" longer than ${MAX_TAG_VALUE} characters`);
  return TAG_VALUE_HAS_BAD.test(raw) ? raw.trim().replace(TAG_VALUE_BAD_CHARS, '_') : raw;
}

/**
 * The `{a=1,b=2}` part of a key from raw tags (cleaned, sorted, empty values dropped; a later
 * duplicate tag name wins). "" when there are no tags. Compute it once per line and append it to
 * each field's name.
 */
export function tagSuffix(tags: Iterable<readonly [string, string]>): string {
  const clean = new Map<string, string>();
  for (const [name, value] of tags) {
    const cleanValue = cleanTagValue(value);
    if (cleanValue === '') continue;
    clean.set(cleanTagName(name), cleanValue);
  }
  if (clean.size === 0) return '';
  if (clean.size > MAX_TAGS) throw new KeyError('tag', `more than ${MAX_TAGS} tags`);
  const names = [...clean.keys()].sort(compareText);
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (i > 0) out += ',';
    out += `${name}=${clean.get(name) as string}`;
  }
  return `${out}}`;
}

/** The key of series `name` with `tags` (both cleaned). */
export function seriesKey(name: string, tags: Iterable<readonly [string, string]> = []): string {
  return cleanSeriesName(name) + tagSuffix(tags);
}

/**
 * Reads a key as a person or client wrote it (`temp{room="kitchen", floor=1}`: quotes and
 * spaces after commas allowed, any tag order) and returns its canonical form. Unlike the
 * protocol receivers, this does not clean names: a bad character is an error naming `field`.
 */
export function canonicalSeriesKey(text: string, field: string): string {
  // The common case, a plain name, is already canonical.
  if (text.length <= MAX_SERIES_NAME && NAME_OK.test(text)) return text;
  try {
    const { name, tags } = readKeyText(text);
    if (!NAME_OK.test(name) || name.length > MAX_SERIES_NAME) {
      throw new KeyError('name', `"${name.slice(0, 40)}" is not a valid series name (${SERIES_NAME_RULE})`);
    }
    for (const [tag] of tags) {
      if (!TAG_NAME_OK.test(tag)) throw new KeyError('tag', `"${tag.slice(0, 40)}" is not a valid tag name (A-Z a-z 0-9 _ . -)`);
    }
    return name + tagSuffix(tags);
  } catch (error) {
    if (error instanceof KeyError) throw invalidField(field, error.message);
    throw error;
  }
}

/** Takes a canonical key apart (as produced by seriesKey; no validation beyond the syntax). */
export function parseSeriesKey(key: string): ParsedKey {
  const open = key.indexOf('{');
  if (open < 0) return { name: key, tags: [] };
  const name = key.slice(0, open);
  const body = key.slice(open + 1, key.endsWith('}') ? -1 : undefined);
  const tags: Tag[] = [];
  if (body) {
    for (const pair of body.split(',')) {
      const eq = pair.indexOf('=');
      tags.push(eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)]);
    }
  }
  return { name, tags };
}

/** The value of tag `name` in a parsed key. */
export function tagValue(parsed: ParsedKey, name: string): string | undefined {
  for (const [tag, value] of parsed.tags) if (tag === name) return value;
  return undefined;
}

/** A problem with a name or tag; protocol receivers report it against the line it came from. */
export class KeyError extends ChartcastError {
  constructor(part: 'name' | 'tag', message: string) {
    super('invalid_field', message, { status: 400, field: part });
    this.name = 'KeyError';
  }
}

/** Sorts by UTF-16 code units, the same everywhere (localeCompare is not). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Reads `name{tag=value,...}` text with optional quotes around values. */
function readKeyText(text: string): { name: string; tags: Tag[] } {
  const trimmed = text.trim();
  const open = trimmed.indexOf('{');
  if (open < 0) {
    if (trimmed.includes('}')) throw new KeyError('name', `unmatched "}" in "${trimmed.slice(0, 40)}"`);
    return { name: trimmed, tags: [] };
  }
  if (!trimmed.endsWith('}')) throw new KeyError('tag', `"${trimmed.slice(0, 40)}": tags must end with "}"`);
  const name = trimmed.slice(0, open).trim();
  const tags: Tag[] = [];
  for (const { tag, op, value } of readMatchers(trimmed.slice(open + 1, -1))) {
    if (op !== '=') throw new KeyError('tag', `"${tag}${op}": a series key has only tag=value pairs`);
    if (value.includes('*')) throw new KeyError('tag', `"${tag}=${value}": "*" belongs in chart selectors, not in a series key`);
    tags.push([tag, value]);
  }
  return { name, tags };
}

/** One `tag op value` item inside braces. */
export interface RawMatcher {
  readonly tag: string;
  readonly op: '=' | '!=';
  readonly value: string;
}

/** Reads the inside of `{...}`: comma-separated `tag=value` / `tag!=value`, values optionally double-quoted. */
export function readMatchers(body: string): RawMatcher[] {
  const out: RawMatcher[] = [];
  let i = 0;
  const n = body.length;
  const skipSpace = () => {
    while (i < n && (body[i] === ' ' || body[i] === '\t')) i++;
  };
  while (true) {
    skipSpace();
    if (i >= n) break;
    const start = i;
    while (i < n && body[i] !== '=' && body[i] !== '!' && body[i] !== ',') i++;
    const tag = body.slice(start, i).trim();
    if (!tag) throw new KeyError('tag', `missing tag name at offset ${start} of "{${body.slice(0, 60)}}"`);
    let op: '=' | '!=';
    if (body[i] === '=') {
      op = '=';
      i++;
    } else if (body[i] === '!' && body[i + 1] === '=') {
      op = '!=';
      i += 2;
    } else {
      throw new KeyError('tag', `"${tag}" needs "=value" in "{${body.slice(0, 60)}}"`);
    }
    skipSpace();
    let value = '';
    if (body[i] === '"') {
      i++;
      while (i < n && body[i] !== '"') {
        if (body[i] === '\\' && i + 1 < n) i++;
        value += body[i];
        i++;
      }
      if (i >= n) throw new KeyError('tag', `unclosed quote in the value of "${tag}"`);
      i++;
    } else {
      const valueStart = i;
      while (i < n && body[i] !== ',') i++;
      value = body.slice(valueStart, i).trim();
    }
    out.push({ tag, op, value });
    skipSpace();
    if (i < n) {
      if (body[i] !== ',') throw new KeyError('tag', `expected "," after the value of "${tag}" in "{${body.slice(0, 60)}}"`);
      i++;
    }
    if (out.length > MAX_TAGS * 2) throw new KeyError('tag', `more than ${MAX_TAGS * 2} tag matchers`);
  }
  return out;
}
