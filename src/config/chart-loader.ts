import { parseDuration } from '../lib/duration.js';
import { type ChartSpec, chartFileSchema } from './chart-schema.js';
import { type SpecIssue, type SpecLoadError, deepFreeze, describeIssue, loadSpecDir, loadSpecFile } from './spec-files.js';

/** Chart files larger than this are refused unread. */
export { MAX_SPEC_FILE_BYTES as MAX_CHART_FILE_BYTES } from './spec-files.js';

/** Why one chart file did not load. */
export type ChartLoadError = SpecLoadError;

/** The charts that loaded and the files that did not. */
export interface ChartLoadResult {
  readonly charts: readonly ChartSpec[];
  readonly errors: readonly ChartLoadError[];
}

/** Loads every chart file in `dir`; a bad file is reported and skipped, the others still load. */
export async function loadChartDir(dir: string): Promise<ChartLoadResult> {
  const { specs, errors } = await loadSpecDir(dir, 'chart', parseChartSpec);
  return { charts: specs, errors };
}

/** Loads one chart file; the chart's name is the file name without its extension. */
export async function loadChartFile(file: string): Promise<{ chart: ChartSpec } | { errors: ChartLoadError[] }> {
  const result = await loadSpecFile(file, 'chart', parseChartSpec);
  return 'errors' in result ? result : { chart: result.spec };
}

function parseChartSpec(name: string, content: unknown, file: string): { spec: ChartSpec } | { issues: SpecIssue[] } {
  const parsed = parseChart(name, content, file);
  return 'chart' in parsed ? { spec: parsed.chart } : parsed;
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
