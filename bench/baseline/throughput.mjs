// The baseline: the reference chart drawn the way chartjs-node-canvas is normally used, a new
// chart per frame through renderToBuffer. Prints one JSON line: {"framesPerSecond": ..., ...}.
// Usage: node throughput.mjs <seconds>
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import * as dates from 'date-fns';

const seconds = Number(process.argv[2] ?? 5);
const WIDTH = 640;
const HEIGHT = 360;
const POINTS = 300;

const renderer = new ChartJSNodeCanvas({
  width: WIDTH,
  height: HEIGHT,
  backgroundColour: 'white',
  // chartjs-adapter-date-fns cannot be required (its UMD file sits in an ESM package), so the time
  // scale gets the same date-fns adapter through chart.js's adapter API.
  chartCallback: (ChartJS) => ChartJS._adapters._date.override(dateFnsAdapter()),
});

function dateFnsAdapter() {
  const units = ['millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'];
  const call = (prefix, unit, ...args) => dates[`${prefix}${unit[0].toUpperCase()}${unit.slice(1)}s`](...args);
  const formats = { datetime: 'MMM d, yyyy, h:mm:ss aaaa', millisecond: 'h:mm:ss.SSS aaaa', second: 'h:mm:ss aaaa', minute: 'h:mm aaaa', hour: 'ha', day: 'MMM d', week: 'PP', month: 'MMM yyyy', quarter: 'qqq - yyyy', year: 'yyyy' };
  return {
    _id: 'date-fns',
    formats: () => formats,
    parse: (value) => (typeof value === 'number' ? value : value instanceof Date ? value.getTime() : null),
    format: (time, format) => dates.format(time, format),
    add: (time, amount, unit) => (units.includes(unit) ? call('add', unit, time, amount).getTime() : time),
    diff: (a, b, unit) => (units.includes(unit) ? call('differenceIn', unit, a, b) : 0),
    startOf: (time, unit, weekday) =>
      unit === 'isoWeek' ? dates.startOfWeek(time, { weekStartsOn: +weekday }).getTime() : units.includes(unit) && unit !== 'millisecond' ? dates[`startOf${unit[0].toUpperCase()}${unit.slice(1)}`](time).getTime() : time,
    endOf: (time, unit) => (units.includes(unit) && unit !== 'millisecond' ? dates[`endOf${unit[0].toUpperCase()}${unit.slice(1)}`](time).getTime() : time),
  };
}

/** The timestamp overlay, drawn as a user would: a small plugin after the chart. */
const overlay = {
  id: 'timestamp',
  afterDraw(chart) {
    const { ctx } = chart;
    const text = new Date(chart.options.plugins.timestamp.now).toISOString().slice(11, 19);
    ctx.save();
    ctx.font = '14px monospace';
    ctx.fillStyle = 'rgba(0,0,0,0.6)';
    ctx.fillRect(WIDTH - 90, HEIGHT - 26, 84, 20);
    ctx.fillStyle = '#ffffff';
    ctx.fillText(text, WIDTH - 84, HEIGHT - 11);
    ctx.restore();
  },
};

function configuration(frame) {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0) + frame * 1000;
  const line = (phase) =>
    Array.from({ length: POINTS }, (_, i) => ({ x: now - (POINTS - 1 - i) * 1000, y: 50 + 40 * Math.sin((i + frame) / 15 + phase) }));
  return {
    type: 'line',
    data: {
      datasets: [
        { label: 'a', data: line(0), borderColor: '#36a2eb' },
        { label: 'b', data: line(2), borderColor: '#ff6384' },
      ],
    },
    options: {
      scales: { x: { type: 'time', min: now - 300_000, max: now } },
      plugins: { title: { display: true, text: 'Reference' }, timestamp: { now } },
    },
    plugins: [overlay],
  };
}

// Warm up (module loading, font caches, JIT).
for (let frame = 0; frame < 20; frame++) await renderer.renderToBuffer(configuration(frame), 'image/jpeg');

let frames = 0;
let bytes = 0;
const started = performance.now();
const cpuStarted = process.cpuUsage();
while (performance.now() - started < seconds * 1000) {
  const jpeg = await renderer.renderToBuffer(configuration(frames), 'image/jpeg');
  bytes += jpeg.length;
  frames++;
}
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
process.stdout.write(
  `${JSON.stringify({ framesPerSecond: frames / elapsed, frames, meanBytes: bytes / frames, cpuCores: (cpu.user + cpu.system) / 1e6 / elapsed })}\n`,
);
