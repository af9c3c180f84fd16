import './canvas-globals.js';
import { type Canvas, type SKRSContext2D, createCanvas } from '@napi-rs/canvas';
import { Chart, type ChartConfiguration, type Plugin, registerables } from 'chart.js';
import 'chartjs-adapter-date-fns';
import type { CameraView } from '../lib/camera-spec.js';
import type { ChartSpec } from '../lib/chart-spec.js';
import { formatValue } from '../lib/format-value.js';
import type { Point } from '../series/types.js';
import { BUNDLED_STACKS, type FontStacks } from './fonts.js';
import { cameraRect, drawCamera } from './camera-layer.js';
import { OverlayTemplate, drawOverlay } from './overlay.js';
import { THEMES, type Theme, withAlpha } from './theme.js';

// Registering chart.js's built-in controllers, scales and plugins is idempotent library setup.
Chart.register(...registerables);

/** Pixel size of a rendered frame. */
export interface FrameSize {
  readonly width: number;
  readonly height: number;
}

/** One line (or bar series) of a frame: the series, the chart entry that styles it, its legend label. */
export interface DatasetMeta {
  readonly key: string;
  /** Index into the chart's `series` entries. */
  readonly entry: number;
  readonly label: string;
}

/** A dataset with its points. */
export interface RenderDataset extends DatasetMeta {
  readonly points: Point[];
}

/** Datasets for plain point lists, one per series entry of `spec` in order (tools, benchmarks, tests). */
export function plainDatasets(spec: ChartSpec, lists: readonly Point[][]): RenderDataset[] {
  return lists.map((points, entry) => {
    const series = spec.series[entry];
    return { key: series?.name ?? `series${entry}`, entry, label: series?.label ?? series?.name ?? `series${entry}`, points };
  });
}

/** Everything one frame shows: the moment, the datasets, and overlay text. */
export interface RenderInput {
  /** Epoch milliseconds; the right edge of the time axis. */
  readonly now: number;
  readonly datasets: readonly RenderDataset[];
  readonly overlayLines: readonly string[];
  /** The chart's camera, when it has one. */
  readonly camera?: CameraView | undefined;
  /** A problem met while gathering the input: the frame shows it instead of the chart. */
  readonly error?: string | undefined;
}

const TIME_FORMATS = {
  millisecond: 'HH:mm:ss.SSS',
  second: 'HH:mm:ss',
  minute: 'HH:mm',
  hour: 'HH:mm',
  day: 'MMM d',
  week: 'MMM d',
  month: 'MMM yyyy',
  quarter: 'QQQ yyyy',
  year: 'yyyy',
};

const TITLE_SIZE = 16;
const TITLE_PAD = 8;
/** Pixels a time-axis label needs, to choose how many labels fit. */
const LABEL_SPACING = 90;

const STEPS: readonly (readonly [unit: 'second' | 'minute' | 'hour' | 'day', stepSize: number, ms: number])[] = [
  ...[1, 2, 5, 10, 15, 30].map((n) => ['second', n, n * 1000] as const),
  ...[1, 2, 5, 10, 15, 30].map((n) => ['minute', n, n * 60_000] as const),
  ...[1, 2, 3, 6, 12].map((n) => ['hour', n, n * 3_600_000] as const),
  ...[1, 2, 7, 14, 30, 91, 365].map((n) => ['day', n, n * 86_400_000] as const),
];

/** A time-axis unit and step that land labels on round times, as many as fit the width. */
export function timeStep(windowMs: number, width: number): { unit: string; stepSize: number } {
  const labels = Math.max(2, Math.floor(width / LABEL_SPACING));
  const step = STEPS.find(([, , ms]) => windowMs / ms <= labels) ?? STEPS[STEPS.length - 1];
  const [unit, stepSize] = step as readonly [string, number, number];
  return { unit, stepSize };
}

/**
 * Draws one chart at one size onto its own canvas, reusing a single chart.js instance
 * (updated without animation) for every frame. Not shared between sizes; call destroy() when done.
 */
