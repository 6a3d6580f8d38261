import path from 'node:path';
import type { RungSummary } from '../scenarios/fanout';
import type { ByServer } from '../scenarios/context';
import type { ServerKind } from '../servers';
import { NODES } from '../scenarios/postgres-redis';
import { ASSUMPTIONS, COUNTERS, type Capacity, type Counter } from './capacity';
import { num, percent, table, times } from './format';
import type { BenchResults, SummaryRow, Target } from './results';
import { readSoakResults, SOAK_RESULTS_FILE, type SoakResults } from './soak';
import { soakSection } from './soak-md';
import { readSearchResults, type SearchResults } from '../search/results';
import { searchSection } from './search-md';

/**
 * RESULTS.md: the hand-written parts (method, how to read it, capacity assumptions) live here, the
 * figures come from the run, so every rerun regenerates the whole file.
 */
const METHOD = `## How it is measured

- **Two servers, one load.** chat-service is built (\`npm run build\`) and run as shipped
  (\`node dist/server/main.js\`, \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`, every rate budget and
  per-user bound raised so none caps the run). The reference is \`bench/bare-server.ts\`: Socket.IO
  4.8 doing only \`socket.join(room)\` and \`io.to(room).emit(...)\`, no auth check, validation or
  storage, answering the same events with the same packet shapes. Each runs in its own process.
- **Load generators** (\`bench/load/\`) are separate processes speaking the Socket.IO protocol
  (Engine.IO v4 + socket.io-parser text packets) over plain \`ws\` connections: socket.io-client
  would cost more CPU than the server it measures. Each client is its own user. A send carries a
  stamp (its scheduled time on the machine's monotonic clock), found in every delivery with a
  byte search, so deliveries are timed without parsing them.
- **Open loop.** A step offers a fixed rate for a few seconds whatever the server does; latencies
  count from each send's *scheduled* time, so a server (or generator) that falls behind shows it
  in the percentiles rather than quietly lowering the load. After the last send, acks and
  deliveries may take another \`BENCH_DRAIN_MS\`; what has not arrived by then is missing.
- **Ladders.** The rate rises ×1.5 a step until a step is not sustained, then two bisection steps
  between the last good and the first bad rate. Later rounds of the same server start two rungs
  below what its first round sustained. Before a ladder a short warm-up step runs.
- **CPU** is read from \`/proc/<pid>/stat\` (user + system time, every thread of the process, worker
  threads included) before and after each step, so it covers exactly the step and its drain;
  **memory** is \`VmRSS\` from \`/proc/<pid>/status\`. CPU per operation is taken at the highest
  sustained step of each round.
- **A/B/A/B.** Every scenario runs bare, chat, bare, chat, … on a fresh server process (and a
  fresh SQLite file or PostgreSQL database) per round; figures are medians over rounds and every
  chat-service figure is read as a ratio to the bare reference *of the same run*. Identical runs
  differ (the "bare spread" column is max/min over the bare rounds): a ratio inside the spread is
  no difference.
- **Idle memory** is marginal: (RSS with every connection open − RSS before) / connections, the
  "before" taken after a warm-up batch has connected and left, so fixed costs (a writer thread,
  caches, code warmed on first use) are not charged to connections.
- **The machine is shared.** Server, generators, PostgreSQL and Redis share its cores; the
  generators' own CPU is in the raw figures, so a step the generator could not drive is visible.`;

const READING = `## How to read it

- *Sustainable* rates are the highest offered rate at which every send was acknowledged and every
  delivery arrived within the drain, with p99 delivery ≤ 50 ms (fan-out) or p99 ack ≤ 20 ms
  (small rooms). The ladder's resolution is about ×1.22 after bisection: two servers one rung apart
  may be closer than they look.
- *Server cores* in the raw tables is server CPU time / wall time of the step: near 1.0 (per node)
  means the event loop was saturated (CPU-bound); well below 1.0 at a failing step means the
  server was waiting (on the disk, the database, Redis), not computing.
- A target that is not met is listed under "Targets not met"; "Bottlenecks" gives the
  measurements that show where the time goes.`;

/**
 * Why the targets that are not met are not: measured apart from the bench (profiles, per-thread
 * CPU from /proc/<pid>/task, Redis INFO commandstats, strace), on this machine, while writing it.
 * Hand-written: update it when the code or the figures move.
 */
