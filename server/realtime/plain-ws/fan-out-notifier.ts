import type { ServerEventName, ServerPayload } from '../../../shared/events';
import { PLAIN_WS_BROADCASTS, type PlainWsBroadcastEvent } from '../../../shared/schemas/plain-ws';
import type { Notifier } from '../../domain/notifier';
import type { HubOp, PlainWsHub } from './plain-ws-hub';
import type { PlainWsRelay } from './relay';

/**
 * The domain's Notifier over both transports: Socket.IO (whose adapter reaches every node) and the
 * plain WebSockets, on this node through the hub and on the others through the relay.
 */
export class FanOutNotifier implements Notifier {
  constructor(
    private readonly sockets: Notifier,
    private readonly hub: PlainWsHub,
    /** Absent on a single node: there is nobody to relay to. It relays only while others listen. */
    private readonly relay?: PlainWsRelay,
  ) {}

  toRoom<E extends ServerEventName>(
    roomId: string,
    event: E,
    payload: ServerPayload<E>,
    exceptUserIds: readonly string[] = [],
  ): void {
    this.sockets.toRoom(roomId, event, payload, exceptUserIds);
    this.deliver([roomId], event, payload, exceptUserIds);
  }

  toRooms<E extends ServerEventName>(roomIds: readonly string[], event: E, payload: ServerPayload<E>): void {
    this.sockets.toRooms(roomIds, event, payload);
    // A plain WebSocket is in one room, so it gets this once however many rooms are named.
    this.deliver(roomIds, event, payload, []);
  }

  /** Per-user broadcasts (`room:updated`, with each member's own read state) are Socket.IO's only. */
  toUsers<E extends ServerEventName>(userIds: readonly string[], event: E, payload: ServerPayload<E>): void {
    this.sockets.toUsers(userIds, event, payload);
  }

  /** A plain WebSocket is bound to its room when it connects: nothing to join later. */
  joinRoom(userIds: readonly string[], roomId: string): void {
    this.sockets.joinRoom(userIds, roomId);
  }

  leaveRoom(userIds: readonly string[], roomId: string): void {
    this.sockets.leaveRoom(userIds, roomId);
    if (userIds.length > 0) this.apply({ kind: 'left', user_ids: [...userIds], room_id: roomId });
  }

  private deliver<E extends ServerEventName>(
    roomIds: readonly string[],
    event: E,
    payload: ServerPayload<E>,
    exceptUserIds: readonly string[],
  ): void {
    if (roomIds.length === 0 || !isPlainWsBroadcast(event)) return;
    // Nobody to encode for: the common case of nodes without plain WebSocket clients.
    if (this.hub.size === 0 && !this.relay?.on) return;
    const frame = JSON.stringify({ type: PLAIN_WS_BROADCASTS[event], data: payload });
    this.apply({ kind: 'deliver', room_ids: [...roomIds], except_user_ids: [...exceptUserIds], frame });
  }

  private apply(op: HubOp): void {
    this.hub.apply(op);
    this.relay?.publish(op);
  }
}

function isPlainWsBroadcast(event: ServerEventName): event is PlainWsBroadcastEvent {
  return Object.hasOwn(PLAIN_WS_BROADCASTS, event);
}
