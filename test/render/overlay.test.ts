import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadChartFile } from '../../src/config/chart-loader.js';
import { OverlayTemplate } from '../../src/render/overlay.js';
import type { WindowStats } from '../../src/series/types.js';

const stats = (values: Record<string, number>) => (series: string): WindowStats => {
  const value = values[series];
  return { count: value === undefined ? 0 : 1, last: value, lastTime: 0, min: value, max: value, avg: value };
};

describe('OverlayTemplate', () => {
  it('formats values with the chart unit, or the unit a token names', () => {
    const overlay = new OverlayTemplate({
      lines: ['{last:mem} ({last:pct:1:%}) {last:pct:0:-} {max:mem::bytes} {last:gone}'],
      timeFormat: 'HH:mm',
      position: 'top-right',
      fontSize: 14,
      box: true,
    });
    const [line] = overlay.text({ title: 't', unit: 'bytes', now: 0, stats: stats({ mem: 3.2e9, pct: 45.25 }) });
    assert.equal(line, '2.98 GiB (45.3%) 45 2.98 GiB –');
    assert.deepEqual(overlay.series, ['mem', 'pct', 'gone']);
  });

  it('shows the built-in memory chart as bytes and a percentage', async () => {
    const loaded = await loadChartFile(join(import.meta.dirname, '..', '..', 'charts', 'memory.yaml'));
    assert.ok('chart' in loaded);
    const overlay = new OverlayTemplate(loaded.chart.overlay);
    const lines = overlay.text({
      title: loaded.chart.title,
      unit: loaded.chart.unit,
      now: Date.parse('2026-01-31T12:00:00Z'),
      stats: stats({ 'system.memory.used_bytes': 3.2e9, 'system.memory.used_percent': 45.25 }),
    });
    assert.equal(lines[1], 'used 2.98 GiB (45.3%)');
  });
});
