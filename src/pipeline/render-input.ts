import type { CameraView } from '../lib/camera-spec.js';
import type { ChartSpec } from '../lib/chart-spec.js';
import type { RenderInput } from '../render/chart-renderer.js';
import type { OverlayTemplate } from '../render/overlay.js';
import type { SeriesStore } from '../series/types.js';
import type { SeriesSelection } from './series-selection.js';

/** Lines reach slightly past the left edge so they enter the plot instead of starting inside it. */
const LEAD_IN = 0.05;

/** The overlay text of a chart at `now`. */
export function overlayLines(spec: ChartSpec, overlay: OverlayTemplate, store: SeriesStore, now: number): string[] {
  const from = now - spec.windowMs;
  return overlay.text({ title: spec.title, unit: spec.unit, now, stats: (series) => store.stats(series, from, now) });
}

/** A snapshot of everything a frame of `spec` shows at `now`. */
export function buildRenderInput(
  spec: ChartSpec,
  overlay: OverlayTemplate,
  store: SeriesStore,
  selection: SeriesSelection,
  now: number,
  camera?: CameraView,
): RenderInput {
  const from = now - spec.windowMs * (1 + LEAD_IN);
  return {
    now,
    datasets: selection.datasets().map((dataset) => ({ ...dataset, points: store.window(dataset.key, from, now) })),
    overlayLines: overlayLines(spec, overlay, store, now),
    camera,
  };
}
