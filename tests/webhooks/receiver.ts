import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got, as it arrived. */
export interface Received {
  /** The path and query the request was sent to. */
  path: string;
  method: string;
  /** Header names in lower case (as Node gives them). */
  headers: Record<string, string>;
  /** The raw body: what the signature covers. */
  body: string;
  /** When it arrived (ms since the epoch). */
  at: number;
  /** When it was answered; undefined until then. */
  answeredAt?: number;
}

/** What the receiver answers to one request: a status, a status after a delay, or `hang` (never answers). */
export type Reply = number | { status: number; afterMs: number } | 'hang';

/**
 * A real HTTP receiver on 127.0.0.1 and an ephemeral port, started by the test: records every
 * request and answers what `reply` says (200 by default). `waitFor` resolves when the requests
 * received so far satisfy a condition, and rejects with what it waited for after a timeout.
 */
export interface Receiver {
  readonly url: string;
  readonly received: readonly Received[];
  /** Decides each answer; given the request and how many came before it to the same path. */
  reply: (request: Received, before: number) => Reply;
  waitFor(what: string, done: (received: readonly Received[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers[name] = value;
      }
      const request: Received = {
        path: req.url ?? '/',
        method: req.method ?? '',
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      const before = received.filter((r) => r.path === request.path).length;
      received.push(request);
      const answer = receiver.reply(request, before);
      const wakeAll = (): void => {
        for (const wake of waiters) wake();
      };
      const respond = (status: number): void => {
        request.answeredAt = Date.now();
        res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
        wakeAll();
      };
      if (answer === 'hang') hanging.add(res);
      else if (typeof answer === 'number') respond(answer);
      else setTimeout(() => respond(answer.status), answer.afterMs);
      wakeAll();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}`,
    received,
    reply: () => 200,
    waitFor: (what, done, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!done(received)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${received.length} requests`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}

/** The parsed bodies of the requests made to `path`, in arrival order. */
export function bodiesAt(received: readonly Received[], path: string): unknown[] {
  return received.filter((r) => r.path === path).map((r) => JSON.parse(r.body) as unknown);
}
