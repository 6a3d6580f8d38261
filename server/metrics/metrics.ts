import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DomainMetrics } from '../domain/deps';
import { processMetrics } from './process-metrics';

/** The transports whose live connections `chat_connected_sockets` counts. */
export type Transport = 'socket.io' | 'websocket';

/** Why the server closed a connection on its own (a guard tripped). */
export type ConnectionCloseReason = 'slow_consumer' | 'transport_error' | 'unsolicited_pong';

/**
 * One app's Prometheus metrics, in a registry of its own (tests run many apps in one process).
 * The layers report through small interfaces this class satisfies (DomainMetrics, the realtime
 * layer's EventObserver), so only this folder knows prom-client.
 */
export class Metrics implements DomainMetrics {
  readonly registry = new Registry();
  private readonly connectionCounts = new Map<Transport, () => number>();

  private readonly events = new Counter({
    name: 'chat_events_total',
    help: 'Client events handled, by event and outcome ("ok" or the error code answered).',
    labelNames: ['event', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly eventDuration = new Histogram({
    name: 'chat_event_duration_seconds',
    help: 'Time from receiving a client event to answering it.',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, Express route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly connectionsClosed = new Counter({
    name: 'chat_connections_closed_total',
    help:
      'Connections the server closed because a guard tripped: slow_consumer (more unread output ' +
      'buffered than MAX_BUFFERED_BYTES), transport_error, unsolicited_pong.',
    labelNames: ['transport', 'reason'] as const,
    registers: [this.registry],
  });

  private readonly messagesStored = new Counter({
    name: 'chat_messages_stored_total',
    help: 'New messages stored (a repeated client_id is not a new message).',
    registers: [this.registry],
  });

  constructor() {
    // Every close a guard can make is exposed from the start (at 0), so rates and alerts see it.
    for (const reason of ['slow_consumer', 'transport_error', 'unsolicited_pong'] as const) {
      this.connectionsClosed.inc({ transport: 'socket.io', reason }, 0);
    }
    this.connectionsClosed.inc({ transport: 'websocket', reason: 'slow_consumer' }, 0);
    const counts = this.connectionCounts;
    new Gauge({
      name: 'chat_connected_sockets',
      help: 'Live client connections on this instance, by transport.',
      labelNames: ['transport'] as const,
      registers: [this.registry],
      // Read from the transports at each scrape, so the gauge cannot drift from the truth.
      collect() {
        for (const [transport, count] of counts) this.set({ transport }, count());
      },
    });
  }

  /** Registers how to read the plain-WebSocket relay between nodes (read at each scrape). */
  plainWsRelay(read: () => { on: boolean; relayed: number }): void {
    new Gauge({
      name: 'chat_plain_ws_relay_on',
      help:
        '1 while this instance relays its broadcasts to plain WebSockets on other instances (some ' +
        'instance holds one, or it started in the last seconds), else 0.',
      registers: [this.registry],
      collect() {
        this.set(read().on ? 1 : 0);
      },
    });
    new Counter({
      name: 'chat_plain_ws_relayed_total',
      help: 'Broadcasts this instance relayed to the plain WebSockets of other instances.',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read().relayed);
      },
    });
  }

  /** Registers how to count a transport's live connections (read at each scrape). */
  countConnections(transport: Transport, count: () => number): void {
    this.connectionCounts.set(transport, count);
  }

  eventHandled(event: string, outcome: string, seconds: number): void {
    this.events.inc({ event, outcome });
    this.eventDuration.observe({ event }, seconds);
  }

  connectionClosed(transport: Transport, reason: ConnectionCloseReason): void {
    this.connectionsClosed.inc({ transport, reason });
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }

  messageStored(): void {
    this.messagesStored.inc();
  }

  /** The Prometheus text exposition of this app's metrics and the process's. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    const merged = Registry.merge([processMetrics(), this.registry]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}
