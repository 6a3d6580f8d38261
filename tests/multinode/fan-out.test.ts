import type { Message } from '../../shared/index';
import { okData, record, waitFor } from '../helpers/events';
import { createRoom } from '../helpers/fixtures';
import type { ClientSocket } from '../helpers/server';
import { needs } from '../helpers/services';
import { startCluster, type ChatNode, type Cluster } from './helpers';

// Every test here needs PostgreSQL and Redis: Jest's own `it`, or `it.skip` when one is missing
// (then no beforeAll/afterAll runs either).
const { it } = needs('postgres', 'redis');

/**
 * Two server processes, one PostgreSQL schema, one Redis: what happens on one node reaches the
 * clients of the other, through the Socket.IO Redis Streams adapter and the shared state.
 */
const WAIT_MS = 5000;

let cluster: Cluster;
let a: ChatNode;
let b: ChatNode;

beforeAll(async () => {
  cluster = await startCluster();
  const env = { RATE_LIMIT_MESSAGES_PER_SECOND: '1000', TYPING_TIMEOUT_MS: '1000' };
  [a, b] = await Promise.all([cluster.start('A', env), cluster.start('B', env)]);
}, 60_000);

afterAll(() => cluster?.close(), 30_000);

/** Connects `userId` to each node in `nodes`, in order. */
async function sockets(userId: string, ...nodes: ChatNode[]): Promise<ClientSocket[]> {
  const token = await cluster.token(userId);
  const out: ClientSocket[] = [];
  for (const node of nodes) out.push(await node.connect(token));
  return out;
}

/** One socket of `userId` on `node`. */
async function socket(userId: string, node: ChatNode): Promise<ClientSocket> {
  const [s] = await sockets(userId, node);
  if (!s) throw new Error('no socket');
  return s;
}

it('a message sent on one node arrives as message:new on the other, and on the sender’s node', async () => {
  const alice = await socket('alice1', a);
  const bob = await socket('bob1', b);
  const roomId = await createRoom(alice, 'across', { joinedBy: [bob] });
  const [ack, atBob, atAlice] = await Promise.all([
    alice.emitWithAck('message:send', { room_id: roomId, content: 'hello from A' }),
    waitFor(bob, 'message:new', (m) => m.content === 'hello from A', WAIT_MS),
    waitFor(alice, 'message:new', (m) => m.content === 'hello from A', WAIT_MS),
  ]);
  expect(atBob).toEqual(okData(ack));
  expect(atAlice).toEqual(okData(ack));

  // Over HTTP on B, to a socket on A.
  const [posted, overHttp] = await Promise.all([
    b.http<Message>('POST', '/api/messages', {
      token: await cluster.token('bob1'),
      body: { room_id: roomId, content: 'posted on B' },
    }),
    waitFor(alice, 'message:new', (m) => m.content === 'posted on B', WAIT_MS),
  ]);
  expect(posted.status).toBe(201);
  expect(overHttp).toEqual(posted.body);
});

it('typing on one node reaches the other, and its expiry is announced once', async () => {
  const alice = await socket('alice2', a);
  const bob = await socket('bob2', b);
  const roomId = await createRoom(alice, 'typing', { joinedBy: [bob] });
  const seen = record(bob, 'typing:update');
  const [, started] = await Promise.all([
    alice.emitWithAck('typing:update', { room_id: roomId, is_typing: true }),
    waitFor(bob, 'typing:update', (u) => u.typing_users.length === 1, WAIT_MS),
  ]);
  expect(started.typing_users).toEqual([{ user_id: 'alice2', username: 'alice2' }]);
  // Not renewed: it ends after TYPING_TIMEOUT_MS, on whichever node sweeps first.
  await waitFor(bob, 'typing:update', (u) => u.typing_users.length === 0, WAIT_MS);
  // A later change travels the same stream: any second expiry broadcast would have come before it.
  await Promise.all([
    alice.emitWithAck('typing:update', { room_id: roomId, is_typing: true }),
    waitFor(bob, 'typing:update', (u) => u.typing_users.length === 1, WAIT_MS),
  ]);
  expect(seen.seen.map((u) => u.typing_users.length)).toEqual([1, 0, 1]);
});

it('a reaction added on one node reaches the other', async () => {
  const alice = await socket('alice3', a);
  const bob = await socket('bob3', b);
  const roomId = await createRoom(alice, 'reactions', { joinedBy: [bob] });
  const message = okData(
    await alice.emitWithAck('message:send', { room_id: roomId, content: 'react to me' }),
  );
  const [ack, atAlice] = await Promise.all([
    bob.emitWithAck('reaction:add', { message_id: message.id, emoji: '👍' }),
    waitFor(alice, 'reaction:updated', (r) => r.message_id === message.id, WAIT_MS),
  ]);
  expect(atAlice).toEqual(okData(ack));
  expect(atAlice.reactions).toEqual([{ emoji: '👍', count: 1, user_ids: ['bob3'] }]);
});

