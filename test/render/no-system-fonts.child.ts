// Runs in a mount namespace where the system font folders are empty (see fonts.test.ts).
// argv[2], if given, is a folder of extra fonts to register (a CJK font in the test).
import { GlobalFonts, createCanvas } from '@napi-rs/canvas';

/** Datasets for plain point lists, one per chart entry. */
const ds = (...lists: { x: number; y: number }[][]) => lists.map((points, entry) => ({ key: `s${entry}`, entry, label: `s${entry}`, points }));


const systemFamilies = GlobalFonts.families.length;
const probe = createCanvas(200, 40).getContext('2d');
probe.font = '20px sans-serif';
const widthWithoutFonts = probe.measureText('chartcast 12:34').width;

const { registerFonts } = await import('../../src/render/fonts.js');
const { ChartRenderer } = await import('../../src/render/chart-renderer.js');
const { parseChart } = await import('../../src/config/chart-loader.js');
const fonts = registerFonts(process.argv[2]);

const now = Date.now();
type Input = Record<string, unknown>;
function render(content: Input, overlayLines: string[]) {
  const parsed = parseChart('fonts', { series: ['a', 'b'], ...content });
  if (!('chart' in parsed)) throw new Error(JSON.stringify(parsed));
  const renderer = new ChartRenderer(parsed.chart, { width: 320, height: 180 }, fonts);
  const points = [{ x: now - 60_000, y: 1 }, { x: now, y: 2 }];
  const canvas = renderer.render({ now, datasets: ds(points, points), overlayLines });
  const { data, width } = canvas.getContext('2d').getImageData(0, 0, 320, 180);
  renderer.destroy();
  return {
    /** Light pixels in a rectangle (text is light on the dark theme). */
    ink(x0: number, y0: number, x1: number, y1: number) {
      let count = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if ((data[(y * width + x) * 4] as number) > 150) count++;
      return count;
    },
    /** The pixels of a rectangle, to compare two renders. */
    region(x0: number, y0: number, x1: number, y1: number) {
      const rows: number[] = [];
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) rows.push(data[(y * width + x) * 4] as number);
      return rows.join(',');
    },
  };
}

// Overlay (top right) and title (top left) are drawn by chartcast; ticks and legend by chart.js.
const full = render({ title: 'Fonts', overlay: { lines: ['x'] } }, ['12:34:56 HELLO']);
const bare = render(
  { title: 'Fonts', overlay: { lines: ['x'] }, legend: false, options: { scales: { x: { ticks: { display: false } }, y: { ticks: { display: false } } } } },
  ['12:34:56 HELLO'],
);
const cjkA = render({ title: '温度', overlay: { lines: ['x'] } }, ['湿度 42']);
const cjkB = render({ title: '电压', overlay: { lines: ['x'] } }, ['风速 42']);

process.stdout.write(
  JSON.stringify({
    systemFamilies,
    widthWithoutFonts,
    families: GlobalFonts.families.map((f) => f.family),
    overlayTextPixels: full.ink(200, 0, 320, 26),
    titlePixels: full.ink(0, 0, 80, 30),
    chartJsTextPixels: full.ink(0, 0, 320, 180) - bare.ink(0, 0, 320, 180),
    cjkTitleInk: cjkA.ink(0, 0, 80, 30),
    cjkTitlesDiffer: cjkA.region(0, 0, 80, 30) !== cjkB.region(0, 0, 80, 30),
    cjkOverlayInk: cjkA.ink(220, 0, 320, 26),
    cjkOverlaysDiffer: cjkA.region(220, 0, 320, 26) !== cjkB.region(220, 0, 320, 26),
  }),
);