const BOTTLENECKS = `## Bottlenecks

What stops each target that is not met, measured apart from the bench on the same machine (2
cores, server and load generator sharing them): \`node --cpu-prof\`, CPU per thread from
\`/proc/<pid>/task/*/stat\`, \`strace -c\`, Redis \`INFO commandstats\`, with the small-rooms load of
(b) at a fixed rate.

- **(a) Fan-out ≥ 1.5× the deliveries, ≤ 0.7× the CPU.** Both servers deliver through the same
  socket.io-adapter broadcast (one encode per message, one frame per client); per delivery what
  costs is Engine.IO, \`ws\` and the kernel's \`writev\` (42 % of the samples before coalescing).
  Coalescing merges the frames bound for one connection within a turn, so it pays only when
  several arrive together: with bursts of 5 messages it halved the CPU per delivery (15.2 → 7.3 µs)
  and cut \`writev\` calls from 1.01 to 0.21 per delivery; with the ladder's evenly spaced sends
  (one message every 20–30 ms at these rates) there is one frame per connection per turn and
  nothing to merge, so chat-service can at best equal bare plus its own per-delivery guard (the
  slow-reader check, about 1–3 µs). Holding frames longer (\`SOCKET_WRITE_COALESCE_MS\`) would
  merge them only at the cost of the 50 ms p99 the scenario allows.
- **(b) Small rooms, ≤ 1.5× the CPU per send** (the sends target, ≥ 0.8×, is met). A durable send
  does what bare does (parse, ten deliveries, an ack) plus validation, the budget, the access check
  and a durable write; at 1,000 sends/s bare spends 253 µs per send, chat-service 560–740 µs, of
  which the writer thread is about 260 µs (user ≈ 150 µs: the statements of a send and their
  savepoint; system ≈ 140 µs: the WAL writes and fsync of each commit). This disk syncs in about
  0.4 ms, so commits are small (one to three sends) and group commit saves little CPU; with
  \`STORE_WRITE_WINDOW_MS=2\` the CPU per send fell to about 500 µs at the price of a 5 ms ack p50.
  What group commit did buy is throughput: the event loop no longer waits on the disk (before the
  writer thread each fsync stopped it), which took sustainable sends from 0.17–0.33× of bare to
  about 0.9×. The CPU left is work bare does not do.
- **(d) History p99 ≤ 2 ms.** The median page (50 messages, 1,000,000 in the room) takes 0.6–1.0 ms
  from request to answer at the client at any depth: the index reaches any seq in the same number
  of steps. The p99 is set by pauses outside the query: young-generation garbage collection in the
  server and the generator; with a larger young generation (\`--max-semi-space-size=32\`) one run
  came in at 1.6–1.7 ms and the next at 2.8–3.9 ms, so the tail is noise of this shared machine
  rather than a cost of depth.
- **(f) PostgreSQL + Redis, two nodes, ≥ 0.5× bare's sends.** Two nodes, PostgreSQL, Redis and
  the generators share the two cores. Per send Redis runs about 5.7 commands: XADD (the
  broadcast), an XREAD on each node, a PUBLISH (the relay to plain WebSocket clients on other
  nodes) and the EVAL of a rate lease (each user sends less than once a second, so every send opens
  a new window and asks for one). Each node decodes every broadcast from the stream (RESP, then
  the adapter) before it delivers it, and PostgreSQL commits each batch with its fsync. At low
  rates each send pays its own XREAD wake-ups and its own PostgreSQL batch (4.5 ms of CPU per send
  at 100 sends/s over both nodes); at the sustainable rate 1.3–1.8 ms (a marginal 0.9 ms, see Capacity), several times
  bare's, and the machine is saturated. On separate machines (nodes, PostgreSQL, Redis each with
  their own cores) the per-node figures of the capacity section apply.`;

const SERVER_LABEL: Record<ServerKind, string> = { bare: 'bare', chat: 'chat-service' };

function targetText(t: Target): string {
  if (t.kind === 'none') return '—';
  return t.kind === 'ratio' ? `${t.op} ${t.value}×` : `${t.op} ${t.value}`;
}

/** A rate's unit is already in its name ("…/s"). */
function label(r: SummaryRow): string {
  return r.unit === '/s' ? r.metric : `${r.metric} (${r.unit})`;
}

function metText(met: boolean | null): string {
  return met === null ? '—' : met ? 'yes' : '**no**';
}

function summaryTable(rows: readonly SummaryRow[]): string {
  return table(
    ['', 'figure', 'bare', 'chat-service', 'ratio', 'target', 'met?', 'bare spread'],
    rows.map((r) => [
      r.scenario,
      label(r),
      num(r.bare),
      num(r.chat),
      times(r.ratio),
      targetText(r.target),
      metText(r.met),
      times(r.bareSpread),
    ]),
  );
}

