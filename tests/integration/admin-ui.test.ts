import { hash } from 'bcryptjs';
import { io, type Socket } from 'socket.io-client';
import { startServer, type TestServer } from '../helpers/server';

/**
 * The Socket.IO Admin UI: absent unless ADMIN_UI=true; then its `/admin` namespace admits only the
 * configured credentials, is read-only, and its pages are served locally at `/admin/`.
 */

const USERNAME = 'ops';
const PASSWORD = 'correct horse battery staple';
const TIMEOUT_MS = 3000;

const ENABLED = { ADMIN_UI: 'true', ADMIN_UI_USERNAME: USERNAME, ADMIN_UI_PASSWORD: PASSWORD };

let server: TestServer;
const admins: Socket[] = [];

afterEach(async () => {
  for (const s of admins.splice(0)) s.disconnect();
  await server.close();
});

/** Connects to the admin namespace; resolves with the socket and the `config` it is sent, or rejects with the connect_error. */
function connectAdmin(auth: unknown): Promise<{ socket: Socket; features: string[] }> {
  const socket = io(`${server.url}/admin`, {
    auth: auth as Record<string, unknown>,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  admins.push(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out connecting to /admin')), TIMEOUT_MS);
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('config', (config: { supportedFeatures: string[] }) => {
      clearTimeout(timer);
      resolve({ socket, features: config.supportedFeatures });
    });
  });
}

describe('Socket.IO Admin UI', () => {
  it('is off by default: no /admin namespace and no pages', async () => {
    server = await startServer();
    await expect(connectAdmin({ username: USERNAME, password: PASSWORD })).rejects.toThrow(
      'Invalid namespace',
    );
    const page = await fetch(`${server.url}/admin/`);
    expect(page.status).toBe(404);
  });

  it('when on, refuses wrong or malformed credentials and stays up', async () => {
    server = await startServer({ env: ENABLED });
    for (const auth of [
      { username: USERNAME, password: 'wrong' },
      { username: 'someone', password: PASSWORD },
      { username: USERNAME },
      { username: USERNAME, password: 12345 },
      {},
    ]) {
      await expect(connectAdmin(auth)).rejects.toThrow('invalid credentials');
    }
    // Malformed credentials did not take the server down: the right ones still get in.
    await expect(connectAdmin({ username: USERNAME, password: PASSWORD })).resolves.toBeDefined();
  });

  it('when on, admits the right credentials read-only, with aggregated events only', async () => {
    server = await startServer({ env: ENABLED });
    const { features } = await connectAdmin({ username: USERNAME, password: PASSWORD });
    // No feature that acts on sockets (emit, join, leave, disconnect), no event contents.
    expect(features).toEqual(['AGGREGATED_EVENTS']);
  });

  it('accepts a bcrypt hash as ADMIN_UI_PASSWORD', async () => {
    server = await startServer({
      env: { ...ENABLED, ADMIN_UI_PASSWORD: await hash('hashed secret', 4) },
    });
    await expect(connectAdmin({ username: USERNAME, password: 'hashed secret' })).resolves.toBeDefined();
    await expect(connectAdmin({ username: USERNAME, password: PASSWORD })).rejects.toThrow(
      'invalid credentials',
    );
  });

  it('when on, serves the UI at /admin/ from the package, loading nothing from a CDN', async () => {
    server = await startServer({ env: ENABLED });
    const bare = await fetch(`${server.url}/admin`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([301, '/admin/']);

    const page = await fetch(`${server.url}/admin/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('Socket.IO Admin UI');
    expect(html).not.toMatch(/(href|src)="(https?:)?\/\//);

    const script = /src="(js\/app\.[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${server.url}/admin/${script ?? ''}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
  });
});
