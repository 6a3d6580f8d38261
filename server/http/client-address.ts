import type { IncomingMessage } from 'node:http';
import type { Express } from 'express';

/** Express's compiled `trust proxy` setting: is the hop at `address`, `i` hops away, a trusted proxy? */
export type TrustProxy = (address: string, i: number) => boolean;

/**
 * The client's address as Express computes `req.ip`, for requests Express never sees (Socket.IO
 * handshakes, WebSocket upgrades): walk X-Forwarded-For from the nearest hop outwards while the hop
 * is a trusted proxy. Behind a trusted proxy, per-address budgets then count clients, not the proxy.
 */
export function clientAddress(req: IncomingMessage, trust: TrustProxy): string {
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean)
    .reverse();
  const hops = [req.socket.remoteAddress ?? 'unknown', ...forwarded];
  let i = 0;
  while (i < hops.length - 1 && trust(hops[i] ?? '', i)) i += 1;
  return hops[i] ?? 'unknown';
}

/** `clientAddress` with the app's current `trust proxy` setting. */
export function clientAddressOf(app: Express): (req: IncomingMessage) => string {
  return (req) => clientAddress(req, app.get('trust proxy fn') as TrustProxy);
}
