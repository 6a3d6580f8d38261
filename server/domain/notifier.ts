import type { ServerEventName, ServerPayload } from '../../shared/events';

/**
 * How the domain reaches live clients without knowing the transport: the realtime layer implements
 * it over Socket.IO rooms, so a write made over HTTP is broadcast exactly like one made over a socket.
 */
export interface Notifier {
  toRoom<E extends ServerEventName>(
    roomId: string,
    event: E,
    payload: ServerPayload<E>,
    exceptUserIds?: readonly string[],
  ): void;
  /** One broadcast to every socket in any of these rooms (each socket gets it once). */
  toRooms<E extends ServerEventName>(roomIds: readonly string[], event: E, payload: ServerPayload<E>): void;
  /** One broadcast to every live socket of these users (encoded once, however many they are). */
  toUsers<E extends ServerEventName>(userIds: readonly string[], event: E, payload: ServerPayload<E>): void;
  /** Puts every live socket of these users into the room's channel (membership gained). */
  joinRoom(userIds: readonly string[], roomId: string): void;
  /** Takes every live socket of these users out of the room's channel (membership lost). */
  leaveRoom(userIds: readonly string[], roomId: string): void;
}
