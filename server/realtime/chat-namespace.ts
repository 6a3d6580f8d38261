import { channel, type ClientEvents } from '../../shared/events';
import type { TokenVerifier } from '../auth/jwt';
import type { Services } from '../domain/services';
import type { UserDirectory } from '../domain/user-directory';
import type { Logger } from '../logger';
import type { ChatStore } from '../store/types';
import { socketAuth } from './socket-auth';
import { bindEvents, type EventHandlers } from './event-handler';
import { messageHandlers } from './handlers/message-handlers';
import { roomHandlers } from './handlers/room-handlers';
import type { LocalPresence } from './local-presence';
import type { ChatNamespace, ChatServer } from './types';

export interface ChatNamespaceDeps {
  services: Services;
  store: ChatStore;
  users: UserDirectory;
  verify: TokenVerifier;
  presence: LocalPresence;
  events: ClientEvents;
  logger: Logger;
}

/** The `/chat` namespace: authenticated sockets, placed in their users' rooms, answering every client event. */
export function attachChatNamespace(io: ChatServer, deps: ChatNamespaceDeps): ChatNamespace {
  const { presence, logger } = deps;
  const nsp = io.of('/chat');
  const handlers: EventHandlers = { ...roomHandlers(deps.services), ...messageHandlers(deps.services) };

  nsp.use(socketAuth(deps.verify, deps.store, deps.users));
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
    presence.connected(actor.id);
    logger.info('socket connected', { user_id: actor.id, socket_id: socket.id, recovered: socket.recovered });
    bindEvents(socket, deps.events, handlers, logger);
    socket.on('disconnect', (reason) => {
      presence.disconnected(actor.id);
      logger.info('socket disconnected', { user_id: actor.id, socket_id: socket.id, reason });
    });
  });

  // Everything lives in /chat; the default namespace admits nobody.
  io.of('/').use((_socket, next) => next(new Error('NOT_FOUND')));
  return nsp;
}
