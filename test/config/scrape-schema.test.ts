import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScrapeTarget } from '../../src/config/scrape-schema.js';

describe('scrape target files', () => {
  it('fills in Prometheus defaults: 15s interval, 10s timeout', () => {
    const result = parseScrapeTarget('node', { url: 'http://localhost:9100/metrics' });
    assert.ok('spec' in result);
    assert.equal(result.spec.intervalMs, 15_000);
    assert.equal(result.spec.timeoutMs, 10_000);
    assert.deepEqual(result.spec.labels, {});
    assert.equal(result.spec.metrics, undefined);
    assert.equal(result.spec.maxBytes, 10 * 1024 * 1024);
  });

  it('shortens the default timeout to a shorter interval', () => {
    const result = parseScrapeTarget('fast', { url: 'http://localhost:9100/metrics', interval: '2s' });
    assert.ok('spec' in result);
    assert.equal(result.spec.timeoutMs, 2000);
  });

  it('takes credentials out of the URL', () => {
    const result = parseScrapeTarget('auth', { url: 'https://user:p%40ss@example.com/metrics' });
    assert.ok('spec' in result);
    assert.equal(result.spec.url, 'https://example.com/metrics');
    assert.equal(result.spec.username, 'user');
    assert.equal(result.spec.password, 'p@ss');
  });

  it('names the offending field', () => {
    const cases: [unknown, string][] = [
      [{ url: 'ftp://x/metrics' }, 'url'],
      [{ url: 'http://x/metrics', interval: '100ms' }, 'interval'],
      [{ url: 'http://x/metrics', interval: 'soon' }, 'interval'],
      [{ url: 'http://x/metrics', interval: '5s', timeout: '6s' }, 'timeout'],
      [{ url: 'http://x/metrics', labels: { 'bad-name': 'v' } }, 'labels.bad-name'],
      [{ url: 'http://x/metrics', metrics: ['node load'] }, 'metrics.0'],
      [{ url: 'http://x/metrics', metrics: [] }, 'metrics'],
      [{ url: 'http://x/metrics', extra: 1 }, 'extra'],
    ];
    for (const [content, field] of cases) {
      const result = parseScrapeTarget('t', content);
      assert.ok('issues' in result, JSON.stringify(content));
      assert.equal(result.issues[0]?.field, field, JSON.stringify(result.issues));
    }
  });
});
