/**
 * `npm run soak`: 2,000 clients held for several minutes under a mixed load with reconnect churn,
 * once on SQLite (one node) and once on two nodes sharing PostgreSQL and Redis. Measures each
 * node's RSS and event-loop delay over time (and their slopes after a warm-up), counts every
 * error, and checks at the end that every acknowledged message is in history exactly once. Exits
 * non-zero when a check fails. Loopback only, bounded in time; writes bench/soak-results.json and
 * re-renders bench/RESULTS.md. Knobs: bench/soak/config.ts (SOAK_CLIENTS, SOAK_MINUTES, …).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { buildAll } from '../build';
import { loadBenchConfig } from '../config';
import { installExitHandlers, isStopping, runCleanups } from '../processes';
import { describeMachine } from '../report/machine';
import { renderResultsFile } from '../report/render-file';
import { SOAK_RESULTS_FILE, readSoakResults, type SoakResults, type SoakRun } from '../report/soak';
import { writeFormatted } from '../report/write';
import { describeSettings, isReferenceRun, loadSoakConfig, type SoakConfig, type StoreKind } from './config';
import { soakOne } from './soak-run';
import { summarizeRun } from './summary';

const startedAt = Date.now();
function log(line: string): void {
  const elapsed = ((Date.now() - startedAt) / 1000).toFixed(0).padStart(4);
  process.stdout.write(`[soak ${elapsed} s] ${line}\n`);
}

/** chat-service as it ships (`npm run build`, via the bench's build), and the soak generator bundled. */
async function buildScripts(config: SoakConfig): Promise<string> {
  await buildAll(loadBenchConfig({ BENCH_SKIP_BUILD: config.skipBuild ? '1' : '0' }, config.benchDir), log);
  const generator = path.resolve(config.benchDir, '..', 'dist', 'bench', 'soak-generator.js');
  await build({
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    entryPoints: [path.join(config.benchDir, 'soak', 'generator.ts')],
    outfile: generator,
  });
  return generator;
}

function revision(chatDir: string): string {
  try {
    return execFileSync('git', ['-C', chatDir, 'describe', '--always', '--dirty'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'unknown';
  }
}

async function runStore(
  config: SoakConfig,
  store: StoreKind,
  generator: string,
  measured: string,
): Promise<SoakRun> {
  const machine = describeMachine();
  const began = Date.now();
  log(`${store}: start (load average ${machine.loadAverageAtStart.join(' / ')})`);
  const raw = await soakOne(config, store, generator, log);
  return summarizeRun(raw, config, {
    generatedAt: new Date(began).toISOString(),
    revision: measured,
    machine,
    loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
    wallSeconds: (Date.now() - began) / 1000,
    reference: isReferenceRun(config),
  });
}

function printRun(run: SoakRun): void {
  const p = run.perSecond;
  log(
    `${run.store}: ${run.passed ? 'PASSED' : 'FAILED'}; clients ${run.clients.connectedMin}–${run.clients.target} ` +
      `connected; per second: ${p.sends} sends, ${p.typing} typing, ${p.reactions} reactions, ${p.reconnects} ` +
      `reconnects, ${p.joins}/${p.leaves} joins/leaves, ${p.deliveries} deliveries; ack p99 ${run.ackLatency.p99Ms} ms`,
  );
  run.nodeFigures.forEach((n, i) =>
    log(
      `${run.store} node ${i + 1}: RSS ${n.rssStartMb} → ${n.rssEndMb} MB, slope ${n.rssSlopeMbPerMin} MB/min; ` +
        `ELD p99 median ${n.eldP99MedianMs} ms (max ${n.eldP99MaxMs}), slope ${n.eldP99SlopeMsPerMin} ms/min; ` +
        `${n.cores} cores`,
    ),
  );
  log(
    `${run.store}: errors ${JSON.stringify(run.errors)}, connect errors ${JSON.stringify(run.connectErrors)}`,
  );
  const h = run.history;
  if (h)
    log(
      `${run.store}: history of ${h.rooms} rooms: ${h.messages} messages, ${h.acked} acknowledged, ${h.missing} missing, ` +
        `${h.duplicates} duplicates, ${h.unexpected} unexpected, ${h.storedUnacked} stored unacknowledged, ${h.seqGaps} seq gaps`,
    );
  for (const f of run.failures) log(`${run.store}: FAIL ${f}`);
}

async function main(): Promise<void> {
  installExitHandlers();
  const config = loadSoakConfig(process.env, path.resolve(__dirname, '..'));
  log(`settings ${JSON.stringify(describeSettings(config))}; stores ${config.stores.join(',')}`);
  log(
    `knobs given: ${Object.keys(config.knobs).length > 0 ? JSON.stringify(config.knobs) : 'none (reference run)'}`,
  );
  // Read once, before the build: what dist/ is built from, even if commits land during the run.
  const measured = config.skipBuild
    ? `${revision(config.chatDir)}, dist/ not rebuilt`
    : revision(config.chatDir);
  const generator = await buildScripts(config);
  const runs: SoakRun[] = [];
  try {
    for (const store of config.stores) {
      if (isStopping()) break;
      const run = await runStore(config, store, generator, measured);
      printRun(run);
      runs.push(run);
    }
  } finally {
    await runCleanups();
  }
  if (isStopping() || runs.length === 0) return;
  const file = path.join(config.outDir, SOAK_RESULTS_FILE);
  // A run of one configuration keeps the other's figures.
  const previous: SoakResults = readSoakResults(file) ?? { runs: {} };
  for (const run of runs) previous.runs[run.store] = run;
  await writeFormatted(file, JSON.stringify(previous, null, 2));
  log(`wrote ${file}`);
  if (existsSync(path.join(config.outDir, 'results.json'))) {
    await renderResultsFile(config.outDir);
    log(`re-rendered ${path.join(config.outDir, 'RESULTS.md')}`);
  } else {
    log(`no results.json in ${config.outDir}: RESULTS.md not rendered`);
  }
  if (runs.some((r) => !r.passed)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
