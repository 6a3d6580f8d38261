import { channel, type ClientEvents } from '../../shared/events';
import type { TokenVerifier } from '../auth/jwt';
import type { RateLimiter } from '../domain/rate-limits';
import type { Services } from '../domain/services';
import type { UserDirectory } from '../domain/user-directory';
import type { Logger } from '../logger';
import type { ChatStore } from '../store/types';
import { bindEvents, type EventHandlers } from './event-handler';
import { activityHandlers } from './handlers/activity-handlers';
import { messageHandlers } from './handlers/message-handlers';
import { roomHandlers } from './handlers/room-handlers';
import { socketAuth } from './socket-auth';
import type { ChatNamespace, ChatServer } from './types';

export interface ChatNamespaceDeps {
  services: Services;
  store: ChatStore;
  users: UserDirectory;
  verify: TokenVerifier;
  rateLimiter: RateLimiter;
  events: ClientEvents;
  logger: Logger;
}

export interface AttachedNamespace {
  nsp: ChatNamespace;
  /** Resolves once the presence work of every connect and disconnect so far has finished. */
  settle(): Promise<void>;
}

/** The `/chat` namespace: authenticated sockets, placed in their users' rooms, answering every client event. */
export function attachChatNamespace(io: ChatServer, deps: ChatNamespaceDeps): AttachedNamespace {
  const { services, logger } = deps;
  const nsp = io.of('/chat');
  const handlers: EventHandlers = {
    ...roomHandlers(services),
    ...messageHandlers(services),
    ...activityHandlers(services),
  };
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>, what: string, userId: string): void => {
    const tracked = work.catch((err: unknown) => {
      logger.error(what, { user_id: userId, err });
    });
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
  };

  nsp.use(socketAuth(deps.verify, deps.store, deps.users, deps.rateLimiter));
  nsp.on('connection', (socket) => {
    const { actor, roomIds } = socket.data;
    const wanted = new Set([channel.user(actor.id), ...roomIds.map(channel.room)]);
    if (socket.recovered) {
      // A recovered session comes back with its old rooms; memberships may have changed since.
      for (const joined of socket.rooms) {
        if (joined !== socket.id && !wanted.has(joined)) void socket.leave(joined);
      }
    }
    void socket.join([...wanted]);
    logger.info('socket connected', { user_id: actor.id, socket_id: socket.id, recovered: socket.recovered });
    bindEvents(socket, deps.events, handlers, logger);
    track(services.presence.connected(actor), 'presence update failed', actor.id);
    socket.on('disconnect', (reason) => {
      logger.info('socket disconnected', { user_id: actor.id, socket_id: socket.id, reason });
      track(services.presence.disconnected(actor), 'presence update failed', actor.id);
    });
  });

  // Everything lives in /chat; the default namespace admits nobody.
  io.of('/').use((_socket, next) => next(new Error('NOT_FOUND')));
  return {
    nsp,
    settle: async () => {
      await Promise.all([...pending]);
    },
  };
}
