import { okData, waitFor } from '../helpers/events';
import { createRoom } from '../helpers/fixtures';
import { redisTarget, startTcpProxy, type TcpProxy } from '../helpers/redis-proxy';
import { needs } from '../helpers/services';
import { eventually, startCluster, TEST_REDIS_URL, type ChatNode, type Cluster } from './helpers';

// Every test here needs PostgreSQL and Redis: Jest's own `it`, or `it.skip` when one is missing
// (then no beforeAll/afterAll runs either).
const { it } = needs('postgres', 'redis');

/**
 * Node A reaches Redis through a proxy the test cuts; node B reaches it directly. A node that
 * loses Redis says so on /readyz (so a load balancer stops sending it new clients), recovers by
 * itself, and loses no broadcast made while it was cut off.
 */
let cluster: Cluster;
let proxy: TcpProxy;
let a: ChatNode;
let b: ChatNode;

beforeAll(async () => {
  cluster = await startCluster();
  proxy = await startTcpProxy(redisTarget(TEST_REDIS_URL));
  [a, b] = await Promise.all([
    cluster.start('A', { REDIS_URL: cluster.redisUrl(proxy.url()) }),
    cluster.start('B'),
  ]);
}, 60_000);

afterAll(async () => {
  await cluster?.close();
  await proxy?.close();
}, 30_000);

async function readiness(node: ChatNode) {
  return node.http<{ status: string; checks: Record<string, string> }>('GET', '/readyz');
}

it('/readyz is 503 while Redis is unreachable and 200 again by itself; no broadcast is lost', async () => {
  const alice = await a.connect(await cluster.token('alice'));
  const bob = await b.connect(await cluster.token('bob'));
  const roomId = await createRoom(alice, 'outage', { joinedBy: [bob] });
  expect(await readiness(a)).toMatchObject({ status: 200, body: { checks: { redis: 'up', storage: 'up' } } });

  await proxy.cut();
  await eventually(async () => (await readiness(a)).status === 503, 'node A reports not ready');
  expect(await readiness(a)).toMatchObject({
    status: 503,
    body: { status: 'unavailable', checks: { redis: 'down', storage: 'up' } },
  });
  expect((await readiness(b)).status).toBe(200);

  // Sent on B while A is cut off: A reads on from its place in the stream once it is back.
  const delivered = waitFor(alice, 'message:new', (m) => m.content === 'during the outage', 15_000);
  const whileAway = okData(
    await bob.emitWithAck('message:send', { room_id: roomId, content: 'during the outage' }),
  );

  await proxy.restore();
  await eventually(async () => (await readiness(a)).status === 200, 'node A is ready again', 15_000);
  expect(await readiness(a)).toMatchObject({ status: 200, body: { checks: { redis: 'up' } } });
  expect(await delivered).toEqual(whileAway);

  // And A publishes again: a message sent on A after the outage arrives on B.
  const [sent, atBob] = await Promise.all([
    alice.emitWithAck('message:send', { room_id: roomId, content: 'after the outage' }),
    waitFor(bob, 'message:new', (m) => m.content === 'after the outage', 10_000),
  ]);
  expect(atBob).toEqual(okData(sent));
}, 60_000);
