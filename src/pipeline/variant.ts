import type { ChartSpec } from '../lib/chart-spec.js';

/** The parameters that make one rendered stream of a chart distinct. */
export interface StreamVariant {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly quality: number;
}

/** The chart's own variant, with any overrides applied. */
export function resolveVariant(spec: ChartSpec, overrides: Partial<StreamVariant> = {}): StreamVariant {
  return {
    width: overrides.width ?? spec.width,
    height: overrides.height ?? spec.height,
    fps: overrides.fps ?? spec.fps,
    quality: overrides.quality ?? spec.quality,
  };
}

/** A stable key naming a chart's variant. */
export function variantKey(chart: string, variant: StreamVariant): string {
  return `${chart}@${variant.width}x${variant.height}@${variant.fps}fps@q${variant.quality}`;
}
