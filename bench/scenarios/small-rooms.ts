import { climb, costStep, laterStart, type LadderOptions } from '../ladder';
import type { ServerKind } from '../servers';
import {
  connectClients,
  createRoom,
  joinRooms,
  runStep,
  waitQuiet,
  warmUp,
  type ExternalSampler,
  type StepResult,
  type StepSpec,
} from '../workload';
import type { BenchContext } from './context';
import { judgeDeliveries, summarizeRungs, type RungSummary } from './fanout';

export const ACK_P99_LIMIT_MS = 20;

export interface SmallRoomsRound {
  sustainableSendsPerSecond: number;
  /**
   * Server CPU (all nodes) per acknowledged send: the send, its ack, its deliveries. At the
   * sustainable rate, or at the lowest rung when none was sustained (see costStep).
   */
  cpuUsPerSend: number | null;
  costMeasuredAt: { rate: number; sustained: boolean } | null;
  ackP99Ms: number | null;
  deliveryP99Ms: number | null;
  /** External counters per acknowledged send, at the same step as the CPU (Redis, PostgreSQL). */
  externalPerSend: Record<string, number>;
  rungs: RungSummary[];
}

function judge(r: StepResult): string | undefined {
  const missing = judgeDeliveries(r);
  if (missing) return missing;
  if (r.ackP99Ms > ACK_P99_LIMIT_MS) return `p99 ack ${r.ackP99Ms.toFixed(1)} ms`;
  return undefined;
}

export interface SmallRoomsTarget {
  origins: readonly string[];
  serverPids: readonly number[];
  external?: ExternalSampler;
}

/**
 * (b), and (f) on several nodes: `rooms` rooms of `roomSize` clients (client i on node
 * i % nodes, so every room spans the nodes), every client sending to its room, round-robin, at a
 * rising total rate. Sustained: every send acknowledged, p99 ack within 20 ms, every delivery in.
 */
export async function smallRoomsRound(
  ctx: BenchContext,
  target: SmallRoomsTarget,
  ladder: LadderOptions,
  kind: ServerKind,
  firstSustained: Map<ServerKind, number>,
): Promise<SmallRoomsRound> {
  const w = ctx.workload;
  const { rooms, roomSize } = ctx.config;
  const clients = rooms * roomSize;
  await connectClients(w, target.origins, clients, (i) => `small${i}`);
  const roomIds = await Promise.all(
    Array.from({ length: rooms }, (_, r) => createRoom(w, r * roomSize, `small room ${r}`)),
  );
  const roomOf = (client: number): string => roomIds[Math.floor(client / roomSize)] ?? '';
  const members = Array.from({ length: clients }, (_, client) => ({ client, roomId: roomOf(client) }));
  await joinRooms(
    w,
    members.filter((m) => m.client % roomSize !== 0),
  );
  await waitQuiet(w);

  const spec = (rate: number): StepSpec => ({
    rate,
    senders: members,
    deliveriesPerSend: roomSize,
    serverPids: target.serverPids,
  });
  await warmUp(w, spec(ladder.start));
  const result = await climb(
    { ...ladder, start: laterStart(ladder, firstSustained.get(kind)) },
    (rate) => runStep(w, spec(rate), target.external),
    judge,
  );
  if (!firstSustained.has(kind)) firstSustained.set(kind, result.sustainable);
  const at = result.atSustainable;
  const cost = costStep(result);
  const perSend = (value: number): number => (cost && cost.step.acked > 0 ? value / cost.step.acked : 0);
  return {
    sustainableSendsPerSecond: result.sustainable,
    cpuUsPerSend: cost ? perSend(cost.step.serverCpuMs * 1000) : null,
    costMeasuredAt: cost ? { rate: cost.step.rate, sustained: cost.sustained } : null,
    ackP99Ms: at ? at.ackP99Ms : null,
    deliveryP99Ms: at ? at.deliveryP99Ms : null,
    externalPerSend: cost
      ? Object.fromEntries(Object.entries(cost.step.external).map(([k, v]) => [k, perSend(v)]))
      : {},
    rungs: summarizeRungs(result.rungs),
  };
}
