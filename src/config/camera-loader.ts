import { existsSync } from 'node:fs';
import type { CameraSpec } from '../lib/camera-spec.js';
import type { ChartSpec } from '../lib/chart-spec.js';
import { parseCamera } from './camera-schema.js';
import { type SpecLoadError, loadSpecDir } from './spec-files.js';

/** Loads every camera file in `dir`; a missing folder means no cameras. */
export async function loadCameraDir(dir: string): Promise<{ cameras: CameraSpec[]; errors: SpecLoadError[] }> {
  if (!existsSync(dir)) return { cameras: [], errors: [] };
  const { specs, errors } = await loadSpecDir(dir, 'camera', (name, content, file) => parseCamera(name, content, file));
  return { cameras: specs, errors };
}

/** Splits charts into those whose camera exists and errors for the others. */
export function checkChartCameras(
  charts: readonly ChartSpec[],
  cameras: readonly CameraSpec[],
): { charts: ChartSpec[]; errors: SpecLoadError[] } {
  const names = new Set(cameras.map((camera) => camera.name));
  const ok: ChartSpec[] = [];
  const errors: SpecLoadError[] = [];
  for (const chart of charts) {
    if (chart.camera && !names.has(chart.camera.name)) {
      errors.push({ file: chart.file ?? chart.name, field: 'camera.name', message: `no camera named "${chart.camera.name}" (cameras are files in the cameras folder)` });
    } else {
      ok.push(chart);
    }
  }
  return { charts: ok, errors };
}
