import { readFile, readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { parseDuration } from '../lib/duration.js';
import { NAME_RULE, isValidName } from '../lib/names.js';
import { type ChartSpec, chartFileSchema } from './chart-schema.js';

/** Why one chart file did not load. */
export interface ChartLoadError {
  readonly file: string;
  /** Dotted path of the offending field, or "" for the file as a whole. */
  readonly field: string;
  readonly message: string;
}

/** The charts that loaded and the files that did not. */
export interface ChartLoadResult {
  readonly charts: readonly ChartSpec[];
  readonly errors: readonly ChartLoadError[];
}

const EXTENSIONS = new Set(['.json', '.yaml', '.yml']);
/** Chart files larger than this are refused unread. */
export const MAX_CHART_FILE_BYTES = 256 * 1024;

/** Loads every chart file in `dir`; a bad file is reported and skipped, the others still load. */
export async function loadChartDir(dir: string): Promise<ChartLoadResult> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && EXTENSIONS.has(extname(entry.name).toLowerCase()))
    .map((entry) => entry.name)
    .sort();
  const charts: ChartSpec[] = [];
  const errors: ChartLoadError[] = [];
  const seen = new Map<string, string>();
  for (const name of files) {
    const file = join(dir, name);
    const result = await loadChartFile(file);
    if ('errors' in result) {
      errors.push(...result.errors);
      continue;
    }
    const earlier = seen.get(result.chart.name);
    if (earlier) {
      errors.push({ file, field: '', message: `chart "${result.chart.name}" is already defined by ${earlier}` });
      continue;
    }
    seen.set(result.chart.name, file);
    charts.push(result.chart);
  }
  return { charts, errors };
}

/** Loads one chart file; the chart's name is the file name without its extension. */
export async function loadChartFile(file: string): Promise<{ chart: ChartSpec } | { errors: ChartLoadError[] }> {
  const fail = (message: string, field = '') => ({ errors: [{ file, field, message }] });
  const name = basename(file, extname(file));
  if (!isValidName(name)) return fail(`file name "${name}" is not a valid chart name (${NAME_RULE})`);
  let text: string;
  try {
    const buffer = await readFile(file);
    if (buffer.length > MAX_CHART_FILE_BYTES) return fail(`file is larger than ${MAX_CHART_FILE_BYTES} bytes`);
    text = buffer.toString('utf8');
  } catch (error) {
    return fail(`cannot read: ${(error as Error).message}`);
  }
  let content: unknown;
  try {
    content = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    return fail(`cannot parse: ${(error as Error).message}`);
  }
  const parsed = parseChart(name, content, file);
  return 'issues' in parsed ? { errors: parsed.issues.map((issue) => ({ file, ...issue })) } : { chart: parsed.chart };
}

/** Validates chart content (already parsed from JSON or YAML) into a frozen ChartSpec. */
export function parseChart(
  name: string,
  content: unknown,
  file?: string,
): { chart: ChartSpec } | { issues: { field: string; message: string }[] } {
  const result = chartFileSchema.safeParse(content);
  if (!result.success) return { issues: result.error.issues.map(describeIssue) };
  const { $schema: _schema, title, window, ...rest } = result.data;
  const chart: ChartSpec = {
    ...rest,
    name,
    title: title ?? name,
    window,
    windowMs: parseDuration(window) as number,
    file,
  };
  if (chart.min !== undefined && chart.max !== undefined && chart.min >= chart.max) {
    return { issues: [{ field: 'min', message: `min (${chart.min}) must be below max (${chart.max})` }] };
  }
  return { chart: deepFreeze(chart) };
}

function describeIssue(issue: z.core.$ZodIssue): { field: string; message: string } {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const field = [...path, issue.keys[0] ?? ''].join('.');
    return { field, message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` };
  }
  return { field: path.join('.'), message: issue.message };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
