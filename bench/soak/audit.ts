import { z } from 'zod';
import { signBenchToken } from '../load/token';
import type { HistoryCheck } from '../report/soak';
import type { AckedMessage } from './ipc';

/** Readers that share the history pages between them, so one user's read budget does not pace the check. */
const AUDITORS = 8;
const PAGE = 100;
const MAX_PROBLEMS_LISTED = 10;

const pageSchema = z.object({
  messages: z.array(
    z.object({ id: z.string(), seq: z.number(), user_id: z.string(), client_id: z.string().nullable() }),
  ),
  has_more: z.boolean(),
});
type StoredMessage = z.infer<typeof pageSchema>['messages'][number];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A room's whole history over HTTP (`after_seq` paging), waiting out RATE_LIMITED answers. */
async function fullHistory(
  httpOrigin: string,
  roomId: string,
  token: () => string,
  onThrottled: () => void,
): Promise<StoredMessage[]> {
  const all: StoredMessage[] = [];
  let after = 0;
  for (;;) {
    const url = `${httpOrigin}/api/rooms/${encodeURIComponent(roomId)}/messages?after_seq=${after}&limit=${PAGE}`;
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${token()}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status === 429) {
      onThrottled();
      await sleep(Number(res.headers.get('retry-after') ?? '1') * 1000);
      continue;
    }
    if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
    const page = pageSchema.parse(await res.json());
    all.push(...page.messages);
    const last = page.messages[page.messages.length - 1];
    if (!page.has_more || !last) return all;
    after = last.seq;
  }
}

/**
 * Every acknowledged message must be in its room's history exactly once: the full history of
 * every room is read and compared with the ids the generators were acknowledged. Also checked:
 * seqs are exactly 1..n per room, no (user, client_id) is stored twice, and nothing is stored
 * that the soak did not send (a send it never got an ack for may be stored: counted apart).
 */
export async function checkHistory(
  httpOrigins: readonly string[],
  rooms: readonly string[],
  acked: readonly AckedMessage[],
  unacked: readonly Omit<AckedMessage, 'id'>[],
  secret: string,
): Promise<HistoryCheck> {
  const tokens = Array.from({ length: AUDITORS }, (_, i) => signBenchToken(secret, `soak-auditor-${i}`));
  let turn = 0;
  const token = (): string => tokens[turn++ % tokens.length] ?? '';
  const problems: string[] = [];
  const problem = (text: string): void => {
    if (problems.length < MAX_PROBLEMS_LISTED) problems.push(text);
  };
  const check: HistoryCheck = {
    rooms: rooms.length,
    messages: 0,
    acked: 0,
    missing: 0,
    duplicates: 0,
    unexpected: 0,
    storedUnacked: 0,
    seqGaps: 0,
    throttled: 0,
    problems,
  };
  const ackedById = new Map<string, AckedMessage>();
  for (const a of acked) {
    const known = ackedById.get(a.id);
    // The same id acknowledged to two different sends would be a stored message shared by both.
    if (known && known.clientId !== a.clientId) {
      check.duplicates++;
      problem(`id ${a.id} acknowledged to ${known.clientId} and to ${a.clientId}`);
    }
    ackedById.set(a.id, a);
  }
  check.acked = ackedById.size;
  const unackedKeys = new Set(unacked.map((u) => `${u.userId} ${u.clientId}`));
  const found = new Set<string>();

  let next = 0;
  const worker = async (w: number): Promise<void> => {
    while (next < rooms.length) {
      const roomId = rooms[next++];
      if (!roomId) break;
      const origin = httpOrigins[w % httpOrigins.length] ?? '';
      const history = await fullHistory(origin, roomId, token, () => check.throttled++);
      check.messages += history.length;
      if (history.some((m, i) => m.seq !== i + 1)) {
        check.seqGaps++;
        problem(`room ${roomId}: seqs are not 1..${history.length}`);
      }
      const clientIds = new Set<string>();
      for (const m of history) {
        const key = `${m.user_id} ${m.client_id ?? ''}`;
        if (clientIds.has(key)) {
          check.duplicates++;
          problem(`room ${roomId}: client_id ${m.client_id} of ${m.user_id} stored twice`);
        }
        clientIds.add(key);
        const mine = ackedById.get(m.id);
        if (mine && mine.roomId === roomId) {
          if (found.has(m.id)) check.duplicates++;
          found.add(m.id);
        } else if (unackedKeys.has(key)) {
          check.storedUnacked++;
        } else {
          check.unexpected++;
          problem(`room ${roomId}: seq ${m.seq} (${m.id}, client_id ${m.client_id}) was never acknowledged`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: AUDITORS }, (_, w) => worker(w)));
  for (const a of ackedById.values()) {
    if (found.has(a.id)) continue;
    check.missing++;
    problem(`room ${a.roomId}: acknowledged ${a.id} (client_id ${a.clientId}) is not in its history`);
  }
  return check;
}
