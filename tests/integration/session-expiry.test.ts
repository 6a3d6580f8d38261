import { SignJWT } from 'jose';
import { waitForDisconnect } from '../helpers/events';
import { TEST_SECRET, startServer, type TestServer } from '../helpers/server';

/** A token that expires `seconds` from now (JWT `exp` has whole-second precision). */
function shortLivedToken(seconds: number): Promise<string> {
  return new SignJWT({ name: 'Alice' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .sign(new TextEncoder().encode(TEST_SECRET));
}

describe('a socket lives no longer than its token', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startServer();
  });

  afterEach(() => server.close());

  it('is disconnected by the server when the token expires, and cannot come back with it', async () => {
    const token = await shortLivedToken(1);
    const socket = await server.connect(token);
    expect(await waitForDisconnect(socket, 4000)).toBe('io server disconnect');
    await expect(server.connect(token)).rejects.toMatchObject({ message: 'UNAUTHORIZED' });
    const overHttp = await server.http('GET', '/api/rooms', { token });
    expect(overHttp.status).toBe(401);
  });
});
