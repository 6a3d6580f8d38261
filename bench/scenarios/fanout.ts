import { monotonicMs } from '../load/clock';
import { climb, costStep, laterStart, type LadderOptions, type Rung } from '../ladder';
import { cpuMs } from '../proc';
import type { ServerKind } from '../servers';
import {
  activity,
  connectClients,
  createRoom,
  joinRooms,
  runStep,
  waitQuiet,
  warmUp,
  type StepResult,
  type StepSpec,
} from '../workload';
import { alternate, withServer, type BenchContext, type ByServer } from './context';

/** Messages per second from the one sender; every message is delivered to each of the clients. */
const LADDER: LadderOptions = { start: 10, factor: 1.5, max: 2000, refinements: 2 };
export const FANOUT_P99_LIMIT_MS = 50;

/** (e): filling the room, each join announced to the members already there. */
export interface FillFigures {
  joins: number;
  serverCpuMs: number;
  wallMs: number;
  /** Frames and bytes the clients received during the fill (announcements and join acks). */
  frames: number;
  bytes: number;
  /** False when the server was still sending a minute after the last join ack. */
  settled: boolean;
}

export interface FanoutRound {
  fill: FillFigures;
  ladder?: {
    sustainableDeliveriesPerSecond: number;
    /** At the sustainable rate, or at the lowest rung when none was sustained (see costStep). */
    cpuUsPerDelivery: number | null;
    costMeasuredAt: { rate: number; sustained: boolean } | null;
    deliveryP99Ms: number | null;
    rungs: RungSummary[];
  };
}

export interface RungSummary {
  rate: number;
  failure: string | null;
  /** Failed, then tried again at the same rate (the next rung). */
  retried: boolean;
  step: StepResult;
}

export const summarizeRungs = (rungs: readonly Rung[]): RungSummary[] =>
  rungs.map((r) => ({ rate: r.rate, failure: r.failure ?? null, retried: r.retried, step: r.result }));

export function judgeDeliveries(r: StepResult): string | undefined {
  if (r.failed > 0) return `${r.failed} sends not acknowledged (${JSON.stringify(r.errors)})`;
  if (r.delivered < r.expectedDeliveries) {
    return `${r.expectedDeliveries - r.delivered} of ${r.expectedDeliveries} deliveries missing`;
  }
  return undefined;
}

function judge(r: StepResult): string | undefined {
  const missing = judgeDeliveries(r);
  if (missing) return missing;
  if (r.deliveryP99Ms > FANOUT_P99_LIMIT_MS) return `p99 delivery ${r.deliveryP99Ms.toFixed(1)} ms`;
  return undefined;
}

/**
 * (a) and (e): `fanoutClients` clients connect, one creates a room and the others all join it at
 * once (e: the server CPU of that fill); then the creator sends at a rising rate (a), each message
 * delivered to every member, itself included.
 */
export async function runFanout(ctx: BenchContext, withLadder: boolean): Promise<ByServer<FanoutRound>> {
  const w = ctx.workload;
  const clients = ctx.config.fanoutClients;
  const firstSustained = new Map<ServerKind, number>();
  return alternate(ctx, withLadder ? 'fan-out + fill (a, e)' : 'fill (e)', (kind) =>
    withServer(ctx, kind, async ({ pids: [pid = 0], origins }) => {
      await connectClients(w, origins, clients, (i) => `fan${i}`);
      const roomId = await createRoom(w, 0, 'fan-out');
      await waitQuiet(w);

      const before = await activity(w);
      const cpuBefore = cpuMs(pid);
      const started = monotonicMs();
      const joiners = Array.from({ length: clients - 1 }, (_, i) => ({ client: i + 1, roomId }));
      await joinRooms(w, joiners);
      const settled = await waitQuiet(w, 200, 60_000);
      const after = await activity(w);
      const fill: FillFigures = {
        joins: joiners.length,
        serverCpuMs: cpuMs(pid) - cpuBefore,
        wallMs: monotonicMs() - started,
        frames: after.frames - before.frames,
        bytes: after.bytes - before.bytes,
        settled,
      };
      if (!withLadder) return { fill };

      const spec = (rate: number): StepSpec => ({
        rate,
        senders: [{ client: 0, roomId }],
        deliveriesPerSend: clients,
        serverPids: [pid],
      });
      await warmUp(w, spec(LADDER.start));
      const ladder = await climb(
        { ...LADDER, start: laterStart(LADDER, firstSustained.get(kind)) },
        (rate) => runStep(w, spec(rate)),
        judge,
      );
      if (!firstSustained.has(kind)) firstSustained.set(kind, ladder.sustainable);
      const at = ladder.atSustainable;
      const cost = costStep(ladder);
      return {
        fill,
        ladder: {
          sustainableDeliveriesPerSecond: ladder.sustainable * clients,
          cpuUsPerDelivery:
            cost && cost.step.delivered > 0 ? (cost.step.serverCpuMs * 1000) / cost.step.delivered : null,
          costMeasuredAt: cost ? { rate: cost.step.rate, sustained: cost.sustained } : null,
          deliveryP99Ms: at ? at.deliveryP99Ms : null,
          rungs: summarizeRungs(ladder.rungs),
        },
      };
    }),
  );
}
