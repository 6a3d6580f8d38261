import { NODES } from '../scenarios/postgres-redis';
import type { SmallRoomsRound } from '../scenarios/small-rooms';
import type { BenchResults } from './results';
import { median } from './stats';

/**
 * Sizing from the measured per-node figures (chat-service, one run). Stated assumptions, not
 * measurements, are kept here in one place so RESULTS.md prints exactly what was used.
 */
export const ASSUMPTIONS = {
  /** Every connected user sends this many messages a minute. */
  messagesPerUserPerMinute: 1,
  /** Rooms of this many members, all online: each send is 10 deliveries (what (b) and (f) measure). */
  roomSize: 10,
  /** One connection per user. */
  connectionsPerUser: 1,
  /** A node (one Node.js process, about one core) is planned at this share of a core. */
  nodeCpuBudget: 0.6,
  /** Memory a node may spend on connections. */
  nodeConnectionMemoryGb: 4,
  /** Redis executes commands on one thread: planned at this share of one core. */
  redisCpuBudget: 0.8,
  /** Redis egress a NIC carries (10 Gbit/s). */
  redisEgressMBps: 1250,
  /** The PostgreSQL primary. */
  postgresCores: 16,
  postgresCpuBudget: 0.7,
  userCounts: [100_000, 1_000_000],
} as const;

/** What a counter costs: per acknowledged send (marginal), and per second with no sends (background). */
export interface Cost {
  perSend: number;
  /** With NODES nodes running (heartbeats, blocking reads, timers). */
  perSecond: number;
}

export const COUNTERS = [
  'serverCpuUs',
  'redisCommands',
  'redisCpuUs',
  'redisOutputBytes',
  'postgresCpuUs',
  'postgresWriteTransactions',
  'postgresWalBytes',
] as const;
export type Counter = (typeof COUNTERS)[number];

export interface CapacityInputs {
  /** (f) chat-service rungs, every send acknowledged, the fit is made over. */
  steps: number;
  costs: Record<Counter, Cost>;
  /** (c) marginal RSS per idle connection (KB). */
  rssKbPerConnection: number;
  /** (b) one node on SQLite: sustainable acknowledged sends/s. */
  sqliteSendsPerSecond: number | null;
}

export interface CapacityRow {
  users: number;
  sendsPerSecond: number;
  deliveriesPerSecond: number;
  nodesByCpu: number;
  nodesByMemory: number;
  nodes: number;
  redisCommandsPerSecond: number;
  /** Redis CPU in cores as measured, and if the per-send cost grew with the node count. */
  redisCores: number;
  redisCoresIfReadsScale: number;
  redisEgressMBps: number;
  postgresWriteTransactionsPerSecond: number;
  postgresCores: number;
  postgresWalMBps: number;
}

export interface Limit {
  part: string;
  /** Concurrent users at which this part reaches its planned budget (Infinity: never). */
  users: number;
  why: string;
  /** A pessimistic bound, shown for scale but not what "saturates first" is decided on. */
  pessimistic: boolean;
}

export interface Capacity {
  inputs: CapacityInputs;
  rows: CapacityRow[];
  /** Single-instance parts (chat-service nodes scale out), the one that saturates first first. */
  limits: Limit[];
  /** Users one SQLite node carries at this mix (no scale-out on SQLite). */
  sqliteNodeUsers: number | null;
}

/**
 * Least squares of counter-per-second on sends-per-second over the ladder's steps: the slope is
 * the marginal cost of a send, the intercept what the nodes spend doing nothing. Reading cost as
 * counter/sends at one low rate would charge the background (heartbeats, blocking reads) to sends.
 */
export function fitCost(points: readonly { x: number; y: number }[]): Cost {
  const sumX = points.reduce((s, p) => s + p.x, 0);
  const sumY = points.reduce((s, p) => s + p.y, 0);
  const throughOrigin = (): Cost => {
    const sxx = points.reduce((s, p) => s + p.x * p.x, 0);
    return { perSend: sxx > 0 ? points.reduce((s, p) => s + p.x * p.y, 0) / sxx : 0, perSecond: 0 };
  };
  if (points.length < 2) return { perSend: sumX > 0 ? sumY / sumX : 0, perSecond: 0 };
  const meanX = sumX / points.length;
  const meanY = sumY / points.length;
  const sxx = points.reduce((s, p) => s + (p.x - meanX) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - meanX) * (p.y - meanY), 0);
  if (sxx === 0) return throughOrigin();
  const perSend = sxy / sxx;
  const perSecond = meanY - perSend * meanX;
  // A negative slope or background is noise swamping the signal: fall back to no background.
  return perSend > 0 && perSecond >= 0 ? { perSend, perSecond } : throughOrigin();
}

function costsOf(rounds: readonly SmallRoomsRound[]): { steps: number; costs: Record<Counter, Cost> } {
  const steps = rounds
    .flatMap((r) => r.rungs)
    .map((r) => r.step)
    .filter((s) => s.failed === 0 && s.acked > 0 && s.wallMs > 0);
  const points = (counter: Counter) =>
    steps.map((s) => {
      const seconds = s.wallMs / 1000;
      const value = counter === 'serverCpuUs' ? s.serverCpuMs * 1000 : (s.external[counter] ?? 0);
      return { x: s.acked / seconds, y: value / seconds };
    });
  const costs = Object.fromEntries(COUNTERS.map((c) => [c, fitCost(points(c))])) as Record<Counter, Cost>;
  return { steps: steps.length, costs };
}

