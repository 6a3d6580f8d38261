import type { HistoryPage, Message } from '../../shared/schemas/objects';
import { errorOf, okData, waitFor } from '../helpers/events';
import { createTestSchema, testDatabaseAddress } from '../helpers/postgres';
import { needs } from '../helpers/services';
import { startServer, type ClientSocket, type TestServer } from '../helpers/server';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

/**
 * PostgreSQL going away and coming back, whatever TEST_STORE says: the server reaches PostgreSQL
 * through a TCP proxy that the tests cut (connections reset, as in a database restart) or stall
 * (bytes held, as in a network partition). Readiness follows the database by itself, requests
 * fail with an answer instead of hanging, and nothing acknowledged is lost.
 */

/** Statement timeout for these servers (the default is 10 s), so a stalled query fails quickly. */
const QUERY_TIMEOUT_MS = 1500;
/** How long an ack may take while PostgreSQL does not answer: the statement timeout, with room. */
const ACK_DEADLINE_MS = QUERY_TIMEOUT_MS + 3000;

interface Readiness {
  status: string;
  checks: Record<string, 'up' | 'down'>;
}

needs('postgres').describe('PostgreSQL outage, through a TCP proxy', () => {
  let proxy: TcpProxy;
  let server: TestServer;
  let alice: ClientSocket;
  let roomId: string;

  beforeEach(async () => {
    const schema = await createTestSchema();
    proxy = await startTcpProxy(testDatabaseAddress());
    const viaProxy = new URL(schema.url);
    viaProxy.hostname = proxy.host;
    viaProxy.port = String(proxy.port);
    viaProxy.searchParams.set('query_timeout', String(QUERY_TIMEOUT_MS));
    server = await startServer({
      // The schema is dropped directly, not through the proxy.
      storage: { kind: 'postgres', databaseUrl: viaProxy.toString(), remove: schema.drop },
    });
    alice = await server.connect(await server.token('alice', 'Alice'));
    roomId = okData(await alice.emitWithAck('room:create', { name: 'ops' })).id;
  });

  afterEach(async () => {
    proxy.restore();
    await server.close();
    await proxy.close();
  });

  const readiness = () => server.http<Readiness>('GET', '/readyz');
  /** Rejects, failing the test, when no ack comes within the deadline. */
  const send = (content: string) =>
    withDeadline(alice.emitWithAck('message:send', { room_id: roomId, content, client_id: content }));
  const history = async (): Promise<Message[]> =>
    okData<HistoryPage>(await alice.emitWithAck('message:history', { room_id: roomId, after_seq: 0 }))
      .messages;

  it('is unready and refuses sends while connections are cut, then recovers by itself', async () => {
    const before = okData(await send('before'));
    expect(await readiness()).toMatchObject({ status: 200, body: { checks: { storage: 'up' } } });

    proxy.cut();
    expect(await readiness()).toMatchObject({
      status: 503,
      body: { status: 'unavailable', checks: { storage: 'down' } },
    });
    expect(errorOf(await send('during')).code).toBe('INTERNAL_ERROR');
    const overHttp = await server.http('POST', '/api/messages', {
      token: await server.token('alice', 'Alice'),
      body: { room_id: roomId, content: 'during, over HTTP' },
    });
    expect(overHttp.status).toBe(500);
    expect(alice.connected).toBe(true);

    proxy.restore();
    // No restart, no reconnect call: the next check opens a new connection.
    expect(await readiness()).toMatchObject({
      status: 200,
      body: { status: 'ready', checks: { storage: 'up' } },
    });
    const after = okData(await send('after'));
    // The refused sends took no seq; every acknowledged message is stored, nothing else.
    expect(after.seq).toBe(before.seq + 1);
    expect(await history()).toEqual([before, after]);
  });

  it('answers with an error instead of hanging while PostgreSQL does not answer, then recovers', async () => {
    const before = okData(await send('before'));

    proxy.stall();
    expect(await readiness()).toMatchObject({ status: 503, body: { checks: { storage: 'down' } } });
    expect(errorOf(await send('during')).code).toBe('INTERNAL_ERROR');
    expect(alice.connected).toBe(true);

    proxy.restore();
    expect(await readiness()).toMatchObject({ status: 200, body: { checks: { storage: 'up' } } });
    const after = okData(await send('after'));
    const stored = await history();
    // A send that was never acknowledged may have been stored or not; acknowledged ones all were,
    // and seqs stay gap-free either way.
    expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(stored[0]).toEqual(before);
    expect(stored.at(-1)).toEqual(after);
    expect(stored.length).toBeLessThanOrEqual(3);
  });
  it('acknowledges and broadcasts a send whose answer the link lost after PostgreSQL committed it', async () => {
    const bob = await server.connect(await server.token('bob', 'Bob'));
    okData(await bob.emitWithAck('room:join', { room_id: roomId }));
    const before = okData(await send('before'));

    // The next statement reaches PostgreSQL, which commits it; its answer never comes back.
    proxy.deafen();
    const heard = waitFor(bob, 'message:new', (m) => m.client_id === 'lost answer');
    const sent = okData(await send('lost answer'));
    expect(await heard).toEqual(sent);
    expect(sent.seq).toBe(before.seq + 1);
    // The broken link's connections end, as they would; the next ones work.
    proxy.cut();
    proxy.restore();
    expect(await readiness()).toMatchObject({ status: 200, body: { checks: { storage: 'up' } } });
    // Stored once: a retry of the same client_id answers the same message.
    expect(okData(await send('lost answer'))).toEqual(sent);
    expect(await history()).toEqual([before, sent]);
  });
});

function withDeadline<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ack within ${ACK_DEADLINE_MS} ms`)), ACK_DEADLINE_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
