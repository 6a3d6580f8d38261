import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Limits } from '../../../shared/limits';
import { createPlainWsSchemas, PlainWsCloseCode } from '../../../shared/schemas/plain-ws';
import type { TokenVerifier } from '../../auth/jwt';
import type { ConnectionGuards } from '../../config/env';
import type { Actor } from '../../domain/actor';
import { notFound, toWireError } from '../../domain/errors';
import type { RateLimiter } from '../../domain/rate-limits';
import type { Services } from '../../domain/services';
import type { UserDirectory } from '../../domain/user-directory';
import type { Logger } from '../../logger';
import type { ConnectionCloseObserver } from '../connection-guard';
import type { ConnectionSlots, ReleaseSlot } from '../connection-slots';
import type { EventObserver } from '../event-handler';
import { atTokenExpiry } from '../token-expiry';
import { PlainWsConnection, type PlainWsOutputGuard } from './connection';
import { serveFrames, type FrameDeps } from './frame-handler';
import { chooseProtocol, malformedUpgrade, readTarget, refuseUpgrade, type PlainWsTarget } from './handshake';
import type { PlainWsHub } from './plain-ws-hub';

/** How often each connection is pinged; one that missed the previous ping is cut. */
const HEARTBEAT_MS = 30_000;
const GOING_AWAY = 1001;
const INTERNAL_ERROR = 1011;

/**
 * What the endpoint reports: every frame it answers, how many connections are live, and those it
 * cut as slow consumers.
 */
export interface PlainWsMetrics extends EventObserver, ConnectionCloseObserver {
  countConnections(transport: 'websocket', count: () => number): void;
}

export interface PlainWsDeps {
  /** The client's address behind trusted proxies (per-address budgets). */
  addressOf: (req: http.IncomingMessage) => string;
  services: Services;
  users: UserDirectory;
  verify: TokenVerifier;
  rateLimiter: RateLimiter;
  hub: PlainWsHub;
  limits: Limits;
  /** Bounds per connection (frames in flight, bytes buffered). */
  guards: ConnectionGuards;
  /** Connections per user on this node, shared with Socket.IO. */
  slots: ConnectionSlots;
  logger: Logger;
  metrics: PlainWsMetrics;
  /** True for an upgrade URL another server answers (Socket.IO's path); every other one is refused. */
  ownedElsewhere: (url: string) => boolean;
  /** With several nodes: tells the others when this node starts and stops holding plain WebSockets. */
  listening?: PlainWsListening;
}

/** What the relay to other nodes needs to hear from this endpoint (relay.ts). */
export interface PlainWsListening {
  /** Resolves once the other nodes relay their broadcasts here. */
  ready(): Promise<void>;
  /** A connection closed (the hub may be empty now). */
  closed(): void;
}

export interface AttachedPlainWs {
  /** Refuses new connections and closes every open one (1001, going away). */
  close(): void;
  /** Resolves once the presence work of every connect and disconnect so far has finished. */
  settle(): Promise<void>;
}

/**
 * The seed's plain WebSocket endpoint `/ws/{room_id}`, on the HTTP server's `upgrade` event. The
 * upgrade is answered only once the token and the room check out; a refusal is a plain HTTP answer
 * with the contract's status and error body (401, 404, 429), as the HTTP API would give.
 */
