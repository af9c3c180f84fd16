import type { SKRSContext2D } from '@napi-rs/canvas';
import { format } from 'date-fns';
import type { OverlaySpec } from '../lib/chart-spec.js';
import { ChartcastError } from '../lib/errors.js';
import { formatValue } from '../lib/format-value.js';
import { isValidName } from '../lib/names.js';
import { type TemplatePart, parseTemplate, templateSeries } from '../lib/template.js';
import type { WindowStats } from '../series/types.js';


/** What an overlay's tokens read: the chart title, the time, and statistics per series. */
export interface OverlayContext {
  readonly title: string;
  readonly unit: string;
  /** Epoch milliseconds. */
  readonly now: number;
  readonly stats: (series: string) => WindowStats;
}

/** Overlay templates parsed once per chart. */
export class OverlayTemplate {
  readonly spec: OverlaySpec;
  readonly #lines: TemplatePart[][];
  /** Series the templates read values of. */
  readonly series: readonly string[];

  constructor(spec: OverlaySpec) {
    this.spec = spec;
    this.#lines = spec.lines.map((line) => {
      const parsed = parseTemplate(line, isValidName);
      if (!parsed.ok) throw new ChartcastError('config_invalid', `overlay line "${line}": ${parsed.error}`);
      return parsed.parts;
    });
    this.series = [...new Set(this.#lines.flatMap(templateSeries))];
  }

  /** The overlay's text lines for a moment; equal output means an equal overlay image. */
  text(context: OverlayContext): string[] {
    return this.#lines.map((parts) => parts.map((part) => renderPart(part, context, this.spec.timeFormat)).join(''));
  }

  /** Height in pixels of the band the overlay occupies (0 when it has no lines). */
  bandHeight(): number {
    if (this.#lines.length === 0) return 0;
    return Math.ceil(this.#lines.length * lineHeight(this.spec.fontSize) + 2 * padding(this.spec.fontSize));
  }
}

function renderPart(part: TemplatePart, context: OverlayContext, timeFormat: string): string {
  switch (part.kind) {
    case 'text':
      return part.text;
    case 'title':
      return context.title;
    case 'time':
      return format(context.now, part.format ?? timeFormat);
    case 'stat':
      return formatValue(context.stats(part.series)[part.stat], part.unit ?? context.unit, part.decimals);
  }
}

const lineHeight = (fontSize: number) => fontSize * 1.25;
const padding = (fontSize: number) => Math.round(fontSize * 0.4);

/** Draws overlay lines in their corner of a width × height canvas. */
export function drawOverlay(
  ctx: SKRSContext2D,
  spec: OverlaySpec,
  lines: readonly string[],
  colors: { text: string; box: string },
  width: number,
  height: number,
  fontFamily: string,
): void {
  if (lines.length === 0) return;
  const pad = padding(spec.fontSize);
  const step = lineHeight(spec.fontSize);
  ctx.save();
  ctx.font = `${spec.fontSize}px ${fontFamily}`;
  ctx.textBaseline = 'top';
  const textWidth = Math.max(...lines.map((line) => ctx.measureText(line).width));
  const boxWidth = Math.ceil(textWidth + 2 * pad);
  const boxHeight = Math.ceil(lines.length * step + 2 * pad);
  const right = spec.position.endsWith('right');
  const bottom = spec.position.startsWith('bottom');
  const x = right ? width - boxWidth : 0;
  const y = bottom ? height - boxHeight : 0;
  if (spec.box) {
    ctx.fillStyle = colors.box;
    ctx.fillRect(x, y, boxWidth, boxHeight);
  }
  ctx.fillStyle = spec.color ?? colors.text;
  ctx.textAlign = 'left';
  lines.forEach((line, i) => {
    ctx.fillText(line, x + pad, y + pad + i * step + (step - spec.fontSize) / 2);
  });
  ctx.restore();
}
