import type { MachineInfo } from '../report/machine';
import type { SoakNode, SoakRun, TimelinePoint } from '../report/soak';
import { median, slopePerMinute } from '../report/stats';
import { describeSettings, type SoakConfig } from './config';
import type { SoakRaw } from './soak-run';

/** The only refusal a soak client may meet: a budget or bound doing its job. */
export const ALLOWED_CODE = 'RATE_LIMITED';
/** Below this share of the offered sends or reconnects the load did not happen: the run proves nothing. */
const MIN_ACHIEVED_SHARE = 0.8;

export interface RunContext {
  generatedAt: string;
  revision: string;
  machine: MachineInfo;
  loadAverageAtEnd: number[];
  wallSeconds: number;
  reference: boolean;
}

const round = (value: number, digits = 3): number => Math.round(value * 10 ** digits) / 10 ** digits;
const roundOrNull = (value: number | null, digits = 3): number | null =>
  value === null ? null : round(value, digits);

function maxOf(values: readonly (number | null)[]): number | null {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return finite.length > 0 ? Math.max(...finite) : null;
}

/** The lowest value of each whole minute after `fromS`, placed at the minute's middle. */
function minuteFloors(
  points: readonly { t: number; value: number | null }[],
  fromS: number,
): { t: number; value: number }[] {
  const floors = new Map<number, number>();
  for (const p of points) {
    if (p.value === null) continue;
    const minute = Math.floor((p.t - fromS) / 60);
    floors.set(minute, Math.min(floors.get(minute) ?? Infinity, p.value));
  }
  return [...floors.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([minute, value]) => ({ t: fromS + minute * 60 + 30, value }));
}

function nodeFigures(timeline: readonly TimelinePoint[], node: number, warmupS: number): SoakNode {
  const series = timeline.map((p) => ({ t: p.t, n: p.nodes[node] }));
  const after = series.filter((p) => p.t >= warmupS);
  const rss = (p: (typeof series)[number]): number => p.n?.rssMb ?? 0;
  const floors = minuteFloors(
    after.map((p) => ({ t: p.t, value: p.n?.heapMb ?? null })),
    warmupS,
  );
  const first = series[0];
  const last = series[series.length - 1];
  return {
    rssStartMb: round(first ? rss(first) : 0, 1),
    rssEndMb: round(last ? rss(last) : 0, 1),
    rssMaxMb: round(Math.max(0, ...series.map(rss)), 1),
    rssMeanMb: round(after.reduce((s, p) => s + rss(p), 0) / Math.max(1, after.length), 1),
    rssSlopeMbPerMin: roundOrNull(slopePerMinute(after.map((p) => ({ t: p.t, value: rss(p) })))),
    heapFloorFirstMb: roundOrNull(floors[0]?.value ?? null, 1),
    heapFloorLastMb: roundOrNull(floors[floors.length - 1]?.value ?? null, 1),
    heapFloorSlopeMbPerMin: roundOrNull(slopePerMinute(floors)),
    heapTotalFirstMb: roundOrNull(first?.n?.heapTotalMb ?? null, 1),
    heapTotalLastMb: roundOrNull(last?.n?.heapTotalMb ?? null, 1),
    externalFirstMb: roundOrNull(first?.n?.externalMb ?? null, 1),
    externalLastMb: roundOrNull(last?.n?.externalMb ?? null, 1),
    handlesFirst: first?.n?.handles ?? null,
    handlesLast: last?.n?.handles ?? null,
    eldP99MedianMs: roundOrNull(median(after.map((p) => p.n?.eldP99Ms ?? null))),
    eldP99MaxMs: roundOrNull(maxOf(after.map((p) => p.n?.eldP99Ms ?? null))),
    eldP99SlopeMsPerMin: roundOrNull(
      slopePerMinute(after.map((p) => ({ t: p.t, value: p.n?.eldP99Ms ?? null }))),
    ),
    eldMaxMs: roundOrNull(maxOf(series.map((p) => p.n?.eldMaxMs ?? null))),
    cores: round(series.reduce((s, p) => s + (p.n?.cores ?? 0), 0) / Math.max(1, series.length)),
    cpuWaitShare: round(
      series.reduce((s, p) => s + (p.n?.cpuWaitShare ?? 0), 0) / Math.max(1, series.length),
    ),
  };
}

