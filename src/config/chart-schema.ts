import { format } from 'date-fns';
import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';
import { NAME_PATTERN, NAME_RULE, isValidName } from '../lib/names.js';
import { STREAM_LIMITS } from '../lib/chart-spec.js';
import { parseTemplate } from '../lib/template.js';
import { parseSelector } from '../lib/series-selector.js';

export type { ChartSeries, ChartSpec } from '../lib/chart-spec.js';
export { STREAM_LIMITS } from '../lib/chart-spec.js';


const COLOR = /^(#[0-9a-fA-F]{3,4}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|(rgb|rgba|hsl|hsla)\([0-9.,%\s/+-]{1,60}\)|[a-zA-Z]{3,30})$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_OPTIONS_DEPTH = 12;

const color = z.string().regex(COLOR, 'expected a CSS colour such as "#36a2eb", "rgba(54,162,235,0.5)" or "teal"');
/** A series selector: a name, or a pattern with tag matchers such as `temp{room=*}`. */
const seriesSelector = z.string().superRefine((text, ctx) => {
  try {
    parseSelector(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `${(error as Error).message}; write a series name, or a pattern such as "temp{room=*}"` });
  }
});

/** A positive duration such as "30s" (kept as text). */
export const duration = z.string().refine((text) => (parseDuration(text) ?? 0) > 0, {
  message: 'expected a duration above zero such as "30s", "5m", "1h" or "7d"',
});

const dateFormat = z.string().min(1).max(100).superRefine((pattern, ctx) => {
  try {
    format(0, pattern);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid date-fns format: ${(error as Error).message}` });
  }
});

const template = z.string().max(200).superRefine((text, ctx) => {
  const parsed = parseTemplate(text, isValidName);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return;
  }
  for (const part of parsed.parts) {
    if (part.kind !== 'time' || part.format === undefined) continue;
    try {
      format(0, part.format);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `bad time format "${part.format}": ${(error as Error).message}` });
    }
  }
});

/** A series line: a bare series name, or an object with display settings. */
const seriesEntry = z.preprocess(
  (entry) => (typeof entry === 'string' ? { name: entry } : entry),
  z.strictObject({
    name: seriesSelector,
    label: z.string().max(100).optional(),
    color: color.optional(),
    fill: z.boolean().optional(),
    lineWidth: z.number().min(0).max(20).optional(),
    stepped: z.boolean().optional(),
    points: z.boolean().optional(),
  }),
);

/** The `overlay` key of a chart or camera file. */
export const overlay = z.strictObject({
  lines: z.array(template).max(10).default(['{time}']),
  timeFormat: dateFormat.default('yyyy-MM-dd HH:mm:ss'),
  position: z.enum(['top-left', 'top-right', 'bottom-left', 'bottom-right']).default('top-right'),
  fontSize: z.number().min(8).max(96).default(14),
  color: color.optional(),
  box: z.boolean().default(true),
});

/**
 * Plain JSON data for chart.js options: no prototype keys, bounded depth. Checked before the
 * record schema, which would silently drop a top-level "__proto__".
 */
const jsonOptions = z
  .unknown()
  .superRefine((value, ctx) => {
    const problem = findUnsafeKey(value, [], 0);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
  })
  .pipe(z.record(z.string(), z.unknown()));

/** The first prototype-polluting key or over-deep nesting in plain data, with its path. */
export function findUnsafeKey(value: unknown, path: string[], depth: number): { message: string; path: string[] } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_OPTIONS_DEPTH) return { message: `nested deeper than ${MAX_OPTIONS_DEPTH} levels`, path };
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return { message: `key "${key}" is not allowed`, path: [...path, key] };
    const found = findUnsafeKey((value as Record<string, unknown>)[key], [...path, key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** A number within a STREAM_LIMITS range. */
export const limit = (bounds: { min: number; max: number }) => z.number().min(bounds.min).max(bounds.max);

/** The schema of a chart file (JSON or YAML). */
export const chartFileSchema = z.strictObject({
  $schema: z.string().optional(),
  title: z.string().max(200).optional(),
  type: z.enum(['line', 'bar']).default('line'),
  series: z.array(seriesEntry).min(1).max(32),
  window: duration.default('5m'),
  fps: limit(STREAM_LIMITS.fps).default(10),
  width: limit(STREAM_LIMITS.width).int().default(640),
  height: limit(STREAM_LIMITS.height).int().default(360),
  quality: limit(STREAM_LIMITS.quality).int().default(80),
  theme: z.enum(['dark', 'light']).default('dark'),
  background: color.optional(),
  unit: z.string().max(16).default(''),
  min: z.number().optional(),
  max: z.number().optional(),
  stacked: z.boolean().default(false),
  legend: z.boolean().optional(),
  overlay: overlay.default({
    lines: ['{time}'],
    timeFormat: 'yyyy-MM-dd HH:mm:ss',
    position: 'top-right',
    fontSize: 14,
    box: true,
  }),
  camera: z
    .preprocess(
      (entry) => (typeof entry === 'string' ? { name: entry } : entry),
      z.strictObject({
        name: z.string().regex(NAME_PATTERN, `camera names are ${NAME_RULE}`),
        layout: z.enum(['overlay', 'pip', 'side']).default('overlay'),
        corner: z.enum(['top-left', 'top-right', 'bottom-left', 'bottom-right']).default('bottom-right'),
        size: z.number().min(0.1).max(0.9).default(0.35),
        side: z.enum(['left', 'right']).default('left'),
        backgroundAlpha: z.number().min(0).max(1).default(0.35),
      }),
    )
    .optional(),
  options: jsonOptions.default({}),
});

/** A chart file as written. */
export type ChartFileInput = z.input<typeof chartFileSchema>;

/** The content of a chart file after validation, before its name and origin are added. */
export type ChartFileOutput = z.output<typeof chartFileSchema>;
