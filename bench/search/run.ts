/**
 * The search benchmark (issue 14): fills each store with 1,000,000 seeded chat messages and
 * measures `message:search` (the domain's SearchService over the store) for a fixed mix of queries,
 * one at a time, warm: p50/p95/p99/max per query class and over the mix, with the seed's time and
 * the database's and the search index's sizes. Writes bench/search-results.json and the Search
 * section of bench/RESULTS.md. Knobs: bench/search/config.ts (SEARCH_MESSAGES, SEARCH_STORES, …).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresStore } from '../../server/store/postgres/postgres-store';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store';
import type { ChatStore } from '../../server/store/types';
import { installExitHandlers, isStopping, makeTempDir, removeTempDir, runCleanups } from '../processes';
import { describeMachine } from '../report/machine';
import { writeFormatted } from '../report/write';
import { loadSearchConfig, resultsPath, type SearchBenchConfig, type SearchStoreKind } from './config';
import { buildCorpus, VIEWER_ROOMS, type Corpus } from './corpus';
import { figures, figuresByClass, measure } from './measure';
import { QUERY_CLASSES, queryMix, queryPools } from './queries';
import { readSearchResults, type SearchResults, type SearchRun } from './results';
import { updateResultsMarkdown } from './results-md';
import { domainSearch } from './searcher';
import { createSearchDatabase, postgresSizes, seedPostgres } from './seed-postgres';
import { seedSqlite, sqliteSizes, type SizeRow } from './seed-sqlite';

const startedAt = Date.now();
function log(line: string): void {
  const elapsed = ((Date.now() - startedAt) / 1000).toFixed(0).padStart(4);
  process.stdout.write(`[search ${elapsed} s] ${line}\n`);
}

/**
 * What was measured, beyond the commit: a digest of the store's source folder as this process
 * loaded it (the working tree may hold uncommitted changes to it).
 */
function storeDigest(kind: SearchStoreKind): string {
  const dir = path.resolve(__dirname, '..', '..', 'server', 'store', kind);
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.ts')) hash.update(name).update(readFileSync(path.join(dir, name)));
  }
  return hash.digest('hex').slice(0, 12);
}
const DIGESTS = { sqlite: storeDigest('sqlite'), postgres: storeDigest('postgres') };

