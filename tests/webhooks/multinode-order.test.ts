import { webhookEventSchema } from '../../shared/schemas/webhooks';
import { needs } from '../helpers/services';
import { startCluster, type ChatNode, type Cluster } from '../multinode/helpers';
import { adminToken, call, createHook, createRoom, FAST_WEBHOOKS } from './hook-server';
import { startReceiver, type Receiver, type Received } from './receiver';

/**
 * Two nodes on one PostgreSQL and one Redis, several hooks (two on one room, one on another, one
 * service-wide), messages posted into both rooms through both nodes at once: each hook gets each
 * room's messages once, in seq order, with no double sends (one node delivers, under the lease).
 * Then the delivering node is killed mid-stream: the other takes over, and order still holds
 * (a delivery in flight at the kill may come twice, under the same webhook-id).
 */

const { describe: describeCluster } = needs('postgres', 'redis');

const PER_ROOM_PER_NODE = 15;

/** The (hook path, room) pairs and, for each, the seqs received in arrival order (with webhook-ids). */
function streams(received: readonly Received[]): Map<string, { seq: number; id: string }[]> {
  const pairs = new Map<string, { seq: number; id: string }[]>();
  for (const request of received) {
    const event = webhookEventSchema.parse(JSON.parse(request.body));
    if (event.type !== 'message.new') continue;
    const key = `${request.path} ${event.data.room_id}`;
    const list = pairs.get(key) ?? [];
    list.push({ seq: event.data.message.seq, id: request.headers['webhook-id'] ?? '' });
    pairs.set(key, list);
  }
  return pairs;
}

/** Repeats dropped by webhook-id, as a receiver does. */
const deduped = (list: readonly { seq: number; id: string }[]): number[] => {
  const seen = new Set<string>();
  return list.flatMap((e) => (seen.has(e.id) ? [] : (seen.add(e.id), [e.seq])));
};

const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describeCluster('webhooks on two nodes (PostgreSQL + Redis)', () => {
  let cluster: Cluster;
  let receiver: Receiver;
  let nodes: [ChatNode, ChatNode];
  let alice: string;
  let rooms: [string, string];

  beforeAll(async () => {
    receiver = await startReceiver();
    // Answers take a few ms, so sends of different pairs overlap.
    receiver.reply = () => ({ status: 200, afterMs: Math.floor(Math.random() * 8) });
    cluster = await startCluster();
    const env = { ...FAST_WEBHOOKS, WEBHOOK_LEASE_MS: '1500' };
    nodes = [await cluster.start('n1', env), await cluster.start('n2', env)];
    alice = await cluster.token('alice');
    rooms = [
      await createRoom(nodes[0], alice, { name: 'order a' }),
      await createRoom(nodes[1], alice, { name: 'order b' }),
    ];
    const hook = (path: string, roomId: string | null, token = alice) =>
      createHook(nodes[0], token, {
        url: `${receiver.url}${path}`,
        events: ['message.new'],
        ...(roomId ? { room_id: roomId } : {}),
      });
    await hook('/a1', rooms[0]);
    await hook('/a2', rooms[0]);
    await hook('/b1', rooms[1]);
    await hook('/all', null, await adminToken('root'));
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
    await receiver?.close();
  }, 60_000);

  /** Posts `count` messages into each room through each live node, all streams at once. */
  const postEverywhere = async (through: readonly ChatNode[], count: number): Promise<void> => {
    await Promise.all(
      through.flatMap((node) =>
        rooms.map(async (roomId) => {
          for (let i = 0; i < count; i += 1) {
            await call(node, 'POST', '/api/messages', alice, {
              room_id: roomId,
              content: `${node.name} ${i}`,
            });
          }
        }),
      ),
    );
  };

  const expectOrdered = (total: number, exactlyOnce: boolean): void => {
    const got = streams(receiver.received);
    const wanted = ['/a1 A', '/a2 A', '/b1 B', '/all A', '/all B'].map((k) =>
      k.replace(' A', ` ${rooms[0]}`).replace(' B', ` ${rooms[1]}`),
    );
    expect([...got.keys()].sort()).toEqual([...wanted].sort());
    for (const key of wanted) {
      const list = got.get(key) ?? [];
      // Every message of the room once (repeats dropped by id), in seq order.
      expect({ key, seqs: deduped(list) }).toEqual({ key, seqs: oneTo(total) });
      if (exactlyOnce) expect({ key, sent: list.length }).toEqual({ key, sent: total });
    }
  };

  const everyStreamHas = (total: number) => () => {
    const got = streams(receiver.received);
    return got.size === 5 && [...got.values()].every((list) => new Set(list.map((e) => e.id)).size >= total);
  };

  test('each hook gets each room’s messages once and in seq order, whichever node they were posted on', async () => {
    await postEverywhere(nodes, PER_ROOM_PER_NODE);
    const total = 2 * PER_ROOM_PER_NODE;
    await receiver.waitFor('every message at every hook', everyStreamHas(total), 30_000);
    expectOrdered(total, true);
    // One node delivered all of them.
    const delivering = nodes.filter((n) => n.output().includes('webhooks: this node delivers'));
    expect(delivering).toHaveLength(1);
  }, 60_000);

  test('when the delivering node is killed mid-stream, the other takes over and order holds', async () => {
    const [holder] = nodes.filter((n) => n.output().includes('webhooks: this node delivers'));
    const survivor = nodes.find((n) => n !== holder);
    if (!holder || !survivor) throw new Error('no delivering node');
    const before = 2 * PER_ROOM_PER_NODE;
    // Posting continues on the survivor while the holder dies.
    const posting = postEverywhere([survivor], PER_ROOM_PER_NODE);
    await receiver.waitFor('deliveries of the new messages to start', () =>
      [...streams(receiver.received).values()].some((list) => list.length > before),
    );
    await holder.kill();
    await posting;
    const total = before + PER_ROOM_PER_NODE;
    await receiver.waitFor('every message after the take-over', everyStreamHas(total), 30_000);
    expectOrdered(total, false);
    expect(survivor.output()).toContain('webhooks: this node delivers');
  }, 60_000);
});
