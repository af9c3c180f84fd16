import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GlobalFonts } from '@napi-rs/canvas';

/** Family name the bundled sans-serif font is registered under. */
export const SANS_FAMILY = 'Chartcast Sans';
/** Family name the bundled monospaced font (overlays) is registered under. */
export const MONO_FAMILY = 'Chartcast Mono';
/** CSS font-family list: the bundled font first, then system fonts for scripts it lacks (CJK…). */
export const SANS_STACK = `"${SANS_FAMILY}", "Noto Sans", "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif`;
export const MONO_STACK = `"${MONO_FAMILY}", "${SANS_FAMILY}", "Noto Sans Mono CJK SC", monospace`;

const BUNDLED = [
  { file: 'DejaVuSans.ttf', family: SANS_FAMILY },
  { file: 'DejaVuSans-Bold.ttf', family: SANS_FAMILY },
  { file: 'DejaVuSansMono.ttf', family: MONO_FAMILY },
] as const;

/** The `fonts/` folder shipped with chartcast (found from this module, in src/ or dist/). */
export function defaultFontsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'fonts');
    if (existsSync(join(candidate, BUNDLED[0].file))) return candidate;
    dir = dirname(dir);
  }
  return resolve('fonts');
}

/**
 * Registers the bundled fonts (and any extra .ttf/.otf/.ttc in `dir`) with the canvas; must run
 * before the first draw. Throws if the bundled fonts are missing, since text would silently vanish.
 */
export function registerFonts(dir: string = defaultFontsDir()): void {
  for (const { file, family } of BUNDLED) {
    const path = join(dir, file);
    if (!existsSync(path) || !GlobalFonts.registerFromPath(path, family)) {
      throw new Error(`cannot register bundled font ${path}: chart text would not render`);
    }
  }
  GlobalFonts.loadFontsFromDir(dir);
}
