import { readFile, readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { NAME_RULE, isValidName } from '../lib/names.js';

/** Why one definition file (chart or camera) did not load. */
export interface SpecLoadError {
  readonly file: string;
  /** Dotted path of the offending field, or "" for the file as a whole. */
  readonly field: string;
  readonly message: string;
}

/** A validation problem inside one file. */
export interface SpecIssue {
  readonly field: string;
  readonly message: string;
}

/** Validates parsed file content into a spec named after the file. */
export type SpecParser<T> = (name: string, content: unknown, file: string) => { spec: T } | { issues: SpecIssue[] };

const EXTENSIONS = new Set(['.json', '.yaml', '.yml']);
/** Definition files larger than this are refused unread. */
export const MAX_SPEC_FILE_BYTES = 256 * 1024;

/** Loads every JSON/YAML file in `dir`; a bad file is reported and skipped, the others still load. */
export async function loadSpecDir<T extends { readonly name: string }>(
  dir: string,
  kind: string,
  parse: SpecParser<T>,
): Promise<{ specs: T[]; errors: SpecLoadError[] }> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && EXTENSIONS.has(extname(entry.name).toLowerCase()))
    .map((entry) => entry.name)
    .sort();
  const specs: T[] = [];
  const errors: SpecLoadError[] = [];
  const seen = new Map<string, string>();
  for (const name of files) {
    const file = join(dir, name);
    const result = await loadSpecFile(file, kind, parse);
    if ('errors' in result) {
      errors.push(...result.errors);
      continue;
    }
    const earlier = seen.get(result.spec.name);
    if (earlier) {
      errors.push({ file, field: '', message: `${kind} "${result.spec.name}" is already defined by ${earlier}` });
      continue;
    }
    seen.set(result.spec.name, file);
    specs.push(result.spec);
  }
  return { specs, errors };
}

/** Loads one definition file; its name is the file name without the extension. */
export async function loadSpecFile<T>(file: string, kind: string, parse: SpecParser<T>): Promise<{ spec: T } | { errors: SpecLoadError[] }> {
  const fail = (message: string, field = '') => ({ errors: [{ file, field, message }] });
  const name = basename(file, extname(file));
  if (!isValidName(name)) return fail(`file name "${name}" is not a valid ${kind} name (${NAME_RULE})`);
  let text: string;
  try {
    const buffer = await readFile(file);
    if (buffer.length > MAX_SPEC_FILE_BYTES) return fail(`file is larger than ${MAX_SPEC_FILE_BYTES} bytes`);
    text = buffer.toString('utf8');
  } catch (error) {
    return fail(`cannot read: ${(error as Error).message}`);
  }
  let content: unknown;
  try {
    content = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    return fail(`cannot parse: ${(error as Error).message}`);
  }
  const parsed = parse(name, content, file);
  return 'issues' in parsed ? { errors: parsed.issues.map((issue) => ({ file, ...issue })) } : { spec: parsed.spec };
}

/** A zod issue as a field path and message ("unknown key" names the key). */
export function describeIssue(issue: z.core.$ZodIssue): SpecIssue {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const field = [...path, issue.keys[0] ?? ''].join('.');
    return { field, message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` };
  }
  return { field: path.join('.'), message: issue.message };
}

/** Freezes a value and everything in it. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
