import type { SearchResults, SearchRun } from '../search/results';
import { num, table } from './format';

/**
 * The Search section of RESULTS.md, from bench/search-results.json (`npm run bench:search`,
 * bench/search/): the method and the findings written here, the figures from the run.
 */
export const SEARCH_HEADING = '## Search';
const TARGET_P99_MS = 200;
const STORES = ['sqlite', 'postgres'] as const;
const LABEL: Record<(typeof STORES)[number], string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

const mb = (bytes: number | null | undefined): string =>
  bytes === null || bytes === undefined ? '—' : num(bytes / 2 ** 20, 0);

function method(run: SearchRun): string {
  const c = run.corpus;
  const f = c.poolFrequency;
  const span = (k: string): string => {
    const r = f[k];
    return r ? `${num(r[0], 0)}–${num(r[1], 0)}` : '—';
  };
  return (
    '`npm run bench:search` (bench/search/) fills each store with ' +
    `${num(c.messages, 0)} messages (${num(c.deleted, 0)} of them then deleted, which must never match) in ` +
    `${num(c.rooms, 0)} rooms (${num(c.privateRooms, 0)} private) whose activity follows a Zipf law (the busiest ` +
    `holds ${num(c.busiestRoomMessages, 0)} messages), written by ${num(c.users, 0)} users who are members of a few ` +
    `rooms each (${num(c.memberships, 0)} memberships). The text is drawn from a ${num(c.vocabulary, 0)}-word ` +
    'English-like vocabulary with Zipf-distributed frequencies: English function words at the top ranks, then ' +
    'chat words and made-up words, many in families that share a stem (deploy, deployed, deploying, deployment); ' +
    `${num(c.meanWords, 1)} words a message on average (short lines, ordinary ones and a tail of long ones). ` +
    "Seeding goes through the store's own schema and code. SQLite: the store's migrations before the search " +
    'migration are applied, prepared inserts write the rows (50,000 a transaction; the change-version and outbox ' +
    'triggers set aside, each message taking its seq as its version), then the store opens the file and its ' +
    'search migration indexes every message, as when a database of a million messages upgrades. PostgreSQL: the ' +
    'store migrates, `INSERT … SELECT FROM unnest(…)` writes 5,000 rows a statement (the tsvector is a generated ' +
    'column, computed for every row; the same triggers set aside) and the GIN index is re-created from its own ' +
    'definition after the rows, then vacuum and analyze run (as autovacuum would). On both, the deletions go ' +
    "through the store's own statement with every trigger in place, and the outbox they filled is emptied (a " +
    'dispatcher would have consumed it).\n\n' +
    `Each search is a \`message:search\` as the transports make it, minus the transport: the payload validated by ` +
    "the contract's schema, then the domain's SearchService (rate budget, room access check, terms, the store's " +
    'ranked search with its highlight, the highlight as HTML), default page size (20, the store asked for 21). ' +
    `${num(c.viewers, 0)} viewers, each a member of ${c.viewerRooms} rooms (${num(c.viewerPrivateRoomsMean, 1)} of them ` +
    'private on average), take turns. The mix is fixed by a seed; five classes in equal shares: **rare** (one ' +
    `word held by ${span('rare')} messages), **common** (one of the most frequent words that is not a function ` +
    `word: ${span('common')} messages), **two words** (a common word and one held by ${span('mid')} messages), ` +
    `**stem** (one form of a family whose forms together are in ${span('stem (family)')} messages; every form must ` +
    'match) and **with stop words** (a short phrase such as "is the build broken": function words, held by ' +
    `${span('stop word')} messages each, plus one or two content words; PostgreSQL's \`english\` configuration drops ` +
    "stop words, SQLite's tokenizer keeps them). Half of each class searches everything the viewer may read (all " +
    'public rooms and their own), half one room they may read (one of theirs or a public one, busy rooms more ' +
    `often). One query at a time, in process, after ${num(run.warmup.queries, 0)} warm-up queries of the same mix; ` +
    'latency from the call to the answer.'
  );
}

/**
 * What the figures mean, from looking into the query plans of the slow classes (EXPLAIN on the
 * seeded databases kept with SEARCH_KEEP=1). Written by hand after a run; keep it in step.
 */