const delta = (end: Record<string, number>, start: Record<string, number>, key: string): number =>
  (end[key] ?? 0) - (start[key] ?? 0);

/** Every check of the soak; an empty list is a pass. */
function judge(raw: SoakRaw, config: SoakConfig, perSecond: SoakRun['perSecond']): string[] {
  const failures = [...raw.failures.map((f) => f.split('\n')[0] ?? f)];
  const c = raw.counters;
  for (const [event, byCode] of Object.entries(c.errors)) {
    for (const [code, n] of Object.entries(byCode)) {
      if (code !== ALLOWED_CODE) failures.push(`${n} × ${event} answered ${code}`);
    }
  }
  for (const [cause, n] of Object.entries(c.connectErrors)) {
    if (cause !== ALLOWED_CODE) failures.push(`${n} reconnections failed: ${cause}`);
  }
  if (c.unsolicitedDisconnects > 0)
    failures.push(`${c.unsolicitedDisconnects} disconnections the soak did not make`);
  if (c.catchUp.gaps > 0)
    failures.push(`${c.catchUp.gaps} catch-up pages with a gap, first: ${c.catchUp.firstGap}`);
  if (raw.counters.connected < config.clients && raw.loadSeconds > 0)
    failures.push(`${config.clients - raw.counters.connected} clients not connected after the settle`);
  // What the server answered, seen or not: an ack a churn cut off could have carried an error.
  for (const [key, n] of Object.entries(raw.serverEvents)) {
    const outcome = key.slice(key.lastIndexOf(' ') + 1);
    if (outcome !== 'ok' && outcome !== ALLOWED_CODE) failures.push(`the nodes counted ${n} × ${key}`);
  }
  const h = raw.history;
  if (!h) failures.push('history not checked');
  else {
    if (h.missing > 0) failures.push(`${h.missing} acknowledged messages missing from history`);
    if (h.duplicates > 0) failures.push(`${h.duplicates} messages stored twice`);
    if (h.unexpected > 0) failures.push(`${h.unexpected} stored messages no send explains`);
    if (h.seqGaps > 0) failures.push(`${h.seqGaps} rooms whose seqs are not 1..n`);
  }
  const short = (name: string, achieved: number, offered: number): void => {
    if (raw.loadSeconds > 0 && offered > 0 && achieved < offered * MIN_ACHIEVED_SHARE)
      failures.push(
        `only ${achieved.toFixed(1)} ${name}/s of the ${offered} offered: the load did not happen`,
      );
  };
  short('sends', perSecond.sends, config.rates.sends);
  short('reconnects', perSecond.reconnects, config.rates.reconnects);
  return failures;
}