export class ChartRenderer {
  readonly spec: ChartSpec;
  readonly size: FrameSize;
  readonly overlay: OverlayTemplate;
  readonly #theme: Theme;
  readonly #background: string;
  readonly #canvas: Canvas;
  readonly #ctx: SKRSContext2D;
  readonly #fonts: FontStacks;
  #chart: Chart | undefined;
  /** Identity of the datasets the chart was last set up with. */
  #datasetShape = '';
  /** Palette slot per series key, so a series keeps its colour as others come and go. */
  #slots = new Map<string, number>();
  /** The camera and moment of the frame being drawn (read by the background plugin). */
  #camera: CameraView | undefined;
  #now = 0;

  constructor(spec: ChartSpec, size: FrameSize, fonts: FontStacks = BUNDLED_STACKS) {
    this.spec = spec;
    this.size = size;
    this.#fonts = fonts;
    this.overlay = new OverlayTemplate(spec.overlay);
    this.#theme = THEMES[spec.theme];
    this.#background = spec.background ?? this.#theme.background;
    this.#canvas = createCanvas(size.width, size.height);
    this.#ctx = this.#canvas.getContext('2d');
  }

  /** Draws a frame and returns the canvas (valid until the next call). */
  render(input: RenderInput): Canvas {
    this.#camera = input.camera;
    this.#now = input.now;
    const camera = this.spec.camera;
    if (camera?.layout === 'only') {
      drawCamera(this.#ctx, input.camera, cameraRect(camera, this.size.width, this.size.height), {
        cover: false,
        fontFamily: this.#fonts.sans,
        now: input.now,
      });
      this.#drawOverlay(input.overlayLines);
      return this.#canvas;
    }
    const chart = (this.#chart ??= this.#createChart());
    const scales = chart.options.scales as { x: { min: number; max: number } };
    scales.x.min = input.now - this.spec.windowMs;
    scales.x.max = input.now;
    this.#setDatasets(chart, input.datasets);
    chart.update('none');
    if (camera?.layout === 'pip') {
      const image = input.camera?.image;
      const aspect = image && image.height > 0 ? image.width / image.height : undefined;
      const rect = cameraRect(camera, this.size.width, this.size.height, aspect);
      drawCamera(this.#ctx, input.camera, rect, { cover: true, fontFamily: this.#fonts.sans, now: input.now });
      this.#ctx.strokeStyle = this.#theme.grid;
      this.#ctx.lineWidth = 2;
      this.#ctx.strokeRect(rect.x, rect.y, rect.width, rect.height);
    }
    this.#drawTitle();
    this.#drawOverlay(input.overlayLines);
    return this.#canvas;
  }

  /** Points every dataset at its data; rebuilds the dataset list when series joined or left. */
  #setDatasets(chart: Chart, datasets: readonly RenderDataset[]): void {
    let shape = '';
    for (const d of datasets) shape += `${d.entry}\u0000${d.key}\u0000${d.label}\u0001`;
    if (shape !== this.#datasetShape) {
      this.#datasetShape = shape;
      chart.data.datasets = this.#datasetStyles(datasets) as never;
      const legend = chart.options.plugins?.legend;
      if (legend) legend.display = this.spec.legend ?? datasets.length > 1;
    }
    chart.data.datasets.forEach((dataset, i) => {
      dataset.data = (datasets[i]?.points ?? []) as never;
    });
  }