it('a user is online while a socket is open on any node, and offline when the last one closes', async () => {
  const alice = await socket('alice4', a);
  const roomId = await createRoom(alice, 'presence');
  const carolToken = await cluster.token('carol4');
  expect((await b.http('POST', `/api/rooms/${roomId}/join`, { token: carolToken })).status).toBe(200);
  const told = record(alice, 'presence:update');

  const [carolOnB] = await Promise.all([
    b.connect(carolToken),
    waitFor(alice, 'presence:update', (p) => p.user_id === 'carol4' && p.status === 'online', WAIT_MS),
  ]);
  const carolOnA = await a.connect(carolToken); // a second socket, on the other node: no change
  // A counts a socket as soon as it connects, before it answers anything on it: after this answer,
  // closing the socket on B leaves one counted on A.
  expect(okData(await carolOnA.emitWithAck('presence:get', { user_ids: ['carol4'] })).presence).toEqual([
    expect.objectContaining({ status: 'online' }),
  ]);
  carolOnB.disconnect(); // one socket left, on A: no change
  const [, statusOnB] = await Promise.all([
    waitFor(alice, 'presence:update', (p) => p.user_id === 'carol4' && p.status === 'offline', WAIT_MS),
    (async () => {
      carolOnA.disconnect();
    })(),
  ]).then(async ([offline]) => [
    offline,
    await b.http<{ presence: { status: string }[] }>('GET', '/api/users/carol4/presence', {
      token: await cluster.token('alice4'),
    }),
  ]);
  // A message from B after both closes: every presence broadcast made before it has arrived too.
  await Promise.all([
    b.http('POST', '/api/messages', { token: carolToken, body: { room_id: roomId, content: 'barrier' } }),
    waitFor(alice, 'message:new', (m) => m.content === 'barrier', WAIT_MS),
  ]);
  expect(told.seen.filter((p) => p.user_id === 'carol4').map((p) => p.status)).toEqual(['online', 'offline']);
  expect(statusOnB).toMatchObject({ status: 200, body: { presence: [{ status: 'offline' }] } });
});

it('joining on one node moves the user’s sockets on every node; leaving too', async () => {
  const dave = await socket('dave5', a);
  const daveOnB = await socket('dave5', b);
  const [bobOnA, bobOnB] = await sockets('bob5', a, b);
  if (!bobOnA || !bobOnB) throw new Error('no socket');
  const roomId = await createRoom(dave, 'membership');

  // bob joins through A: his socket on B is in the room before the announcement reaches it.
  const [, joinedOnB] = await Promise.all([
    bobOnA.emitWithAck('room:join', { room_id: roomId }),
    waitFor(bobOnB, 'room:user_joined', (e) => e.room_id === roomId && e.user_id === 'bob5', WAIT_MS),
  ]);
  expect(joinedOnB).toMatchObject({ room_id: roomId, user_id: 'bob5', username: 'bob5' });
  const [sent, atBobOnB, atBobOnA] = await Promise.all([
    dave.emitWithAck('message:send', { room_id: roomId, content: 'welcome' }),
    waitFor(bobOnB, 'message:new', (m) => m.room_id === roomId, WAIT_MS),
    waitFor(bobOnA, 'message:new', (m) => m.room_id === roomId, WAIT_MS),
  ]);
  expect(atBobOnB).toEqual(okData(sent));
  expect(atBobOnA).toEqual(okData(sent));

  // bob leaves through B: his socket on A hears the announcement, then is out of the room.
  const bobOnAHears = record(bobOnA, 'message:new');
  await Promise.all([
    bobOnB.emitWithAck('room:leave', { room_id: roomId }),
    waitFor(bobOnA, 'room:user_left', (e) => e.room_id === roomId && e.user_id === 'bob5', WAIT_MS),
  ]);
  // Sent from B (after the leave in the stream), seen by dave on A; bob's socket on A got nothing
  // before its next ack, which A writes after any broadcast it handled first.
  await Promise.all([
    daveOnB.emitWithAck('message:send', { room_id: roomId, content: 'after bob left' }),
    waitFor(dave, 'message:new', (m) => m.content === 'after bob left', WAIT_MS),
  ]);
  okData(await bobOnA.emitWithAck('room:list', {}));
  expect(bobOnAHears.seen.map((m) => m.content)).toEqual([]);
});

it('four senders, two per node, 100 messages each at the same time: seq 1..400, each delivered once on each node', async () => {
  const owner = await socket('owner6', a);
  const listenerA = await socket('listenerA6', a);
  const listenerB = await socket('listenerB6', b);
  const senders = [
    await socket('s1', a),
    await socket('s2', a),
    await socket('s3', b),
    await socket('s4', b),
  ];
  const roomId = await createRoom(owner, 'burst', { joinedBy: [listenerA, listenerB, ...senders] });
  const heard = [record(listenerA, 'message:new'), record(listenerB, 'message:new')];

  // The four send at the same time, each keeping 10 sends in flight (100 at once per node would
  // only measure how long the database connection pool lets a request queue).
  const perSender = await Promise.all(
    senders.map(async (s, i) => {
      const mine: Message[] = [];
      for (let wave = 0; wave < 10; wave++) {
        const acks = await Promise.all(
          Array.from({ length: 10 }, (_, n) =>
            s.emitWithAck('message:send', { room_id: roomId, content: `${i}:${wave * 10 + n}` }),
          ),
        );
        mine.push(...acks.map(okData));
      }
      return mine;
    }),
  );
  const sent = perSender.flat();
  expect(sent.map((m) => m.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));

  // A last message from each node: everything sent before it has been delivered on both nodes.
  for (const [s, content] of [
    [senders[0], 'last from A'],
    [senders[2], 'last from B'],
  ] as const) {
    if (!s) throw new Error('no sender');
    await Promise.all([
      s.emitWithAck('message:send', { room_id: roomId, content }),
      waitFor(listenerA, 'message:new', (m) => m.content === content, 10_000),
      waitFor(listenerB, 'message:new', (m) => m.content === content, 10_000),
    ]);
  }
  const ids = new Set(sent.map((m) => m.id));
  for (const { seen } of heard) {
    const burst = seen.filter((m) => ids.has(m.id));
    expect(burst).toHaveLength(400);
    expect(new Set(burst.map((m) => m.id)).size).toBe(400);
  }
}, 60_000);
