import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { startServer, type TestServer } from '../helpers/server';

/**
 * Per-address budgets behind a proxy: every client reaches the server from the proxy's address, so
 * without TRUST_PROXY one user's handshakes would spend everybody's budget. Socket.IO handshakes
 * and /ws upgrades read the client address from X-Forwarded-For exactly as Express does for HTTP:
 * only when the peer is a trusted proxy (TRUST_PROXY, default `loopback`). The addresses below are
 * header values only (documentation range); no traffic leaves the machine.
 */

let server: TestServer;

afterEach(() => server.close());

/** Connects to /chat as if forwarded for `client`; resolves "ok" or the connect_error's message. */
function connectAs(token: string, client: string): Promise<string> {
  const socket = io(`${server.url}/chat`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { 'x-forwarded-for': client },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer to the handshake')), 5000);
    const done = (outcome: string): void => {
      clearTimeout(timer);
      socket.disconnect();
      resolve(outcome);
    };
    socket.once('connect', () => done('ok'));
    socket.once('connect_error', (err) => done(err.message));
  });
}

test('behind a trusted proxy, handshakes are counted per forwarded client', async () => {
  server = await startServer({ env: { RATE_LIMIT_HANDSHAKES_PER_MINUTE: '3' } });
  const token = await server.token('alice');
  for (let i = 0; i < 3; i++) expect(await connectAs(token, '203.0.113.7')).toBe('ok');
  expect(await connectAs(token, '203.0.113.7')).toBe('RATE_LIMITED');
  // Another client behind the same proxy still gets in.
  expect(await connectAs(token, '203.0.113.8')).toBe('ok');
  // A forged hop in front of the real client's does not make a new client: the proxy appends.
  expect(await connectAs(token, '198.51.100.1, 203.0.113.7')).toBe('RATE_LIMITED');
});

test('with TRUST_PROXY=false the header is ignored and the peer address counts', async () => {
  server = await startServer({ env: { RATE_LIMIT_HANDSHAKES_PER_MINUTE: '2', TRUST_PROXY: 'false' } });
  const token = await server.token('alice');
  expect(await connectAs(token, '203.0.113.1')).toBe('ok');
  expect(await connectAs(token, '203.0.113.2')).toBe('ok');
  expect(await connectAs(token, '203.0.113.3')).toBe('RATE_LIMITED');
});

/** GET /api/rooms with a token that does not verify, as if forwarded for `client`: the status. */
async function failedAuthAs(client: string): Promise<number> {
  const res = await fetch(`${server.url}/api/rooms`, {
    headers: { authorization: 'Bearer not-a-token', 'x-forwarded-for': client },
  });
  await res.arrayBuffer();
  return res.status;
}

test('behind a trusted proxy, failed HTTP authentications are counted per forwarded client', async () => {
  server = await startServer({ env: { RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '2' } });
  expect(await failedAuthAs('203.0.113.20')).toBe(401);
  expect(await failedAuthAs('203.0.113.20')).toBe(401);
  expect(await failedAuthAs('203.0.113.20')).toBe(429);
  // Another client behind the same proxy is not locked out by the first one's failures.
  expect(await failedAuthAs('203.0.113.21')).toBe(401);
});

/** Opens /ws/<room> with `token` as if forwarded for `client`: "open" or the refusal's HTTP status. */
function upgradeAs(token: string, client: string): Promise<string> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/general?token=${token}`, {
    headers: { 'x-forwarded-for': client },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer to the upgrade')), 5000);
    const done = (outcome: string): void => {
      clearTimeout(timer);
      ws.terminate();
      resolve(outcome);
    };
    ws.once('open', () => done('open'));
    ws.once('unexpected-response', (_req, res) => done(String(res.statusCode)));
    ws.once('error', (err) => done(err.message));
  });
}

test('behind a trusted proxy, failed plain-WebSocket authentications are counted per forwarded client', async () => {
  server = await startServer({ env: { RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '1' } });
  expect(await upgradeAs('bad', '203.0.113.30')).toBe('401');
  expect(await upgradeAs('bad', '203.0.113.30')).toBe('429');
  expect(await upgradeAs('bad', '203.0.113.31')).toBe('401');
});
