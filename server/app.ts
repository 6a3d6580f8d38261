import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { hostname } from 'node:os';
import express from 'express';
import { nanoid } from 'nanoid';
import { Server } from 'socket.io';
import { createClientEvents } from '../shared/events';
import { createPayloadSchemas } from '../shared/schemas/payloads';
import { createTokenVerifier } from './auth/jwt';
import type { Config } from './config/env';
import { CoalescingNotifier } from './domain/coalescing-notifier';
import { createServices, type Services } from './domain/services';
import { UserDirectory } from './domain/user-directory';
import { WebhookService } from './domain/webhooks';
import { answerClientErrors } from './http/client-error';
import { clientAddressOf } from './http/client-address';
import { configureHttpApp } from './http/http-app';
import { createLogger, type Logger } from './logger';
import { Metrics } from './metrics/metrics';
import { attachAdminUi } from './realtime/admin-ui';
import { attachChatNamespace } from './realtime/chat-namespace';
import { ConnectionSlots } from './realtime/connection-slots';
import { coalesceWebSocketFrames } from './realtime/frame-coalescing';
import { FanOutNotifier } from './realtime/plain-ws/fan-out-notifier';
import { PlainWsHub } from './realtime/plain-ws/plain-ws-hub';
import { attachPlainWs } from './realtime/plain-ws/plain-ws-server';
import { PlainWsRelay } from './realtime/plain-ws/relay';
import { SocketNotifier } from './realtime/socket-notifier';
import type { ChatServer } from './realtime/types';
import { WriteCoalescer } from './realtime/write-coalescer';
import { openSharedState } from './shared-state/open-shared-state';
import { AccessCachingStore } from './store/cache/access-cache';
import { openStore } from './store/open-store';
import type { ChatStore } from './store/types';
import { WebhookDispatcher } from './webhooks/dispatcher';
import { NudgingNotifier } from './webhooks/nudging-notifier';
import { createDeliveryBuilder } from './webhooks/payloads';
import { WebhookSender } from './webhooks/sender';
import { UrlGuard } from './webhooks/url-guard';

export interface ChatApp {
  readonly config: Config;
  readonly httpServer: http.Server;
  /** The Express app (its router's routes are compared with openapi.yaml by a test). */
  readonly expressApp: express.Express;
  readonly io: ChatServer;
  readonly services: Services;
  /** Outgoing webhooks: hooks and their delivery logs (docs/webhooks.md). */
  readonly webhooks: WebhookService;
  readonly store: ChatStore;
  /** Starts serving on the configured host and port (0 picks a free port); resolves with the base URL. */
  listen(): Promise<{ port: number; url: string }>;
  /** Stops accepting, disconnects every socket, closes the database. Safe to call twice. */
  close(): Promise<void>;
}

