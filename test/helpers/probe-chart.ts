import { type DecodedImage, type MjpegReader, type Part, decodeJpeg } from './mjpeg-reader.js';

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
  return lineRowBetween(image, image.width - 12, image.width - 2);
}

/** Mean row of red line pixels in columns [x0, x1), or undefined when there are none. */
function lineRowBetween(image: DecodedImage, x0: number, x1: number): number | undefined {
  let sum = 0;
  let count = 0;
  for (let x = Math.max(0, x0); x < Math.min(image.width, x1); x++) {
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

/** Whether a probe chart's frame draws `value` at the right edge. */
export function showsValue(part: Part, value: number): boolean {
  const row = lineRowAtRightEdge(decodeJpeg(part.body));
  return row !== undefined && Math.abs(row - expectedRow(value)) < 8;
}

/** The next frame of a probe chart's stream that draws `value` at the right edge (fails after `timeoutMs`). */
export function frameShowing(reader: MjpegReader, value: number, timeoutMs = 4000): Promise<Part> {
  return reader.nextPartWhere((part) => showsValue(part, value), timeoutMs);
}

/**
 * Whether a probe chart's frame draws `value` at `time` (epoch ms), wherever that time falls in
 * the frame's window: unlike the right edge, this holds however late the frame was drawn.
 */
export function showsValueAt(part: Part, value: number, time: number, windowMs: number): boolean {
  const image = decodeJpeg(part.body);
  const x = Math.round(image.width * (1 - (part.timestamp - time) / windowMs));
  const row = lineRowBetween(image, x - 3, x + 4);
  return row !== undefined && Math.abs(row - expectedRow(value)) < 8;
}
