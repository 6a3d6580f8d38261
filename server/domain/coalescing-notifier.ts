import type { ServerEventName, ServerPayload } from '../../shared/events';
import type { JoinedUser, MembershipEvent, PresenceUpdate } from '../../shared/schemas/objects';
import type { Notifier } from './notifier';

export interface CoalescingOptions {
  /** How long a room's window lasts, in milliseconds; 0 turns coalescing off. */
  windowMs: number;
  /**
   * Announcements a room gets singly within one window; further ones wait for the window's end.
   * Ordinary rooms (a join here, a presence change there) never reach it, so they see no batch.
   */
  burst: number;
}

export const DEFAULT_COALESCING: Readonly<CoalescingOptions> = Object.freeze({ windowMs: 50, burst: 4 });

/** What one room holds back during a burst, and when it is due. */
interface RoomWindow {
  /** Announcements sent singly in this window; from `burst` on, the rest are held. */
  sent: number;
  joins: JoinedUser[];
  /** By user: a later change replaces an earlier one (the latest state is all a client needs). */
  presence: Map<string, PresenceUpdate>;
  timer: NodeJS.Timeout;
}

/**
 * Coalesces join and presence announcements per room, so that filling a room of N members costs
 * O(N) broadcasts (one per window) instead of one per join to everyone already there.
 *
 * Per room: the first `burst` announcements of a window go out as they come (`room:user_joined`,
 * `presence:update`), opening the window; later ones are held and go out at the window's end as
 * one `room:users_joined` and one `presence:updates` (a batch of one as the single event). A window
 * that ends with something held opens the next one with the room still busy (everything held);
 * one that ends with nothing held makes the room quiet again. Anything else sent to the room (a
 * message, a leave, typing...) first sends what is held, so a client never sees a member act
 * before it learns that they joined. Each node coalesces its own announcements.
 */
export class CoalescingNotifier implements Notifier {
  private readonly options: CoalescingOptions;
  private readonly rooms = new Map<string, RoomWindow>();
  private closed = false;

  constructor(
    private readonly inner: Notifier,
    options: Partial<CoalescingOptions> = {},
  ) {
    this.options = { ...DEFAULT_COALESCING, ...options };
  }

  toRoom<E extends ServerEventName>(
    roomId: string,
    event: E,
    payload: ServerPayload<E>,
    exceptUserIds: readonly string[] = [],
  ): void {
    if (isEvent(event, 'room:user_joined', payload) && exceptUserIds.length === 0) {
      this.announceJoin(payload);
      return;
    }
    this.flush(roomId);
    this.inner.toRoom(roomId, event, payload, exceptUserIds);
  }

  toRooms<E extends ServerEventName>(roomIds: readonly string[], event: E, payload: ServerPayload<E>): void {
    if (isEvent(event, 'presence:update', payload)) {
      this.announcePresence(roomIds, payload);
      return;
    }
    for (const roomId of roomIds) this.flush(roomId);
    this.inner.toRooms(roomIds, event, payload);
  }

  /** Per-user channels are not rooms: nothing held is about to be overtaken there. */
  toUsers<E extends ServerEventName>(userIds: readonly string[], event: E, payload: ServerPayload<E>): void {
    this.inner.toUsers(userIds, event, payload);
  }

  /**
   * The newcomers' sockets will also hear what the room holds now: joins made just before theirs,
   * which their own join answer may already list. Clients treat joins as idempotent by user id.
   */
  joinRoom(userIds: readonly string[], roomId: string): void {
    this.inner.joinRoom(userIds, roomId);
  }

  /** Sockets leaving the room first hear what it holds, as they would have without coalescing. */
  leaveRoom(userIds: readonly string[], roomId: string): void {
    this.flush(roomId);
    this.inner.leaveRoom(userIds, roomId);
  }

  /** Sends everything held and stops every timer; announcements go straight through afterwards. */
  close(): void {
    this.closed = true;
    for (const [roomId, window] of this.rooms) {
      clearTimeout(window.timer);
      this.release(roomId, window);
    }
    this.rooms.clear();
  }

  private announceJoin(joined: MembershipEvent): void {
    const { room_id, ...user } = joined;
    const held = this.heldBy(room_id);
    if (held) held.joins.push(user);
    else this.inner.toRoom(room_id, 'room:user_joined', joined);
  }

  /**
   * One broadcast to the rooms that take it now (each socket once among them, as without
   * coalescing); held in the others. A socket in both kinds of room hears the change twice.
   */
  private announcePresence(roomIds: readonly string[], update: PresenceUpdate): void {
    const now: string[] = [];
    for (const roomId of roomIds) {
      const held = this.heldBy(roomId);
      if (!held) {
        now.push(roomId);
        continue;
      }
      // Re-inserted, so the batch lists users in the order of their latest change.
      held.presence.delete(update.user_id);
      held.presence.set(update.user_id, update);
    }
    if (now.length > 0) this.inner.toRooms(now, 'presence:update', update);
  }

  /** The room's window when this announcement must wait; undefined when it goes out now. */
  private heldBy(roomId: string): RoomWindow | undefined {
    if (this.closed || this.options.windowMs <= 0) return undefined;
    const window = this.rooms.get(roomId);
    if (!window) {
      this.rooms.set(roomId, this.open(roomId, 1));
      return undefined;
    }
    // Below the burst nothing is held (held items would otherwise be overtaken by this one).
    if (window.sent < this.options.burst) {
      window.sent += 1;
      return undefined;
    }
    return window;
  }

  private open(roomId: string, sent: number): RoomWindow {
    const timer = setTimeout(() => this.windowEnded(roomId), this.options.windowMs);
    // A window must not keep a process alive that has nothing else to do.
    timer.unref();
    return { sent, joins: [], presence: new Map(), timer };
  }

  private windowEnded(roomId: string): void {
    const window = this.rooms.get(roomId);
    if (!window) return;
    if (!isHolding(window)) {
      this.rooms.delete(roomId);
      return;
    }
    this.release(roomId, window);
    // Still busy: the next window holds everything from its start.
    this.rooms.set(roomId, this.open(roomId, this.options.burst));
  }

  private flush(roomId: string): void {
    const window = this.rooms.get(roomId);
    if (window && isHolding(window)) this.release(roomId, window);
  }

  /** Joins before presence: a client learns of a member before it learns of their presence. */
  private release(roomId: string, window: RoomWindow): void {
    const users = window.joins;
    const updates = [...window.presence.values()];
    window.joins = [];
    window.presence.clear();
    const [onlyUser] = users;
    if (users.length === 1 && onlyUser) {
      this.inner.toRoom(roomId, 'room:user_joined', { room_id: roomId, ...onlyUser });
    } else if (users.length > 1) {
      this.inner.toRoom(roomId, 'room:users_joined', { room_id: roomId, users });
    }
    const [onlyUpdate] = updates;
    if (updates.length === 1 && onlyUpdate) {
      this.inner.toRooms([roomId], 'presence:update', onlyUpdate);
    } else if (updates.length > 1) {
      this.inner.toRoom(roomId, 'presence:updates', { updates });
    }
  }
}

function isHolding(window: RoomWindow): boolean {
  return window.joins.length > 0 || window.presence.size > 0;
}

/** Narrows a generic event's payload once its name is known (the event tables pair them). */
function isEvent<K extends ServerEventName>(
  event: ServerEventName,
  name: K,
  _payload: unknown,
): _payload is ServerPayload<K> {
  return event === name;
}