const sendsPerSecond = (users: number): number => (users * ASSUMPTIONS.messagesPerUserPerMinute) / 60;

/** Each node's share of the measured background (it was measured with NODES nodes). */
const perNode = (cost: Cost): number => cost.perSecond / NODES;

function nodesFor(users: number, i: CapacityInputs): { byCpu: number; byMemory: number; nodes: number } {
  const cpu = i.costs.serverCpuUs;
  const budget = ASSUMPTIONS.nodeCpuBudget * 1e6 - perNode(cpu);
  const byCpu = budget > 0 ? Math.ceil((sendsPerSecond(users) * cpu.perSend) / budget) : Infinity;
  const memoryKb = users * ASSUMPTIONS.connectionsPerUser * i.rssKbPerConnection;
  const byMemory = Math.ceil(memoryKb / (ASSUMPTIONS.nodeConnectionMemoryGb * 1024 * 1024));
  return { byCpu, byMemory, nodes: Math.max(1, byCpu, byMemory) };
}

function rowFor(users: number, i: CapacityInputs): CapacityRow {
  const sends = sendsPerSecond(users);
  const { byCpu, byMemory, nodes } = nodesFor(users, i);
  const c = i.costs;
  // Every node reads every broadcast from the one Redis stream (the streams adapter): the read
  // share of each send's Redis work and egress grows with the node count, measured with NODES.
  const readers = Math.max(1, nodes / NODES);
  return {
    users,
    sendsPerSecond: sends,
    deliveriesPerSecond: sends * ASSUMPTIONS.roomSize,
    nodesByCpu: byCpu,
    nodesByMemory: byMemory,
    nodes,
    redisCommandsPerSecond: sends * c.redisCommands.perSend + perNode(c.redisCommands) * nodes,
    redisCores: (sends * c.redisCpuUs.perSend + perNode(c.redisCpuUs) * nodes) / 1e6,
    redisCoresIfReadsScale: (sends * c.redisCpuUs.perSend * readers + perNode(c.redisCpuUs) * nodes) / 1e6,
    redisEgressMBps:
      (sends * c.redisOutputBytes.perSend * readers + perNode(c.redisOutputBytes) * nodes) / 1e6,
    postgresWriteTransactionsPerSecond: sends * c.postgresWriteTransactions.perSend,
    postgresCores: (sends * c.postgresCpuUs.perSend + c.postgresCpuUs.perSecond) / 1e6,
    postgresWalMBps: (sends * c.postgresWalBytes.perSend) / 1e6,
  };
}

/** The largest user count (to 1%) for which `fits` holds, searched up to 1e9 (Infinity above). */
function largest(fits: (users: number) => boolean): number {
  if (!fits(1000)) return 0;
  let low = 1000;
  let high = 1000;
  while (fits(high)) {
    if (high >= 1e9) return Infinity;
    low = high;
    high *= 2;
  }
  while (high / low > 1.01) {
    const mid = Math.sqrt(low * high);
    if (fits(mid)) low = mid;
    else high = mid;
  }
  return Math.floor(low);
}

export function computeCapacity(results: BenchResults): Capacity | null {
  const f = results.scenarios.postgresRedis?.chat;
  const idle = results.scenarios.idle?.chat;
  if (!f || f.length === 0 || !idle || idle.length === 0) return null;
  const rss = median(idle.map((r) => r.rssPerConnectionKb));
  const { steps, costs } = costsOf(f);
  if (rss === null || steps === 0) return null;
  const inputs: CapacityInputs = {
    steps,
    costs,
    rssKbPerConnection: Math.max(0, rss),
    sqliteSendsPerSecond: median(
      results.scenarios.smallRooms?.chat.map((r) => r.sustainableSendsPerSecond) ?? [],
    ),
  };
  const a = ASSUMPTIONS;
  const limits: Limit[] = [
    {
      part: 'Redis CPU (one thread)',
      users: largest((u) => rowFor(u, inputs).redisCores <= a.redisCpuBudget),
      why: `${a.redisCpuBudget} of a core at the per-send cost measured with ${NODES} nodes`,
      pessimistic: false,
    },
    {
      part: 'Redis CPU (one thread), pessimistic',
      users: largest((u) => rowFor(u, inputs).redisCoresIfReadsScale <= a.redisCpuBudget),
      why: `if all of the per-send Redis cost, not only the stream reads, grew with the node count`,
      pessimistic: true,
    },
    {
      part: 'Redis egress',
      users: largest((u) => rowFor(u, inputs).redisEgressMBps <= a.redisEgressMBps),
      why: `every node reads every broadcast; ${a.redisEgressMBps} MB/s`,
      pessimistic: false,
    },
    {
      part: 'PostgreSQL primary CPU',
      users: largest((u) => rowFor(u, inputs).postgresCores <= a.postgresCores * a.postgresCpuBudget),
      why: `${a.postgresCpuBudget} of ${a.postgresCores} cores`,
      pessimistic: false,
    },
  ].sort((x, y) => x.users - y.users);
  return {
    inputs,
    rows: a.userCounts.map((users) => rowFor(users, inputs)),
    limits,
    sqliteNodeUsers:
      inputs.sqliteSendsPerSecond === null
        ? null
        : Math.floor((inputs.sqliteSendsPerSecond * 60) / a.messagesPerUserPerMinute),
  };
}
