/**
 * Item 8 of the security review: with the Admin UI enabled, password guesses were unlimited and
 * each cost a bcrypt comparison on the event loop (200 concurrent wrong logins held /healthz for
 * 14.5 s). Attempts are now counted per address before any hash is computed.
 */
import { io, type Socket } from 'socket.io-client';
import { startServer, type TestServer } from '../helpers/server';

const USERNAME = 'ops';
const PASSWORD = 'correct horse battery staple';
const TIMEOUT_MS = 10_000;

let server: TestServer;
const admins: Socket[] = [];

afterEach(async () => {
  for (const s of admins.splice(0)) s.disconnect();
  await server.close();
});

/** Tries to log in to /admin; resolves with "ok" or the connect_error's message. */
function tryLogin(password: string): Promise<string> {
  return tryAuth({ username: USERNAME, password });
}

/** Tries to connect to /admin with any `auth`; resolves with "ok" or the connect_error's message. */
function tryAuth(auth: Record<string, unknown>): Promise<string> {
  const socket = io(`${server.url}/admin`, {
    auth,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  admins.push(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out logging in to /admin')), TIMEOUT_MS);
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      resolve(err.message);
    });
    socket.once('config', () => {
      clearTimeout(timer);
      resolve('ok');
    });
  });
}

const enabled = (extra: Record<string, string> = {}) => ({
  env: { ADMIN_UI: 'true', ADMIN_UI_USERNAME: USERNAME, ADMIN_UI_PASSWORD: PASSWORD, ...extra },
});

test('200 concurrent wrong logins: the budget (10 per minute) reaches bcrypt, the rest are refused RATE_LIMITED', async () => {
  server = await startServer(enabled());
  const health = fetch(`${server.url}/healthz`);
  const outcomes = await Promise.all(Array.from({ length: 200 }, () => tryLogin('wrong guess')));
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1);
  expect(Object.fromEntries(counts)).toEqual({ 'invalid credentials': 10, RATE_LIMITED: 190 });
  expect((await health).status).toBe(200);
  // The address stays refused for the rest of the window, even with the right password.
  expect(await tryLogin(PASSWORD)).toBe('RATE_LIMITED');
  // The chat itself is untouched by the admin budget.
  const chat = await server.connect(await server.token('alice'));
  expect(chat.connected).toBe(true);
});

test('the budget is configurable, and the right password within it gets in', async () => {
  server = await startServer(enabled({ RATE_LIMIT_ADMIN_LOGINS_PER_MINUTE: '3' }));
  expect(await tryLogin('wrong 1')).toBe('invalid credentials');
  expect(await tryLogin('wrong 2')).toBe('invalid credentials');
  expect(await tryLogin(PASSWORD)).toBe('ok');
  expect(await tryLogin(PASSWORD)).toBe('RATE_LIMITED');
});

test('a session id with a username but no string password is refused, and the server stays up', async () => {
  server = await startServer(enabled());
  for (const auth of [
    { sessionId: 'made-up', username: USERNAME },
    { sessionId: 'made-up', username: USERNAME, password: 12345 },
    { sessionId: 'made-up', password: PASSWORD },
  ]) {
    const refusal = await tryAuth(auth);
    expect(refusal).toBe('invalid credentials');
  }
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  expect(await tryLogin(PASSWORD)).toBe('ok');
});
