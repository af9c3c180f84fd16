import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts'].filter((dir) => existsSync(dir));
const CJK_FONT = '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc';

interface ChildResult {
  systemFamilies: number;
  widthWithoutFonts: number;
  families: string[];
  overlayTextPixels: number;
  titlePixels: number;
  chartJsTextPixels: number;
  cjkTitleInk: number;
  cjkTitlesDiffer: boolean;
  cjkOverlayInk: number;
  cjkOverlaysDiffer: boolean;
}

/** Renders in a private mount namespace whose system font folders are empty tmpfs mounts. */
function renderWithoutSystemFonts(extraFontsDir?: string): ChildResult {
  const hide = FONT_DIRS.map((dir) => `mount -t tmpfs none ${dir} && `).join('');
  const child = join(import.meta.dirname, 'no-system-fonts.child.ts');
  const command = `${hide}exec "${process.execPath}" --import tsx "${child}" ${extraFontsDir ? `"${extraFontsDir}"` : ''}`;
  // --map-root-user lets a non-root user mount inside its own namespace.
  const output = execFileSync('unshare', ['--map-root-user', '--mount', 'sh', '-c', command], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(output) as ChildResult;
}

describe('fonts', () => {
  it('bundled fonts draw chart.js text, the title and the overlay on a machine with no system fonts', () => {
    const result = renderWithoutSystemFonts();
    assert.equal(result.systemFamilies, 0, 'the namespace hides all system fonts');
    assert.equal(result.widthWithoutFonts, 0, 'without fonts, text measures 0: the control');
    assert.ok(result.families.includes('Chartcast Sans') && result.families.includes('Chartcast Mono'), result.families.join(', '));
    assert.ok(result.overlayTextPixels > 40, `overlay text pixels: ${result.overlayTextPixels}`);
    assert.ok(result.titlePixels > 20, `title pixels: ${result.titlePixels}`);
    assert.ok(result.chartJsTextPixels > 100, `tick label and legend pixels: ${result.chartJsTextPixels}`);
  });

  it('a CJK font from the extra fonts folder draws Chinese in titles and overlays', { skip: !existsSync(CJK_FONT) && `${CJK_FONT} not installed` }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'chartcast-fonts-'));
    copyFileSync(CJK_FONT, join(dir, 'wqy-zenhei.ttc'));
    const result = renderWithoutSystemFonts(dir);
    assert.ok(result.families.some((f) => f.startsWith('WenQuanYi')), result.families.join(', '));
    assert.ok(result.cjkTitleInk > 60 && result.cjkOverlayInk > 60, `ink: title ${result.cjkTitleInk}, overlay ${result.cjkOverlayInk}`);
    // Missing glyphs draw identical boxes; real glyphs differ from one character to the next.
    assert.ok(result.cjkTitlesDiffer, 'different Chinese titles draw differently');
    assert.ok(result.cjkOverlaysDiffer, 'different Chinese overlay text draws differently');
  });

  it('without a CJK font, Chinese text draws as identical boxes (the control for the test above)', () => {
    const result = renderWithoutSystemFonts();
    assert.equal(result.cjkTitlesDiffer, false);
    assert.equal(result.cjkOverlaysDiffer, false);
  });
});
