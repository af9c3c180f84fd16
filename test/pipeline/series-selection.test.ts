import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChart } from '../../src/config/chart-loader.js';
import type { ChartSpec } from '../../src/lib/chart-spec.js';
import { MAX_DATASETS_PER_ENTRY, SeriesSelection } from '../../src/pipeline/series-selection.js';
import { MemorySeriesStore } from '../../src/series/memory-store.js';

const T0 = 1_700_000_000_000;

function chart(series: unknown[]): ChartSpec {
  const parsed = parseChart('test', { series });
  if (!('chart' in parsed)) throw new Error(JSON.stringify(parsed.issues));
  return parsed.chart;
}

function setup(series: unknown[]) {
  const store = new MemorySeriesStore({ clock: { now: () => T0 }, limits: { maxPointsPerSeries: 10, maxSeries: 1000, retentionMs: 60_000 } });
  return { store, selection: new SeriesSelection(chart(series), store, ['overlaid']) };
}

describe('SeriesSelection', () => {
  it('shows a plain name as one dataset even before its first point', () => {
    const { selection } = setup([{ name: 'cpu', label: 'CPU' }]);
    assert.deepEqual(selection.datasets(), [{ key: 'cpu', entry: 0, label: 'CPU' }]);
  });

  it('gives a pattern one dataset per matching series, labelled by the open tag, and adds new ones live', async () => {
    const { store, selection } = setup(['temp{room=*}']);
    assert.deepEqual(selection.datasets(), []);
    await store.append([{ series: 'temp{room=kitchen}', time: T0, value: 21 }]);
    assert.deepEqual(selection.datasets(), [{ key: 'temp{room=kitchen}', entry: 0, label: 'kitchen' }]);
    const added = new Set(['temp{room=hall}']);
    await store.append([{ series: 'temp{room=hall}', time: T0, value: 18 }]);
    assert.ok(selection.affectedBy(added), 'a new matching series redraws the chart');
    assert.deepEqual(selection.datasets().map((d) => d.label), ['hall', 'kitchen']);
  });

  it('reacts to changes of selected and overlay series only', async () => {
    const { store, selection } = setup(['temp{room=*}']);
    await store.append([{ series: 'temp{room=kitchen}', time: T0, value: 21 }, { series: 'other', time: T0, value: 1 }]);
    assert.ok(selection.affectedBy(new Set(['temp{room=kitchen}'])));
    assert.ok(selection.affectedBy(new Set(['overlaid'])));
    assert.ok(!selection.affectedBy(new Set(['other'])));
  });

  it('fills label templates and keeps entries in chart order', async () => {
    const { store, selection } = setup([{ name: 'temp{room=*}', label: 'Room {room}' }, 'cpu']);
    await store.append([{ series: 'temp{room=hall}', time: T0, value: 18 }, { series: 'cpu', time: T0, value: 3 }]);
    assert.deepEqual(selection.datasets(), [
      { key: 'temp{room=hall}', entry: 0, label: 'Room hall' },
      { key: 'cpu', entry: 1, label: 'cpu' },
    ]);
  });

  it('caps how many datasets one pattern adds', async () => {
    const { store, selection } = setup(['m{i=*}']);
    await store.append(Array.from({ length: 100 }, (_, i) => ({ series: `m{i=${i}}`, time: T0, value: i })));
    assert.equal(selection.datasets().length, MAX_DATASETS_PER_ENTRY);
  });
});
