import net from 'node:net';

/**
 * A TCP proxy in front of Redis (or any TCP service) that a test can cut and restore, to play an
 * outage: `cut()` drops every connection and refuses new ones (clients see ECONNREFUSED, as when
 * Redis is down); `restore()` listens again on the same port, so clients reconnect by themselves.
 */
export interface TcpProxy {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` plus the given path (e.g. `/3` for a database number). */
  url(path?: string): string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      open.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        open.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of open) socket.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  await listen(0);
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: (path = '') => `redis://127.0.0.1:${port}${path}`,
    cut: stop,
    restore: () => listen(port),
    close: stop,
  };
}

/** Host and port of a redis:// URL. */
export function redisTarget(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 6379) };
}
