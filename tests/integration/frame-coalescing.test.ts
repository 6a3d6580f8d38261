import { Socket as TcpSocket } from 'node:net';
import WebSocket from 'ws';
import { channel, type ServerPayload } from '../../shared/events';
import { okData, record } from '../helpers/events';
import { connectUsers, createRoom } from '../helpers/fixtures';
import { startServer, type ClientSocket, type TestServer } from '../helpers/server';
import { openWebSocketSession } from '../security/engine-client';

/**
 * Frames bound for one websocket connection within an event-loop turn (or SOCKET_WRITE_COALESCE_MS)
 * leave in one write: checked on the server's side of a client's TCP connection, while the client
 * must still receive every frame, in order, and a client that stops reading must still be cut.
 */

const WAIT_MS = 5000;

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Starts a server with `env`; alice owns a room bob has joined. */
async function roomOfTwo(env: Record<string, string> = {}) {
  server = await startServer({ env: { RATE_LIMIT_MESSAGES_PER_SECOND: '100000', ...env } });
  const { sockets, tokens } = await connectUsers(server, ['alice', 'bob'] as const);
  const roomId = await createRoom(sockets.alice, 'burst', { joinedBy: [sockets.bob] });
  return { server, sockets, tokens, roomId };
}

/** The server's end of a user's (only) Socket.IO websocket connection. */
function serverTcpOf(server: TestServer, userId: string): TcpSocket {
  const socket = [...server.app.io.of('/chat').sockets.values()].find((s) => s.data.actor.id === userId);
  const ws: unknown = socket ? Reflect.get(socket.conn.transport, 'socket') : undefined;
  const tcp: unknown = ws instanceof WebSocket ? Reflect.get(ws, '_socket') : undefined;
  if (!(tcp instanceof TcpSocket)) throw new Error(`no websocket connection of ${userId}`);
  return tcp;
}

/** Counts the writes the kernel is asked for on `tcp` (a corked batch is one `_writev`). */
function countWrites(tcp: TcpSocket): { count(): number } {
  const writev = jest.spyOn(tcp, '_writev');
  const write = jest.spyOn(tcp, '_write');
  return { count: () => writev.mock.calls.length + write.mock.calls.length };
}

function leftEvent(roomId: string, i: number): ServerPayload<'room:user_left'> {
  return {
    room_id: roomId,
    user_id: `user-${i}`,
    username: `User ${i}`,
    timestamp: new Date().toISOString(),
  };
}

/** Resolves once `socket` has received `count` `room:user_left` events; answers them in order. */
async function receiveLeft(socket: ClientSocket, count: number): Promise<string[]> {
  const seen = record(socket, 'room:user_left');
  const deadline = Date.now() + WAIT_MS;
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (seen.seen.length >= count) return resolve();
      if (Date.now() > deadline) return reject(new Error(`received ${seen.seen.length} of ${count} frames`));
      socket.once('room:user_left', check);
    };
    check();
  });
  seen.stop();
  return seen.seen.map((e) => e.user_id);
}

const expectedIds = (count: number): string[] => Array.from({ length: count }, (_, i) => `user-${i}`);

describe('frames bound for one connection', () => {
  it('leave in one write when broadcast within one turn, and arrive complete and in order', async () => {
    const { server, sockets, roomId } = await roomOfTwo();
    const writes = countWrites(serverTcpOf(server, 'bob'));
    const received = receiveLeft(sockets.bob, 20);
    const room = server.app.io.of('/chat').to(channel.room(roomId));
    for (let i = 0; i < 20; i += 1) room.emit('room:user_left', leftEvent(roomId, i));
    expect(await received).toEqual(expectedIds(20));
    expect(writes.count()).toBe(1);
  });

  it('leave in one write across turns within SOCKET_WRITE_COALESCE_MS', async () => {
    const { server, sockets, roomId } = await roomOfTwo({ SOCKET_WRITE_COALESCE_MS: '20' });
    const writes = countWrites(serverTcpOf(server, 'bob'));
    const received = receiveLeft(sockets.bob, 20);
    const room = server.app.io.of('/chat').to(channel.room(roomId));
    for (let i = 0; i < 10; i += 1) room.emit('room:user_left', leftEvent(roomId, i));
    // A 1 ms timer fires before the window's 20 ms one, however late both are run.
    setTimeout(() => {
      for (let i = 10; i < 20; i += 1) room.emit('room:user_left', leftEvent(roomId, i));
    }, 0);
    expect(await received).toEqual(expectedIds(20));
    expect(writes.count()).toBe(1);
  });

  it.each(['0', '10'])(
    'of sends fired together are all acknowledged and delivered in order (SOCKET_WRITE_COALESCE_MS=%s)',
    async (coalesceMs) => {
      const { sockets, roomId } = await roomOfTwo({ SOCKET_WRITE_COALESCE_MS: coalesceMs });
      const delivered = record(sockets.bob, 'message:new');
      const contents = Array.from({ length: 30 }, (_, i) => `message ${i}`);
      const acks = await Promise.all(
        contents.map((content) => sockets.alice.emitWithAck('message:send', { room_id: roomId, content })),
      );
      const seqs = acks.map((ack) => okData(ack).seq);
      // The acks of one socket's sends come in the order it sent them, as do its seqs.
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      // Every broadcast was written before the ack of the last send: a round trip settles them.
      okData(await sockets.bob.emitWithAck('room:get', { room_id: roomId }));
      delivered.stop();
      expect(delivered.seen.map((m) => m.content)).toEqual(contents);
      expect(delivered.seen.map((m) => m.seq)).toEqual(seqs);
    },
  );

  it('still cut a reader that stops reading, with a window of several turns', async () => {
    const { server, roomId } = await roomOfTwo({
      SOCKET_WRITE_COALESCE_MS: '10',
      MAX_BUFFERED_BYTES: '65536',
      MAX_CONTENT_LENGTH: '50000',
    });
    const mallory = await server.token('mallory');
    expect((await server.http('POST', `/api/rooms/${roomId}/join`, { token: mallory })).status).toBe(200);
    const session = await openWebSocketSession(server.url, mallory);
    const onServer = [...server.app.io.of('/chat').sockets.values()].find(
      (s) => s.data.actor.id === 'mallory',
    );
    if (!onServer) throw new Error('mallory is not connected');
    let reason: string | undefined;
    onServer.once('disconnect', (why) => {
      reason = why;
    });
    session.pauseReading();
    const big = 'x'.repeat(50_000);
    // Sent over HTTP: alice's socket reads these broadcasts too, and two of them coalesced in one
    // window pass the bound, so on a slow run the guard may cut her as well, which is not the point.
    const alice = await server.token('alice');
    for (let sent = 0; reason === undefined; sent += 1) {
      if (sent >= 400) throw new Error('the reader was not cut after 400 broadcasts');
      const res = await server.http('POST', '/api/messages', {
        token: alice,
        body: { room_id: roomId, content: big },
      });
      expect(res.status).toBe(201);
    }
    // The guard's close (a close requested by the client would be "client namespace disconnect").
    expect(reason).toBe('forced close');
    session.ws.terminate();
  });
});
