import type { ServerEventName, ServerPayload } from '../../shared/events';
import type { Notifier } from '../domain/notifier';

/** The broadcasts that follow a change the outbox records (a message, a reaction, a join or leave). */
const CHANGES: ReadonlySet<ServerEventName> = new Set<ServerEventName>([
  'message:new',
  'message:updated',
  'message:deleted',
  'reaction:updated',
  'room:user_joined',
  'room:users_joined',
  'room:user_left',
]);

/**
 * Passes every call on to `inner`, and calls `nudge` when one announces a change the outbox has
 * recorded: the webhook dispatcher then looks for work at once instead of at its next poll. Only
 * changes made on this node are seen here; the poll finds the others.
 */
export class NudgingNotifier implements Notifier {
  constructor(
    private readonly inner: Notifier,
    private readonly nudge: () => void,
  ) {}

  toRoom<E extends ServerEventName>(
    roomId: string,
    event: E,
    payload: ServerPayload<E>,
    exceptUserIds?: readonly string[],
  ): void {
    this.inner.toRoom(roomId, event, payload, exceptUserIds);
    if (CHANGES.has(event)) this.nudge();
  }

  toRooms<E extends ServerEventName>(roomIds: readonly string[], event: E, payload: ServerPayload<E>): void {
    this.inner.toRooms(roomIds, event, payload);
    if (CHANGES.has(event)) this.nudge();
  }

  toUsers<E extends ServerEventName>(userIds: readonly string[], event: E, payload: ServerPayload<E>): void {
    this.inner.toUsers(userIds, event, payload);
  }

  joinRoom(userIds: readonly string[], roomId: string): void {
    this.inner.joinRoom(userIds, roomId);
    this.nudge();
  }

  leaveRoom(userIds: readonly string[], roomId: string): void {
    this.inner.leaveRoom(userIds, roomId);
    this.nudge();
  }
}
