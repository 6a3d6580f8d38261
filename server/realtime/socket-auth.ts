import type { IncomingMessage } from 'node:http';
import type { ExtendedError } from 'socket.io';
import { ChatError } from '../../shared/errors';
import { bearerToken, type TokenVerifier } from '../auth/jwt';
import { toWireError } from '../domain/errors';
import type { RateLimiter } from '../domain/rate-limits';
import type { UserDirectory } from '../domain/user-directory';
import type { Logger } from '../logger';
import type { ChatStore } from '../store/types';
import type { ConnectionSlots } from './connection-slots';
import type { ChatSocket } from './types';

export interface SocketAuthDeps {
  verify: TokenVerifier;
  store: ChatStore;
  users: UserDirectory;
  rateLimiter: RateLimiter;
  /** Connections per user on this node (shared with the plain WebSocket endpoint). */
  slots: ConnectionSlots;
  logger: Logger;
  /** The client's address behind trusted proxies (per-address budgets). */
  addressOf: (req: IncomingMessage) => string;
}

/**
 * Namespace middleware: a socket is admitted only with a valid token, within the handshake budget
 * of its address and the connection cap of its user. A refusal reaches the client's
 * `connect_error` with `err.message` set to the error code ("UNAUTHORIZED", or "RATE_LIMITED"
 * for an address that connects or fails too often, or a user at the cap) and the error body in
 * `err.data`.
 */
export function socketAuth(deps: SocketAuthDeps) {
  const { verify, store, users, rateLimiter, slots, logger, addressOf } = deps;
  return async (socket: ChatSocket, next: (err?: ExtendedError) => void): Promise<void> => {
    try {
      const address = addressOf(socket.request);
      // Counted before the token is even verified: verification and the reads below are the cost.
      await rateLimiter.consume('handshake', address);
      const raw: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
      // The token alone, or (as in an Authorization header) prefixed with "Bearer ".
      const token = typeof raw === 'string' ? (bearerToken(raw) ?? raw) : undefined;
      const actor = await verify(token).catch(async (err: unknown) => {
        await rateLimiter.consume('unauthenticated', address);
        throw err;
      });
      await users.remember(actor);
      socket.data.actor = actor;
      socket.data.roomIds = await store.roomIdsOf(actor.id);
      // A connection that closed during the awaits above will never emit `close` again (nor its
      // socket `disconnect`): a slot taken for it would never come back.
      if (socket.conn.readyState !== 'open') throw new ChatError('UNAUTHORIZED', 'connection closed');
      // Last, with nothing awaited after it, so a slot taken is a socket admitted. It is given back
      // when the socket disconnects, or when its connection closes before it ever connected.
      const release = slots.take(actor.id);
      socket.conn.once('close', release);
      socket.once('disconnect', () => {
        release();
        socket.conn.off('close', release);
      });
      next();
    } catch (err) {
      const { body, unexpected } = toWireError(err);
      if (unexpected) logger.error('socket authentication failed', { err });
      else logger.debug('socket refused', { code: body.code, address: addressOf(socket.request) });
      const refusal: ExtendedError = Object.assign(new Error(body.code), { data: body });
      next(refusal);
    }
  };
}
