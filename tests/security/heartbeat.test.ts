import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { io } from 'socket.io-client';
import WebSocket, { WebSocketServer } from 'ws';
import { PlainWsConnection } from '../../server/realtime/plain-ws/connection';
import { okData } from '../helpers/events';
import { startServer, type ClientSocket, type TestServer } from '../helpers/server';

/**
 * Security review, item 2 (heartbeats): a pong only keeps a connection alive when it answers the
 * server's own ping. These tests check that well-behaved clients, whose pongs do answer pings, are
 * never taken for dead readers, and that on /ws a pong that does not echo the heartbeat's ping is
 * not counted. (The Socket.IO client that sends a pong unasked is in slow-consumer.test.ts.)
 */

const TIMEOUT_MS = 3000;

function within<T>(promise: Promise<T>, what: string, ms = TIMEOUT_MS): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      setTimeout(() => reject(new Error(`timed out: ${what}`)), ms).unref();
    }),
  ]);
}

describe('Socket.IO heartbeat with the pong guard', () => {
  let server: TestServer;
  const clients: ClientSocket[] = [];

  beforeEach(async () => {
    server = await startServer();
    // Ping every 50 ms instead of 25 s, so several ping/pong rounds happen within the test.
    server.app.io.engine.opts.pingInterval = 50;
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await server.close();
  });

  it.each([
    ['websocket', ['websocket']],
    ['long-polling', ['polling']],
    ['long-polling upgraded to websocket', ['polling', 'websocket']],
  ])('keeps a client over %s that answers every ping', async (_name, transports) => {
    const token = await server.token('alice');
    const client: ClientSocket = io(`${server.url}/chat`, {
      auth: { token },
      transports,
      reconnection: false,
      forceNew: true,
    });
    clients.push(client);
    await within(
      new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('connect_error', reject);
      }),
      'connect',
    );
    // Five pings, each answered by the client's pong.
    await within(
      new Promise<void>((resolve) => {
        let pings = 0;
        client.io.on('ping', () => {
          pings += 1;
          if (pings === 5) resolve();
        });
      }),
      'five pings',
    );
    expect(client.connected).toBe(true);
    expect(okData(await client.emitWithAck('room:list', {})).rooms).toEqual([]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(
      'chat_connections_closed_total{transport="socket.io",reason="unsolicited_pong"} 0',
    );
  });
});

describe('plain /ws heartbeat', () => {
  let wss: WebSocketServer;
  let url: string;

  beforeEach(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });

  /** A server-side PlainWsConnection and the raw client connected to it. */
  async function connect(
    clientOptions: WebSocket.ClientOptions,
  ): Promise<{ connection: PlainWsConnection; serverSide: WebSocket; client: WebSocket }> {
    const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
    const client = new WebSocket(url, clientOptions);
    const [serverSide] = await within(accepted, 'connection');
    await within(once(client, 'open'), 'open');
    const connection = new PlainWsConnection(serverSide, { id: 'alice', name: 'alice' }, 'room', {
      bufferedBytes: 1024 * 1024,
      onSlowConsumer: () => undefined,
    });
    return { connection, serverSide, client };
  }

  it('keeps a client whose pongs echo the heartbeat pings', async () => {
    const { connection, serverSide, client } = await connect({});
    for (let round = 0; round < 3; round += 1) {
      const pong = once(serverSide, 'pong');
      connection.heartbeat();
      await within(pong, 'the pong');
    }
    connection.heartbeat();
    expect(client.readyState).toBe(WebSocket.OPEN);
  });

  it('cuts a client whose pongs answer no ping of the heartbeat', async () => {
    // A client that does not read cannot answer pings; it can only send pongs of its own.
    const { connection, serverSide, client } = await connect({ autoPong: false });
    const closed = once(client, 'close');
    let pong = once(serverSide, 'pong');
    client.pong(Buffer.from('alive!'));
    await within(pong, 'the unsolicited pong');
    connection.heartbeat();
    pong = once(serverSide, 'pong');
    client.pong(Buffer.from('alive!'));
    await within(pong, 'the second unsolicited pong');
    connection.heartbeat();
    await within(closed, 'the client is cut');
  });
});