function roundsTable(rows: readonly SummaryRow[]): string {
  const rounds = Math.max(0, ...rows.map((r) => Math.max(r.bareRounds.length, r.chatRounds.length)));
  const header = ['', 'figure', 'server', ...Array.from({ length: rounds }, (_, i) => `round ${i + 1}`)];
  const lines: string[][] = [];
  for (const r of rows) {
    for (const [kind, values] of [
      ['bare', r.bareRounds],
      ['chat-service', r.chatRounds],
    ] as const) {
      if (values.every((v) => v === null)) continue;
      lines.push([r.scenario, label(r), kind, ...values.map((v) => num(v))]);
    }
  }
  return table(header, lines);
}

const cores = (step: RungSummary['step']): string => num(step.serverCpuMs / step.wallMs, 2);

function rungTable(by: ByServer<LadderRound | undefined>, unit: string): string {
  const lines: string[][] = [];
  for (const kind of ['bare', 'chat'] as const) {
    by[kind].forEach((round, i) => {
      for (const r of round?.rungs ?? []) {
        const s = r.step;
        lines.push([
          SERVER_LABEL[kind],
          String(i + 1),
          num(r.rate, 0),
          r.failure ? `${r.failure}${r.retried ? ' (tried again)' : ''}` : 'sustained',
          `${num(s.ackP50Ms)} / ${num(s.ackP99Ms)}`,
          `${num(s.deliveryP50Ms)} / ${num(s.deliveryP99Ms)}`,
          `${num(s.delivered, 0)} / ${num(s.expectedDeliveries, 0)}`,
          cores(s),
          num(s.generatorCpuMs / s.wallMs, 2),
        ]);
      }
    });
  }
  return table(
    [
      'server',
      'round',
      `offered ${unit}`,
      'result',
      'ack p50 / p99 ms',
      'delivery p50 / p99 ms',
      'delivered / expected',
      'server cores',
      'generator cores',
    ],
    lines,
  );
}

type LadderRound = { rungs: RungSummary[]; costMeasuredAt?: { rate: number; sustained: boolean } | null };

/** For every ladder: where each round stopped, and how busy the server and the generators were there. */
function stopEvidence(by: ByServer<LadderRound | undefined>): string {
  const lines: string[] = [];
  for (const kind of ['bare', 'chat'] as const) {
    by[kind].forEach((round, i) => {
      const rungs = round?.rungs ?? [];
      const failed = rungs.find((r) => r.failure && !r.retried);
      const cost = round?.costMeasuredAt;
      lines.push(
        `${SERVER_LABEL[kind]} round ${i + 1}: ` +
          (failed
            ? `first failed step ${num(failed.rate, 0)}/s: ${failed.failure}; server cores ${cores(failed.step)}, ` +
              `generator cores ${num(failed.step.generatorCpuMs / failed.step.wallMs, 2)}`
            : 'no step failed') +
          (cost && !cost.sustained
            ? `; no step sustained: per-operation CPU read at ${num(cost.rate, 0)}/s`
            : ''),
      );
    });
  }
  return lines.map((line) => `- ${line}`).join('\n');
}

function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

/** The summary rows of one scenario, under its own heading. */
function scenarioTable(rows: readonly SummaryRow[], scenario: string): string {
  const mine = rows.filter((r) => r.scenario === scenario);
  return mine.length > 0 ? summaryTable(mine) : '';
}

function fanoutSection(results: BenchResults, rows: readonly SummaryRow[]): string {
  const fanout = results.scenarios.fanout;
  if (!fanout) return '';
  const parts = [`## (e) Filling a room`, scenarioTable(rows, 'e'), fillTable(results)];
  if (fanout.chat.some((r) => r.ladder)) {
    const ladders = { bare: fanout.bare.map((r) => r.ladder), chat: fanout.chat.map((r) => r.ladder) };
    parts.unshift(
      `## (a) Fan-out`,
      scenarioTable(rows, 'a'),
      `${results.settings.fanoutClients} clients in one room, one of them sending; offered rate in messages/s ` +
        `(each delivered to every member, the sender included).`,
      stopEvidence(ladders),
      details('every step', rungTable(ladders, 'msg/s')),
    );
  }
  return parts.join('\n\n');
}