/** Wires the layers together; tests build one with their own config. */
export async function createApp(config: Config, logger: Logger = createLogger(config)): Promise<ChatApp> {
  const storage = await openStore(config.storage, logger, {
    reactionUsersShown: config.limits.reactionUsersShown,
    writeWindowMs: config.storeWriteWindowMs,
  });
  const shared = await openSharedState(config, logger, { keyPrefix: config.redisKeyPrefix }).catch(
    async (err: unknown) => {
      await storage.close();
      throw err;
    },
  );
  // Access checks (every send, typing update, reaction, receipt) answered from memory; membership
  // changes made on any node reach it through the shared state.
  const store: ChatStore = new AccessCachingStore(storage, shared.accessChanges);
  const app = express();
  const httpServer = http.createServer(app);
  // A request Node cannot parse (oversized headers, malformed HTTP) gets the contract's JSON error.
  httpServer.on('clientError', answerClientErrors(logger));
  const io: ChatServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: config.limits.packetBytes,
    cors: { origin: config.corsOrigins },
    // The plain WebSocket endpoint (/ws/{room_id}) answers its own upgrades; by default engine.io
    // destroys every upgrade outside its path after a second.
    destroyUpgrade: false,
    ...shared.socketIoOptions,
    // No connectionStateRecovery: Socket.IO replays a recovered session's missed packets before
    // the auth middleware runs, which would hand them to an expired token or a member who has
    // left. Clients catch up with `message:history { after_seq }` instead.
  });
  // What one websocket connection is sent within a turn (or SOCKET_WRITE_COALESCE_MS) leaves in one write.
  const coalescer = new WriteCoalescer(config.socketWriteCoalesceMs, (err: unknown) => {
    logger.error('releasing held frames failed', { err });
  });
  coalesceWebSocketFrames(httpServer, io, coalescer);
  const nsp = io.of('/chat');
  const users = new UserDirectory(store);
  const verify = createTokenVerifier(config.jwtSecret);
  const { presence, typing, rateLimiter } = shared;
  const metrics = new Metrics();
  // One user's live connections on this node, Socket.IO and plain WebSocket together.
  const slots = new ConnectionSlots(config.guards.connectionsPerUser);
  // Per-address budgets count clients, not the proxy in front (Express's `trust proxy`).
  const addressOf = clientAddressOf(app);
  // Broadcasts reach Socket.IO and the plain WebSockets; with an adapter, those of other nodes too.
  const plainWsHub = new PlainWsHub();
  const relay = shared.socketIoOptions.adapter
    ? new PlainWsRelay(
        nsp,
        (op) => plainWsHub.apply(op),
        logger,
        () => plainWsHub.size > 0,
      )
    : undefined;
  if (relay) metrics.plainWsRelay(() => relay.state);
  // Join and presence bursts go out as one batch per room and window (see docs/protocol.md).
  const announcements = new CoalescingNotifier(
    new FanOutNotifier(new SocketNotifier(nsp), plainWsHub, relay),
    { windowMs: config.announceWindowMs },
  );
  // Outgoing webhooks: every node runs the dispatcher; the one holding the lease delivers.
  const webhookGuard = new UrlGuard(config.webhooks.allowedHosts);
  const webhookSender = new WebhookSender(webhookGuard, config.webhooks.timeoutMs);
  const dispatcher = new WebhookDispatcher({
    store: store.webhooks,
    deliveriesFor: createDeliveryBuilder({ store, newId: () => nanoid(), now: () => new Date() }),
    send: (request, signal) => webhookSender.send(request, signal),
    policy: config.webhooks,
    pollMs: config.webhooks.pollMs,
    leaseMs: config.webhooks.leaseMs,
    node: `${hostname()}:${process.pid}:${nanoid(8)}`,
    logger,
    closeGraceMs: closeGraceMsOf(config),
  });
  const webhooks = new WebhookService({
    store,
    webhooks: store.webhooks,
    guard: webhookGuard,
    rateLimiter: shared.rateLimiter,
    now: () => new Date(),
    newId: () => nanoid(),
    onDue: () => dispatcher.nudge(),
  });
  const services = createServices({
    store,
    // A change made here wakes the dispatcher, so its webhooks go out without waiting for a poll.
    notifier: new NudgingNotifier(announcements, () => dispatcher.nudge()),
    presence,
    typing,
    rateLimiter,
    users,
    limits: config.limits,
    now: () => new Date(),
    newId: () => nanoid(),
    metrics,
  });
  const chat = attachChatNamespace(io, {
    services,
    store,
    users,
    verify,
    rateLimiter,
    events: createClientEvents(config.limits),
    logger,
    metrics,
    guards: config.guards,
    slots,
    addressOf,
  });
  const plainWs = attachPlainWs(httpServer, {
    services,
    users,
    verify,
    rateLimiter,
    hub: plainWsHub,
    limits: config.limits,
    guards: config.guards,
    slots,
    addressOf,
    logger,
    metrics,
    ownedElsewhere: (url) => url.startsWith(`${io.path()}/`),
    ...(relay ? { listening: relay } : {}),
  });
  if (config.adminUi.enabled) await attachAdminUi(io, config.adminUi, rateLimiter, addressOf);
  configureHttpApp(app, {
    config,
    services,
    webhooks,
    payloads: createPayloadSchemas(config.limits),
    readiness: { storage: () => store.ping(), ...shared.readiness },
    verify,
    rateLimiter,
    logger,
    metrics,
  });

  // Every TCP connection, so that shutdown can cut those that outlive the grace period.
  const connections = new Set<Socket>();
  httpServer.on('connection', (connection) => {
    connections.add(connection);
    connection.once('close', () => connections.delete(connection));
  });
  const closeGraceMs = closeGraceMsOf(config);
  dispatcher.start();

  let closing: Promise<void> | undefined;
  return {
    config,
    httpServer,
    expressApp: app,
    io,
    services,
    webhooks,
    store,
    listen: () =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          const { port } = httpServer.address() as AddressInfo;
          const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
          resolve({ port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` });
        });
      }),
    close: () => {
      closing ??= (async () => {
        // io.close() disconnects every socket and closes the HTTP server; idle keep-alive
        // connections are dropped at once. Requests in flight get a grace period, then whatever
        // is still open (a client that never sent a request, a websocket that does not answer
        // the close handshake) is cut, so shutdown cannot hang on a peer. The webhook dispatcher
        // stops alongside (its sends in flight get the same grace) and is done before the store closes.
        const dispatcherStopped = dispatcher.close();
        announcements.close();
        plainWs.close();
        relay?.close();
        const ioClosed = new Promise<void>((resolve) => {
          void io.close(() => resolve());
        });
        httpServer.closeIdleConnections();
        const cut = setTimeout(() => {
          for (const connection of connections) connection.destroy();
        }, closeGraceMs);
        await ioClosed;
        clearTimeout(cut);
        // Disconnects record last_seen: let that finish before the database closes.
        await chat.settle();
        await plainWs.settle();
        await dispatcherStopped;
        await shared.close();
        await store.close();
      })();
      return closing;
    },
  };
}

/** How long requests (and webhook sends) in flight may finish when the server stops. */
function closeGraceMsOf(config: Config): number {
  return Math.min(5000, Math.floor(config.shutdownTimeoutMs / 2));
}