const FINDINGS = [
  '**What sets the tail.** Looked into with EXPLAIN and timed statements on seeded databases kept with ' +
    '`SEARCH_KEEP=1`, while other work shared the two cores (load average 5–19): absolute times there are ' +
    'inflated, the before/after ratios hold.',
  '- **PostgreSQL.** A first version kept the tsquery in a MATERIALIZED CTE: the planner could not see it, ' +
    'estimated every query at 0.5 % of the rows, always took the GIN bitmap and read every match to sort by ' +
    'time (a common word: 24,700 of the 36,900 heap pages, p99 1.3 s). With the tsquery spelled inline (the ' +
    "planner uses the column's statistics: 40,001 estimated for 39,311 matches) and 551 candidates, common words " +
    'walk `messages_by_creation` newest first and stop early, as measured above. What remains at the p99 is one ' +
    'busy room with a common word: the room holds 4,500 of the matches, and ranking reads each of their heap rows ' +
    '(BitmapAnd of the GIN and room indexes, then 4,240 heap pages); with the 288 MB heap over the default ' +
    '128 MB shared_buffers those come from the OS cache or the disk. A shared_buffers that holds the messages ' +
    'heap is the lever there, not the query.',
  '- **SQLite.** The readable rooms are part of the MATCH (`scope : ("public0" OR …)`), and FTS5\'s bm25 ' +
    'weighs each phrase by counting the rows that hold it, reading its whole doclist, the scope phrases ' +
    'included: "public0" is in 70 % of the rows (a weight of 0.0 changes the score, not the work). That is the ' +
    'floor of every search everywhere, rare words included: on the first seeded file a rare word ranked with ' +
    "the scope took 238 ms, without it 13 ms, and filtering the rooms outside FTS5 (reading each match's scope " +
    'and keeping the readable ones, up to 1,000) 37 ms; a common word 12–19 ms instead of 322–351 ms. The store ' +
    'already filters outside FTS5 when the viewer has more than 16 private rooms (`candidatesInRooms`); doing so ' +
    'always for searches everywhere (keeping the room token in the MATCH only for one room, where it is the ' +
    'selective part) removes that floor. Phrases of stop words stay the slowest (FTS5 intersects the doclists ' +
    'of "to", "the": 80–105 ms on that file).',
].join('\n');

function summaryTable(results: SearchResults): string {
  const runs = STORES.map((s) => results.runs[s]);
  const cell = (f: (r: SearchRun) => string): string[] => runs.map((r) => (r ? f(r) : '—'));
  const met = (r: SearchRun): string =>
    r.overall.p99 !== null && r.overall.p99 <= TARGET_P99_MS ? 'yes' : '**no**';
  return table(
    ['figure', ...STORES.map((s) => LABEL[s]), 'target'],
    [
      [
        'search p99 over the mix (ms)',
        ...cell((r) => `${num(r.overall.p99)} (met: ${met(r)})`),
        `<= ${TARGET_P99_MS}`,
      ],
      ['search p50 (ms)', ...cell((r) => num(r.overall.p50)), '—'],
      ['search p95 (ms)', ...cell((r) => num(r.overall.p95)), '—'],
      ['search max (ms)', ...cell((r) => num(r.overall.max)), '—'],
      [
        'queries measured',
        ...cell((r) =>
          r.measured.skipped > 0
            ? `${num(r.measured.count, 0)} of ${num(r.measured.planned, 0)} (time budget)`
            : num(r.measured.count, 0),
        ),
        '—',
      ],
      ['seeding 1M messages (s)', ...cell((r) => num(r.seedSeconds, 0)), '—'],
      ['database size (MB)', ...cell((r) => mb(r.databaseBytes)), '—'],
      [
        'search index size (MB)',
        ...cell((r) =>
          r.columnBytes === null
            ? mb(r.indexBytes)
            : `${mb(r.indexBytes)} GIN + ${mb(r.columnBytes)} tsvector column`,
        ),
        '—',
      ],
    ],
  );
}

function classTable(results: SearchResults): string {
  const rows: string[][] = [];
  const first = STORES.map((s) => results.runs[s]).find((r) => r !== undefined);
  for (const group of first?.byClass ?? []) {
    const row = [group.cls, group.scope === 'all' ? 'everywhere' : 'one room'];
    for (const s of STORES) {
      const g = results.runs[s]?.byClass.find((x) => x.cls === group.cls && x.scope === group.scope);
      row.push(g ? `${num(g.p50)} / ${num(g.p99)} / ${num(g.max)}` : '—', g ? num(g.hitsMedian, 0) : '—');
    }
    rows.push(row);
  }
  return table(
    [
      'class',
      'scope',
      ...STORES.flatMap((s) => [`${LABEL[s]} p50 / p99 / max (ms)`, `${LABEL[s]} results (median)`]),
    ],
    rows,
  );
}

function runLine(run: SearchRun): string {
  const m = run.machine;
  const knobs = Object.entries(run.knobs);
  return (
    `- ${LABEL[run.store]}: ${run.engine}; run on ${run.generatedAt} (${run.revision}) in ` +
    `${num(run.wallSeconds / 60, 1)} min on ${m.cores} × ${m.model}, Node.js ${m.node}; load average ` +
    `${m.loadAverageAtStart.join(' / ')} at start, ${run.loadAverageAtEnd.join(' / ')} at end. ` +
    `Largest relations: ${run.largest
      .slice(0, 6)
      .map((r) => `${r.name} ${mb(r.bytes)} MB`)
      .join(', ')}.` +
    (knobs.length > 0
      ? ` **Knobs: ${knobs.map(([k, v]) => `${k}=${v}`).join(', ')}: not the reference run.**`
      : '')
  );
}

export function searchSection(results: SearchResults | null): string {
  const runs = STORES.map((s) => results?.runs[s]).filter((r): r is SearchRun => r !== undefined);
  if (!results || runs.length === 0) return '';
  return [
    SEARCH_HEADING,
    method(runs[0] as SearchRun),
    summaryTable(results),
    'By class and scope (50 % of the queries each class searches everywhere, 50 % one room):',
    classTable(results),
    FINDINGS,
    runs.map(runLine).join('\n'),
  ]
    .filter(Boolean)
    .join('\n\n');
}
