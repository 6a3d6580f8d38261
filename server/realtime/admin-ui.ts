import type { IncomingMessage } from 'node:http';
import { instrument } from '@socket.io/admin-ui';
import { hash } from 'bcryptjs';
import type { Server } from 'socket.io';
import type { AdminUiConfig } from '../config/env';
import { toWireError } from '../domain/errors';
import type { RateLimiter } from '../domain/rate-limits';
import type { ChatServer } from './types';

export const ADMIN_NAMESPACE = '/admin';

/** A bcrypt hash as ADMIN_UI_PASSWORD (what the Admin UI's documentation recommends) is used as is. */
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
const BCRYPT_ROUNDS = 10;

/**
 * The Socket.IO Admin UI's server side, on the `/admin` namespace behind basic authentication.
 * Read-only: an admin watches sockets, rooms and traffic but cannot move sockets into rooms (which
 * would bypass the membership rules and hand private messages to anyone) or disconnect them.
 * Production mode: aggregated counts, never the content of events.
 */
export async function attachAdminUi(
  io: ChatServer,
  config: Extract<AdminUiConfig, { enabled: true }>,
  rateLimiter: RateLimiter,
  /** The client's address behind trusted proxies. */
  addressOf: (req: IncomingMessage) => string,
): Promise<void> {
  // The Admin UI compares the password with bcrypt and insists on receiving a hash.
  const password = BCRYPT_HASH.test(config.password)
    ? config.password
    : await hash(config.password, BCRYPT_ROUNDS);
  // Checked before the Admin UI's own middleware: it hands whatever the client sent to bcrypt,
  // which throws (an unhandled rejection) on a password that is not a string.
  io.of(ADMIN_NAMESPACE).use((socket, next) => {
    const auth: unknown = socket.handshake.auth;
    next(hasCredentialShape(auth) ? undefined : new Error('invalid credentials'));
  });
  // Each password attempt costs a bcrypt comparison on the event loop: attempts are counted per
  // address before any hash is computed, so guessing cannot stall the server (or go on for long).
  io.of(ADMIN_NAMESPACE).use((socket, next) => {
    if (!hasPassword(socket.handshake.auth)) {
      next();
      return;
    }
    rateLimiter.consume('adminLogin', addressOf(socket.request)).then(
      () => next(),
      (err: unknown) => {
        const { body } = toWireError(err);
        next(Object.assign(new Error(body.code), { data: body }));
      },
    );
  });
  // The instrumentation is typed for a Server without event maps; ours only adds types to it.
  instrument(io as unknown as Server, {
    namespaceName: ADMIN_NAMESPACE,
    auth: { type: 'basic', username: config.username, password },
    mode: 'production',
    readonly: true,
  });
}

function hasPassword(auth: unknown): boolean {
  return typeof auth === 'object' && auth !== null && 'password' in auth;
}

/**
 * A login with a username and a password, both strings, or a session id alone. Anything else
 * would reach the Admin UI's middleware, which hands a missing password to bcrypt (an unhandled
 * rejection) whenever a username comes with a session id it does not know.
 */
function hasCredentialShape(auth: unknown): boolean {
  if (typeof auth !== 'object' || auth === null) return false;
  const { username, password, sessionId } = auth as Record<string, unknown>;
  if (typeof username === 'string' || typeof password === 'string') {
    return typeof username === 'string' && typeof password === 'string';
  }
  return typeof sessionId === 'string' && username === undefined && password === undefined;
}
