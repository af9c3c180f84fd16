import { KeyError, type ParsedKey, cleanTagValue, readMatchers, tagValue } from './series-key.js';

/**
 * Chart selectors pick series by name and tags, Prometheus style:
 *
 *   cpu                    the series named cpu, with any tags (one dataset each)
 *   temp{room=kitchen}     temp series whose room tag is kitchen
 *   temp{room=*}           temp series that have a room tag; labelled by room
 *   temp{room!=garage}     temp series whose room tag is not garage (or that have none)
 *   collectd.*.load        * matches within one dot-separated part of a name; ** across parts
 *
 * Tag values take `*` as "any characters". Quotes around values are allowed.
 */
export interface SeriesSelector {
  /** As written. */
  readonly text: string;
  /** The name part as written (may hold * and **). */
  readonly name: string;
  /** Whether the name has no wildcard (so only series of exactly this name can match). */
  readonly exactName: boolean;
  readonly matchers: readonly TagMatcher[];
  /** Tags whose value the selector leaves open (`tag=*`-like): dataset labels show them. */
  readonly openTags: readonly string[];
}

/** One tag condition of a selector. */
export interface TagMatcher {
  readonly tag: string;
  readonly op: '=' | '!=';
  readonly value: string;
  readonly test: (value: string | undefined) => boolean;
}

const SELECTOR_NAME = /^[A-Za-z0-9_:*][A-Za-z0-9_.:*-]*$/;
const MAX_SELECTOR = 400;
/** Wildcards per name or value: bounds the matching cost of a pattern. */
const MAX_WILDCARDS = 4;

/** Parses a selector; throws a KeyError explaining the problem. */
export function parseSelector(text: string): SeriesSelector {
  if (text.length > MAX_SELECTOR) throw new KeyError('name', `selector longer than ${MAX_SELECTOR} characters`);
  const trimmed = text.trim();
  const open = trimmed.indexOf('{');
  const name = (open < 0 ? trimmed : trimmed.slice(0, open)).trim();
  if (!SELECTOR_NAME.test(name)) {
    throw new KeyError('name', `"${name.slice(0, 40)}" is not a series name or pattern (A-Z a-z 0-9 _ . : - and *)`);
  }
  checkWildcards(name);
  if (open < 0 && trimmed.includes('}')) throw new KeyError('name', `unmatched "}" in "${trimmed.slice(0, 40)}"`);
  if (open >= 0 && !trimmed.endsWith('}')) throw new KeyError('tag', `"${trimmed.slice(0, 40)}": tag matchers must end with "}"`);
  const raw = open < 0 ? [] : readMatchers(trimmed.slice(open + 1, -1));
  const matchers = raw.map(({ tag, op, value }): TagMatcher => {
    checkWildcards(value);
    const clean = value.includes('*') ? value : cleanTagValue(value);
    const positive = globTest(clean);
    // A missing tag counts as "": `tag=*` needs the tag, `tag!=x` accepts its absence.
    const test = op === '=' ? (v: string | undefined) => v !== undefined && positive(v) : (v: string | undefined) => v === undefined || !positive(v);
    return { tag, op, value: clean, test };
  });
  const openTags = matchers.filter((m) => m.op === '=' && m.value.includes('*')).map((m) => m.tag);
  return { text: trimmed, name, exactName: !name.includes('*'), matchers, openTags };
}

/** A tester for a series name against the selector's name pattern. */
export function nameTester(selector: SeriesSelector): (name: string) => boolean {
  if (selector.exactName) return (name) => name === selector.name;
  const pattern = selector.name
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^.]*' : escapeRegex(part)))
    .join('');
  const regex = new RegExp(`^${pattern}$`);
  return (name) => regex.test(name);
}

/** Whether a series' tags satisfy every matcher of the selector. */
export function tagsMatch(selector: SeriesSelector, key: ParsedKey): boolean {
  for (const matcher of selector.matchers) {
    if (!matcher.test(tagValue(key, matcher.tag))) return false;
  }
  return true;
}

/**
 * The automatic legend label of one matched series: the values of the selector's open tags;
 * else what the selector did not pin down (a wildcard name, unpinned tags); else the name.
 */
export function autoLabel(selector: SeriesSelector, key: ParsedKey): string {
  if (selector.openTags.length > 0) {
    return selector.openTags.map((tag) => tagValue(key, tag) ?? '').join(' ');
  }
  const pinned = new Set(selector.matchers.filter((m) => m.op === '=').map((m) => m.tag));
  const free = key.tags.filter(([tag]) => !pinned.has(tag)).map(([tag, value]) => `${tag}=${value}`);
  const parts = selector.exactName ? free : [key.name, ...free];
  return parts.length > 0 ? parts.join(' ') : key.name;
}

/** Fills `{tag}` placeholders of a label template from a series' tags (`{name}` is its name). */
export function fillLabel(template: string, key: ParsedKey): string {
  return template.replace(/\{([A-Za-z0-9_.-]+)\}/g, (whole, tag: string) => (tag === 'name' ? key.name : tagValue(key, tag) ?? whole));
}

/** Whether a label template has `{tag}` placeholders. */
export function hasPlaceholders(template: string): boolean {
  return /\{[A-Za-z0-9_.-]+\}/.test(template);
}

function checkWildcards(pattern: string): void {
  if (pattern.split('*').length - 1 > MAX_WILDCARDS) throw new KeyError('name', `"${pattern.slice(0, 40)}" has more than ${MAX_WILDCARDS} "*"`);
}

function globTest(pattern: string): (value: string) => boolean {
  if (!pattern.includes('*')) return (value) => value === pattern;
  if (pattern === '*') return () => true;
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
  return (value) => regex.test(value);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
