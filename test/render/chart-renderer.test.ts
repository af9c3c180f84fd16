import assert from 'node:assert/strict';
import type { Canvas } from '@napi-rs/canvas';
import { GlobalFonts } from '@napi-rs/canvas';
import { before, describe, it } from 'node:test';
import { parseChart } from '../../src/config/chart-loader.js';
import type { ChartFileInput } from '../../src/config/chart-schema.js';
import { ChartRenderer, mergeOptions, timeStep } from '../../src/render/chart-renderer.js';
import { registerFonts } from '../../src/render/fonts.js';
import type { Point } from '../../src/series/types.js';

/** Datasets for plain point lists, one per chart entry. */
const ds = (...lists: { x: number; y: number }[][]) => lists.map((points, entry) => ({ key: `s${entry}`, entry, label: `s${entry}`, points }));


function chart(content: Partial<ChartFileInput> & Record<string, unknown>) {
  const parsed = parseChart('test', { series: ['s'], ...content });
  if (!('chart' in parsed)) throw new Error(JSON.stringify(parsed.issues));
  return parsed.chart;
}

function pixels(canvas: Canvas) {
  return canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
}

function count(canvas: Canvas, match: (r: number, g: number, b: number) => boolean, area?: { x0: number; y0: number; x1: number; y1: number }): number {
  const { data, width, height } = pixels(canvas);
  const { x0, y0, x1, y1 } = area ?? { x0: 0, y0: 0, x1: width, y1: height };
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * width + x) * 4;
      if (match(data[i] as number, data[i + 1] as number, data[i + 2] as number)) n++;
    }
  }
  return n;
}

const red = (r: number, g: number, b: number) => r > 200 && g < 60 && b < 60;
const now = Date.parse('2026-01-01T12:00:00Z');
const ramp = (n: number, value: (i: number) => number): Point[] =>
  Array.from({ length: n }, (_, i) => ({ x: now - (n - 1 - i) * 1000, y: value(i) }));