export function attachPlainWs(httpServer: http.Server, deps: PlainWsDeps): AttachedPlainWs {
  const { hub, logger, services } = deps;
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: deps.limits.packetBytes,
    handleProtocols: chooseProtocol,
  });
  const frameDeps: FrameDeps = {
    services,
    schemas: createPlainWsSchemas(deps.limits),
    logger,
    observer: deps.metrics,
    eventsInFlight: deps.guards.eventsInFlight,
  };
  const outputGuard: PlainWsOutputGuard = {
    bufferedBytes: deps.guards.bufferedBytes,
    onSlowConsumer: (connection, bufferedBytes) => {
      deps.metrics.connectionClosed('websocket', 'slow_consumer');
      logger.warn('plain websocket closed: slow consumer', {
        user_id: connection.actor.id,
        room_id: connection.roomId,
        buffered_bytes: bufferedBytes,
        max_buffered_bytes: deps.guards.bufferedBytes,
      });
    },
  };
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>, userId: string): Promise<void> => {
    const tracked = work.catch((err: unknown) => {
      logger.error('presence update failed', { user_id: userId, err });
    });
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
    return tracked;
  };
  let closing = false;

  deps.metrics.countConnections('websocket', () => hub.size);

  const accept = (ws: WebSocket, actor: Actor, roomId: string): void => {
    const connection = new PlainWsConnection(ws, actor, roomId, outputGuard);
    if (closing) {
      connection.close(GOING_AWAY, 'server shutting down');
      return;
    }
    hub.add(connection);
    logger.info('plain websocket connected', { user_id: actor.id, room_id: roomId });
    serveFrames(connection, frameDeps);
    void confirmMembership(connection);
    // A plain WebSocket counts for presence exactly like a socket.
    const online = track(services.presence.connected(actor), actor.id);
    // A connection lives no longer than its token: at `exp` it is closed with 4401.
    const cancelExpiry = atTokenExpiry(actor.expiresAt, () =>
      connection.close(PlainWsCloseCode.UNAUTHORIZED, 'token expired'),
    );
    ws.on('error', (err) => logger.debug('plain websocket error', { user_id: actor.id, err: err.message }));
    ws.once('close', (code) => {
      cancelExpiry();
      hub.remove(connection);
      deps.listening?.closed();
      logger.info('plain websocket disconnected', { user_id: actor.id, room_id: roomId, code });
      track(
        online.then(() => services.presence.disconnected(actor)),
        actor.id,
      );
    });
  };

  /**
   * A leave that finished between the join in `admit` and `hub.add` closed nothing (the hub did not
   * hold this connection yet), so membership is read again now that any later leave reaches it.
   * Frames stay held until then; a user who is no longer a member is closed as a leave would.
   */
  const confirmMembership = async (connection: PlainWsConnection): Promise<void> => {
    try {
      // The room as the user sees it, read without the `read` budget: the upgrade spent the user's
      // budgets already, and a spent read budget must not close a connection it just admitted.
      const room = await services.rooms.detail(connection.roomId, connection.actor.id);
      if (room.is_member) connection.release();
      else connection.close(PlainWsCloseCode.LEFT_ROOM, 'left the room');
    } catch (err) {
      // NOT_FOUND: a private room the user left is invisible to them.
      const { body, unexpected } = toWireError(err);
      if (unexpected) logger.error('plain websocket membership check failed', { err });
      if (body.code === 'NOT_FOUND') connection.close(PlainWsCloseCode.LEFT_ROOM, 'left the room');
      else connection.close(INTERNAL_ERROR, 'membership check failed');
    }
  };

  /**
   * The verified actor, holding one of its user's connection slots (`release` gives it back), in
   * the room (a public room is joined, as `room:join` would). Handshakes are counted per address
   * before the token is verified.
   */
  const admit = async (
    req: http.IncomingMessage,
    target: PlainWsTarget,
  ): Promise<{ actor: Actor; release: ReleaseSlot }> => {
    const address = deps.addressOf(req);
    await deps.rateLimiter.consume('handshake', address);
    const actor = await deps.verify(target.token).catch(async (err: unknown) => {
      await deps.rateLimiter.consume('unauthenticated', address);
      throw err;
    });
    if (target.roomId === null) throw notFound('room', 'room_id');
    const release = deps.slots.take(actor.id);
    try {
      await deps.users.remember(actor);
      // Idempotent for members; NOT_FOUND for a private room the user is not in, as everywhere.
      await services.rooms.join(actor, target.roomId);
    } catch (err) {
      release();
      throw err;
    }
    return { actor, release };
  };

  const upgrade = async (
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: PlainWsTarget,
  ): Promise<void> => {
    // Until `ws` takes the socket over, a client that hangs up must not raise an unhandled error.
    const onEarlyError = (): void => {
      socket.destroy();
    };
    socket.on('error', onEarlyError);
    try {
      const { actor, release } = await admit(req, target);
      // The slot is held as long as the TCP connection lives, whether or not the upgrade completes.
      socket.once('close', release);
      // The upgrade completes only once broadcasts made on other nodes are relayed to this one.
      await deps.listening?.ready();
      const { roomId } = target;
      if (closing || roomId === null || socket.destroyed) {
        release();
        socket.destroy();
        return;
      }
      socket.off('error', onEarlyError);
      wss.handleUpgrade(req, socket, head, (ws) => accept(ws, actor, roomId));
    } catch (err) {
      const { body, unexpected } = toWireError(err);
      if (unexpected) logger.error('plain websocket handshake failed', { err });
      else logger.debug('plain websocket refused', { code: body.code });
      refuseUpgrade(socket, body);
    }
  };

  httpServer.on('upgrade', (req, socket, head) => {
    const target = readTarget(req);
    if (target) {
      // Refused before anyone is admitted: a handshake `ws` would refuse anyway must not join a room.
      const malformed = malformedUpgrade(req);
      if (closing) socket.destroy();
      else if (malformed) refuseUpgrade(socket, malformed);
      else void upgrade(req, socket, head, target);
    } else if (!deps.ownedElsewhere(req.url ?? '/')) {
      // Nobody else answers it (Socket.IO is told not to destroy foreign upgrades): refuse now
      // rather than leave the client hanging.
      refuseUpgrade(socket, notFound('endpoint').toBody());
    }
  });

  const heartbeat = setInterval(() => {
    for (const connection of hub.connections()) connection.heartbeat();
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    close: () => {
      closing = true;
      clearInterval(heartbeat);
      for (const connection of hub.connections()) connection.close(GOING_AWAY, 'server shutting down');
    },
    settle: async () => {
      await Promise.all([...pending]);
    },
  };
}
