import { cpuMs, rssKb } from '../proc';
import { activity, connectClients, waitQuiet } from '../workload';
import { alternate, withServer, type BenchContext, type ByServer } from './context';

const WARM_UP_CONNECTIONS = 50;
const SETTLE_MS = 1500;

export interface IdleRound {
  connections: number;
  rssBeforeKb: number;
  rssAfterKb: number;
  /** Marginal: (after - before) / connections, so fixed costs (a writer thread, caches) are not in it. */
  rssPerConnectionKb: number;
  /** Server CPU per connection for the handshakes (token check, joins, presence). */
  cpuUsPerConnection: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * (c): `idleConnections` clients connect to /chat (each its own user, in no room) and stay idle.
 * RSS is read after a warm-up batch has come and gone (so first-use code and buffers are not
 * charged to the connections) and again once the server has settled with every client connected.
 */
export async function runIdle(ctx: BenchContext): Promise<ByServer<IdleRound>> {
  const w = ctx.workload;
  const count = ctx.config.idleConnections;
  return alternate(ctx, 'idle connections (c)', (kind) =>
    withServer(ctx, kind, async ({ pids: [pid = 0], origins }) => {
      await connectClients(w, origins, WARM_UP_CONNECTIONS, (i) => `warm${i}`);
      await w.pool.all({ type: 'closeAll' });
      await sleep(SETTLE_MS);
      const rssBeforeKb = rssKb(pid);
      const cpuBefore = cpuMs(pid);
      await connectClients(w, origins, count, (i) => `idle${i}`, 100);
      await waitQuiet(w, 200, 30_000);
      await sleep(SETTLE_MS);
      const open = (await activity(w)).open;
      if (open < count) throw new Error(`${count - open} idle connections were closed by the server`);
      const rssAfterKb = rssKb(pid);
      return {
        connections: count,
        rssBeforeKb,
        rssAfterKb,
        rssPerConnectionKb: (rssAfterKb - rssBeforeKb) / count,
        cpuUsPerConnection: ((cpuMs(pid) - cpuBefore) * 1000) / count,
      };
    }),
  );
}
