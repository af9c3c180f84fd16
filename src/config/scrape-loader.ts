import { existsSync } from 'node:fs';
import type { ScrapeSpec } from '../lib/scrape-spec.js';
import { parseScrapeTarget } from './scrape-schema.js';
import { type SpecLoadError, loadSpecDir } from './spec-files.js';

/** Loads every scrape target file in `dir`; a missing folder means no scraping, a bad file is reported and skipped. */
export async function loadScrapeDir(dir: string): Promise<{ targets: ScrapeSpec[]; errors: SpecLoadError[] }> {
  if (!existsSync(dir)) return { targets: [], errors: [] };
  const { specs, errors } = await loadSpecDir(dir, 'scrape target', (name, content, file) => parseScrapeTarget(name, content, file));
  return { targets: specs, errors };
}
