import { monotonicMs } from '../load/clock';
import { Histogram } from '../load/histogram';
import { cpuMs, machineCpuMs, ownTreeCpuMs, rssKb, sumCpuMs } from '../proc';
import type { TimelinePoint } from '../report/soak';
import type { Counters } from './ipc';
import { metricSum, scrape, type Sample } from './metrics-text';
import type { SoakPool } from './pool';
import { runQueueWaitMs } from './schedstat';
import { cpuMsBetween, cpuMsByPid } from './services-cpu';
import { mergeCounters } from './tally';

export interface SampledNode {
  pid: number;
  /** `http://127.0.0.1:<port>` */
  http: string;
}

interface Raw {
  atMs: number;
  nodeCpuMs: number[];
  nodeWaitMs: number[];
  machine: { busy: number; total: number };
  ownMs: number;
  services: Map<number, number>;
  counters: Counters;
}

const MB = 1024 * 1024;
const seconds = (value: number | null): number | null => (value === null ? null : value * 1000);

/**
 * Every `SOAK_SAMPLE_SECONDS`: each node's RSS (/proc, as the bench reads it), CPU, heap and
 * event-loop delay. The delay is prom-client's `monitorEventLoopDelay` histogram, which its
 * `/metrics` collection resets: so each scrape here covers exactly the interval since the previous
 * one (nothing else scrapes these nodes), and the p99 is that interval's.
 */
export class Sampler {
  readonly points: TimelinePoint[] = [];
  private previous: Raw | undefined;
  private startMs = 0;
  /** Machine CPU time over the samples so far, and the part other processes used. */
  private machineMs = 0;
  private foreignMs = 0;
  /** Send-ack latencies of the latest interval, all generators together. */
  private lastAck = new Histogram();

  constructor(
    private readonly nodes: readonly SampledNode[],
    private readonly pool: SoakPool,
    /** PostgreSQL and Redis CPU counts as the soak's own (else as foreign load). */
    private readonly countServices: boolean,
  ) {}

  /** CPU of the soak: itself, its reaped children, its live servers and generators (and services). */
  private ownCpu(): { ownMs: number; services: Map<number, number> } {
    return {
      ownMs: ownTreeCpuMs() + sumCpuMs(this.nodes.map((n) => n.pid)) + sumCpuMs(this.pool.pids),
      services: this.countServices ? cpuMsByPid(['postgres', 'redis-server']) : new Map(),
    };
  }

  /** The baseline: taken when the load starts (its scrape also resets the delay histograms). */
  async begin(): Promise<void> {
    await Promise.all(this.nodes.map((n) => scrape(n.http)));
    this.startMs = monotonicMs();
    this.previous = await this.raw();
  }

  private async raw(): Promise<Raw> {
    const stats = await this.pool.all(() => ({ type: 'stats' }));
    this.lastAck = new Histogram();
    for (const s of stats) this.lastAck.merge(Histogram.fromSparse(s.ackLatency));
    return {
      atMs: monotonicMs(),
      nodeCpuMs: this.nodes.map((n) => cpuMs(n.pid)),
      nodeWaitMs: this.nodes.map((n) => runQueueWaitMs(n.pid)),
      machine: machineCpuMs(),
      ...this.ownCpu(),
      counters: mergeCounters(stats.map((s) => s.counters)),
    };
  }

  async take(): Promise<TimelinePoint> {
    const before = this.previous;
    if (!before) throw new Error('Sampler.take before begin');
    const metrics: Sample[][] = await Promise.all(this.nodes.map((n) => scrape(n.http)));
    const now = await this.raw();
    this.previous = now;
    const wallMs = now.atMs - before.atMs;
    const machineMs = now.machine.total - before.machine.total;
    const foreignMs =
      now.machine.busy -
      before.machine.busy -
      (now.ownMs - before.ownMs) -
      cpuMsBetween(before.services, now.services);
    const foreignShare = machineMs > 0 ? Math.min(1, Math.max(0, foreignMs / machineMs)) : null;
    if (foreignShare !== null) {
      this.machineMs += machineMs;
      this.foreignMs += foreignShare * machineMs;
    }
    const sockets = metrics.map((m) => metricSum(m, 'chat_connected_sockets', { transport: 'socket.io' }));
    const point: TimelinePoint = {
      t: (now.atMs - this.startMs) / 1000,
      connected: now.counters.connected,
      serverSockets: sockets.every((s) => s !== null)
        ? sockets.reduce((a, b) => (a ?? 0) + (b ?? 0), 0)
        : null,
      sendsPerSecond:
        (((now.counters.ok['message:send'] ?? 0) - (before.counters.ok['message:send'] ?? 0)) * 1000) /
        wallMs,
      ackP99Ms: this.lastAck.total > 0 ? this.lastAck.percentile(99) : null,
      foreignCpuShare: foreignShare,
      nodes: this.nodes.map((n, i) => {
        const m = metrics[i] ?? [];
        const heap = metricSum(m, 'nodejs_heap_size_used_bytes');
        const heapTotal = metricSum(m, 'nodejs_heap_size_total_bytes');
        const external = metricSum(m, 'nodejs_external_memory_bytes');
        return {
          rssMb: rssKb(n.pid) / 1024,
          heapMb: heap === null ? null : heap / MB,
          heapTotalMb: heapTotal === null ? null : heapTotal / MB,
          externalMb: external === null ? null : external / MB,
          handles: metricSum(m, 'nodejs_active_handles_total'),
          eldP99Ms: seconds(metricSum(m, 'nodejs_eventloop_lag_p99_seconds')),
          eldMaxMs: seconds(metricSum(m, 'nodejs_eventloop_lag_max_seconds')),
          cores: ((now.nodeCpuMs[i] ?? 0) - (before.nodeCpuMs[i] ?? 0)) / wallMs,
          cpuWaitShare: ((now.nodeWaitMs[i] ?? 0) - (before.nodeWaitMs[i] ?? 0)) / wallMs,
        };
      }),
    };
    this.points.push(point);
    return point;
  }

  /** The share of the machine's CPU other processes used over the load. */
  foreignCpuShare(): number | null {
    return this.machineMs > 0 ? this.foreignMs / this.machineMs : null;
  }

  /** The latest generator counters (cumulative). */
  get counters(): Counters | undefined {
    return this.previous?.counters;
  }
}
