import type { ChartLoadError } from '../config/chart-loader.js';
import type { ChartSpec } from '../lib/chart-spec.js';

/** Browsers open about six HTTP/1.1 connections per host; keep one free for the page itself. */
export const MAX_LIVE_STREAMS_PER_PAGE = 5;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** Ready-to-paste embed snippets for one chart. */
export function embedSnippets(origin: string, chart: ChartSpec, prefix = 'charts'): Record<string, string> {
  const stream = `${origin}/${prefix}/${encodeURIComponent(chart.name)}.mjpeg`;
  const still = `${origin}/${prefix}/${encodeURIComponent(chart.name)}.jpg`;
  return {
    HTML: `<img src="${stream}" alt="${escapeHtml(chart.title)} (live chart)" width="${chart.width}" height="${chart.height}">`,
    Markdown: `![${chart.title.replace(/[[\]]/g, '')}](${stream})`,
    'Home Assistant': [
      'camera:',
      '  - platform: mjpeg',
      `    name: ${chart.title}`,
      `    mjpeg_url: ${stream}`,
      `    still_image_url: ${still}`,
    ].join('\n'),
    OBS: `Media Source → Input: ${stream} (untick "Local File")`,
  };
}

/** The dashboard: every chart and camera stream live, with their embed snippets. */
export function dashboardPage(
  origin: string,
  charts: readonly ChartSpec[],
  errors: readonly ChartLoadError[],
  cameras: readonly ChartSpec[] = [],
): string {
  const cards = [...charts.map((chart) => ({ chart, prefix: 'charts' })), ...cameras.map((chart) => ({ chart, prefix: 'cameras' }))].map(({ chart, prefix }, index) => {
    const live = index < MAX_LIVE_STREAMS_PER_PAGE;
    const name = encodeURIComponent(chart.name);
    const src = live ? `/${prefix}/${name}.mjpeg` : `/${prefix}/${name}.jpg`;
    const snippets = Object.entries(embedSnippets(origin, chart, prefix))
      .map(
        ([label, code]) =>
          `<details><summary>${escapeHtml(label)}</summary><pre><code>${escapeHtml(code)}</code></pre><button type="button" class="copy">Copy</button></details>`,
      )
      .join('');
    return `<section class="card">
  <h2>${escapeHtml(chart.title)} <small>${prefix === 'cameras' ? 'camera ' : ''}${escapeHtml(chart.name)}</small></h2>
  <img src="${src}" ${live ? '' : 'data-poll="1" '}alt="${escapeHtml(chart.title)} (live ${prefix === 'cameras' ? 'camera' : 'chart'})" width="${chart.width}" height="${chart.height}">
  <p class="links"><a href="/${prefix}/${name}.mjpeg">.mjpeg</a> · <a href="/${prefix}/${name}.jpg">.jpg</a> · <a href="/api/${prefix}${prefix === 'charts' ? `/${name}` : ''}">${prefix === 'charts' ? 'spec &amp; stats' : 'status'}</a></p>
  ${snippets}
</section>`;
  });
  const problems = errors.length
    ? `<section class="errors"><h2>Chart and camera files with errors</h2><ul>${errors
        .map((e) => `<li><code>${escapeHtml(e.file)}</code>${e.field ? ` <code>${escapeHtml(e.field)}</code>` : ''}: ${escapeHtml(e.message)}</li>`)
        .join('')}</ul></section>`
    : '';
  const empty = charts.length === 0 ? '<p>No charts loaded. Add a file to the charts folder and restart.</p>' : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>chartcast</title>
<style>
  :root { color-scheme: dark; font-family: system-ui, sans-serif; background: #0b0d10; color: #d8dee9; }
  body { margin: 0 auto; max-width: 1400px; padding: 1rem; }
  header { display: flex; align-items: baseline; gap: 1rem; }
  header p { color: #8a93a3; margin: 0; }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 440px), 1fr)); gap: 1rem; }
  .card { background: #15191e; border-radius: 8px; padding: .75rem; }
  .card h2 { font-size: 1rem; margin: 0 0 .5rem; } .card h2 small { color: #8a93a3; font-weight: normal; }
  .card img { width: 100%; height: auto; display: block; border-radius: 4px; background: #111418; }
  .links { font-size: .85rem; } a { color: #88c0d0; }
  details { font-size: .85rem; margin: .25rem 0; } pre { white-space: pre-wrap; word-break: break-all; background: #0b0d10; padding: .5rem; border-radius: 4px; }
  .errors { background: #3b0d0d; border-radius: 8px; padding: .75rem; margin-bottom: 1rem; }
</style>
</head>
<body>
<header><h1>chartcast</h1><p>${charts.length} live chart${charts.length === 1 ? '' : 's'} · <a href="/api/charts">/api/charts</a> · <a href="/api/stats">/api/stats</a> · <a href="/healthz">/healthz</a></p></header>
${problems}${empty}
<main class="grid">
${cards.join('\n')}
</main>
<script>
  for (const button of document.querySelectorAll('button.copy')) {
    button.addEventListener('click', () => navigator.clipboard?.writeText(button.previousElementSibling.textContent));
  }
  // Beyond the browser's per-host connection limit, refresh stills instead of holding more streams open.
  const polled = document.querySelectorAll('img[data-poll]');
  if (polled.length) setInterval(() => { for (const img of polled) img.src = img.src.split('?')[0] + '?t=' + Date.now(); }, 1000);
</script>
</body>
</html>
`;
}
