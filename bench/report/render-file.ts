import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { computeCapacity } from './capacity';
import { renderResults } from './results-md';
import { summarize, type BenchResults } from './results';
import { SOAK_RESULTS_FILE, readSoakResults } from './soak';
import { writeFormatted } from './write';

/** results.json read back: its raw part is what RESULTS.md is rendered from (as BENCH_RENDER_ONLY does). */
const storedResults = z
  .object({
    generatedAt: z.string(),
    machine: z.object({}).passthrough(),
    scenarios: z.object({}).passthrough(),
  })
  .passthrough();

/**
 * Re-renders `<outDir>/RESULTS.md` from the results.json and soak-results.json already there,
 * measuring nothing: what `npm run soak` does after its run, so the bench's sections stay as the
 * bench wrote them and only the Soak section moves.
 */
export async function renderResultsFile(outDir: string): Promise<void> {
  const raw: unknown = JSON.parse(readFileSync(path.join(outDir, 'results.json'), 'utf8'));
  const results = storedResults.parse(raw) as unknown as BenchResults;
  const soak = readSoakResults(path.join(outDir, SOAK_RESULTS_FILE));
  await writeFormatted(
    path.join(outDir, 'RESULTS.md'),
    renderResults(results, summarize(results), computeCapacity(results), soak),
  );
}
