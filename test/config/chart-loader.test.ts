import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { type ChartLoadError, MAX_CHART_FILE_BYTES, loadChartDir, loadChartFile, parseChart } from '../../src/config/chart-loader.js';
import type { ChartSpec } from '../../src/config/chart-schema.js';

const SHIPPED_CHARTS = resolve(import.meta.dirname, '..', '..', 'charts');
const dirs: string[] = [];

after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Writes files (objects as JSON, strings verbatim) into a fresh temp dir. */
async function chartDir(files: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chartcast-loader-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

function chartNamed(charts: readonly ChartSpec[], name: string): ChartSpec {
  const chart = charts.find((c) => c.name === name);
  assert.ok(chart, `chart "${name}" should have loaded; got ${charts.map((c) => c.name).join(', ')}`);
  return chart;
}

/** Loads one chart's content from a temp dir and returns its errors (asserting there are some). */
async function errorsFor(content: unknown, file = 'bad.json'): Promise<ChartLoadError[]> {
  const dir = await chartDir({ [file]: content });
  const result = await loadChartDir(dir);
  assert.equal(result.charts.length, 0, `expected ${file} to be rejected`);
  assert.ok(result.errors.length > 0);
  for (const error of result.errors) assert.equal(error.file, join(dir, file));
  return [...result.errors];
}

function hasError(errors: readonly ChartLoadError[], field: string, message: RegExp): void {
  assert.ok(
    errors.some((e) => e.field === field && message.test(e.message)),
    `expected an error on "${field}" matching ${message}; got ${JSON.stringify(errors)}`,
  );
}

describe('loadChartDir', () => {
  it('loads a JSON chart with defaults applied', async () => {
    const dir = await chartDir({ 'cpu.json': { series: ['cpu'] } });
    const { charts, errors } = await loadChartDir(dir);
    assert.deepEqual(errors, []);
    const chart = chartNamed(charts, 'cpu');
    assert.equal(chart.title, 'cpu');
    assert.equal(chart.type, 'line');
    assert.deepEqual(chart.series, [{ name: 'cpu' }]);
    assert.equal(chart.window, '5m');
    assert.equal(chart.windowMs, 300_000);
    assert.equal(chart.fps, 10);
    assert.equal(chart.width, 640);
    assert.equal(chart.height, 360);
    assert.equal(chart.quality, 80);
    assert.equal(chart.theme, 'dark');
    assert.equal(chart.unit, '');
    assert.equal(chart.stacked, false);
    assert.equal(chart.min, undefined);
    assert.equal(chart.max, undefined);
    assert.deepEqual(chart.overlay, {
      lines: ['{time}'],
      timeFormat: 'yyyy-MM-dd HH:mm:ss',
      position: 'top-right',
      fontSize: 14,
      box: true,
    });
    assert.deepEqual(chart.options, {});
    assert.equal(chart.file, join(dir, 'cpu.json'));
  });

  it('loads a YAML chart (.yaml and .yml) with its settings and defaults', async () => {
    const dir = await chartDir({
      'memory.yaml': [
        '# comment',
        'title: Memory',
        'series:',
        '  - name: mem.used',
        '    label: used',
        '    color: "#9966ff"',
        '    fill: true',
        '  - mem.free',
        'window: 15m',
        'unit: bytes',
        'min: 0',
        'overlay:',
        '  lines: ["{time}", "used {last:mem.used}"]',
        '  position: bottom-left',
        '',
      ].join('\n'),
      'disk.yml': 'series: [disk.io]\ntype: bar\ntheme: light\n',
    });
    const { charts, errors } = await loadChartDir(dir);
    assert.deepEqual(errors, []);
    const memory = chartNamed(charts, 'memory');
    assert.equal(memory.title, 'Memory');
    assert.deepEqual(memory.series, [{ name: 'mem.used', label: 'used', color: '#9966ff', fill: true }, { name: 'mem.free' }]);
    assert.equal(memory.windowMs, 900_000);
    assert.equal(memory.unit, 'bytes');
    assert.equal(memory.min, 0);
    assert.deepEqual(memory.overlay.lines, ['{time}', 'used {last:mem.used}']);
    assert.equal(memory.overlay.position, 'bottom-left');
    assert.equal(memory.overlay.fontSize, 14);
    assert.equal(memory.fps, 10);
    const disk = chartNamed(charts, 'disk');
    assert.equal(disk.type, 'bar');
    assert.equal(disk.theme, 'light');
  });

  it('returns charts sorted by file name and ignores other files', async () => {
    const dir = await chartDir({
      'b.json': { series: ['x'] },
      'a.yaml': 'series: [x]\n',
      'README.md': '# not a chart',
      'notes.txt': 'hello',
    });
    const { charts, errors } = await loadChartDir(dir);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      charts.map((c) => c.name),
      ['a', 'b'],
    );
  });

  it('returns frozen charts', async () => {
    const dir = await chartDir({ 'cpu.json': { series: ['cpu'], options: { plugins: { legend: { display: false } } } } });
    const chart = chartNamed((await loadChartDir(dir)).charts, 'cpu');
    assert.ok(Object.isFrozen(chart));
    assert.ok(Object.isFrozen(chart.series));
    assert.ok(Object.isFrozen(chart.overlay));
    assert.ok(Object.isFrozen(chart.options.plugins));
  });

  it('reports a bad file naming the file and field while the other charts still load', async () => {
    const dir = await chartDir({
      'good.json': { series: ['cpu'] },
      'bad.json': { series: ['cpu'], fps: 1000 },
      'also-good.yaml': 'series: [mem]\n',
    });
    const { charts, errors } = await loadChartDir(dir);
    assert.deepEqual(
      charts.map((c) => c.name),
      ['also-good', 'good'],
    );
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.file, join(dir, 'bad.json'));
    assert.equal(errors[0]?.field, 'fps');
  });

  it('names the field of a nested error', async () => {
    hasError(await errorsFor({ series: ['cpu', { name: 'mem', color: 'not a colour!' }] }), 'series.1.color', /CSS colour/);
    hasError(await errorsFor({ series: ['bad name'] }), 'series.0.name', /not a series name or pattern/);
    hasError(await errorsFor({ series: ['cpu'], width: 10 }), 'width', /./);
    hasError(await errorsFor({ series: ['cpu'], width: 640.5 }), 'width', /./);
    hasError(await errorsFor({ series: ['cpu'], window: 'forever' }), 'window', /duration/);
    hasError(await errorsFor({ series: [] }), 'series', /./);
    hasError(await errorsFor({ title: 'no series' }), 'series', /./);
  });

  it('names unknown keys, at the top and nested', async () => {
    hasError(await errorsFor({ series: ['cpu'], colour: 'red' }), 'colour', /unknown key "colour"/);
    hasError(await errorsFor({ series: [{ name: 'cpu', colour: 'red' }] }), 'series.0.colour', /unknown key "colour"/);
    hasError(await errorsFor({ series: ['cpu'], overlay: { size: 3 } }), 'overlay.size', /unknown key "size"/);
  });

  it('rejects a bad overlay template, naming the line', async () => {
    hasError(await errorsFor({ series: ['cpu'], overlay: { lines: ['{time}', 'CPU {last:cpu'] } }), 'overlay.lines.1', /unclosed/);
    hasError(await errorsFor({ series: ['cpu'], overlay: { lines: ['{bogus}'] } }), 'overlay.lines.0', /unknown token/);
  });

  it('rejects a bad date-fns format in the overlay', async () => {
    hasError(await errorsFor({ series: ['cpu'], overlay: { timeFormat: 'yyyy-MM-dd j' } }), 'overlay.timeFormat', /date-fns format/);
    hasError(await errorsFor({ series: ['cpu'], overlay: { lines: ['{time:HH:mm j}'] } }), 'overlay.lines.0', /bad time format/);
  });

  it('rejects a "__proto__" key at the top of options', async () => {
    const errors = await errorsFor('{"series": ["cpu"], "options": {"__proto__": {"responsive": false}}}');
    hasError(errors, 'options.__proto__', /not allowed/);
  });

  it('rejects a "__proto__" key at the top of options in YAML', async () => {
    const errors = await errorsFor('series: [cpu]\noptions:\n  __proto__:\n    responsive: false\n', 'bad.yaml');
    hasError(errors, 'options.__proto__', /not allowed/);
  });

  it('rejects "__proto__", "constructor" and "prototype" keys nested inside options', async () => {
    hasError(
      await errorsFor('{"series": ["cpu"], "options": {"plugins": {"__proto__": {"x": 1}}}}'),
      'options.plugins.__proto__',
      /key "__proto__" is not allowed/,
    );
    hasError(await errorsFor({ series: ['cpu'], options: { constructor: { x: 1 } } }), 'options.constructor', /not allowed/);
    hasError(await errorsFor({ series: ['cpu'], options: { scales: { y: { prototype: 1 } } } }), 'options.scales.y.prototype', /not allowed/);
  });

  it('rejects options nested too deeply', async () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 20; i++) deep = { n: deep };
    hasError(await errorsFor({ series: ['cpu'], options: deep }), 'options.n.n.n.n.n.n.n.n.n.n.n.n.n', /deeper than 12/);
  });

  it('rejects a second chart with the same name, keeping the first', async () => {
    const dir = await chartDir({
      'cpu.json': { series: ['from.json'] },
      'cpu.yaml': 'series: [from.yaml]\n',
    });
    const { charts, errors } = await loadChartDir(dir);
    assert.equal(charts.length, 1);
    assert.deepEqual(chartNamed(charts, 'cpu').series, [{ name: 'from.json' }]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.file, join(dir, 'cpu.yaml'));
    assert.match(errors[0]?.message ?? '', /already defined by .*cpu\.json/);
  });

  it('rejects min >= max, naming min', async () => {
    hasError(await errorsFor({ series: ['cpu'], min: 10, max: 10 }), 'min', /min \(10\) must be below max \(10\)/);
    hasError(await errorsFor({ series: ['cpu'], min: 11, max: 10 }), 'min', /below max/);
    const dir = await chartDir({ 'ok.json': { series: ['cpu'], min: 0, max: 100 } });
    const chart = chartNamed((await loadChartDir(dir)).charts, 'ok');
    assert.equal(chart.min, 0);
    assert.equal(chart.max, 100);
  });

  it('rejects a file name that is not a valid chart name', async () => {
    for (const file of ['-dash.json', 'has space.json']) {
      const errors = await errorsFor({ series: ['cpu'] }, file);
      assert.equal(errors[0]?.field, '');
      assert.match(errors[0]?.message ?? '', /not a valid chart name/);
    }
  });

  it('reports unparseable JSON and YAML', async () => {
    const json = await errorsFor('{"series": [', 'broken.json');
    assert.match(json[0]?.message ?? '', /cannot parse/);
    const yaml = await errorsFor('series: [cpu\n  nope: {', 'broken.yaml');
    assert.match(yaml[0]?.message ?? '', /cannot parse/);
  });

  it('refuses files larger than the limit unread', async () => {
    const big = JSON.stringify({ series: ['cpu'], title: 'x', pad: 'y'.repeat(MAX_CHART_FILE_BYTES) });
    const errors = await errorsFor(big, 'big.json');
    assert.match(errors[0]?.message ?? '', /larger than/);
  });

  it('loads every shipped chart in charts/ without errors', async () => {
    const { charts, errors } = await loadChartDir(SHIPPED_CHARTS);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      charts.map((c) => c.name),
      ['cpu', 'load', 'memory', 'network'],
    );
  });
});

describe('loadChartFile', () => {
  it('reports a file that cannot be read', async () => {
    const dir = await chartDir({});
    const result = await loadChartFile(join(dir, 'missing.json'));
    assert.ok('errors' in result);
    assert.match(result.errors[0]?.message ?? '', /cannot read/);
  });
});

describe('parseChart', () => {
  it('validates content made in code, with no file', () => {
    const result = parseChart('live', { series: ['a'], title: 'Live' });
    assert.ok('chart' in result);
    assert.equal(result.chart.name, 'live');
    assert.equal(result.chart.title, 'Live');
    assert.equal(result.chart.file, undefined);
  });

  it('rejects content that is not an object', () => {
    const result = parseChart('x', ['a']);
    assert.ok('issues' in result);
    assert.equal(result.issues[0]?.field, '');
  });
});
