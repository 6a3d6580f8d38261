import net from 'node:net';

/**
 * A TCP proxy between the server under test and a dependency (PostgreSQL), whose link a test can
 * break: `cut()` resets every open connection and refuses new ones, as a database restart or a
 * failed network does; `stall()` holds every byte in both directions, as a network partition does
 * (no reset, no answer); `restore()` delivers what was held and lets connections through again.
 * `deafen()` drops every answer on the connections open now while their requests still arrive, as
 * a link that fails right after a request went out: the server acts, the client never hears.
 */
export interface TcpProxy {
  host: string;
  port: number;
  cut(): void;
  stall(): void;
  restore(): void;
  deafen(): void;
  /** Ends every connection and stops listening. */
  close(): Promise<void>;
}

type Mode = 'open' | 'cut' | 'stalled';

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: Mode = 'open';
  const sockets = new Set<net.Socket>();
  /** Bytes held while stalled, in arrival order, with where they were going. */
  let held: { to: net.Socket; chunk: Buffer }[] = [];
  /** Client sockets that no longer get their server's bytes. */
  const deaf = new WeakSet<net.Socket>();
  const clients = new Set<net.Socket>();

  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A reset peer is this proxy's normal business, never a test failure.
    socket.on('error', () => undefined);
  };
  const forward = (from: net.Socket, to: net.Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (deaf.has(to)) return;
      if (mode === 'stalled') held.push({ to, chunk });
      else to.write(chunk);
    });
    from.once('close', () => to.destroy());
  };

  const server = net.createServer((client) => {
    track(client);
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    clients.add(client);
    client.once('close', () => clients.delete(client));
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');

  return {
    host: '127.0.0.1',
    port: address.port,
    cut: () => {
      mode = 'cut';
      held = [];
      for (const socket of sockets) socket.resetAndDestroy();
    },
    stall: () => {
      mode = 'stalled';
    },
    restore: () => {
      mode = 'open';
      for (const { to, chunk } of held) if (!to.destroyed) to.write(chunk);
      held = [];
    },
    deafen: () => {
      for (const client of clients) deaf.add(client);
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
