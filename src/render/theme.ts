/** Colours a chart is drawn with. */
export interface Theme {
  readonly background: string;
  readonly text: string;
  readonly grid: string;
  readonly overlayText: string;
  readonly overlayBox: string;
  readonly palette: readonly string[];
}

const PALETTE = ['#36a2eb', '#ff6384', '#4bc0c0', '#ff9f40', '#9966ff', '#ffcd56', '#c9cbcf', '#2ecc71'];

/** The built-in themes, by name. */
export const THEMES: Readonly<Record<'dark' | 'light', Theme>> = {
  dark: {
    background: '#111418',
    text: '#d8dee9',
    grid: 'rgba(216, 222, 233, 0.12)',
    overlayText: '#ffffff',
    overlayBox: 'rgba(0, 0, 0, 0.55)',
    palette: PALETTE,
  },
  light: {
    background: '#ffffff',
    text: '#2e3440',
    grid: 'rgba(46, 52, 64, 0.12)',
    overlayText: '#111111',
    overlayBox: 'rgba(255, 255, 255, 0.75)',
    palette: PALETTE,
  },
};

/** A colour with its alpha replaced, for fills (accepts #rgb, #rrggbb; others are returned unchanged). */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color)?.[1];
  if (!hex) return color;
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(full.slice(i, i + 2), 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}
