import { parseDecimal } from '../lib/numbers.js';
import { KeyError, cleanSeriesName, tagSuffix } from '../lib/series-key.js';
import { clip } from '../lib/strings.js';
import type { Sample } from '../series/types.js';

/**
 * collectd's write_http plugin, in both of its text formats:
 *
 *   JSON:    [{"values":[0.1,0.2],"dstypes":["gauge","gauge"],"dsnames":["shortterm","midterm"],
 *             "time":1700000000.1,"interval":10,"host":"web1","plugin":"load","plugin_instance":"",
 *             "type":"load","type_instance":""}, ...]
 *   Command: PUTVAL "web1/load/load" interval=10.000 1700000000.100:0.1:0.2:0.3
 *
 * A value list becomes one series per data source: `plugin.type.dsname` (the type alone when the
 * plugin has the same name, the data source name left out when it is "value" or the only one), with
 * tags host, plugin_instance and type_instance. Counters (derive, counter) become per-second rates
 * and absolute values are divided by the interval, as write_graphite does with StoreRates.
 */

/** A data-source type of collectd. */
export type DsType = 'gauge' | 'derive' | 'counter' | 'absolute';

/** One value list, as collectd sends it. */
export interface ValueList {
  readonly host: string;
  readonly plugin: string;
  readonly pluginInstance: string;
  readonly type: string;
  readonly typeInstance: string;
  /** Epoch seconds. */
  readonly time: number;
  /** Seconds. */
  readonly interval: number;
  readonly values: readonly number[];
  readonly dsTypes: readonly DsType[];
  readonly dsNames: readonly string[];
}

/** A problem with one value list or line (1-based). */
export interface CollectdProblem {
  readonly item: number;
  readonly reason: string;
}

/** Data-source names and types per collectd type, from types.db (for the Command format, which omits them). */
export type TypesDb = ReadonlyMap<string, readonly { readonly name: string; readonly type: DsType }[]>;

const DS_TYPES = new Set<string>(['gauge', 'derive', 'counter', 'absolute']);
/** Most value lists and values accepted from one request. */
const MAX_LISTS = 100_000;
const MAX_VALUES = 64;
/** Most remembered counters (for rates); the oldest are forgotten beyond it. */
const MAX_COUNTERS = 100_000;

/** Reads write_http's JSON format; bad value lists are reported, the rest kept. */
export function parseCollectdJson(text: string): { lists: ValueList[]; problems: CollectdProblem[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { lists: [], problems: [{ item: 0, reason: `invalid JSON: ${(error as Error).message}` }] };
  }
  if (!Array.isArray(json)) return { lists: [], problems: [{ item: 0, reason: 'expected a JSON array of value lists' }] };
  const lists: ValueList[] = [];
  const problems: CollectdProblem[] = [];
  json.slice(0, MAX_LISTS).forEach((entry: unknown, i) => {
    const reason = checkJsonList(entry);
    if (typeof reason === 'string') problems.push({ item: i + 1, reason });
    else lists.push(reason);
  });
  if (json.length > MAX_LISTS) problems.push({ item: MAX_LISTS + 1, reason: `more than ${MAX_LISTS} value lists in one request` });
  return { lists, problems };
}

function checkJsonList(entry: unknown): ValueList | string {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return 'expected a value list object';
  const o = entry as Record<string, unknown>;
  const text = (key: string, required: boolean): string | undefined => {
    const value = o[key];
    if (value === undefined && !required) return '';
    return typeof value === 'string' && value.length <= 256 ? value : undefined;
  };
  const host = text('host', true);
  const plugin = text('plugin', true);
  const type = text('type', true);
  const pluginInstance = text('plugin_instance', false);
  const typeInstance = text('type_instance', false);
  if (host === undefined || !plugin || !type || pluginInstance === undefined || typeInstance === undefined) {
    return 'host, plugin and type must be strings (plugin_instance and type_instance too, when present)';
  }
  const { values, dstypes, dsnames, time, interval } = o;
  if (!Array.isArray(values) || values.length === 0 || values.length > MAX_VALUES) return `values: expected an array of 1 to ${MAX_VALUES} numbers`;
  if (!Array.isArray(dstypes) || dstypes.length !== values.length || !dstypes.every((t) => typeof t === 'string' && DS_TYPES.has(t))) {
    return 'dstypes: expected one of gauge, derive, counter, absolute per value';
  }
  if (!Array.isArray(dsnames) || dsnames.length !== values.length || !dsnames.every((n) => typeof n === 'string' && n.length > 0 && n.length <= 64)) {
    return 'dsnames: expected a name per value';
  }
  if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) return 'time: expected epoch seconds';
  const period = typeof interval === 'number' && Number.isFinite(interval) && interval > 0 ? interval : 10;
  // JSON has no NaN: collectd writes null for unknown values.
  if (!values.every((v) => v === null || (typeof v === 'number' && Number.isFinite(v)))) return 'values: expected finite numbers (or null for unknown)';
  const numbers = values.map((v) => (typeof v === 'number' ? v : Number.NaN));
  return { host, plugin, pluginInstance, type, typeInstance, time, interval: period, values: numbers, dsTypes: dstypes as DsType[], dsNames: dsnames as string[] };
}