export function summarizeRun(raw: SoakRaw, config: SoakConfig, context: RunContext): SoakRun {
  const warmupS = config.warmupMs / 1000;
  const start = raw.countersAtStart;
  const end = raw.counters;
  const s = Math.max(1e-9, raw.loadSeconds);
  const ok = Object.fromEntries(
    [...new Set([...Object.keys(start.ok), ...Object.keys(end.ok)])].map((k) => [
      k,
      delta(end.ok, start.ok, k),
    ]),
  );
  const perSecond = {
    sends: round((ok['message:send'] ?? 0) / s, 2),
    typing: round((ok['typing:update'] ?? 0) / s, 2),
    reactions: round(((ok['reaction:add'] ?? 0) + (ok['reaction:remove'] ?? 0)) / s, 2),
    joins: round((ok['room:join'] ?? 0) / s, 2),
    leaves: round((ok['room:leave'] ?? 0) / s, 2),
    reconnects: round((end.reconnects - start.reconnects) / s, 2),
    historyPages: round((ok['message:history'] ?? 0) / s, 2),
    deliveries: round((end.deliveries - start.deliveries) / s, 1),
  };
  const failures = judge(raw, config, perSecond);
  const connected = raw.timeline.map((p) => p.connected);
  const sockets = raw.timeline.map((p) => p.serverSockets).filter((v): v is number => v !== null);
  const foreign = raw.timeline.map((p) => p.foreignCpuShare);
  let rateLimited = end.connectErrors[ALLOWED_CODE] ?? 0;
  for (const byCode of Object.values(end.errors)) rateLimited += byCode[ALLOWED_CODE] ?? 0;
  return {
    store: raw.store,
    nodes: raw.nodes,
    generatedAt: context.generatedAt,
    reference: context.reference,
    knobs: config.knobs,
    settings: describeSettings(config),
    revision: context.revision,
    machine: context.machine,
    loadAverageAtEnd: context.loadAverageAtEnd,
    foreignCpuShare: roundOrNull(raw.foreignCpuShare),
    foreignCpuShareMax: roundOrNull(maxOf(foreign)),
    loadSeconds: round(raw.loadSeconds, 1),
    wallSeconds: round(context.wallSeconds, 1),
    passed: failures.length === 0,
    failures,
    clients: {
      target: config.clients,
      connectedMin: connected.length > 0 ? Math.min(...connected) : 0,
      connectedMedian: median(connected) ?? 0,
      connectedEnd: end.connected,
      serverSocketsMin: sockets.length > 0 ? Math.min(...sockets) : null,
      serverSocketsMax: sockets.length > 0 ? Math.max(...sockets) : null,
    },
    perSecond,
    totals: {
      ok,
      reconnects: end.reconnects - start.reconnects,
      dropsMidSend: end.dropsMidSend - start.dropsMidSend,
      resends: ok['message:send (resend)'] ?? 0,
      skipped: end.skipped - start.skipped,
      catchUpPages: end.catchUp.pages - start.catchUp.pages,
      catchUpMessages: end.catchUp.messages - start.catchUp.messages,
      deliveries: end.deliveries - start.deliveries,
      messagesStored: raw.messagesStored,
      repeatsAnswered:
        raw.messagesStored === null ? null : (raw.serverEvents['message:send ok'] ?? 0) - raw.messagesStored,
    },
    errors: end.errors,
    connectErrors: end.connectErrors,
    rateLimited,
    unsolicitedDisconnects: end.unsolicitedDisconnects,
    catchUpGaps: end.catchUp.gaps,
    serverEvents: raw.serverEvents,
    serverDurations: raw.serverDurations,
    ackLatency: {
      p50Ms: round(raw.ackLatency.percentile(50)),
      p99Ms: round(raw.ackLatency.percentile(99)),
      maxMs: round(raw.ackLatency.maxMs),
    },
    generatorCores: round(raw.generatorCpuMs / (s * 1000)),
    nodeFigures: Array.from({ length: raw.nodes }, (_, i) => nodeFigures(raw.timeline, i, warmupS)),
    history: raw.history,
    timeline: raw.timeline.map((p) => ({
      ...p,
      t: round(p.t, 1),
      sendsPerSecond: round(p.sendsPerSecond, 1),
      ackP99Ms: roundOrNull(p.ackP99Ms),
      foreignCpuShare: roundOrNull(p.foreignCpuShare),
      nodes: p.nodes.map((n) => ({
        rssMb: round(n.rssMb, 1),
        heapMb: roundOrNull(n.heapMb, 1),
        heapTotalMb: roundOrNull(n.heapTotalMb, 1),
        externalMb: roundOrNull(n.externalMb, 1),
        handles: n.handles,
        eldP99Ms: roundOrNull(n.eldP99Ms),
        eldMaxMs: roundOrNull(n.eldMaxMs),
        cores: round(n.cores),
        cpuWaitShare: round(n.cpuWaitShare),
      })),
    })),
  };
}
