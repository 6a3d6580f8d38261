import WebSocket from 'ws';
import type { ErrorBody } from '../../shared/errors';
import { closeAndSettle, okData } from '../helpers/events';
import { startServer, type ClientSocket, type TestServer } from '../helpers/server';
import { eventually } from './server-process';

/**
 * Security review, item 7: one user held 1,000 Socket.IO sockets (and, separately, 300 /ws
 * connections to one room). Now a user holds at most MAX_CONNECTIONS_PER_USER (30) connections per
 * node, Socket.IO and /ws together; one more is refused with RATE_LIMITED (connect_error on
 * Socket.IO, HTTP 429 with the JSON error body on /ws) and closing one frees its slot. New
 * connections are also counted per client address (RATE_LIMIT_HANDSHAKES_PER_MINUTE), before the
 * token is even verified.
 */

const CAP = 30;

let server: TestServer;

afterEach(() => server.close());

/** The connect_error of a socket.io connection that must be refused. */
async function refusedConnect(token: string): Promise<Error & { data?: ErrorBody }> {
  try {
    await server.connect(token);
  } catch (err) {
    return err as Error & { data?: ErrorBody };
  }
  throw new Error('the connection was accepted');
}

/** Opens /ws/{room}; resolves with the open client, or rejects with the refusal's status and body. */
function openPlain(roomId: string, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/${roomId}?token=${token}`);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })),
      );
    });
  });
}

async function refusedPlain(roomId: string, token: string): Promise<{ status: number; body: unknown }> {
  try {
    const ws = await openPlain(roomId, token);
    ws.close();
  } catch (err) {
    const { status, body } = err as { status: number; body: string };
    return { status, body: JSON.parse(body) };
  }
  throw new Error('the plain websocket was accepted');
}

describe('connections per user', () => {
  let token: string;
  let first: ClientSocket;
  let roomId: string;

  beforeEach(async () => {
    server = await startServer();
    token = await server.token('mallory');
    // CAP - 1 sockets: the first, and the others.
    first = await server.connect(token);
    for (let i = 1; i < CAP - 1; i += 1) await server.connect(token);
    roomId = okData(await first.emitWithAck('room:create', { name: 'mine' })).id;
  });

  it('refuses a Socket.IO socket past the cap with RATE_LIMITED; the others keep working; a closed one frees its slot', async () => {
    const last = await server.connect(token);
    const refused = await refusedConnect(token);
    expect(refused.message).toBe('RATE_LIMITED');
    expect(refused.data).toEqual({
      code: 'RATE_LIMITED',
      message: expect.stringContaining('Too many connections'),
    });
    // Another user is not affected.
    await server.connect(await server.token('alice'));

    expect(okData(await last.emitWithAck('room:get', { room_id: roomId })).id).toBe(roomId);
    await closeAndSettle(server, first);
    await server.connect(token);
    expect((await refusedConnect(token)).message).toBe('RATE_LIMITED');
  });

  it('counts /ws connections in the same cap, refused with 429 and the JSON error body', async () => {
    const plain = await openPlain(roomId, token);
    expect(await refusedPlain(roomId, token)).toEqual({
      status: 429,
      body: { error: { code: 'RATE_LIMITED', message: expect.stringContaining('Too many connections') } },
    });
    expect((await refusedConnect(token)).message).toBe('RATE_LIMITED');

    // Closing the /ws connection gives its slot back (the server sees the TCP close a moment later).
    plain.close();
    let again: ClientSocket | undefined;
    await eventually(async () => {
      again = await server.connect(token).catch(() => undefined);
      return again !== undefined;
    }, 'the slot of the closed /ws connection is free again');
    expect(again?.connected).toBe(true);
  });
});

describe('handshakes per address', () => {
  const BUDGET = 4;

  beforeEach(async () => {
    server = await startServer({ env: { RATE_LIMIT_HANDSHAKES_PER_MINUTE: String(BUDGET) } });
  });

  it('refuses Socket.IO and /ws connections past the budget, before looking at the token', async () => {
    const alice = await server.token('alice');
    const owner = await server.connect(alice);
    const roomId = okData(await owner.emitWithAck('room:create', { name: 'open' })).id;
    await server.connect(await server.token('bob'));
    await server.connect(await server.token('carol'));
    (await openPlain(roomId, alice)).close();

    const refused = await refusedConnect(await server.token('dave'));
    expect(refused.message).toBe('RATE_LIMITED');
    expect(refused.data).toEqual({
      code: 'RATE_LIMITED',
      message: expect.stringContaining('connections from this address'),
      retry_after_ms: expect.any(Number),
    });
    // Even a bad token is refused for the budget, not checked.
    expect((await refusedConnect('not-a-token')).message).toBe('RATE_LIMITED');
    expect(await refusedPlain(roomId, alice)).toEqual({
      status: 429,
      body: {
        error: {
          code: 'RATE_LIMITED',
          message: expect.stringContaining('connections from this address'),
          retry_after_ms: expect.any(Number),
        },
      },
    });
    // Connections already open are not affected.
    expect(okData(await owner.emitWithAck('room:get', { room_id: roomId })).id).toBe(roomId);
  });
});

describe('a connection that closes during its handshake', () => {
  it('gives its slot back: handshakes abandoned mid-authentication cannot lock a user out', async () => {
    server = await startServer({ env: { MAX_CONNECTIONS_PER_USER: '2' } });
    const token = await server.token('alice');
    const base = `${server.url}/socket.io/?EIO=4&transport=polling`;
    for (let i = 0; i < 4; i++) {
      const open = await (await fetch(base)).text();
      const sid = /"sid":"([^"]+)"/.exec(open)?.[1];
      expect(sid).toBeDefined();
      // The /chat connect and an Engine.IO close in one payload: the connection is gone while the
      // auth middleware is still verifying the token.
      const res = await fetch(`${base}&sid=${sid ?? ''}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: `40/chat,${JSON.stringify({ token })}\x1e1`,
      });
      await res.text();
    }
    const first = await server.connect(token);
    const second = await server.connect(token);
    expect([first.connected, second.connected]).toEqual([true, true]);
    await expect(server.connect(token)).rejects.toThrow('RATE_LIMITED');
  });
});