/** Reads write_http's Command format (PUTVAL lines); data-source names and types come from `types`. */
export function parseCollectdCommands(text: string, types: TypesDb, now: number): { lists: ValueList[]; problems: CollectdProblem[] } {
  const lists: ValueList[] = [];
  const problems: CollectdProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && i < MAX_LISTS; i++) {
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    const parsed = parsePutval(line, types, now);
    if (typeof parsed === 'string') problems.push({ item: i + 1, reason: parsed });
    else lists.push(...parsed);
  }
  if (lines.length > MAX_LISTS) problems.push({ item: MAX_LISTS + 1, reason: `more than ${MAX_LISTS} lines in one request` });
  return { lists, problems };
}

const USAGE = 'expected PUTVAL "host/plugin[-instance]/type[-instance]" [interval=N] time:value[:value...]';
const MAX_LINE = 64 * 1024;

function parsePutval(line: string, types: TypesDb, now: number): ValueList[] | string {
  if (line.length > MAX_LINE) return `line longer than ${MAX_LINE} characters`;
  if (!/^PUTVAL\s/.test(line)) return USAGE;
  let rest = line.slice(6).trimStart();
  let identifier: string;
  if (rest.startsWith('"')) {
    let end = 1;
    while (end < rest.length && rest[end] !== '"') end += rest[end] === '\\' ? 2 : 1;
    if (end >= rest.length) return 'unclosed quote in the identifier';
    identifier = rest.slice(1, end).replace(/\\(.)/g, '$1');
    rest = rest.slice(end + 1);
  } else {
    const end = rest.search(/\s|$/);
    identifier = rest.slice(0, end);
    rest = rest.slice(end);
  }
  const tokens = rest.trim().split(/\s+/).filter(Boolean);
  const parts = identifier.split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) return `identifier "${clip(identifier, 80)}": expected host/plugin[-instance]/type[-instance]`;
  const [host, pluginPart, typePart] = parts as [string, string, string];
  const [plugin, pluginInstance] = splitInstance(pluginPart);
  const [type, typeInstance] = splitInstance(typePart);
  let interval = 10;
  while (tokens.length > 0 && /^[a-z]+=/.test(tokens[0] as string)) {
    const [key, value = ''] = (tokens.shift() as string).split('=') as [string, string];
    if (key === 'interval') {
      interval = parseDecimal(value) ?? 0;
      if (interval <= 0) return `interval=${clip(value, 20)}: expected seconds above 0`;
    }
  }
  if (tokens.length === 0) return USAGE;
  const known = types.get(type);
  const out: ValueList[] = [];
  for (const group of tokens) {
    const fields = group.split(':');
    const [timeText, ...valueTexts] = fields as [string, ...string[]];
    const time = timeText === 'N' ? now / 1000 : parseDecimal(timeText);
    if (time === undefined || time < 0) return `time "${clip(timeText, 20)}": expected epoch seconds or N`;
    if (valueTexts.length === 0 || valueTexts.length > MAX_VALUES) return `expected 1 to ${MAX_VALUES} values after the time`;
    if (known && known.length !== valueTexts.length) return `type "${type}" has ${known.length} data sources, got ${valueTexts.length} values`;
    // U is collectd's "unknown"; anything else must be a finite decimal number.
    const values = valueTexts.map((v) => (v === 'U' ? Number.NaN : parseDecimal(v) ?? Number.POSITIVE_INFINITY));
    if (values.includes(Number.POSITIVE_INFINITY)) return `values "${clip(group, 60)}": expected finite numbers or U`;
    out.push({
      host,
      plugin,
      pluginInstance,
      type,
      typeInstance,
      time,
      interval,
      values,
      dsTypes: known ? known.map((ds) => ds.type) : values.map(() => 'gauge' as const),
      dsNames: known ? known.map((ds) => ds.name) : values.length === 1 ? ['value'] : values.map((_, j) => String(j)),
    });
  }
  return out;
}

