import { okData, waitFor } from '../helpers/events';
import { createRoom } from '../helpers/fixtures';
import { needs } from '../helpers/services';
import { startCluster, type ChatNode, type Cluster } from './helpers';

// Every test here needs PostgreSQL and Redis: Jest's own `it`, or `it.skip` when one is missing
// (then no beforeAll/afterAll runs either).
const { it } = needs('postgres', 'redis');

/**
 * A node killed with SIGKILL closes nothing: its sockets' users must still go offline on the
 * nodes that live on, within the presence TTL. Run with the default PRESENCE_TTL_MS (30 s), so
 * that the test proves the documented bound rather than a scaled-down one.
 */
const DEFAULT_PRESENCE_TTL_MS = 30_000;

let cluster: Cluster;
let a: ChatNode;
let b: ChatNode;
let c: ChatNode;

beforeAll(async () => {
  cluster = await startCluster();
  [a, b, c] = await Promise.all([cluster.start('A'), cluster.start('B'), cluster.start('C')]);
}, 90_000);

afterAll(() => cluster?.close(), 30_000);

it('a node stopped with SIGTERM: its users go offline on the others at once, not after the TTL', async () => {
  const carol = await c.connect(await cluster.token('carol'));
  const bob = await b.connect(await cluster.token('bob'));
  await createRoom(carol, 'leaving', { joinedBy: [bob] });
  const offline = waitFor(
    bob,
    'presence:update',
    (p) => p.user_id === 'carol' && p.status === 'offline',
    10_000,
  );
  const stoppedAt = Date.now();
  await c.stop();
  await offline;
  const tookMs = Date.now() - stoppedAt;
  console.info(`carol went offline on B ${tookMs} ms after node C was stopped`);
  // The closing node announces its users itself (far within one heartbeat, a third of the TTL).
  expect(tookMs).toBeLessThan(DEFAULT_PRESENCE_TTL_MS / 3);
  bob.disconnect();
});

it('kill -9 of a node: its users go offline on the others within 30 s, and catch up on reconnecting', async () => {
  const aliceToken = await cluster.token('alice');
  const alice = await a.connect(aliceToken);
  const bob = await b.connect(await cluster.token('bob'));
  const roomId = await createRoom(alice, 'survivors', { joinedBy: [bob] });
  const seenByAlice = okData(await alice.emitWithAck('message:send', { room_id: roomId, content: 'before' }));

  const offline = waitFor(
    bob,
    'presence:update',
    (p) => p.user_id === 'alice' && p.status === 'offline',
    DEFAULT_PRESENCE_TTL_MS + 5000,
  );
  const killedAt = Date.now();
  await a.kill();
  const update = await offline;
  const tookMs = Date.now() - killedAt;
  console.info(`alice went offline on B ${tookMs} ms after node A was killed`);
  expect(tookMs).toBeLessThanOrEqual(DEFAULT_PRESENCE_TTL_MS);
  expect(Date.parse(update.last_seen ?? '')).toBeGreaterThanOrEqual(killedAt);
  const presence = okData(await bob.emitWithAck('presence:get', { user_ids: ['alice'] })).presence;
  expect(presence).toEqual([{ user_id: 'alice', status: 'offline', last_seen: update.last_seen }]);

  // While alice is away, bob writes on B; she reconnects to B and asks for what she missed.
  const missed = [];
  for (const content of ['while you were out', 'twice', 'thrice']) {
    missed.push(okData(await bob.emitWithAck('message:send', { room_id: roomId, content })));
  }
  const [again] = await Promise.all([
    b.connect(aliceToken),
    waitFor(bob, 'presence:update', (p) => p.user_id === 'alice' && p.status === 'online'),
  ]);
  const history = okData(
    await again.emitWithAck('message:history', { room_id: roomId, after_seq: seenByAlice.seq }),
  );
  expect(history).toEqual({ messages: missed, has_more: false });
}, 60_000);
