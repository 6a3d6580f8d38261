import { num, percent, table } from './format';
import type { SoakResults, SoakRun } from './soak';

/**
 * The Soak section of RESULTS.md, from bench/soak-results.json: the hand-written method here,
 * the figures from `npm run soak`.
 */
const STORE_LABEL: Record<string, string> = {
  sqlite: 'SQLite, 1 node',
  'postgres-redis': 'PostgreSQL + Redis, 2 nodes',
};
const ORDER = ['sqlite', 'postgres-redis'];
/** prom-client samples the event loop every 10 ms: an idle loop reads about 10.1 ms. */
const ELD_RESOLUTION_MS = 10;

function method(run: SoakRun): string {
  const s = run.settings;
  return (
    `\`npm run soak\` (bench/soak/) holds ${num(Number(s.clients), 0)} clients for ${num(Number(s.minutes), 1)} min ` +
    'on each configuration, each client its own user speaking the Socket.IO protocol over plain `ws` from ' +
    `${s.generators} generator processes (the bench's load clients), every rate budget and per-user bound at its ` +
    'default except the per-address ones (all clients share 127.0.0.1). Every client is in a home room of ' +
    `${s.roomSize} for the whole run; one lobby room per ${s.clientsPerLobby} clients holds about half of them at ` +
    'any time (half join one at the start; the moves then join and leave at random, balanced). The offered ' +
    `load, over all clients: ${s.sendsPerSecond} sends/s (each with a \`client_id\`, acknowledged), ` +
    `${s.typingPerSecond} typing updates/s, ${s.reactionsPerSecond} reactions/s (add or remove on a recent message), ` +
    `${s.reconnectsPerSecond} reconnections/s and ${s.movesPerSecond} lobby joins or leaves/s. A reconnecting client ` +
    'closes its connection (three times in ten right after a send, whose ack it then never gets), waits 0.2–3 s, ' +
    'connects to any node, sends again every unanswered send with the same `client_id`, then catches up on each of ' +
    'its rooms with `message:history { after_seq }`, checking that the pages continue exactly from its last seq. ' +
    'Each client does one thing at a time, so no error is of its own making.\n\n' +
    `Every ${s.sampleSeconds} s each node's RSS is read from \`/proc/<pid>/status\` and its CPU from ` +
    "`/proc/<pid>/stat`; the event-loop delay is prom-client's `nodejs_eventloop_lag_p99_seconds` from the " +
    `node's \`/metrics\` (a \`monitorEventLoopDelay\` histogram reset at each scrape, so each sample is the p99 of its ` +
    `interval; it includes the ${ELD_RESOLUTION_MS} ms sampling period, so an idle loop reads about ` +
    `${ELD_RESOLUTION_MS}.1 ms), and the time its event-loop thread was runnable but waiting for a CPU from ` +
    '`/proc/<pid>/schedstat`: on a machine shared with other work, a delay that comes with a large wait share ' +
    "is the machine's, not the server's. Slopes are least-squares lines through the samples after the first " +
    `${num(Number(s.warmupSeconds), 0)} s (warm-up). **The run fails** on any ack error other than \`RATE_LIMITED\` ` +
    '(counted), an unanswered request, a disconnection the soak did not make, a failed reconnection, a crash, a ' +
    'catch-up page with a gap, a client not connected at the end, offered sends or reconnections not achieved ' +
    '(< 80 %), or a history check that finds an acknowledged message missing, one stored twice, a message no send ' +
    'explains, or seqs that are not 1..n in a room. After the load every client settles (reconnects, resends, catches ' +
    "up), then every room's full history is read over HTTP and compared with the acknowledged ids."
  );
}

const perNode = (run: SoakRun, f: (n: SoakRun['nodeFigures'][number]) => string): string =>
  run.nodeFigures.length === 1
    ? f(run.nodeFigures[0] as SoakRun['nodeFigures'][number])
    : run.nodeFigures.map((n, i) => `node ${i + 1}: ${f(n)}`).join('; ');

function signed(value: number | null, digits: number): string {
  if (value === null) return '—';
  return `${value > 0 ? '+' : ''}${num(value, digits)}`;
}

function errorsText(run: SoakRun): string {
  const parts: string[] = [];
  for (const [event, byCode] of Object.entries(run.errors)) {
    for (const [code, n] of Object.entries(byCode)) parts.push(`\`${event}\` ${code} × ${num(n, 0)}`);
  }
  for (const [cause, n] of Object.entries(run.connectErrors)) parts.push(`reconnect ${cause} × ${num(n, 0)}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** From the nodes' own `chat_event_duration_seconds`: which events took long, receipt to ack. */
function slowText(run: SoakRun): string {
  const slow = Object.entries(run.serverDurations)
    .filter(([, d]) => d.over1s > 0)
    .sort((a, b) => b[1].over1s - a[1].over1s)
    .map(([event, d]) => `\`${event}\` ${num(d.over1s, 0)} (${num(d.over10s, 0)}) of ${num(d.count, 0)}`);
  return slow.length > 0 ? slow.join(', ') : 'none';
}

