import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GlobalFonts } from '@napi-rs/canvas';
import { ChartcastError } from '../lib/errors.js';

/** Family name the bundled sans-serif font is registered under. */
export const SANS_FAMILY = 'Chartcast Sans';
/** Family name the bundled monospaced font (overlays) is registered under. */
export const MONO_FAMILY = 'Chartcast Mono';

/**
 * Fonts for scripts the bundled font lacks. Skia picks a font per text run from the CSS list,
 * not per glyph, so every text style names these explicitly.
 */
const SCRIPT_FALLBACKS = ['Noto Sans CJK SC', 'Noto Sans CJK JP', 'Noto Sans CJK KR', 'WenQuanYi Zen Hei', 'WenQuanYi Micro Hei', 'Noto Sans'];

/** CSS font-family lists chartcast draws text with. */
export interface FontStacks {
  /** Titles, axes, legends, error frames. */
  readonly sans: string;
  /** Overlay text (fixed-width digits keep a ticking clock steady). */
  readonly mono: string;
}

const quote = (family: string) => `"${family.replace(/["\\]/g, '')}"`;

/** Font stacks for the given extra families (fonts a user added), bundled fonts first. */
export function fontStacks(extraFamilies: readonly string[] = []): FontStacks {
  const extra = extraFamilies.map(quote);
  const fallbacks = SCRIPT_FALLBACKS.map(quote);
  return {
    sans: [quote(SANS_FAMILY), ...extra, ...fallbacks, 'sans-serif'].join(', '),
    mono: [quote(MONO_FAMILY), quote(SANS_FAMILY), ...extra, ...fallbacks, 'monospace'].join(', '),
  };
}

/** Stacks with the bundled fonts only (what a renderer uses unless told otherwise). */
export const BUNDLED_STACKS: FontStacks = fontStacks();

const BUNDLED = [
  { file: 'DejaVuSans.ttf', family: SANS_FAMILY },
  { file: 'DejaVuSans-Bold.ttf', family: SANS_FAMILY },
  { file: 'DejaVuSansMono.ttf', family: MONO_FAMILY },
] as const;

/** The `fonts/` folder shipped with chartcast (found from this module, in src/ or dist/). */
export function bundledFontsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'fonts');
    if (existsSync(join(candidate, BUNDLED[0].file))) return candidate;
    dir = dirname(dir);
  }
  throw new ChartcastError('config_invalid', 'the bundled fonts/ folder was not found next to chartcast; reinstall it');
}

/**
 * Registers the bundled fonts, and every .ttf/.otf/.ttc in `extraDir` if given, with the canvas.
 * Must run before the first draw: without fonts, text silently draws nothing. Returns the font
 * stacks to draw with, which list the extra fonts right after the bundled ones.
 */
export function registerFonts(extraDir?: string): FontStacks {
  const dir = bundledFontsDir();
  for (const { file, family } of BUNDLED) {
    const path = join(dir, file);
    if (!GlobalFonts.registerFromPath(path, family)) {
      throw new ChartcastError('config_invalid', `cannot register bundled font ${path}: chart text would not render`);
    }
  }
  if (!extraDir) return BUNDLED_STACKS;
  if (!existsSync(extraDir)) throw new ChartcastError('config_invalid', `fonts folder ${extraDir} does not exist`);
  const before = new Set(GlobalFonts.families.map((f) => f.family));
  GlobalFonts.loadFontsFromDir(extraDir);
  const added = GlobalFonts.families.map((f) => f.family).filter((family) => !before.has(family));
  return fontStacks(added);
}
