import path from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';

/**
 * How many cases the fuzz suites run and from which seed. Both come from the environment so a
 * failure can be replayed exactly and a nightly run can go deeper:
 *
 *   FUZZ_SEED=<n>     the seed every property starts from (default: a fresh random one, printed with
 *                     any failure together with the command that replays it);
 *   FUZZ_RUNS=<n>     the cases the whole folder runs, shared out between its properties
 *                     (default 3000, seconds per file; FUZZ_RUNS=20000 for a deeper run).
 */

const settingsSchema = z.object({
  FUZZ_SEED: z.coerce
    .number()
    .int()
    .min(-(2 ** 31))
    .max(2 ** 31 - 1)
    .optional(),
  FUZZ_RUNS: z.coerce.number().int().min(1).default(3000),
});

const env = settingsSchema.parse({
  FUZZ_SEED: process.env.FUZZ_SEED || undefined,
  FUZZ_RUNS: process.env.FUZZ_RUNS || undefined,
});

/** The seed of this run: the same for every property, so one number replays any failure. */
export const FUZZ_SEED: number = env.FUZZ_SEED ?? (Math.random() * 2 ** 31) | 0;
export const FUZZ_RUNS: number = env.FUZZ_RUNS;

/**
 * Each file's share of FUZZ_RUNS. Socket.IO and HTTP have a dozen or two operations each; the plain
 * WebSocket has three frame types.
 */
const SHARES = { socket: 0.42, http: 0.42, 'plain-ws': 0.16 } as const;
export type FuzzFile = keyof typeof SHARES;

/** The cases one of `properties` properties of `file` runs (at least 5, so each still means something). */
export function runsFor(file: FuzzFile, properties: number): number {
  return Math.max(5, Math.round((FUZZ_RUNS * SHARES[file]) / properties));
}

/** What a finished property reports, for the per-file summary. */
export interface PropertyReport {
  name: string;
  runs: number;
  ms: number;
}

const reports: PropertyReport[] = [];

/**
 * Runs a property with the run's seed and `runs` cases. A failure is rethrown with fast-check's own
 * report (seed, path, counterexample) and the command that replays it, test name included.
 * Shrinking stays on: every case starts from a connected client, so a smaller case reproduces alone.
 */
export async function checkProperty<Ts extends [unknown, ...unknown[]]>(
  property: fc.IAsyncPropertyWithHooks<Ts>,
  runs: number,
): Promise<void> {
  const started = performance.now();
  const name = expect.getState().currentTestName ?? 'fuzz property';
  const file = path.relative(process.cwd(), expect.getState().testPath ?? 'tests/security/fuzz');
  try {
    await fc.assert(property, {
      seed: FUZZ_SEED,
      numRuns: runs,
      // One stuck case must not eat the whole file's time: fast-check reports it as a failure.
      timeout: CASE_TIMEOUT_MS,
    });
  } catch (err) {
    const report = err instanceof Error ? err.message : String(err);
    throw new Error(
      `${report}\n\nReplay this property with:\n  FUZZ_SEED=${FUZZ_SEED} FUZZ_RUNS=${FUZZ_RUNS} ` +
        `npx jest ${file} -t '${name.replace(/'/g, "'\\''")}'\n`,
      { cause: err },
    );
  }
  reports.push({ name, runs, ms: Math.round(performance.now() - started) });
}

/** What each property of this file ran, for the summary printed when FUZZ_REPORT=1. */
export function printReports(file: string): void {
  if (process.env.FUZZ_REPORT !== '1') return;
  const total = reports.reduce((sum, r) => sum + r.runs, 0);
  const ms = reports.reduce((sum, r) => sum + r.ms, 0);
  const lines = reports.map(
    (r) => `  ${String(r.runs).padStart(5)} cases ${String(r.ms).padStart(6)} ms  ${r.name}`,
  );
  process.stdout.write(
    `fuzz ${file} (FUZZ_SEED=${FUZZ_SEED}, FUZZ_RUNS=${FUZZ_RUNS}): ${total} cases in ${ms} ms\n${lines.join('\n')}\n`,
  );
}

/** How long one case may take before it counts as a hang. */
export const CASE_TIMEOUT_MS = 10_000;
/** How long one answer (ack, HTTP response, frame) may take. */
export const ANSWER_TIMEOUT_MS = 5000;
/** A Jest timeout for a property of `runs` cases: a generous pace per case, plus time to shrink a failure. */
export const propertyTimeout = (runs: number): number => 60_000 + runs * 25;