function historyText(run: SoakRun): string {
  const h = run.history;
  if (!h) return '**not checked**';
  return (
    `${num(h.messages, 0)} messages in ${num(h.rooms, 0)} rooms, ${num(h.acked, 0)} acknowledged: ` +
    `${h.missing} missing, ${h.duplicates} stored twice, ${h.unexpected} unexplained, ${h.seqGaps} rooms with a seq gap` +
    (h.storedUnacked > 0 ? `, ${h.storedUnacked} stored but never acknowledged` : '') +
    `; catch-up pages with a gap: ${run.catchUpGaps}`
  );
}

function rows(runs: readonly SoakRun[]): string[][] {
  const col = (f: (r: SoakRun) => string): string[] => runs.map(f);
  const offered = (r: SoakRun, key: string): string => String(r.settings[key] ?? '—');
  return [
    [
      'run',
      ...col(
        (r) =>
          `${r.generatedAt.slice(0, 16).replace('T', ' ')} UTC, ${num(r.loadSeconds / 60, 1)} min of load, \`${r.revision}\``,
      ),
    ],
    ['result', ...col((r) => (r.passed ? 'passed' : '**failed**') + (r.reference ? '' : ' (partial run)'))],
    [
      'clients held: connected at the samples, min / median of target (server sockets min–max)',
      ...col(
        (r) =>
          `${num(r.clients.connectedMin, 0)} / ${num(r.clients.connectedMedian, 0)} of ${num(r.clients.target, 0)} ` +
          `(${num(r.clients.serverSocketsMin, 0)}–${num(r.clients.serverSocketsMax, 0)})`,
      ),
    ],
    [
      'acknowledged sends/s (offered)',
      ...col((r) => `${num(r.perSecond.sends, 1)} (${offered(r, 'sendsPerSecond')})`),
    ],
    ['typing updates/s', ...col((r) => `${num(r.perSecond.typing, 1)} (${offered(r, 'typingPerSecond')})`)],
    ['reactions/s', ...col((r) => `${num(r.perSecond.reactions, 1)} (${offered(r, 'reactionsPerSecond')})`)],
    [
      'reconnections/s (total; dropped right after a send)',
      ...col(
        (r) =>
          `${num(r.perSecond.reconnects, 1)} (${num(r.totals.reconnects, 0)}; ${num(r.totals.dropsMidSend, 0)})`,
      ),
    ],
    [
      'lobby joins / leaves per s',
      ...col(
        (r) =>
          `${num(r.perSecond.joins, 1)} / ${num(r.perSecond.leaves, 1)} (${offered(r, 'movesPerSecond')} offered)`,
      ),
    ],
    [
      'catch-up: history pages/s (messages caught up)',
      ...col((r) => `${num(r.perSecond.historyPages, 1)} (${num(r.totals.catchUpMessages, 0)})`),
    ],
    [
      'sends repeated with their `client_id` after a cut (answered with the stored copy)',
      ...col((r) => `${num(r.totals.resends, 0)} (${num(r.totals.repeatsAnswered, 0)})`),
    ],
    ['`message:new` received/s', ...col((r) => num(r.perSecond.deliveries, 0))],
    [
      'send ack p50 / p99 / max, ms',
      ...col((r) => `${num(r.ackLatency.p50Ms)} / ${num(r.ackLatency.p99Ms)} / ${num(r.ackLatency.maxMs)}`),
    ],
    [
      'RSS first → last sample, MB',
      ...col((r) => perNode(r, (n) => `${num(n.rssStartMb, 0)} → ${num(n.rssEndMb, 0)}`)),
    ],
    [
      '**RSS slope** after warm-up, MB/min (% of mean)',
      ...col((r) =>
        perNode(
          r,
          (n) =>
            `${signed(n.rssSlopeMbPerMin, 2)} (${n.rssSlopeMbPerMin === null || n.rssMeanMb === 0 ? '—' : signed((100 * n.rssSlopeMbPerMin) / n.rssMeanMb, 2)} %)`,
        ),
      ),
    ],
    [
      'V8 heap used, lowest per minute: first → last minute MB (slope MB/min)',
      ...col((r) =>
        perNode(
          r,
          (n) =>
            `${num(n.heapFloorFirstMb, 0)} → ${num(n.heapFloorLastMb, 0)} (${signed(n.heapFloorSlopeMbPerMin, 2)})`,
        ),
      ),
    ],
    [
      'first → last sample: V8 heap committed MB; external MB; libuv handles',
      ...col((r) =>
        perNode(
          r,
          (n) =>
            `${num(n.heapTotalFirstMb, 0)} → ${num(n.heapTotalLastMb, 0)}; ` +
            `${num(n.externalFirstMb, 1)} → ${num(n.externalLastMb, 1)}; ${num(n.handlesFirst, 0)} → ${num(n.handlesLast, 0)}`,
        ),
      ),
    ],
    [
      'event-loop delay p99 per interval: median / max, ms',
      ...col((r) => perNode(r, (n) => `${num(n.eldP99MedianMs)} / ${num(n.eldP99MaxMs)}`)),
    ],
    [
      '**event-loop delay p99 slope** after warm-up, ms/min',
      ...col((r) => perNode(r, (n) => signed(n.eldP99SlopeMsPerMin, 3))),
    ],
    ['event-loop delay max, ms', ...col((r) => perNode(r, (n) => num(n.eldMaxMs)))],
    ['server CPU, cores', ...col((r) => perNode(r, (n) => num(n.cores, 2)))],
    [
      'event-loop thread runnable but waiting for a CPU, share of the time',
      ...col((r) => perNode(r, (n) => percent(n.cpuWaitShare))),
    ],
    ['generator CPU, cores', ...col((r) => num(r.generatorCores, 2))],
    ['errors by code (all events)', ...col(errorsText)],
    ['answered by the nodes in over 1 s (over 10 s), of all answers', ...col(slowText)],
    ['of them `RATE_LIMITED` (allowed)', ...col((r) => num(r.rateLimited, 0))],
    ['disconnections the soak did not make', ...col((r) => num(r.unsolicitedDisconnects, 0))],
    ['history check', ...col(historyText)],
    [
      'machine load: CPU of other processes during the load (worst interval); load average start → end',
      ...col(
        (r) =>
          `${percent(r.foreignCpuShare)} (${percent(r.foreignCpuShareMax)}); ` +
          `${r.machine.loadAverageAtStart[0] ?? '—'} → ${r.loadAverageAtEnd[0] ?? '—'}`,
      ),
    ],
  ];
}

