import Router from '@koa/router';
import type { Context } from 'koa';
import { type ExpositionResult, isLabelName, parseExposition } from '../../ingest/prometheus-text.js';
import { ChartcastError, invalidField } from '../../lib/errors.js';
import { KeyError, tagSuffix } from '../../lib/series-key.js';
import { clip } from '../../lib/strings.js';
import { readBody } from '../body.js';
import type { HttpDeps } from '../deps.js';

const PLAIN = '/metrics/job';
const BASE64 = '/metrics/job@base64';
/** Bad lines quoted in a 400 message; the rest are counted. */
const QUOTED_ERRORS = 10;
/** Characters of a path segment quoted in a message. */
const CLIP = 60;

/**
 * The Prometheus Pushgateway's push API, so its clients (prom-client, prometheus_client, curl
 * scripts) push to chartcast unchanged:
 *
 *   PUT|POST|DELETE /metrics/job/<job>{/<label>/<value>}
 *   PUT|POST|DELETE /metrics/job@base64/<job>{/<label>@base64/<value>}
 *
 * Samples become series tagged with `job` and the grouping labels (which override labels of the
 * same name in the body, as the Pushgateway does). PUT and POST both add points: chartcast keeps
 * history, so "replace the group" has nothing to replace. DELETE removes the series that group pushed.
 */
export function pushgatewayRoutes(deps: HttpDeps): Router {
  const groups = deps.pushGroups;
  const router = new Router();
  const paths = [`${PLAIN}{/*rest}`, `${BASE64}{/*rest}`];
  const push = async (ctx: Context) => {
    const grouping = parseGroupingPath(ctx.path);
    const group = groupId(grouping);
    const timestampUnit = mediaType(ctx);
    const { text } = await readBody(ctx, deps.limits.maxBodyBytes);
    const now = deps.clock.now();
    const parsed = parseExposition(text, { defaultTime: now, now, maxFutureMs: deps.limits.maxFutureMs, extraTags: grouping, conflict: 'override', timestampUnit });
    const result = await deps.ingest.write('prometheus', parsed.samples);
    groups.record(group, parsed.samples.map((sample) => sample.series));
    if (parsed.errorCount > 0) {
      const first = parsed.errors[0];
      deps.ingest.malformed('prometheus', `line ${first?.line}: ${first?.reason}`, { job: grouping.get('job'), remote: ctx.ip }, parsed.errorCount);
      throw new ChartcastError('invalid_field', badLinesMessage(parsed, result.stored), { status: 400, field: `line ${first?.line}` });
    }
    if (result.refused) {
      throw new ChartcastError(
        'series_limit',
        `${result.refused} samples of new series were refused: the store holds at most ${deps.store.limits.maxSeries} series (--max-series); the other ${result.stored} were stored`,
        { status: 422 },
      );
    }
    ctx.status = 200; // the Pushgateway's answer; clients look only at the status
    ctx.body = { stored: result.stored, dropped: result.dropped, skipped: parsed.skipped, storedAt: Number((deps.clock.now() / 1000).toFixed(6)) };
  };
  router.put(paths, push);
  router.post(paths, push);
  router.delete(paths, async (ctx) => {
    const deleted = await groups.delete(groupId(parseGroupingPath(ctx.path)));
    ctx.status = 202; // as the Pushgateway
    ctx.body = { deleted };
  });
  return router;
}

/**
 * The grouping key of a Pushgateway path: the grouping labels in path order, then `job`. Values
 * are percent-decoded per segment (so `%2F` stays inside a value), or base64url-decoded after a
 * `@base64` suffix (`=` alone is the empty value). Throws a 400 naming the problem.
 */
export function parseGroupingPath(path: string): Map<string, string> {
  const base64Job = path === BASE64 || path.startsWith(`${BASE64}/`);
  const rest = path.slice((base64Job ? BASE64 : PLAIN).length);
  const parts = rest === '' || rest === '/' ? [] : rest.slice(1).split('/');
  const jobRaw = parts.shift();
  const job = jobRaw === undefined ? '' : base64Job ? decodeBase64(decodeSegment(jobRaw), 'job') : decodeSegment(jobRaw);
  if (!job) throw invalidField('job', 'job name is required: push to /metrics/job/<job>');
  if (parts.length === 1 && parts[0] === '') parts.pop(); // a trailing slash
  if (parts.length % 2 !== 0) {
    throw invalidField('path', `odd number of components after the job: grouping labels come in pairs, /<label>/<value> (got "${clip(parts.join('/'), CLIP)}")`);
  }
  const grouping = new Map<string, string>();
  for (let i = 0; i < parts.length; i += 2) {
    const raw = decodeSegment(parts[i] as string);
    const base64 = raw.endsWith('@base64');
    const name = base64 ? raw.slice(0, -'@base64'.length) : raw;
    if (!isLabelName(name) || name.startsWith('__')) {
      throw invalidField('path', `improper label name "${clip(name, CLIP)}": grouping labels are [A-Za-z_][A-Za-z0-9_]*, not starting with __`);
    }
    const value = decodeSegment(parts[i + 1] as string);
    grouping.set(name, base64 ? decodeBase64(value, name) : value);
  }
  grouping.delete('job');
  grouping.set('job', job); // the job in the path wins, as in the Pushgateway
  return grouping;
}

/** One identity per group: the grouping labels as a sorted tag suffix (empty values mean no label). */
function groupId(grouping: ReadonlyMap<string, string>): string {
  try {
    return tagSuffix(grouping);
  } catch (error) {
    if (error instanceof KeyError) throw invalidField('path', error.message);
    throw error;
  }
}

/** The body's timestamp unit from its Content-Type; protobuf is refused (415). */
function mediaType(ctx: Context): 'ms' | 's' {
  const type = (ctx.get('Content-Type').split(';')[0] ?? '').trim().toLowerCase();
  if (type === 'application/vnd.google.protobuf') {
    throw new ChartcastError(
      'unsupported_content_type',
      'content-type: the protobuf format is not supported; push the text format (Content-Type: text/plain; version=0.0.4, or none), which every Prometheus client can send',
      { status: 415, field: 'content-type' },
    );
  }
  // Anything else is read as text, as the Pushgateway does; OpenMetrics stamps samples in seconds.
  return type === 'application/openmetrics-text' ? 's' : 'ms';
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidField('path', `"${clip(segment, CLIP)}" is not valid percent-encoding`);
  }
}

/** base64url with optional padding, as the Pushgateway reads it; the result must be UTF-8. */
function decodeBase64(text: string, label: string): string {
  const bare = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9_-]*$/.test(bare) || bare.length % 4 === 1) {
    throw invalidField('path', `invalid base64 encoding for ${label}="${clip(text, CLIP)}" (use the URL-safe alphabet A-Z a-z 0-9 - _)`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(bare, 'base64url'));
  } catch {
    throw invalidField('path', `the base64 value of ${label} is not UTF-8 text`);
  }
}

function badLinesMessage(parsed: ExpositionResult, stored: number): string {
  const quoted = parsed.errors.slice(0, QUOTED_ERRORS).map((error) => `line ${error.line}: ${error.reason}`);
  const more = parsed.errorCount > quoted.length ? `; and ${parsed.errorCount - quoted.length} more` : '';
  const lines = parsed.errorCount === 1 ? '1 bad line' : `${parsed.errorCount} bad lines`;
  const kept = stored === 1 ? 'the 1 valid sample was stored' : `the ${stored} valid samples were stored`;
  return `${lines} (${kept}): ${quoted.join('; ')}${more}`;
}
