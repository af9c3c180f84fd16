import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';
import type { ScrapeSpec } from '../lib/scrape-spec.js';
import { MAX_TAGS, MAX_TAG_VALUE } from '../lib/series-key.js';
import { type SpecIssue, deepFreeze, describeIssue } from './spec-files.js';

/** Shortest and longest scrape interval (ms). */
export const SCRAPE_INTERVAL_LIMITS = { min: 1000, max: 3_600_000 } as const;
/** Default timeout: 10 s, or the interval when that is shorter. */
const DEFAULT_TIMEOUT_MS = 10_000;

const duration = (what: string) =>
  z.string().refine((text) => parseDuration(text) !== undefined, { message: `expected a ${what} such as "15s", "1m" or "500ms"` });

/** The schema of a scrape target file (JSON or YAML in the scrape folder). */
export const scrapeFileSchema = z.strictObject({
  $schema: z.string().optional(),
  url: z.url({ protocol: /^https?$/, error: 'expected the http:// or https:// URL of a Prometheus /metrics endpoint' }).max(2048),
  interval: duration('duration').default('15s'),
  timeout: duration('duration').optional(),
  labels: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'label names are [A-Za-z_][A-Za-z0-9_]*, up to 64 characters'),
      z.string().max(MAX_TAG_VALUE),
    )
    .refine((labels) => Object.keys(labels).length <= MAX_TAGS - 2, { message: `at most ${MAX_TAGS - 2} labels (a series has at most ${MAX_TAGS} tags, job and instance included)` })
    .default({}),
  metrics: z
    .array(z.string().regex(/^[A-Za-z0-9_:*?]{1,200}$/, 'expected a metric name or a glob such as "node_load*" (letters, digits, _ : * ?)'))
    .min(1)
    .max(100)
    .optional(),
  maxBytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(10 * 1024 * 1024),
  honorLabels: z.boolean().default(false),
});

/** Validates scrape target content (parsed from JSON or YAML) into a frozen ScrapeSpec. */
export function parseScrapeTarget(name: string, content: unknown, file?: string): { spec: ScrapeSpec } | { issues: SpecIssue[] } {
  const result = scrapeFileSchema.safeParse(content);
  if (!result.success) return { issues: result.error.issues.map(describeIssue) };
  const data = result.data;
  const intervalMs = parseDuration(data.interval) as number;
  if (intervalMs < SCRAPE_INTERVAL_LIMITS.min || intervalMs > SCRAPE_INTERVAL_LIMITS.max) {
    return { issues: [{ field: 'interval', message: `"${data.interval}" is outside 1s to 1h` }] };
  }
  const timeoutMs = data.timeout === undefined ? Math.min(DEFAULT_TIMEOUT_MS, intervalMs) : (parseDuration(data.timeout) as number);
  if (timeoutMs <= 0 || timeoutMs > intervalMs) {
    return { issues: [{ field: 'timeout', message: `"${data.timeout}" must be above zero and at most the interval (${data.interval}), so scrapes never overlap` }] };
  }
  const url = new URL(data.url);
  if (url.host.length > 190) return { issues: [{ field: 'url', message: 'the host:port is longer than 190 characters (it becomes the instance tag)' }] };
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  url.username = '';
  url.password = '';
  const spec: ScrapeSpec = {
    name,
    url: url.href,
    username,
    password,
    intervalMs,
    timeoutMs,
    labels: data.labels,
    metrics: data.metrics,
    maxBytes: data.maxBytes,
    honorLabels: data.honorLabels,
    file,
  };
  return { spec: deepFreeze(spec) };
}