/** Every sixth sample (30 s at the default interval): enough to see a trend, short enough to read. */
function timeline(run: SoakRun): string {
  const every = Math.max(1, Math.round(30 / Math.max(1, Number(run.settings.sampleSeconds) || 5)));
  const points = run.timeline.filter((_, i) => i % every === every - 1 || i === run.timeline.length - 1);
  const nodeCells = (
    p: SoakRun['timeline'][number],
    f: (n: SoakRun['timeline'][number]['nodes'][number]) => string,
  ) => p.nodes.map(f).join(' / ');
  return table(
    [
      's',
      'connected',
      'sends/s',
      'ack p99 ms',
      'RSS MB',
      'heap MB',
      'ELD p99 ms',
      'server cores',
      'waiting for a CPU',
      'other CPU',
    ],
    points.map((p) => [
      num(p.t, 0),
      num(p.connected, 0),
      num(p.sendsPerSecond, 1),
      num(p.ackP99Ms),
      nodeCells(p, (n) => num(n.rssMb, 0)),
      nodeCells(p, (n) => num(n.heapMb, 0)),
      nodeCells(p, (n) => num(n.eldP99Ms)),
      nodeCells(p, (n) => num(n.cores, 2)),
      nodeCells(p, (n) => percent(n.cpuWaitShare)),
      percent(p.foreignCpuShare),
    ]),
  );
}

export function soakSection(soak: SoakResults | null): string {
  const runs = ORDER.map((store) => soak?.runs[store]).filter((r): r is SoakRun => r !== undefined);
  const first = runs[0];
  if (!first) return '';
  const failed = runs.filter((r) => !r.passed);
  return [
    '## Soak',
    '<!-- Generated by `npm run soak` (bench/soak/run.ts) into bench/soak-results.json; the prose is in bench/report/soak-md.ts. -->',
    method(first),
    runs.some((r) => !r.reference)
      ? `> **Partial run** (${runs
          .filter((r) => !r.reference)
          .map(
            (r) =>
              `${STORE_LABEL[r.store] ?? r.store}: ${Object.entries(r.knobs)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')}`,
          )
          .join('; ')}): not the reference figures.`
      : '',
    table(['', ...runs.map((r) => STORE_LABEL[r.store] ?? r.store)], rows(runs)),
    failed.length > 0
      ? failed
          .map(
            (r) =>
              `**${STORE_LABEL[r.store] ?? r.store} failed:**\n\n${r.failures.map((f) => `- ${f}`).join('\n')}`,
          )
          .join('\n\n')
      : '',
    ...runs.map((r) =>
      details(
        `${STORE_LABEL[r.store] ?? r.store}: samples over time (two nodes: node 1 / node 2)`,
        timeline(r),
      ),
    ),
  ]
    .filter(Boolean)
    .join('\n\n');
}

function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}