describe('ChartRenderer', () => {
  before(() => registerFonts());

  it('draws a line series in its colour over an opaque theme background', () => {
    const renderer = new ChartRenderer(chart({ series: [{ name: 's', color: '#ff0000' }], window: '5m' }), { width: 320, height: 180 });
    const canvas = renderer.render({ now, datasets: ds(ramp(300, (i) => Math.sin(i / 10))), overlayLines: [] });
    assert.ok(count(canvas, red) > 200, 'line pixels');
    const { data } = pixels(canvas);
    assert.deepEqual([...data.subarray(0, 4)], [0x11, 0x14, 0x18, 255], 'dark theme background, not transparent');
    renderer.destroy();
  });

  it('fills the light theme background and a custom background colour', () => {
    const light = new ChartRenderer(chart({ theme: 'light' }), { width: 100, height: 80 });
    assert.deepEqual([...pixels(light.render({ now, datasets: ds([]), overlayLines: [] })).data.subarray(0, 4)], [255, 255, 255, 255]);
    const custom = new ChartRenderer(chart({ background: '#00ff00' }), { width: 100, height: 80 });
    assert.deepEqual([...pixels(custom.render({ now, datasets: ds([]), overlayLines: [] })).data.subarray(0, 4)], [0, 255, 0, 255]);
  });

  it('adds and removes datasets between frames, each series keeping its colour', () => {
    // Palette: 0 blue #36a2eb, 1 pink #ff6384.
    const blue = (r: number, g: number, b: number) => r < 90 && g > 130 && g < 190 && b > 200;
    const pink = (r: number, g: number, b: number) => r > 220 && g > 70 && g < 130 && b > 100 && b < 160;
    const renderer = new ChartRenderer(chart({ series: ['temp{room=*}'], window: '5m' }), { width: 320, height: 180 });
    const line = (level: number) => ramp(300, () => level);
    const frame = (datasets: { key: string; level: number }[]) =>
      renderer.render({ now, datasets: datasets.map(({ key, level }) => ({ key, entry: 0, label: key, points: line(level) })), overlayLines: [] });
    let canvas = frame([{ key: 'kitchen', level: 1 }]);
    assert.ok(count(canvas, blue) > 200 && count(canvas, pink) < 20, 'one series, first colour');
    canvas = frame([{ key: 'hall', level: 0 }, { key: 'kitchen', level: 1 }]);
    assert.ok(count(canvas, blue) > 200 && count(canvas, pink) > 200, 'a joining series gets the next free colour');
    canvas = frame([{ key: 'hall', level: 0 }]);
    assert.ok(count(canvas, pink) > 200 && count(canvas, blue) < 20, 'the remaining series keeps its colour');
    renderer.destroy();
  });

  it('draws bars', () => {
    const renderer = new ChartRenderer(chart({ type: 'bar', window: '10s', series: [{ name: 's', color: '#ff0000' }] }), { width: 320, height: 180 });
    const canvas = renderer.render({ now, datasets: ds(ramp(10, (i) => i + 1)), overlayLines: [] });
    assert.ok(count(canvas, (r, g, b) => r > 180 && g < 80 && b < 80) > 1000, 'bar pixels');
  });

  it('places a value where min and max put it, with chart.js options passed through', () => {
    const spec = chart({
      title: '',
      series: [{ name: 's', color: '#ff0000', lineWidth: 3 }],
      window: '10s',
      min: 0,
      max: 100,
      legend: false,
      overlay: { lines: [] },
      options: { layout: { padding: 0 }, scales: { x: { display: false }, y: { display: false } } },
    });
    const renderer = new ChartRenderer(spec, { width: 200, height: 100 });
    const canvas = renderer.render({ now, datasets: ds(ramp(10, () => 75)), overlayLines: [] });
    const topQuarter = count(canvas, red, { x0: 20, y0: 15, x1: 180, y1: 35 });
    const rest = count(canvas, red, { x0: 20, y0: 40, x1: 180, y1: 100 });
    assert.ok(topQuarter > 100 && rest === 0, `line near row 25: ${topQuarter} pixels there, ${rest} elsewhere`);
  });

  it('draws overlay text in its corner', () => {
    const spec = chart({ overlay: { lines: ['HELLO 12:00'], position: 'bottom-left', fontSize: 16 } });
    const renderer = new ChartRenderer(spec, { width: 320, height: 180 });
    const withText = renderer.render({ now, datasets: ds([]), overlayLines: ['HELLO 12:00'] });
    const white = (r: number, g: number, b: number) => r > 200 && g > 200 && b > 200;
    assert.ok(count(withText, white, { x0: 0, y0: 150, x1: 160, y1: 180 }) > 50, 'text pixels bottom-left');
    assert.equal(count(withText, white, { x0: 200, y0: 150, x1: 320, y1: 180 }), 0, 'nothing bottom-right');
  });

  it('renders Chinese in titles and overlays with an installed CJK font', { skip: !GlobalFonts.families.some((f) => /WenQuanYi|Noto Sans CJK/.test(f.family)) && 'no CJK font installed' }, () => {
    const draw = (title: string, line: string) => {
      const renderer = new ChartRenderer(chart({ title, overlay: { lines: ['x'] } }), { width: 320, height: 180 });
      const { data } = pixels(renderer.render({ now, datasets: ds([]), overlayLines: [line] }));
      renderer.destroy();
      const region = (x0: number, x1: number, y1: number) =>
        Array.from({ length: y1 }, (_, y) => Array.from(data.subarray((y * 320 + x0) * 4, (y * 320 + x1) * 4)).join()).join();
      return { title: region(0, 100, 30), overlay: region(220, 320, 26) };
    };
    const a = draw('温度传感器', '湿度 42');
    const b = draw('电压表', '风速 42');
    // Missing glyphs would draw identical boxes; real glyphs differ.
    assert.notEqual(a.title, b.title);
    assert.notEqual(a.overlay, b.overlay);
  });

  it('draws an error frame naming the chart and the problem', () => {
    const renderer = new ChartRenderer(chart({ title: 'Broken' }), { width: 320, height: 180 });
    const canvas = renderer.renderError('scale "nope" is not registered', ['12:00']);
    const errorRed = count(canvas, (r, g, b) => r > 40 && r < 80 && g < 25 && b < 25);
    assert.ok(errorRed > 320 * 180 * 0.5, 'mostly the error background');
    assert.ok(count(canvas, (r, g, b) => r > 200 && g > 150 && b > 150) > 100, 'message text');
  });
});

describe('mergeOptions', () => {
  it('merges objects deeply, replaces arrays and scalars, and ignores prototype keys', () => {
    const merged = mergeOptions(
      { a: { b: 1, c: 2 }, list: [1, 2], keep: true },
      JSON.parse('{"a":{"c":3,"d":4},"list":[9],"__proto__":{"polluted":1}}') as Record<string, unknown>,
    );
    assert.deepEqual(merged, { a: { b: 1, c: 3, d: 4 }, list: [9], keep: true });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('timeStep', () => {
  it('chooses round label steps that fit the width', () => {
    assert.deepEqual(timeStep(5 * 60_000, 640), { unit: 'minute', stepSize: 1 });
    assert.deepEqual(timeStep(60_000, 640), { unit: 'second', stepSize: 10 });
    assert.deepEqual(timeStep(24 * 3_600_000, 640), { unit: 'hour', stepSize: 6 });
  });
});
