import type { Message } from '../../shared/schemas/objects';
import { emitRaw, okData, record, waitFor } from '../helpers/events';
import type { ClientSocket } from '../helpers/server';
import { needs } from '../helpers/services';
import { PlainWsClient } from '../security/authz/plain-ws-client';
import { startCluster, type ChatNode, type Cluster } from './helpers';

const { describe } = needs('postgres', 'redis');

/**
 * "A user who leaves stops receiving the room's events at once, on every node." Two server
 * processes share PostgreSQL and Redis; the leaver has a socket and a plain WebSocket on each. The
 * leave is made on one node (over a socket on A, over HTTP on B); the moment it is acknowledged,
 * without waiting for anything, a message is sent to the room through each node. The members who
 * stay, on both nodes, must get both messages (awaited, with a time limit); then every socket of
 * the leaver passes a round trip, and must have got neither; their /ws connections are closed
 * with 4403 and got neither either.
 *
 * The service has no way for an owner to remove a member, nor to revoke an invitation: leaving is
 * the only way out of a room, so it is the only path tested here.
 */
const WAIT_MS = 5000;

/** `promise`, or a rejection naming `what` after WAIT_MS. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('a user who leaves stops hearing the room at once, on every node', () => {
  let cluster: Cluster;
  let a: ChatNode;
  let b: ChatNode;

  beforeAll(async () => {
    cluster = await startCluster();
    [a, b] = await Promise.all([cluster.start('A'), cluster.start('B')]);
  }, 60_000);

  afterAll(() => cluster?.close(), 30_000);

  async function socketOf(userId: string, node: ChatNode): Promise<ClientSocket> {
    return node.connect(await cluster.token(userId));
  }

  async function wsOf(userId: string, node: ChatNode, roomId: string): Promise<PlainWsClient> {
    const opening = await PlainWsClient.open(node.url, roomId, await cluster.token(userId));
    if (!('client' in opening)) throw new Error(`/ws on ${node.name} refused: ${JSON.stringify(opening)}`);
    return opening.client;
  }

  const cases = [
    { how: 'over a socket on A', privacy: 'private' },
    { how: 'over HTTP on B', privacy: 'private' },
    { how: 'over a socket on A', privacy: 'public' },
    { how: 'over HTTP on B', privacy: 'public' },
  ] as const;

  test.each(cases)('left $how ($privacy room)', async ({ how, privacy }) => {
    const n = `${how.startsWith('over a socket') ? 's' : 'h'}${privacy[1]}`;
    const [owner, leaver, stayer] = [`owner-${n}`, `leaver-${n}`, `stayer-${n}`];
    const ownerOnA = await socketOf(owner, a);
    const ownerOnB = await socketOf(owner, b);
    const roomId = okData(
      await ownerOnA.emitWithAck('room:create', {
        name: `leave ${n}`,
        is_private: privacy === 'private',
        invited_users: [leaver, stayer],
      }),
    ).id;
    const leaverOnA = await socketOf(leaver, a);
    const leaverOnB = await socketOf(leaver, b);
    const stayerOnA = await socketOf(stayer, a);
    const stayerOnB = await socketOf(stayer, b);
    okData(await leaverOnA.emitWithAck('room:join', { room_id: roomId }));
    okData(await stayerOnB.emitWithAck('room:join', { room_id: roomId }));
    const leaverWs = [await wsOf(leaver, a, roomId), await wsOf(leaver, b, roomId)];
    // Every socket is in the room before the leave (a join moves the user's sockets on the other
    // node through Redis): a message reaches each.
    await Promise.all([
      ...[leaverOnA, leaverOnB, stayerOnA, stayerOnB].map((s) =>
        waitFor(s, 'message:new', (m) => m.content === 'before', WAIT_MS),
      ),
      ...leaverWs.map((ws) => ws.next((f) => f.type === 'message' && f.data.content === 'before', 'before')),
      emitRaw(ownerOnA, 'message:send', { room_id: roomId, content: 'before' }),
    ]);

    const heard = [record(leaverOnA, 'message:new'), record(leaverOnB, 'message:new')];
    const framesBefore = leaverWs.map((ws) => ws.frames.length);
    if (how === 'over a socket on A') {
      okData(await leaverOnA.emitWithAck('room:leave', { room_id: roomId }));
    } else {
      const left = await b.http('POST', `/api/rooms/${roomId}/leave`, { token: await cluster.token(leaver) });
      expect(left.status).toBe(204);
    }

    // At once: a message through each node, over a socket and over HTTP.
    const ownerToken = await cluster.token(owner);
    const overHttp = (node: ChatNode, content: string) =>
      node.http<Message>('POST', '/api/messages', { token: ownerToken, body: { room_id: roomId, content } });
    const contents = ['socket on A', 'HTTP on A', 'socket on B', 'HTTP on B'];
    const delivered = [stayerOnA, stayerOnB].flatMap((s) =>
      contents.map((c) => waitFor(s, 'message:new', (m) => m.room_id === roomId && m.content === c, WAIT_MS)),
    );
    const sent = await Promise.all([
      emitRaw(ownerOnA, 'message:send', { room_id: roomId, content: 'socket on A' }),
      overHttp(a, 'HTTP on A').then((res) => res.status),
      emitRaw(ownerOnB, 'message:send', { room_id: roomId, content: 'socket on B' }),
      overHttp(b, 'HTTP on B').then((res) => res.status),
    ]);
    expect(sent).toEqual([
      expect.objectContaining({ ok: true }),
      201,
      expect.objectContaining({ ok: true }),
      201,
    ]);
    // The members who stay, on both nodes, got all four.
    await Promise.all(delivered);

    // Each node has handled both broadcasts (its stayer has them); a round trip on each of the
    // leaver's sockets then brings anything that was sent to it.
    await Promise.all([
      emitRaw(leaverOnA, 'room:list', { limit: 1 }),
      emitRaw(leaverOnB, 'room:list', { limit: 1 }),
    ]);
    expect(heard.map((r) => r.seen.map((m) => m.content))).toEqual([[], []]);
    for (const [i, ws] of leaverWs.entries()) {
      expect(await within(ws.closed, `the close of the leaver's /ws on ${i === 0 ? 'A' : 'B'}`)).toBe(4403);
      expect(ws.frames.slice(framesBefore[i]).filter((f) => f.type === 'message')).toEqual([]);
    }
  });
});
