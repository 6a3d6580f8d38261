import { createClient } from 'redis';
import { waitFor } from '../helpers/events';
import { createRoom } from '../helpers/fixtures';
import { needs } from '../helpers/services';
import { eventually, startCluster, type ChatNode, type Cluster } from './helpers';

// Every test here needs PostgreSQL and Redis: Jest's own `it`, or `it.skip` when one is missing
// (then no beforeAll/afterAll runs either).
const { it } = needs('postgres', 'redis');

/**
 * A node stopped with SIGTERM is not a node that crashed: it deregisters from presence on its way
 * out, its users go offline on the others at once, and no other node reaps it or says it did. A
 * short presence TTL makes the others sweep every 200 ms, so a node left behind would be reaped
 * (and logged) within the test.
 */
const PRESENCE_TTL_MS = 1200;
const KEY_PREFIX = 'chat:';

let cluster: Cluster;
let a: ChatNode;
let b: ChatNode;

beforeAll(async () => {
  cluster = await startCluster();
  const env = { PRESENCE_TTL_MS: String(PRESENCE_TTL_MS), REDIS_KEY_PREFIX: KEY_PREFIX };
  [a, b] = await Promise.all([cluster.start('A', env), cluster.start('B', env)]);
}, 60_000);

afterAll(() => cluster?.close(), 30_000);

/** The presence node id a node logged at start-up ("shared state in Redis"). */
function nodeIdOf(node: ChatNode): string {
  for (const line of node.output().split('\n')) {
    try {
      const entry: unknown = JSON.parse(line);
      if (typeof entry === 'object' && entry !== null && 'node' in entry && typeof entry.node === 'string') {
        return entry.node;
      }
    } catch {
      // not a JSON log line
    }
  }
  throw new Error(`node ${node.name} logged no presence node id:\n${node.output()}`);
}

const reapLines = (node: ChatNode): string[] =>
  node
    .output()
    .split('\n')
    .filter((line) => line.includes('reaped a node'));

it('SIGTERM: the node deregisters, its users go offline on the others at once, and nobody reaps it', async () => {
  const alice = await a.connect(await cluster.token('alice'));
  const bob = await b.connect(await cluster.token('bob'));
  await createRoom(alice, 'closing time', { joinedBy: [bob] });
  const [idA, idB] = [nodeIdOf(a), nodeIdOf(b)];

  const offline = waitFor(bob, 'presence:update', (p) => p.user_id === 'alice' && p.status === 'offline');
  await a.stop();
  expect(a.process.exitCode).toBe(0);
  await offline;

  const redis = createClient({ url: cluster.redisUrl() });
  await redis.connect();
  try {
    // Nothing of A is left for B's sweep to find: not in the set of nodes, no heartbeat, no sockets
    // (had A merely dropped its heartbeat, B would have reaped it by now, and logged that below).
    expect(await redis.sMembers(`${KEY_PREFIX}presence:nodes`)).toEqual([idB]);
    expect(
      await redis.exists([`${KEY_PREFIX}presence:alive:${idA}`, `${KEY_PREFIX}presence:node:${idA}`]),
    ).toBe(0);
    expect(await redis.hGetAll(`${KEY_PREFIX}presence:online`)).toEqual({ bob: '1' });

    // Let B live through two of its heartbeats (a third of the TTL apart), hence several of its
    // sweeps (a sixth apart), before reading its log.
    const alive = `${KEY_PREFIX}presence:alive:${idB}`;
    let beats = 0;
    let last = await redis.pTTL(alive);
    await eventually(async () => {
      const now = await redis.pTTL(alive);
      if (now > last) beats++;
      last = now;
      return beats >= 2;
    }, 'B heartbeated twice after A stopped');
  } finally {
    redis.destroy();
  }
  expect(reapLines(b)).toEqual([]);
  expect(a.output()).toMatch(/"message":"left presence"/);
  bob.disconnect();
});
