import path from 'node:path';
import type { CommandResult } from '../load/ipc';
import { makeTempDir, removeTempDir } from '../processes';
import { seedHistory } from '../seed-history';
import { connectClients, createRoom } from '../workload';
import { alternate, startChat, type BenchContext } from './context';

export const HISTORY_P99_LIMIT_MS = 2;
const PAGE = 50;
const WARM_UP_REQUESTS = 20;

export interface PageTiming {
  beforeSeq: number | null;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  /** What the first answer held, to show the right page was read. */
  sample: CommandResult<'history'>['sample'];
}

export interface HistoryRound {
  newest: PageTiming;
  middle: PageTiming;
  deep: PageTiming;
}

export interface HistoryResult {
  messages: number;
  seedMs: number;
  rounds: HistoryRound[];
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/**
 * (d): chat-service only (the bare server stores nothing). A room of `historyMessages` messages is
 * written straight into a SQLite file the server created; then, on a fresh server process per
 * round, one client asks for pages of 50 one request at a time: the newest page, one in the
 * middle and a deep one (`before_seq` 1,000), each timed at the client from emit to ack.
 */
export async function runHistory(ctx: BenchContext): Promise<HistoryResult> {
  const w = ctx.workload;
  const count = ctx.config.historyMessages;
  const dir = makeTempDir('bench-history-');
  const databaseUrl = `sqlite:${path.join(dir, 'chat.db')}`;
  try {
    const setup = await startChat(ctx, { databaseUrl });
    let roomId: string;
    try {
      await connectClients(w, [setup.server.origin], 1, () => 'reader');
      roomId = await createRoom(w, 0, 'history');
    } finally {
      await setup.server.stop(true);
      await w.pool.all({ type: 'closeAll' });
    }
    const seedStarted = Date.now();
    seedHistory(path.join(dir, 'chat.db'), roomId, 'reader', count);
    const seedMs = Date.now() - seedStarted;
    ctx.log(`history: seeded ${count} messages in ${(seedMs / 1000).toFixed(1)} s`);

    const timePages = async (beforeSeq: number | null): Promise<PageTiming> => {
      const request = {
        type: 'history',
        client: 0,
        roomId,
        beforeSeq,
        limit: PAGE,
        timeoutMs: 10_000,
      } as const;
      await w.pool.call(0, { ...request, count: WARM_UP_REQUESTS });
      const result = await w.pool.call(0, { ...request, count: ctx.config.historyRequests });
      if (result.failed > 0)
        throw new Error(`${result.failed} history requests failed: ${result.firstError}`);
      const sorted = [...result.latenciesMs].sort((a, b) => a - b);
      return {
        beforeSeq,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        maxMs: sorted[sorted.length - 1] ?? 0,
        requests: sorted.length,
        sample: result.sample,
      };
    };
    const rounds = await alternate(
      ctx,
      'history (d)',
      async () => {
        const chat = await startChat(ctx, { databaseUrl });
        try {
          await connectClients(w, [chat.server.origin], 1, () => 'reader');
          return {
            newest: await timePages(null),
            middle: await timePages(Math.floor(count / 2)),
            deep: await timePages(1000),
          };
        } finally {
          await chat.dispose();
          await w.pool.all({ type: 'closeAll' });
        }
      },
      ['chat'],
    );
    return { messages: count, seedMs, rounds: rounds.chat };
  } finally {
    removeTempDir(dir);
  }
}