function fillTable(results: BenchResults): string {
  const fanout = results.scenarios.fanout;
  if (!fanout) return '';
  const lines: string[][] = [];
  for (const kind of ['bare', 'chat'] as const) {
    fanout[kind].forEach((r, i) => {
      lines.push([
        SERVER_LABEL[kind],
        String(i + 1),
        num(r.fill.joins, 0),
        num(r.fill.serverCpuMs, 0),
        num(r.fill.wallMs, 0),
        num(r.fill.frames, 0),
        num(r.fill.bytes / 1e6, 1),
        r.fill.settled ? 'yes' : 'no',
      ]);
    });
  }
  return (
    'Every client but the creator sends `room:join` at once; each join is announced to the members ' +
    'already there. Server CPU from the first join to the last frame.\n\n' +
    table(
      ['server', 'round', 'joins', 'server CPU ms', 'wall ms', 'frames received', 'MB received', 'settled'],
      lines,
    )
  );
}

function smallRoomsSection(
  title: string,
  by: BenchResults['scenarios']['smallRooms'],
  note: string,
  summary: string,
): string {
  if (!by) return '';
  return [title, summary, note, stopEvidence(by), details('every step', rungTable(by, 'sends/s'))].join(
    '\n\n',
  );
}

function externalTable(results: BenchResults): string {
  const f = results.scenarios.postgresRedis;
  if (!f) return '';
  const keys = [...new Set(f.chat.flatMap((r) => Object.keys(r.externalPerSend)))];
  if (keys.length === 0) return '';
  return (
    'Redis and PostgreSQL counters per acknowledged send at the sustainable step (whole Redis and ' +
    'PostgreSQL server: other users of them count too):\n\n' +
    table(
      ['counter per send', ...f.chat.map((_, i) => `round ${i + 1}`)],
      keys.map((k) => [k, ...f.chat.map((r) => num(r.externalPerSend[k]))]),
    )
  );
}

function idleSection(results: BenchResults, rows: readonly SummaryRow[]): string {
  const idle = results.scenarios.idle;
  if (!idle) return '';
  const lines: string[][] = [];
  for (const kind of ['bare', 'chat'] as const) {
    idle[kind].forEach((r, i) => {
      lines.push([
        SERVER_LABEL[kind],
        String(i + 1),
        num(r.connections, 0),
        num(r.rssBeforeKb / 1024, 1),
        num(r.rssAfterKb / 1024, 1),
        num(r.rssPerConnectionKb),
        num(r.cpuUsPerConnection),
      ]);
    });
  }
  return [
    '## (c) Idle connections',
    scenarioTable(rows, 'c'),
    'Marginal memory: fixed costs of the process (a writer thread, caches) are in "RSS before", not per connection.',
    table(
      [
        'server',
        'round',
        'connections',
        'RSS before MB',
        'RSS after MB',
        'KB / connection',
        'handshake CPU µs',
      ],
      lines,
    ),
  ].join('\n\n');
}

function historySection(results: BenchResults, rows: readonly SummaryRow[]): string {
  const h = results.scenarios.history;
  if (!h) return '';
  const lines: string[][] = [];
  h.rounds.forEach((r, i) => {
    for (const page of [r.newest, r.middle, r.deep]) {
      lines.push([
        String(i + 1),
        page.beforeSeq === null ? 'newest' : `before_seq ${num(page.beforeSeq, 0)}`,
        num(page.requests, 0),
        num(page.p50Ms, 3),
        num(page.p99Ms, 3),
        num(page.maxMs, 3),
        `${page.sample.messages} (seq ${page.sample.firstSeq}…${page.sample.lastSeq})`,
      ]);
    }
  });
  return [
    '## (d) History',
    scenarioTable(rows, 'd'),
    `chat-service only. A room of ${num(h.messages, 0)} messages written into the SQLite file before the ` +
      `server starts (${num(h.seedMs / 1000, 1)} s); pages of 50, one request at a time, timed at the client.`,
    table(['round', 'page', 'requests', 'p50 ms', 'p99 ms', 'max ms', 'first answer held'], lines),
  ].join('\n\n');
}

const COUNTER_LABEL: Record<Counter, string> = {
  serverCpuUs: 'chat-service CPU, both nodes (µs)',
  redisCommands: 'Redis commands',
  redisCpuUs: 'Redis CPU (µs)',
  redisOutputBytes: 'Redis bytes out',
  postgresCpuUs: 'PostgreSQL CPU (µs)',
  postgresWriteTransactions: 'PostgreSQL write transactions',
  postgresWalBytes: 'PostgreSQL WAL bytes',
};