  /** chart.js dataset settings: style from the chart entry, colour from the entry or a stable palette slot. */
  #datasetStyles(datasets: readonly DatasetMeta[]): Record<string, unknown>[] {
    const { spec } = this;
    const palette = this.#theme.palette;
    const perEntry = new Map<number, number>();
    for (const d of datasets) perEntry.set(d.entry, (perEntry.get(d.entry) ?? 0) + 1);
    const slots = new Map<string, number>();
    const taken = new Set<number>();
    for (const d of datasets) {
      const slot = this.#slots.get(d.key);
      if (slot !== undefined && !taken.has(slot)) {
        slots.set(d.key, slot);
        taken.add(slot);
      }
    }
    for (const d of datasets) {
      if (slots.has(d.key)) continue;
      let slot = taken.has(d.entry) ? 0 : d.entry;
      while (taken.has(slot)) slot++;
      slots.set(d.key, slot);
      taken.add(slot);
    }
    this.#slots = slots;
    return datasets.map((d) => {
      const series = spec.series[d.entry];
      const own = perEntry.get(d.entry) === 1 ? series?.color : undefined;
      const color = own ?? (palette[(slots.get(d.key) ?? 0) % palette.length] as string);
      return {
        label: d.label,
        data: [],
        borderColor: color,
        backgroundColor: spec.type === 'bar' ? withAlpha(color, 0.75) : withAlpha(color, 0.25),
        fill: series?.fill ?? false,
        borderWidth: series?.lineWidth ?? (spec.type === 'bar' ? 0 : 2),
        stepped: series?.stepped ?? false,
        pointRadius: series?.points ? 2.5 : 0,
        pointHoverRadius: 0,
      };
    });
  }

  #drawOverlay(lines: readonly string[]): void {
    const colors = { text: this.#theme.overlayText, box: this.#theme.overlayBox };
    drawOverlay(this.#ctx, this.spec.overlay, lines, colors, this.size.width, this.size.height, this.#fonts.mono);
  }

  /** Draws an error frame: the chart's title and the message, so a viewer sees what is wrong. */
  renderError(message: string, overlayLines: readonly string[]): Canvas {
    const ctx = this.#ctx;
    const { width, height } = this.size;
    ctx.save();
    ctx.fillStyle = '#3b0d0d';
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = '#ffb4b4';
    ctx.textBaseline = 'top';
    const fontSize = Math.max(10, Math.min(18, Math.floor(width / 36)));
    ctx.font = `bold ${fontSize}px ${this.#fonts.sans}`;
    const pad = Math.round(fontSize * 0.8);
    let y = pad + this.overlay.bandHeight();
    ctx.fillText(`${this.spec.title}: cannot render`, pad, y);
    ctx.font = `${fontSize}px ${this.#fonts.sans}`;
    for (const line of wrapText(ctx, message, width - 2 * pad).slice(0, 8)) {
      y += fontSize * 1.4;
      ctx.fillText(line, pad, y);
    }
    ctx.restore();
    drawOverlay(ctx, this.spec.overlay, overlayLines, { text: '#ffffff', box: 'rgba(0,0,0,0.5)' }, width, height, this.#fonts.mono);
    return this.#canvas;
  }

  /** Draws the title in the header band, beside a top overlay rather than above it. */
  #drawTitle(): void {
    if (!this.spec.title) return;
    const ctx = this.#ctx;
    const position = this.spec.overlay.position;
    ctx.save();
    ctx.font = `bold ${TITLE_SIZE}px ${this.#fonts.sans}`;
    ctx.fillStyle = this.#theme.text;
    ctx.textBaseline = 'top';
    const camera = this.spec.camera;
    // Side by side, the title belongs to the chart's part of the image.
    const offset = camera?.layout === 'side' ? cameraRect(camera, this.size.width, this.size.height).width : 0;
    const left = camera?.layout === 'side' && camera.side === 'left' ? offset : 0;
    const right = camera?.layout === 'side' && camera.side === 'right' ? offset : 0;
    ctx.textAlign = position === 'top-left' ? 'right' : 'left';
    ctx.fillText(this.spec.title, position === 'top-left' ? this.size.width - right - TITLE_PAD : left + TITLE_PAD, TITLE_PAD);
    ctx.restore();
  }

  /** Releases the chart.js instance. */
  destroy(): void {
    this.#chart?.destroy();
    this.#chart = undefined;
  }

  #createChart(): Chart {
    const canvas = this.#canvas as unknown as ConstructorParameters<typeof Chart>[0];
    try {
      return new Chart(canvas, this.#config());
    } catch (error) {
      // chart.js registers the instance before it can fail: free it, or the canvas stays claimed.
      Chart.getChart(canvas)?.destroy();
      throw error;
    }
  }

  #config(): ChartConfiguration {
    const { spec } = this;
    const theme = this.#theme;
    const band = this.overlay.bandHeight();
    const top = spec.overlay.position.startsWith('top');
    const titleBand = spec.title ? TITLE_SIZE + 2 * TITLE_PAD : 0;
    const header = Math.max(titleBand, top ? band : 0);
    const footer = top ? 0 : band;
    const showLegend = spec.legend ?? spec.series.length > 1;
    const unitTicks = spec.unit ? { callback: (value: number | string) => formatValue(Number(value), spec.unit) } : {};
    const background = this.#background;
    const camera = spec.camera;
    const side = camera?.layout === 'side' ? cameraRect(camera, this.size.width, this.size.height) : undefined;
    const backgroundPlugin: Plugin = {
      id: 'chartcastBackground',
      beforeDraw: (chart) => {
        const ctx = chart.ctx as unknown as SKRSContext2D;
        ctx.save();
        ctx.globalCompositeOperation = 'source-over';
        if (camera?.layout === 'overlay') {
          // The camera fills the frame; the chart background lies over it, as transparent as configured.
          drawCamera(ctx, this.#camera, { x: 0, y: 0, width: chart.width, height: chart.height }, { cover: true, fontFamily: this.#fonts.sans, now: this.#now });
          ctx.globalAlpha = camera.backgroundAlpha;
        }
        ctx.fillStyle = background;
        ctx.fillRect(0, 0, chart.width, chart.height);
        ctx.globalAlpha = 1;
        if (side && camera) drawCamera(ctx, this.#camera, side, { cover: false, fontFamily: this.#fonts.sans, now: this.#now });
        ctx.restore();
      },
    };
    const font = { family: this.#fonts.sans };
    const base = {
      font,
      responsive: false,
      maintainAspectRatio: false,
      layout: {
        padding: {
          top: header + 4,
          bottom: footer + 4,
          left: 6 + (side && camera?.side === 'left' ? side.width : 0),
          right: 10 + (side && camera?.side === 'right' ? side.width : 0),
        },
      },
      parsing: false,
      normalized: true,
      spanGaps: false,
      elements: { line: { tension: 0 } },
      scales: {
        x: {
          type: 'time',
          min: 0,
          max: 1,
          time: { displayFormats: TIME_FORMATS, tooltipFormat: 'yyyy-MM-dd HH:mm:ss', ...timeStep(spec.windowMs, this.size.width) },
          ticks: { color: theme.text, font, maxRotation: 0, autoSkipPadding: 16, source: 'auto' },
          grid: { color: theme.grid },
          offset: spec.type === 'bar',
          stacked: spec.stacked,
        },
        y: {
          min: spec.min,
          max: spec.max,
          beginAtZero: spec.type === 'bar',
          stacked: spec.stacked,
          ticks: { color: theme.text, font, ...unitTicks },
          grid: { color: theme.grid },
        },
      },
      plugins: {
        title: { display: false },
        legend: { display: showLegend, align: 'start', labels: { color: theme.text, font, boxWidth: 12 } },
        tooltip: { enabled: false },
        decimation: { enabled: spec.type === 'line', algorithm: 'min-max' },
      },
    };
    const options = mergeOptions(base, spec.options as Record<string, unknown>);
    Object.assign(options, { responsive: false, animation: false, devicePixelRatio: 1, events: [] });
    return {
      type: spec.type,
      // Datasets are set on the first frame, from the series the chart's entries select.
      data: { datasets: [] },
      options: options as ChartConfiguration['options'],
      plugins: [backgroundPlugin],
    } as ChartConfiguration;
  }
}

/** Deep-merges plain JSON `extra` over `base` (arrays and scalars replace; objects merge). */
export function mergeOptions(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const current = out[key];
    out[key] =
      isPlainObject(current) && isPlainObject(value) ? mergeOptions(current, value) : structuredClone(value);
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function wrapText(ctx: SKRSContext2D, text: string, maxWidth: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    const candidate = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(candidate).width > maxWidth) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line) lines.push(line);
  return lines;
}
