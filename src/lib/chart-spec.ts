import type { ChartCamera } from './camera-spec.js';

/** Overlay settings of a chart (the `overlay` key of a chart file). */
export interface OverlaySpec {
  readonly lines: readonly string[];
  readonly timeFormat: string;
  readonly position: 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';
  readonly fontSize: number;
  readonly color?: string | undefined;
  readonly box: boolean;
}

/** One series line of a chart. */
export interface ChartSeries {
  readonly name: string;
  readonly label?: string | undefined;
  readonly color?: string | undefined;
  readonly fill?: boolean | undefined;
  readonly lineWidth?: number | undefined;
  readonly stepped?: boolean | undefined;
  readonly points?: boolean | undefined;
}

/**
 * A validated chart, as every layer sees it: the chart file's content with defaults filled in,
 * plus its name and origin. Produced only by src/config (which checks it against its schema).
 */
export interface ChartSpec {
  readonly name: string;
  readonly title: string;
  readonly type: 'line' | 'bar';
  readonly series: readonly ChartSeries[];
  /** The window as written, e.g. "5m". */
  readonly window: string;
  readonly windowMs: number;
  readonly fps: number;
  readonly width: number;
  readonly height: number;
  readonly quality: number;
  readonly theme: 'dark' | 'light';
  readonly background?: string | undefined;
  readonly unit: string;
  readonly min?: number | undefined;
  readonly max?: number | undefined;
  readonly stacked: boolean;
  readonly legend?: boolean | undefined;
  readonly overlay: OverlaySpec;
  /** A camera the chart is drawn with, and how. */
  readonly camera?: ChartCamera | undefined;
  /** chart.js options, plain JSON. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The file it came from (absent for charts made in code). */
  readonly file: string | undefined;
}

/** Limits on the image and stream parameters a chart file or a query may ask for. */
export const STREAM_LIMITS = {
  width: { min: 64, max: 3840 },
  height: { min: 48, max: 2160 },
  fps: { min: 0.1, max: 30 },
  quality: { min: 1, max: 100 },
} as const;
