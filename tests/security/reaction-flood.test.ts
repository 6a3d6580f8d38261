/**
 * Item 5 of the security review: one user added 2,000 distinct short codes to one message in 16 s;
 * each `reaction:updated` carried the whole list (every member received 157 MB) and the message
 * added 153 KB to every history page. Now, on a server with the default limits: at most 10
 * reactions a second per user (adds and removes), 10 distinct emoji per user on one message, 32 per
 * message, each emoji listing at most 10 user ids; refusals are RATE_LIMITED.
 *
 * Bounds stated here: with the defaults, one `reaction:updated` (or one message's reactions) is at
 * most 32 emoji × (an emoji of ≤ 32 UTF-16 units, ≤ 10 user ids of ≤ 64 characters): under 32 KiB
 * whatever the ids and emoji. In this flood (short codes, 8-character ids) each payload stays under
 * 4 KiB, a member receives under 128 KiB in all, and a history page holding the message under 8 KiB.
 */
import type { ErrorBody, HistoryPage, ReactionsState } from '../../shared/index';
import { okData, record, waitFor } from '../helpers/events';
import { connectUsers, createRoom } from '../helpers/fixtures';
import { startServer, type ClientSocket, type TestServer } from '../helpers/server';

const ATTACKERS = ['mallory1', 'mallory2', 'mallory3', 'mallory4', 'mallory5'] as const;
/** Distinct short codes each attacker sends at once (below the per-socket in-flight bound). */
const BURST = 30;
const PER_MESSAGE = 32;
const PER_USER = 10;
const RATE = 10;

const PAYLOAD_BOUND_BYTES = 4 * 1024;
const RECEIVED_BOUND_BYTES = 128 * 1024;
const HISTORY_BOUND_BYTES = 8 * 1024;

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

let server: TestServer;
let sockets: Record<string, ClientSocket>;
let tokens: Record<string, string>;
let roomId: string;
let messageId: string;

beforeAll(async () => {
  server = await startServer();
  ({ sockets, tokens } = await connectUsers(server, ['bob', ...ATTACKERS]));
  const bob = sockets.bob as ClientSocket;
  roomId = await createRoom(bob, 'victims', { joinedBy: ATTACKERS.map((a) => sockets[a] as ClientSocket) });
  messageId = okData(await bob.emitWithAck('message:send', { room_id: roomId, content: 'hello' })).id;
});

afterAll(() => server.close());

/** Every attacker sends `count` distinct short codes at once; answers each ack's error (null when ok). */
async function flood(round: string, count: number): Promise<(ErrorBody | null)[]> {
  const acks = await Promise.all(
    ATTACKERS.flatMap((attacker, a) =>
      Array.from({ length: count }, (_, i) =>
        (sockets[attacker] as ClientSocket).emitWithAck('reaction:add', {
          message_id: messageId,
          emoji: `:${round}_${a}_${i}:`,
        }),
      ),
    ),
  );
  return acks.map((ack) => (ack.ok ? null : ack.error));
}

const isCapRefusal = (e: ErrorBody | null): boolean =>
  e?.code === 'RATE_LIMITED' && e.retry_after_ms === undefined && e.details?.[0]?.field === 'emoji';
const isRateRefusal = (e: ErrorBody | null): boolean =>
  e?.code === 'RATE_LIMITED' && e.details === undefined && (e.retry_after_ms ?? 0) > 0;

it('bounds what a flood of distinct short codes stores, broadcasts and adds to history', async () => {
  const bob = sockets.bob as ClientSocket;
  const told = record(bob, 'reaction:updated');
  const full = waitFor(bob, 'reaction:updated', (s) => s.reactions.length === PER_MESSAGE);

  // A burst past the rate: each attacker gets 10 through, 50 in all, of which the message takes 32.
  const first = await flood('a', BURST);
  expect(first.filter((e) => e === null)).toHaveLength(PER_MESSAGE);
  expect(first.filter(isCapRefusal)).toHaveLength(ATTACKERS.length * RATE - PER_MESSAGE);
  expect(first.filter(isRateRefusal)).toHaveLength(ATTACKERS.length * (BURST - RATE));
  await full;

  // After waiting as told, the caps still hold: every new emoji is refused, with no retry hint.
  const wait = Math.max(...first.filter(isRateRefusal).map((e) => e?.retry_after_ms ?? 0));
  await new Promise((resolve) => setTimeout(resolve, wait));
  const second = await flood('b', 3);
  expect(second.filter(isCapRefusal)).toHaveLength(second.length);
  const capReason = new RegExp(`^at most (${PER_USER}|${PER_MESSAGE}) distinct emoji per`);
  for (const e of second) expect(e?.details?.[0]?.reason).toMatch(capReason);

  const page = await server.http<HistoryPage>('GET', `/api/rooms/${roomId}/messages`, {
    token: tokens.bob as string,
  });
  expect(page.status).toBe(200);
  const reactions = page.body.messages.find((m) => m.id === messageId)?.reactions ?? [];
  expect(reactions).toHaveLength(PER_MESSAGE);
  expect(bytes(page.body)).toBeLessThan(HISTORY_BOUND_BYTES);

  // Barrier: bob's own reaction is announced after anything the flood caused.
  const last = waitFor(bob, 'reaction:updated', (s: ReactionsState) =>
    s.reactions.some((r) => r.user_ids.includes('bob')),
  );
  // An emoji already on the message counts only against bob's own cap.
  const onMessage = reactions[0]?.emoji ?? '';
  okData(await bob.emitWithAck('reaction:add', { message_id: messageId, emoji: onMessage }));
  await last;
  // One broadcast per emoji stored, and bob's own.
  expect(told.seen).toHaveLength(PER_MESSAGE + 1);
  for (const payload of told.seen) expect(bytes(payload)).toBeLessThan(PAYLOAD_BOUND_BYTES);
  expect(told.seen.reduce((sum, payload) => sum + bytes(payload), 0)).toBeLessThan(RECEIVED_BOUND_BYTES);
});
