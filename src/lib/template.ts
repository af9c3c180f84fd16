/** Statistic a template value token asks for. */
export type StatName = 'last' | 'min' | 'max' | 'avg';

/** One piece of a parsed overlay template. */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'time'; readonly format: string | undefined }
  | { readonly kind: 'title' }
  | {
      readonly kind: 'stat';
      readonly stat: StatName;
      readonly series: string;
      readonly decimals: number | undefined;
      /** Overrides the chart's unit for this value; "" shows a plain number. */
      readonly unit: string | undefined;
    };

/** A parse result: the parts, or an error message. */
export type TemplateParse = { ok: true; parts: TemplatePart[] } | { ok: false; error: string };

const STATS = new Set<string>(['last', 'min', 'max', 'avg']);
const MAX_DECIMALS = 10;

/**
 * Parses an overlay template. Tokens: `{time}`, `{time:<date-fns format>}`, `{title}`,
 * `{last:<series>}`, `{min|max|avg:<series>}`, each value token optionally followed by
 * `:<decimals>` and `:<unit>` (`{last:mem:1:%}`, `{last:mem::%}`; unit `-` shows a plain number).
 * `{{` and `}}` are literal braces.
 */
export function parseTemplate(template: string, isSeriesName: (name: string) => boolean): TemplateParse {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const ch = template[i] as string;
    if (ch === '{' && template[i + 1] === '{') {
      text += '{';
      i += 2;
      continue;
    }
    if (ch === '}' && template[i + 1] === '}') {
      text += '}';
      i += 2;
      continue;
    }
    if (ch === '}') return { ok: false, error: `unmatched "}" at offset ${i} (write "}}" for a literal brace)` };
    if (ch !== '{') {
      text += ch;
      i++;
      continue;
    }
    const end = template.indexOf('}', i + 1);
    if (end < 0) return { ok: false, error: `unclosed "{" at offset ${i}` };
    const token = template.slice(i + 1, end);
    const part = parseToken(token, isSeriesName);
    if (typeof part === 'string') return { ok: false, error: part };
    if (text) parts.push({ kind: 'text', text });
    text = '';
    parts.push(part);
    i = end + 1;
  }
  if (text) parts.push({ kind: 'text', text });
  return { ok: true, parts };
}

function parseToken(token: string, isSeriesName: (name: string) => boolean): TemplatePart | string {
  const colon = token.indexOf(':');
  const head = colon < 0 ? token : token.slice(0, colon);
  const rest = colon < 0 ? undefined : token.slice(colon + 1);
  if (head === 'time') {
    if (rest !== undefined && rest.length === 0) return 'empty time format in "{time:}"';
    return { kind: 'time', format: rest };
  }
  if (head === 'title' && rest === undefined) return { kind: 'title' };
  if (!STATS.has(head)) {
    return `unknown token "{${token}}" (use {time}, {time:FORMAT}, {title}, {last:SERIES}, {min:SERIES}, {max:SERIES}, {avg:SERIES}, optionally :DECIMALS)`;
  }
  if (rest === undefined) return `"{${head}}" needs a series name, e.g. {${head}:cpu}`;
  const [series = '', decimalsText, unitText, extra] = rest.split(':');
  if (extra !== undefined) return `too many ":" in "{${token}}"`;
  if (!isSeriesName(series)) return `"${series}" in "{${token}}" is not a valid series name`;
  if (unitText !== undefined && (unitText.length === 0 || unitText.length > 16)) {
    return `unit in "{${token}}" must be 1-16 characters ("-" for none)`;
  }
  const unit = unitText === undefined ? undefined : unitText === '-' ? '' : unitText;
  let decimals: number | undefined;
  if (decimalsText !== undefined && (decimalsText !== '' || unit === undefined)) {
    decimals = Number(decimalsText);
    if (!/^\d+$/.test(decimalsText) || decimals > MAX_DECIMALS) {
      return `decimals in "{${token}}" must be a whole number 0-${MAX_DECIMALS}`;
    }
  }
  return { kind: 'stat', stat: head as StatName, series, decimals, unit };
}

/** Series names a parsed template reads. */
export function templateSeries(parts: readonly TemplatePart[]): string[] {
  return parts.flatMap((part) => (part.kind === 'stat' ? [part.series] : []));
}
