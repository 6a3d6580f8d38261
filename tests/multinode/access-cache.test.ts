import { randomUUID } from 'node:crypto';
import { AccessCachingStore } from '../../server/store/cache/access-cache';
import { errorOf, okData } from '../helpers/events';
import type { ClientSocket, TestServer } from '../helpers/server';
import { startServer } from '../helpers/server';
import { needs, settings } from '../helpers/services';

// Two app instances in this process, one storage (TEST_STORE), one Redis: as two nodes are.
const { describe } = needs('redis');

/**
 * Each node answers access checks from its own cache; a membership change made through one node
 * must be seen by the other at once: the change is acknowledged only after every node forgot the
 * old answer (docs/several-instances.md).
 */
describe('room access cached on two nodes', () => {
  let nodeA: TestServer;
  let nodeB: TestServer;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    // A prefix of this run only: presence, rate limits and the channels of other runs stay apart.
    const env = { REDIS_URL: settings.redisUrl, REDIS_KEY_PREFIX: `test:${randomUUID()}:` };
    nodeA = await startServer({ env });
    nodeB = await startServer({ env, storage: nodeA.storage });
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await nodeB?.close({ keepData: true });
    await nodeA?.close();
  });

  /** A socket of `userId` on `node`. */
  async function on(node: TestServer, userId: string): Promise<ClientSocket> {
    const socket = await node.connect(await node.token(userId));
    sockets.push(socket);
    return socket;
  }

  const cacheOf = (node: TestServer): AccessCachingStore => {
    const { store } = node.app;
    if (!(store instanceof AccessCachingStore)) throw new Error('the app store is not the access cache');
    return store;
  };

  const send = (socket: ClientSocket, roomId: string, content: string) =>
    socket.emitWithAck('message:send', { room_id: roomId, content });

  it('a leave through B refuses the next send through A at once (public room: FORBIDDEN); a join through B lets it in', async () => {
    const aliceA = await on(nodeA, 'alice1');
    const bobA = await on(nodeA, 'bob1');
    const bobB = await on(nodeB, 'bob1');
    const roomId = okData(await aliceA.emitWithAck('room:create', { name: 'public' })).id;
    okData(await bobB.emitWithAck('room:join', { room_id: roomId }));

    const before = cacheOf(nodeA).size;
    okData(await send(bobA, roomId, 'first'));
    okData(await bobA.emitWithAck('typing:update', { room_id: roomId, is_typing: true }));
    // Node A now answers bob's checks from memory.
    expect(cacheOf(nodeA).size).toBeGreaterThan(before);

    okData(await bobB.emitWithAck('room:leave', { room_id: roomId }));
    expect(errorOf(await send(bobA, roomId, 'after leaving')).code).toBe('FORBIDDEN');
    expect(errorOf(await bobA.emitWithAck('typing:update', { room_id: roomId, is_typing: false })).code).toBe(
      'FORBIDDEN',
    );

    okData(await bobB.emitWithAck('room:join', { room_id: roomId }));
    expect(okData(await send(bobA, roomId, 'back again')).content).toBe('back again');
  });

  it('a leave through B hides a private room from A at once (NOT_FOUND); an invite accepted through B opens it', async () => {
    const aliceA = await on(nodeA, 'alice2');
    const carolA = await on(nodeA, 'carol2');
    const carolB = await on(nodeB, 'carol2');
    const roomId = okData(
      await aliceA.emitWithAck('room:create', {
        name: 'private',
        is_private: true,
        invited_users: ['carol2'],
      }),
    ).id;
    // Not a member yet: the room does not exist for her, and node A keeps that answer.
    expect(errorOf(await send(carolA, roomId, 'too early')).code).toBe('NOT_FOUND');

    okData(await carolB.emitWithAck('room:join', { room_id: roomId }));
    okData(await send(carolA, roomId, 'accepted'));

    okData(await carolB.emitWithAck('room:leave', { room_id: roomId }));
    expect(errorOf(await send(carolA, roomId, 'gone')).code).toBe('NOT_FOUND');
  });

  it('an owner leaving through B makes the member A knows the owner at once', async () => {
    const ownerB = await on(nodeB, 'dana3');
    const erinA = await on(nodeA, 'erin3');
    const frankA = await on(nodeA, 'frank3');
    const roomId = okData(await ownerB.emitWithAck('room:create', { name: 'handover' })).id;
    okData(await erinA.emitWithAck('room:join', { room_id: roomId }));
    okData(await frankA.emitWithAck('room:join', { room_id: roomId }));
    const franks = okData(await send(frankA, roomId, 'by frank'));
    // Erin is a member: she may not delete frank's message (node A keeps her role).
    expect(errorOf(await erinA.emitWithAck('message:delete', { message_id: franks.id })).code).toBe(
      'FORBIDDEN',
    );

    okData(await ownerB.emitWithAck('room:leave', { room_id: roomId }));
    okData(await erinA.emitWithAck('message:delete', { message_id: franks.id }));
  });
});
