import net from 'node:net';
import { okData, waitForDisconnect } from '../helpers/events';
import { startServer } from '../helpers/server';

describe('graceful shutdown', () => {
  it('disconnects sockets, cuts connections that never finish, and closes the database', async () => {
    // A short budget: whatever is still open after half of it is cut.
    const server = await startServer({ env: { SHUTDOWN_TIMEOUT_MS: '400' } });
    const alice = await server.connect(await server.token('alice', 'Alice'));
    okData(await alice.emitWithAck('room:create', { name: 'general' }));
    const { port } = new URL(server.url);
    // A client that connects and never sends a request would keep a plain close() waiting forever.
    const silent = net.connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      silent.once('connect', resolve);
      silent.once('error', reject);
    });
    const silentClosed = new Promise<void>((resolve) => silent.once('close', () => resolve()));

    const disconnected = waitForDisconnect(alice);
    await server.app.close();
    // A transport close (not "io server disconnect") is what makes socket.io-client reconnect by
    // itself, to the restarted server or another node.
    expect(await disconnected).toBe('transport close');
    await silentClosed;
    await expect(server.app.store.ping()).rejects.toHaveProperty('message');
    await server.close(); // removes the database folder (closing again is a no-op)
  });
});
