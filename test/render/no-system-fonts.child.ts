// Runs in a mount namespace where the system font folders are empty (see fonts.test.ts).
import { GlobalFonts, createCanvas } from '@napi-rs/canvas';

const systemFamilies = GlobalFonts.families.length;
const probe = createCanvas(200, 40).getContext('2d');
probe.font = '20px sans-serif';
const widthWithoutFonts = probe.measureText('chartcast 12:34').width;

const { registerFonts } = await import('../../src/render/fonts.js');
const { ChartRenderer } = await import('../../src/render/chart-renderer.js');
const { parseChart } = await import('../../src/config/chart-loader.js');
registerFonts();

const parsed = parseChart('fonts', {
  title: 'Fonts',
  series: ['s'],
  overlay: { lines: ['12:34:56 HELLO'], position: 'top-right', box: true },
});
if (!('chart' in parsed)) throw new Error(JSON.stringify(parsed));
const renderer = new ChartRenderer(parsed.chart, { width: 320, height: 180 });
const now = Date.now();
const canvas = renderer.render({ now, datasets: [[{ x: now - 1000, y: 1 }, { x: now, y: 2 }]], overlayLines: ['12:34:56 HELLO'] });
const { data, width } = canvas.getContext('2d').getImageData(0, 0, 320, 180);
// Overlay text is white on a dark box in the top-right corner; the title is light grey at the top left.
const bright = (x0: number, y0: number, x1: number, y1: number) => {
  let count = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if ((data[(y * width + x) * 4] as number) > 150) count++;
  return count;
};
process.stdout.write(
  JSON.stringify({
    systemFamilies,
    widthWithoutFonts,
    families: GlobalFonts.families.map((f) => f.family),
    overlayTextPixels: bright(160, 0, 320, 26),
    titlePixels: bright(0, 0, 80, 30),
  }),
);
