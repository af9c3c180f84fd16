import { parseDecimal } from '../lib/numbers.js';
import { KeyError, cleanSeriesName, tagSuffix } from '../lib/series-key.js';
import { clip } from '../lib/strings.js';
import type { Sample } from '../series/types.js';
import { timeProblem } from './time.js';

/**
 * Graphite plaintext protocol: one metric per line, `path value [timestamp]`, as carbon reads it.
 *
 *   servers.web1.cpu 42.5 1769860800
 *   disk.used;host=web1;mount=/var 1e9 1769860800.25
 *
 * The timestamp is Unix seconds (fractions allowed); missing or `-1` means "now", as carbon does.
 * A tagged path `name;tag=value;...` becomes the series `name{tag=value,...}`.
 */

/** A line that could not be read, and why. */
export interface GraphiteProblem {
  readonly reason: string;
}

/** Time bounds applied to each line. */
export interface GraphiteTimePolicy {
  /** Epoch milliseconds now (also the time of lines without a timestamp). */
  readonly now: number;
  /** Lines further than this (ms) in the future are rejected. */
  readonly maxFutureMs: number;
}

/** Longest line accepted (bytes on the wire; characters here). */
export const MAX_GRAPHITE_LINE = 4096;

const SPACE = /[ \t]+/;

/** Whether a parse result is a problem rather than a sample. */
export function isGraphiteProblem(result: Sample | GraphiteProblem): result is GraphiteProblem {
  return 'reason' in result;
}

/**
 * Reads one line (without its newline; a trailing `\r` is ignored). Returns the sample or the
 * reason the line was rejected; never throws.
 */
export function parseGraphiteLine(line: string, policy: GraphiteTimePolicy): Sample | GraphiteProblem {
  if (line.length > MAX_GRAPHITE_LINE) return { reason: `line longer than ${MAX_GRAPHITE_LINE} characters` };
  const fields = line.trim().split(SPACE);
  if (fields.length < 2 || fields[0] === '') return { reason: 'expected "path value [timestamp]"' };
  if (fields.length > 3) return { reason: `expected "path value [timestamp]", got ${fields.length} fields` };
  const [path, valueText, timeText] = fields as [string, string, string | undefined];

  const value = parseDecimal(valueText);
  if (value === undefined) return { reason: `value "${clip(valueText)}" is not a finite number` };

  let time = policy.now;
  if (timeText !== undefined && timeText !== '-1') {
    const seconds = parseDecimal(timeText);
    if (seconds === undefined) return { reason: `timestamp "${clip(timeText)}" is not a number of Unix seconds` };
    time = seconds * 1000;
    const problem = timeProblem(time, policy.now, policy.maxFutureMs);
    if (problem) {
      const hint = time > policy.now * 100 ? ' (milliseconds? Graphite timestamps are Unix seconds)' : '';
      return { reason: `${problem}: timestamp ${clip(timeText)}${hint}` };
    }
  }

  const series = graphiteSeriesKey(path);
  if (typeof series !== 'string') return series;
  return { series, time, value };
}

/**
 * The series key of a Graphite path: `a.b.c` → `a.b.c`, `name;tag=value;...` → `name{tag=value,...}`.
 * Characters outside the series-name set become `_`.
 */
export function graphiteSeriesKey(path: string): string | GraphiteProblem {
  try {
    const semicolon = path.indexOf(';');
    if (semicolon < 0) return cleanSeriesName(path);
    const name = path.slice(0, semicolon);
    const tags: [string, string][] = [];
    for (const pair of path.slice(semicolon + 1).split(';')) {
      const eq = pair.indexOf('=');
      // carbon rejects these too: every tag needs a name and a value.
      if (eq <= 0) return { reason: `tag "${clip(pair)}" is not tag=value` };
      if (eq === pair.length - 1) return { reason: `tag "${clip(pair)}" has no value` };
      tags.push([pair.slice(0, eq), pair.slice(eq + 1)]);
    }
    return cleanSeriesName(name) + tagSuffix(tags);
  } catch (error) {
    if (error instanceof KeyError) return { reason: error.message };
    throw error;
  }
}

/** The lines of a text (a UDP datagram, a test file) with what became of each. */
export interface GraphiteBatch {
  readonly samples: Sample[];
  readonly problems: { readonly line: string; readonly reason: string }[];
}

/** Reads every non-blank line of `text`; a bad line never affects its neighbours. */
export function parseGraphiteText(text: string, policy: GraphiteTimePolicy): GraphiteBatch {
  return parseGraphiteLines(text.split('\n').map((raw) => (raw.endsWith('\r') ? raw.slice(0, -1) : raw)), policy);
}

/** Reads every non-blank line (without its newline); a bad line never affects its neighbours. */
export function parseGraphiteLines(lines: readonly string[], policy: GraphiteTimePolicy): GraphiteBatch {
  const samples: Sample[] = [];
  const problems: { line: string; reason: string }[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const result = parseGraphiteLine(line, policy);
    if (isGraphiteProblem(result)) problems.push({ line: clip(line, 200), reason: result.reason });
    else samples.push(result);
  }
  return { samples, problems };
}
