import { io } from 'socket.io-client';
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
