import type { ExtendedError } from 'socket.io';
import { bearerToken, type TokenVerifier } from '../auth/jwt';
import { toWireError } from '../domain/errors';
import type { RateLimiter } from '../domain/rate-limits';
import type { UserDirectory } from '../domain/user-directory';
import type { Logger } from '../logger';
import type { ChatStore } from '../store/types';
import type { ChatSocket } from './types';

/**
 * Namespace middleware: a socket is admitted only with a valid token. A refusal reaches the
 * client's `connect_error` with `err.message` set to the error code ("UNAUTHORIZED", or
 * "RATE_LIMITED" for an address that keeps failing) and the error body in `err.data`.
 */
export function socketAuth(
  verify: TokenVerifier,
  store: ChatStore,
  users: UserDirectory,
  rateLimiter: RateLimiter,
  logger: Logger,
) {
  return async (socket: ChatSocket, next: (err?: ExtendedError) => void): Promise<void> => {
    try {
      const raw: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
      // The token alone, or (as in an Authorization header) prefixed with "Bearer ".
      const token = typeof raw === 'string' ? (bearerToken(raw) ?? raw) : undefined;
      const actor = await verify(token).catch(async (err: unknown) => {
        await rateLimiter.consume('unauthenticated', socket.handshake.address);
        throw err;
      });
      await users.remember(actor);
      socket.data.actor = actor;
      socket.data.roomIds = await store.roomIdsOf(actor.id);
      next();
    } catch (err) {
      const { body, unexpected } = toWireError(err);
      if (unexpected) logger.error('socket authentication failed', { err });
      const refusal: ExtendedError = Object.assign(new Error(body.code), { data: body });
      next(refusal);
    }
  };
}
