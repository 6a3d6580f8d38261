import { existsSync, readFileSync } from 'node:fs';
import { searchSection, SEARCH_HEADING } from '../report/search-md';
import { writeFormatted } from '../report/write';
import type { SearchResults } from './results';

/**
 * Puts the Search section into RESULTS.md in place: replaces the section when it is there (up to
 * the next `## ` heading), else inserts it before "Raw figures per round" (where renderResults
 * places it once it renders the section itself), leaving every other line as it was.
 */
export async function updateResultsMarkdown(file: string, results: SearchResults): Promise<void> {
  const section = searchSection(results);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === SEARCH_HEADING);
  let out: string[];
  if (start >= 0) {
    let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
    if (end < 0) end = lines.length;
    out = [...lines.slice(0, start), ...section.split('\n'), '', ...lines.slice(end)];
  } else {
    const raw = lines.findIndex((l) => l === '## Raw figures per round');
    const at = raw >= 0 ? raw : lines.length;
    out = [...lines.slice(0, at), ...section.split('\n'), '', ...lines.slice(at)];
  }
  await writeFormatted(file, out.join('\n'));
}