function revision(dir: string): string {
  try {
    return execFileSync('git', ['-C', dir, 'describe', '--always', '--dirty'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** A seeded store to measure, with what seeding it took; `dispose` removes it. */
interface Seeded {
  open(): Promise<ChatStore>;
  engine: string;
  seedSeconds: number;
  sizes: { databaseBytes: number; indexBytes: number; columnBytes: number | null; largest: SizeRow[] };
  dispose(): Promise<void>;
}

async function seedSqliteStore(config: SearchBenchConfig, corpus: Corpus): Promise<Seeded> {
  // Kept: outside the bench's temporary folders, which go at exit.
  const dir = config.keep
    ? mkdtempSync(path.join(os.tmpdir(), 'search-sqlite-'))
    : makeTempDir('search-sqlite-');
  const file = path.join(dir, 'chat.db');
  const t0 = performance.now();
  await seedSqlite(file, corpus, log);
  const seedSeconds = (performance.now() - t0) / 1000;
  const probe = new Database(':memory:');
  const version = (probe.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  probe.close();
  return {
    open: () => SqliteStore.open(file),
    engine: `SQLite ${version} (better-sqlite3), WAL`,
    seedSeconds,
    sizes: { ...sqliteSizes(file), columnBytes: null },
    dispose: async () => {
      if (config.keep) log(`kept ${file}`);
      else removeTempDir(dir);
    },
  };
}

async function seedPostgresStore(config: SearchBenchConfig, corpus: Corpus): Promise<Seeded> {
  const database = await createSearchDatabase(config.postgresUrl, config.keep);
  const t0 = performance.now();
  await seedPostgres(database.url, corpus, log);
  const seedSeconds = (performance.now() - t0) / 1000;
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const settings = await client.query<{ v: string; sb: string }>(
    `SELECT current_setting('server_version') AS v, current_setting('shared_buffers') AS sb`,
  );
  await client.end();
  const row = settings.rows[0];
  return {
    open: () => PostgresStore.open(database.url, { onError: () => undefined }),
    engine: `PostgreSQL ${row?.v ?? '?'} (shared_buffers ${row?.sb ?? '?'})`,
    seedSeconds,
    sizes: await postgresSizes(database.url),
    dispose: async () => {
      if (config.keep) log(`kept ${database.url}`);
      else await database.drop();
    },
  };
}

function describeCorpus(corpus: Corpus): SearchRun['corpus'] {
  const pools = queryPools(corpus);
  const { words } = corpus.vocabulary;
  const df = (w: string): number => corpus.documentFrequency[words.indexOf(w)] ?? 0;
  const range = (list: readonly string[], f: (w: string) => number): [number, number] => {
    const values = list.map(f);
    return [Math.min(...values), Math.max(...values)];
  };
  const familyDf = (w: string): number =>
    corpus.familyFrequency[corpus.vocabulary.familyOf[words.indexOf(w)] ?? 0] ?? 0;
  const viewerRooms = corpus.viewers.map((v) => corpus.rooms.filter((r) => r.members.includes(v)));
  return {
    messages: corpus.settings.messages,
    live: corpus.stats.live,
    deleted: corpus.stats.deleted,
    meanWords: Math.round((corpus.stats.words / Math.max(1, corpus.stats.live)) * 10) / 10,
    vocabulary: words.length,
    rooms: corpus.rooms.length,
    privateRooms: corpus.rooms.filter((r) => r.isPrivate).length,
    busiestRoomMessages: Math.max(...corpus.rooms.map((r) => r.lastSeq)),
    users: corpus.users.length,
    memberships: corpus.memberships,
    viewers: corpus.viewers.length,
    viewerRooms: VIEWER_ROOMS,
    viewerPrivateRoomsMean:
      Math.round(
        (viewerRooms.reduce((s, rs) => s + rs.filter((r) => r.isPrivate).length, 0) / viewerRooms.length) *
          10,
      ) / 10,
    poolFrequency: {
      rare: range(pools.rare, df),
      common: range(pools.common, df),
      mid: range(pools.mid, df),
      'stem (family)': range(
        pools.stems.map(([w]) => w),
        familyDf,
      ),
      'stop word': range(pools.functionWords, df),
    },
    seed: corpus.settings.seed,
  };
}

async function runStore(
  config: SearchBenchConfig,
  kind: SearchStoreKind,
  measured: string,
): Promise<SearchRun> {
  const machine = describeMachine();
  const began = Date.now();
  log(
    `${kind}: seeding ${config.messages.toLocaleString('en-US')} messages (load average ${machine.loadAverageAtStart.join(' / ')})`,
  );
  const corpus = buildCorpus({
    messages: config.messages,
    rooms: config.rooms,
    users: config.users,
    seed: config.seed,
  });
  const seeded =
    kind === 'sqlite' ? await seedSqliteStore(config, corpus) : await seedPostgresStore(config, corpus);
  try {
    log(
      `${kind}: seeded in ${seeded.seedSeconds.toFixed(1)} s; database ${(seeded.sizes.databaseBytes / 2 ** 20).toFixed(0)} MB, ` +
        `search index ${(seeded.sizes.indexBytes / 2 ** 20).toFixed(0)} MB`,
    );
    const store = await seeded.open();
    try {
      const search = domainSearch(store);
      const warmup = queryMix(corpus, config.warmupQueries, config.seed + 1);
      const queries = queryMix(corpus, config.queries, config.seed + 2);
      const result = await measure(search, warmup, queries, config.measureMs, (l) => log(`${kind}: ${l}`));
      const overall = figures(result.timed);
      log(
        `${kind}: ${overall.count} queries: p50 ${overall.p50} ms, p95 ${overall.p95} ms, p99 ${overall.p99} ms, max ${overall.max} ms`,
      );
      const byClass = figuresByClass(result.timed, QUERY_CLASSES);
      for (const c of byClass) {
        log(
          `${kind}:   ${c.cls} (${c.scope}): n ${c.count}, p50 ${c.p50}, p99 ${c.p99}, max ${c.max} ms, ` +
            `hits ${c.hitsMedian}; slowest ${JSON.stringify(c.slowest)}`,
        );
      }
      return {
        store: kind,
        generatedAt: new Date(began).toISOString(),
        revision: `${measured}, server/store/${kind} sha256 ${DIGESTS[kind]}`,
        machine,
        loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
        wallSeconds: (Date.now() - began) / 1000,
        knobs: config.knobs,
        engine: seeded.engine,
        corpus: describeCorpus(corpus),
        seedSeconds: Math.round(seeded.seedSeconds * 10) / 10,
        databaseBytes: seeded.sizes.databaseBytes,
        indexBytes: seeded.sizes.indexBytes,
        columnBytes: seeded.sizes.columnBytes,
        largest: seeded.sizes.largest,
        warmup: { queries: config.warmupQueries, seconds: Math.round(result.warmupMs / 100) / 10 },
        measured: {
          planned: config.queries,
          count: result.timed.length,
          seconds: Math.round(result.measureMs / 100) / 10,
          skipped: result.skipped,
        },
        overall,
        byClass,
      };
    } finally {
      await store.close();
    }
  } finally {
    await seeded.dispose();
  }
}

async function main(): Promise<void> {
  installExitHandlers();
  const config = loadSearchConfig(process.env, path.resolve(__dirname, '..'));
  if (process.env.SEARCH_RENDER_ONLY === '1') {
    // The prose changed, not the figures: re-render the section from search-results.json.
    const stored = readSearchResults(resultsPath(config));
    if (!stored) throw new Error(`no ${resultsPath(config)} to render`);
    await updateResultsMarkdown(path.join(config.outDir, 'RESULTS.md'), stored);
    log('re-rendered the Search section');
    return;
  }
  log(
    `stores ${config.stores.join(',')}; knobs ${Object.keys(config.knobs).length > 0 ? JSON.stringify(config.knobs) : 'none (reference run)'}`,
  );
  const measured = revision(path.resolve(__dirname, '..', '..'));
  const runs: SearchRun[] = [];
  try {
    for (const kind of config.stores) {
      if (isStopping()) break;
      runs.push(await runStore(config, kind, measured));
    }
  } finally {
    await runCleanups();
  }
  if (isStopping() || runs.length === 0) return;
  const file = resultsPath(config);
  // A run of one store keeps the other's figures.
  const previous: SearchResults = readSearchResults(file) ?? { runs: {} };
  for (const run of runs) previous.runs[run.store] = run;
  await writeFormatted(file, JSON.stringify(previous, null, 2));
  log(`wrote ${file}`);
  await updateResultsMarkdown(path.join(config.outDir, 'RESULTS.md'), previous);
  log(`updated the Search section of ${path.join(config.outDir, 'RESULTS.md')}`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `search bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