function capacitySection(capacity: Capacity | null): string {
  if (!capacity) {
    return '## Capacity\n\nNot computed: it needs scenarios (c) and (f) from this run.';
  }
  const i = capacity.inputs;
  const a = ASSUMPTIONS;
  const rows = capacity.rows;
  const col = (f: (r: (typeof rows)[number]) => string): string[] => rows.map(f);
  const users = (n: number | undefined): string => (n === Infinity ? 'beyond 1e9' : num(n, 0));
  const first = capacity.limits.find((l) => !l.pessimistic);
  const pessimistic = capacity.limits.find((l) => l.pessimistic);
  return [
    '## Capacity',
    `**Measured inputs**, from this run's chat-service (f) steps in which every send was acknowledged ` +
      `(${i.steps} steps, two nodes, rooms spanning both): a least-squares line of each counter's rate ` +
      'against the send rate, whose slope is the cost of one more send (the send, its ack, its 10 deliveries ' +
      'across nodes) and whose intercept is what the two nodes cost doing nothing (heartbeats, blocking ' +
      `reads, timers). Memory: ${num(i.rssKbPerConnection)} KB per idle connection (c).`,
    table(
      ['counter', 'per send', `per second, ${NODES} idle nodes`],
      COUNTERS.map((c) => [COUNTER_LABEL[c], num(i.costs[c].perSend), num(i.costs[c].perSecond)]),
    ),
    '**Assumed mix and budgets:** ' +
      `each connected user holds ${a.connectionsPerUser} connection and sends ${a.messagesPerUserPerMinute} ` +
      `message a minute into a room of ${a.roomSize} members, all online (so one send is ${a.roomSize} deliveries, ` +
      'as in (b) and (f)); typing, presence changes, history reads, reactions and reconnect storms are not ' +
      `in the mix (not measured here). A node is one Node.js process planned at ${percent(a.nodeCpuBudget)} of ` +
      `a core and ${a.nodeConnectionMemoryGb} GB of connection memory; Redis at ${percent(a.redisCpuBudget)} of its ` +
      `one command thread and ${a.redisEgressMBps} MB/s out; PostgreSQL a ${a.postgresCores}-core primary at ` +
      `${percent(a.postgresCpuBudget)}. Every node reads every broadcast from Redis's one stream (the streams ` +
      'adapter), so the read share of Redis grows with the node count: egress and the "if reads scale" CPU ' +
      `charge the measured per-send Redis cost once per ${NODES} nodes (an upper bound: the write share does not ` +
      'grow). The per-node CPU was measured with every node holding members of every room; a node also ' +
      'decodes broadcasts for rooms it has no member in, which this bench does not isolate, so the node ' +
      'counts are a lower bound.',
    table(
      ['', ...col((r) => `${num(r.users, 0)} users`)],
      [
        ['messages sent / s', ...col((r) => num(r.sendsPerSecond, 0))],
        ['deliveries / s', ...col((r) => num(r.deliveriesPerSecond, 0))],
        [
          'chat-service nodes (by CPU / by memory)',
          ...col((r) => `**${users(r.nodes)}** (${users(r.nodesByCpu)} / ${users(r.nodesByMemory)})`),
        ],
        ['Redis commands / s', ...col((r) => num(r.redisCommandsPerSecond, 0))],
        [
          'Redis CPU, cores (as measured / if reads scale)',
          ...col((r) => `${num(r.redisCores, 2)} / ${num(r.redisCoresIfReadsScale, 2)}`),
        ],
        ['Redis egress MB/s', ...col((r) => num(r.redisEgressMBps, 1))],
        ['PostgreSQL write transactions / s', ...col((r) => num(r.postgresWriteTransactionsPerSecond, 0))],
        ['PostgreSQL CPU, cores', ...col((r) => num(r.postgresCores, 2))],
        ['PostgreSQL WAL MB/s', ...col((r) => num(r.postgresWalMBps, 2))],
      ],
    ),
    '**What saturates first.** chat-service nodes scale out; the single-instance parts reach their ' +
      'budget at (concurrent users, this mix):\n\n' +
      capacity.limits.map((l) => `- ${l.part}: ${users(l.users)} users (${l.why})`).join('\n') +
      `\n\nSo **${first?.part ?? '?'}** saturates first, at about ${users(first?.users)} users` +
      (pessimistic && first && pessimistic.users < first.users
        ? ` (${users(pessimistic.users)} under the pessimistic reading of Redis's cost).`
        : '.') +
      (capacity.sqliteNodeUsers === null
        ? ''
        : ` A single node on SQLite (no scale-out) sustained ${num(i.sqliteSendsPerSecond, 0)} sends/s here ` +
          `(b): about ${num(capacity.sqliteNodeUsers, 0)} users at this mix, on a machine it shared with its load.`),
  ].join('\n\n');
}

