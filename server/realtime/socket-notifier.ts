import {
  channel,
  type ServerEventName,
  type ServerPayload,
  type ServerToClientEvents,
} from '../../shared/events';
import type { Notifier } from '../domain/notifier';
import type { ChatNamespace } from './types';

/** The domain's Notifier over the `/chat` namespace's rooms. */
export class SocketNotifier implements Notifier {
  constructor(private readonly nsp: ChatNamespace) {}

  toRoom<E extends ServerEventName>(
    roomId: string,
    event: E,
    payload: ServerPayload<E>,
    exceptUserIds: readonly string[] = [],
  ): void {
    const target = this.nsp.to(channel.room(roomId));
    const scoped = exceptUserIds.length > 0 ? target.except(exceptUserIds.map(channel.user)) : target;
    scoped.emit(event, ...emitArgs<E>(payload));
  }

  toRooms<E extends ServerEventName>(roomIds: readonly string[], event: E, payload: ServerPayload<E>): void {
    if (roomIds.length > 0) this.nsp.to(roomIds.map(channel.room)).emit(event, ...emitArgs<E>(payload));
  }

  toUsers<E extends ServerEventName>(userIds: readonly string[], event: E, payload: ServerPayload<E>): void {
    if (userIds.length > 0) this.nsp.to(userIds.map(channel.user)).emit(event, ...emitArgs<E>(payload));
  }

  joinRoom(userIds: readonly string[], roomId: string): void {
    if (userIds.length > 0) this.nsp.in(userIds.map(channel.user)).socketsJoin(channel.room(roomId));
  }

  leaveRoom(userIds: readonly string[], roomId: string): void {
    if (userIds.length > 0) this.nsp.in(userIds.map(channel.user)).socketsLeave(channel.room(roomId));
  }
}

/** Socket.IO's typed `emit` takes the event's parameters as a tuple; every server event has one. */
function emitArgs<E extends ServerEventName>(payload: ServerPayload<E>): Parameters<ServerToClientEvents[E]> {
  return [payload] as Parameters<ServerToClientEvents[E]>;
}
