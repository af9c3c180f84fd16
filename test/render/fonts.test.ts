import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts'].filter((dir) => existsSync(dir));

describe('bundled fonts', () => {
  it('draw chart and overlay text on a machine with no system fonts', () => {
    // Hide every system font folder behind an empty tmpfs in a private mount namespace.
    const mounts = FONT_DIRS.map((dir) => `mount -t tmpfs none ${dir}`).join(' && ');
    const child = join(import.meta.dirname, 'no-system-fonts.child.ts');
    const output = execFileSync(
      'unshare',
      ['-m', 'sh', '-c', `${mounts} && exec "${process.execPath}" --import tsx "${child}"`],
      { cwd: join(import.meta.dirname, '..', '..'), encoding: 'utf8', timeout: 60_000 },
    );
    const result = JSON.parse(output) as {
      systemFamilies: number;
      widthWithoutFonts: number;
      families: string[];
      overlayTextPixels: number;
      titlePixels: number;
    };
    assert.equal(result.systemFamilies, 0, 'the namespace hides all system fonts');
    assert.equal(result.widthWithoutFonts, 0, 'without fonts, text measures 0: the control');
    assert.ok(result.families.includes('Chartcast Sans') && result.families.includes('Chartcast Mono'), result.families.join(', '));
    assert.ok(result.overlayTextPixels > 40, `overlay text pixels: ${result.overlayTextPixels}`);
    assert.ok(result.titlePixels > 20, `title pixels: ${result.titlePixels}`);
  });
});
