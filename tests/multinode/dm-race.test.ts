import { okData, record, waitFor } from '../helpers/events';
import type { ClientSocket } from '../helpers/server';
import { needs } from '../helpers/services';
import { calls, ok, perform, roundTrip, TRANSPORTS, type User } from '../integration/conversation-calls';
import { startCluster, type ChatNode, type Cluster } from './helpers';

const { describe } = needs('postgres', 'redis');

/**
 * Direct messages across two server processes sharing PostgreSQL and Redis: concurrent opens of a
 * pair from both users, on both nodes, over both transports all answer the one room; the other
 * user's sockets on the other node learn of it and hear it at once.
 */
const WAIT_MS = 5000;

describe('direct messages opened on two nodes at once', () => {
  let cluster: Cluster;
  let a: ChatNode;
  let b: ChatNode;

  beforeAll(async () => {
    cluster = await startCluster();
    // Every open spends the room budget; this test opens far more than a person would.
    const env = { RATE_LIMIT_ROOMS_PER_MINUTE: '10000', RATE_LIMIT_READS_PER_SECOND: '10000' };
    [a, b] = await Promise.all([cluster.start('A', env), cluster.start('B', env)]);
  }, 60_000);

  afterAll(() => cluster?.close(), 30_000);

  /** `userId` signed in on `node` with one socket. */
  async function on(node: ChatNode, userId: string): Promise<User> {
    const token = await cluster.token(userId);
    return { id: userId, token, socket: await node.connect(token) };
  }

  it('many opens of the same pairs at once, from both users on both nodes over both transports, answer one room per pair', async () => {
    const PAIRS = 6;
    const CALLS_PER_PAIR = 16;
    const pairs = await Promise.all(
      Array.from({ length: PAIRS }, async (_, i) => {
        const [x, y] = [`race${i}x`, `race${i}y`];
        return { x: [await on(a, x), await on(b, x)], y: [await on(a, y), await on(b, y)] };
      }),
    );
    const nodes = [a, b];
    const outcomes = await Promise.all(
      pairs.map((pair) =>
        Promise.all(
          Array.from({ length: CALLS_PER_PAIR }, (_, k) => {
            const side = k % 2 === 0 ? pair.x : pair.y;
            const other = k % 2 === 0 ? pair.y : pair.x;
            const nodeIndex = (k >> 1) % 2;
            const transport = TRANSPORTS[(k >> 2) % 2] ?? 'socket';
            const user = side[nodeIndex] as User;
            const node = nodes[nodeIndex] as ChatNode;
            return perform(node, user, transport, calls.dmOpen((other[0] as User).id));
          }),
        ),
      ),
    );
    const roomIds = outcomes.map((forPair, i) => {
      const ids = new Set(forPair.map((o) => ok(o).id));
      expect([i, ids.size]).toEqual([i, 1]);
      // At most one HTTP call can have been the one that created it.
      expect(forPair.filter((o) => o.status === 201).length).toBeLessThanOrEqual(1);
      return [...ids][0] as string;
    });
    expect(new Set(roomIds).size).toBe(PAIRS);

    // Each user, on either node, has exactly one direct message: the pair's.
    for (const [i, pair] of pairs.entries()) {
      for (const user of [...pair.x, ...pair.y]) {
        const rooms = okData(await user.socket.emitWithAck('room:list', { limit: 100 })).rooms;
        expect([user.id, rooms.filter((r) => r.is_dm).map((r) => r.id)]).toEqual([user.id, [roomIds[i]]]);
      }
    }
  });

  it('the other user’s sockets on the other node get room:updated once and hear the room at once', async () => {
    const alice = await on(a, 'dm-alice');
    const bobOnB = await on(b, 'dm-bob');
    const bobSecond: ClientSocket = await b.connect(bobOnB.token);
    const updates = [bobOnB.socket, bobSecond].map((s) => record(s, 'room:updated'));
    const told = [bobOnB.socket, bobSecond].map((s) => waitFor(s, 'room:updated', (r) => r.is_dm, WAIT_MS));

    const room = ok(await perform(a, alice, 'http', calls.dmOpen('dm-bob')));
    for (const detail of await Promise.all(told)) {
      expect(detail).toMatchObject({ id: room.id, is_dm: true, is_member: true, name: 'dm-alice, dm-bob' });
    }
    // At once: sent the moment the open was answered, it reaches bob's sockets on B.
    const heard = [bobOnB.socket, bobSecond].map((s) =>
      waitFor(s, 'message:new', (m) => m.room_id === room.id, WAIT_MS),
    );
    const sent = okData(
      await alice.socket.emitWithAck('message:send', { room_id: room.id, content: 'across' }),
    );
    for (const m of await Promise.all(heard)) expect(m).toEqual(sent);

    // Opening it again from B tells nobody anything new.
    expect(ok(await perform(b, bobOnB, 'socket', calls.dmOpen('dm-alice'))).id).toBe(room.id);
    await Promise.all([roundTrip(bobOnB.socket), roundTrip(bobSecond)]);
    expect(updates.map((u) => u.seen.filter((r) => r.id === room.id).length)).toEqual([1, 1]);
  });
});
