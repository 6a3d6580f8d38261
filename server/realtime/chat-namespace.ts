import type { IncomingMessage } from 'node:http';
import { channel, type ClientEvents } from '../../shared/events';
import type { TokenVerifier } from '../auth/jwt';
import type { ConnectionGuards } from '../config/env';
import type { RateLimiter } from '../domain/rate-limits';
import type { Services } from '../domain/services';
import type { UserDirectory } from '../domain/user-directory';
import type { Logger } from '../logger';
import type { ChatStore } from '../store/types';
import { guardEngineConnections, type ConnectionCloseObserver } from './connection-guard';
import type { ConnectionSlots } from './connection-slots';
import { createEventBinder, type EventHandlers, type EventObserver } from './event-handler';
import { activityHandlers } from './handlers/activity-handlers';
import { conversationHandlers } from './handlers/conversation-handlers';
import { messageHandlers } from './handlers/message-handlers';
import { moderationHandlers } from './handlers/moderation-handlers';
import { roomHandlers } from './handlers/room-handlers';
import { socketAuth } from './socket-auth';
import { atTokenExpiry } from './token-expiry';
import type { ChatNamespace, ChatServer, ChatSocket } from './types';

/**
 * What the namespace reports: every event (through the wrapper), how many sockets are live, and
 * connections its guards closed.
 */
export interface NamespaceMetrics extends EventObserver, ConnectionCloseObserver {
  countConnections(transport: 'socket.io', count: () => number): void;
}

export interface ChatNamespaceDeps {
  services: Services;
  store: ChatStore;
  users: UserDirectory;
  verify: TokenVerifier;
  rateLimiter: RateLimiter;
  events: ClientEvents;
  logger: Logger;
  metrics: NamespaceMetrics;
  /** Bounds per socket (events in flight, bytes buffered). */
  guards: ConnectionGuards;
  /** Connections per user on this node, shared with the plain WebSocket endpoint. */
  slots: ConnectionSlots;
  /** The client's address behind trusted proxies (per-address budgets). */
  addressOf: (req: IncomingMessage) => string;
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
    ...conversationHandlers(services),
    ...moderationHandlers(services),
  };
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>, what: string, userId: string): void => {
    const tracked = work.catch((err: unknown) => {
      logger.error(what, { user_id: userId, err });
    });
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
  };

  deps.metrics.countConnections('socket.io', () => nsp.sockets.size);
  guardEngineConnections(io, {
    bufferedBytes: deps.guards.bufferedBytes,
    nsp,
    logger,
    observer: deps.metrics,
  });
  nsp.use(socketAuth({ ...deps, logger }));
  const bindEvents = createEventBinder(deps.events, handlers, logger, deps.metrics, deps.guards);
  nsp.on('connection', (socket) => {
    const { actor, roomIds } = socket.data;
    void socket.join([channel.user(actor.id), ...roomIds.map(channel.room)]);
    logger.info('socket connected', { user_id: actor.id, socket_id: socket.id });
    bindEvents(socket);
    track(refreshMemberships(socket, deps.store), 'membership refresh failed', actor.id);
    track(services.presence.connected(actor), 'presence update failed', actor.id);
    // A socket lives no longer than its token: at `exp` the server disconnects it, and reconnecting
    // with the same token is refused with UNAUTHORIZED.
    const cancelExpiry = atTokenExpiry(actor.expiresAt, () => socket.disconnect(true));
    socket.on('disconnect', (reason) => {
      cancelExpiry();
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

/**
 * Memberships were read during the handshake, before the socket was in `user:<id>`: a join or a
 * leave made in between (from another socket, node or HTTP) moved the user's other sockets but
 * not this one, which was in no channel yet. So they are read again once it is, and the socket's
 * channels are made to match: joined where it missed a join (an invite accepted), left where it
 * missed a leave, which would otherwise keep sending it a room the user has left until it
 * reconnects (what remains is the time of this one read). Changes made after it reach the socket
 * through `user:<id>` as usual. A leave and a join again of the same room within that read may
 * leave the socket out of it: out, not in, is the side to err on.
 */
async function refreshMemberships(socket: ChatSocket, store: ChatStore): Promise<void> {
  const known = new Set(socket.data.roomIds);
  const current = new Set(await store.roomIdsOf(socket.data.actor.id));
  if (!socket.connected) return;
  const missed = [...current].filter((id) => !known.has(id));
  const stale = [...known].filter((id) => !current.has(id));
  if (missed.length > 0) await socket.join(missed.map(channel.room));
  for (const id of stale) await socket.leave(channel.room(id));
}
