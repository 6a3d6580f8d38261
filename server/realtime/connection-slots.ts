import { ChatError } from '../../shared/errors';

/** Gives a held connection slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

/**
 * The live connections of each user on this node, Socket.IO sockets and plain WebSockets
 * together, capped so one user cannot hold an unbounded number of them. A slot is taken when a
 * handshake is accepted (synchronously, so concurrent handshakes cannot overshoot) and released
 * exactly once when that connection ends, however it ends.
 */
export class ConnectionSlots {
  private readonly byUser = new Map<string, number>();

  constructor(readonly maxPerUser: number) {}

  /** Takes a slot for `userId`, or throws RATE_LIMITED when the user already holds the maximum. */
  take(userId: string): ReleaseSlot {
    const held = this.byUser.get(userId) ?? 0;
    if (held >= this.maxPerUser) {
      throw new ChatError(
        'RATE_LIMITED',
        `Too many connections for this user (at most ${this.maxPerUser}): close one before opening another`,
      );
    }
    this.byUser.set(userId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = (this.byUser.get(userId) ?? 1) - 1;
      if (now > 0) this.byUser.set(userId, now);
      else this.byUser.delete(userId);
    };
  }

  /** How many connections `userId` holds on this node. */
  held(userId: string): number {
    return this.byUser.get(userId) ?? 0;
  }
}