function splitInstance(part: string): [string, string] {
  const dash = part.indexOf('-');
  return dash < 0 ? [part, ''] : [part.slice(0, dash), part.slice(dash + 1)];
}

/** Reads collectd's types.db text: `load  shortterm:GAUGE:0:5000, midterm:GAUGE:0:5000, ...`. */
export function parseTypesDb(text: string): TypesDb {
  const types = new Map<string, { name: string; type: DsType }[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [name, ...rest] = line.split(/\s+/);
    const sources = rest
      .join(' ')
      .split(',')
      .map((ds) => ds.trim().split(':'))
      .filter((ds) => ds.length >= 2 && DS_TYPES.has((ds[1] as string).toLowerCase()))
      .map((ds) => ({ name: ds[0] as string, type: (ds[1] as string).toLowerCase() as DsType }));
    if (name && sources.length > 0) types.set(name, sources);
  }
  return types;
}

/**
 * Turns value lists into samples, remembering counters between requests to turn them into
 * per-second rates. One per receiver; bounded memory.
 */
export class CollectdConverter {
  readonly #counters = new Map<string, { time: number; value: number }>();

  /**
   * Samples of `lists`; value lists whose names cannot be made into keys, or whose time lies
   * beyond `latest` (epoch ms), are reported per item.
   */
  convert(lists: readonly ValueList[], latest = Number.MAX_SAFE_INTEGER): { samples: Sample[]; problems: CollectdProblem[] } {
    const samples: Sample[] = [];
    const problems: CollectdProblem[] = [];
    lists.forEach((list, i) => {
      let suffix: string;
      let base: string;
      try {
        suffix = tagSuffix([
          ['host', list.host],
          ['plugin_instance', list.pluginInstance],
          ['type_instance', list.typeInstance],
        ]);
        base = list.plugin === list.type ? list.plugin : `${list.plugin}.${list.type}`;
      } catch (error) {
        problems.push({ item: i + 1, reason: (error as Error).message });
        return;
      }
      const time = list.time * 1000;
      if (!(time <= latest)) {
        problems.push({ item: i + 1, reason: `time ${list.time} is too far in the future` });
        return;
      }
      list.values.forEach((value, j) => {
        if (Number.isNaN(value)) return;
        const dsName = list.dsNames[j] as string;
        const single = list.values.length === 1 || dsName === 'value';
        let key: string;
        try {
          key = cleanSeriesName(single ? base : `${base}.${dsName}`) + suffix;
        } catch (error) {
          if (!(error instanceof KeyError)) throw error;
          problems.push({ item: i + 1, reason: error.message });
          return;
        }
        const rate = this.#rate(key, list.dsTypes[j] as DsType, time, value, list.interval);
        if (rate !== undefined && Number.isFinite(rate)) samples.push({ series: key, time, value: rate });
      });
    });
    return { samples, problems };
  }

  #rate(key: string, type: DsType, time: number, value: number, interval: number): number | undefined {
    if (type === 'gauge') return value;
    if (type === 'absolute') return value / interval;
    const previous = this.#counters.get(key);
    this.#counters.delete(key);
    this.#counters.set(key, { time, value });
    if (this.#counters.size > MAX_COUNTERS) this.#counters.delete(this.#counters.keys().next().value as string);
    if (!previous || time <= previous.time) return undefined;
    const delta = value - previous.value;
    // A counter that went backwards was reset (or wrapped): no rate for this step.
    if (delta < 0) return undefined;
    return delta / ((time - previous.time) / 1000);
  }
}
