import { SignJWT } from 'jose';
import { waitForDisconnect } from '../helpers/events';
import { TEST_SECRET, startServer, type TestServer } from '../helpers/server';

/**
 * A token that expires at least `seconds` from now. JWT `exp` has whole-second precision, so it is
 * rounded up: rounding down could leave a few milliseconds, less than a connection takes.
 */
function shortLivedToken(seconds: number): Promise<string> {
  return new SignJWT({ name: 'Alice' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .setExpirationTime(Math.ceil(Date.now() / 1000 + seconds))
    .sign(new TextEncoder().encode(TEST_SECRET));
}

describe('a socket lives no longer than its token', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startServer();
  });

  afterEach(() => server.close());

  it('is disconnected by the server when the token expires, and cannot come back with it', async () => {
    const token = await shortLivedToken(1.5);
    const socket = await server.connect(token);
    expect(await waitForDisconnect(socket, 5000)).toBe('io server disconnect');
    await expect(server.connect(token)).rejects.toMatchObject({ message: 'UNAUTHORIZED' });
    const overHttp = await server.http('GET', '/api/rooms', { token });
    expect(overHttp.status).toBe(401);
  });
});
