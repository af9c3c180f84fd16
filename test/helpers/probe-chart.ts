import type { DecodedImage } from './mjpeg-reader.js';

export const PROBE_WIDTH = 400;
export const PROBE_HEIGHT = 200;

/**
 * A chart whose plot fills the whole image, drawing `series` as a thick red line: a value v in
 * [0, 100] is drawn at row (1 - v/100) × height. Read it back with lineRowAtRightEdge.
 */
export function probeChart(series: string, window = '10s') {
  return {
    title: '',
    series: [{ name: series, color: '#ff0000', lineWidth: 4 }],
    window,
    fps: 10,
    width: PROBE_WIDTH,
    height: PROBE_HEIGHT,
    min: 0,
    max: 100,
    legend: false,
    overlay: { lines: [] },
    options: { layout: { padding: 0 }, scales: { x: { display: false }, y: { display: false } } },
  };
}

/** Mean row of red line pixels in the rightmost few columns, or undefined when there are none. */
export function lineRowAtRightEdge(image: DecodedImage): number | undefined {
  let sum = 0;
  let count = 0;
  for (let x = image.width - 12; x < image.width - 2; x++) {
    for (let y = 0; y < image.height; y++) {
      const i = (y * image.width + x) * 4;
      if ((image.data[i] as number) > 180 && (image.data[i + 1] as number) < 90 && (image.data[i + 2] as number) < 90) {
        sum += y;
        count++;
      }
    }
  }
  return count ? sum / count : undefined;
}

/** The row a probe chart draws `value` at. */
export const expectedRow = (value: number) => (1 - value / 100) * PROBE_HEIGHT;