function unmetSection(rows: readonly SummaryRow[]): string {
  const unmet = rows.filter((r) => r.met === false);
  if (unmet.length === 0) return '## Targets not met\n\nNone.';
  return (
    '## Targets not met\n\n' +
    unmet
      .map(
        (r) =>
          `- (${r.scenario}) ${r.metric}: chat-service ${num(r.chat)} ${r.unit}` +
          (r.target.kind === 'ratio' ? ` vs bare ${num(r.bare)} ${r.unit} = ${times(r.ratio)}` : '') +
          `, target ${targetText(r.target)} (bare spread ${times(r.bareSpread)}). Why: see ` +
          `[Bottlenecks](#bottlenecks) and the scenario's section below.`,
      )
      .join('\n')
  );
}

/**
 * `soak`: the figures of `npm run soak`. Left out, they are read from bench/soak-results.json, so
 * a bench run that re-renders RESULTS.md keeps the soak's section (and the soak's keeps the bench's).
 */
export function renderResults(
  results: BenchResults,
  rows: readonly SummaryRow[],
  capacity: Capacity | null,
  soak: SoakResults | null = readSoakResults(path.resolve(__dirname, '..', SOAK_RESULTS_FILE)),
  search: SearchResults | null = readSearchResults(path.resolve(__dirname, '..', 'search-results.json')),
): string {
  const m = results.machine;
  const header = [
    '# Benchmark results',
    '<!-- Generated by `npm run bench` (bench/run.ts): do not edit; the prose is in bench/report/results-md.ts. -->',
    results.fullRun
      ? ''
      : `> **Partial run** (${Object.entries(results.knobs)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}): not the reference figures.`,
    `Run on ${results.generatedAt} in ${num(results.wallSeconds / 60, 1)} min: ` +
      `${results.settings.rounds} rounds per server, ${results.settings.generators} generator processes, ` +
      `steps of ${num(Number(results.settings.stepMs) / 1000, 1)} s.`,
    `Machine: ${m.cores} × ${m.model}, ${m.ramGb} GB RAM, Node.js ${m.node}, ${m.kernel}; load average at start ` +
      `${m.loadAverageAtStart.join(' / ')}. Processes outside the bench used ${percent(results.foreignCpuShare)} ` +
      "of the machine's CPU during the run" +
      ((results.foreignCpuShare ?? 0) > 0.05
        ? ' — **a busy machine: treat the figures as provisional**.'
        : '.'),
  ].filter(Boolean);
  const problems = [
    ...Object.entries(results.errors).map(
      ([scenario, error]) => `- ${scenario} failed: ${error.split('\n')[0]}`,
    ),
    ...results.skipped.map((s) => `- ${s} skipped: over the time budget`),
  ];
  return [
    ...header,
    '## Summary',
    'Medians over rounds; ratio = chat-service / bare from this run.',
    summaryTable(rows),
    problems.length > 0 ? `**Not measured in this run:**\n\n${problems.join('\n')}` : '',
    unmetSection(rows),
    BOTTLENECKS,
    METHOD,
    READING,
    fanoutSection(results, rows),
    smallRoomsSection(
      '## (b) Small rooms, SQLite',
      results.scenarios.smallRooms,
      `${results.settings.rooms} rooms of ${results.settings.roomSize} clients, every client sending to its room ` +
        '(durable sends: each ack after the message is stored); offered rate in sends/s over all clients.',
      scenarioTable(rows, 'b'),
    ),
    idleSection(results, rows),
    historySection(results, rows),
    smallRoomsSection(
      '## (f) Small rooms, PostgreSQL + Redis, two nodes',
      results.scenarios.postgresRedis,
      'The (b) load with clients split between two chat-service nodes sharing one PostgreSQL database and ' +
        'one Redis (every room spans both nodes), against the bare reference on one node. Server cores are ' +
        'summed over both nodes.',
      scenarioTable(rows, 'f'),
    ),
    externalTable(results),
    capacitySection(capacity),
    soakSection(soak),
    searchSection(search),
    '## Raw figures per round',
    roundsTable(rows),
  ]
    .filter(Boolean)
    .join('\n\n')
    .concat('\n');
}
