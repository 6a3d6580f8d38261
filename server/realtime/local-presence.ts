import type { PresenceReader } from '../domain/presence';

/** In-process presence: a user is online while this node holds at least one of their sockets. */
export class LocalPresence implements PresenceReader {
  private readonly sockets = new Map<string, number>();

  /** Returns true when this was the user's first socket (they came online). */
  connected(userId: string): boolean {
    const count = (this.sockets.get(userId) ?? 0) + 1;
    this.sockets.set(userId, count);
    return count === 1;
  }

  /** Returns true when this was the user's last socket (they went offline). */
  disconnected(userId: string): boolean {
    const count = (this.sockets.get(userId) ?? 0) - 1;
    if (count > 0) {
      this.sockets.set(userId, count);
      return false;
    }
    this.sockets.delete(userId);
    return true;
  }

  async onlineAmong(userIds: readonly string[]): Promise<ReadonlySet<string>> {
    return new Set(userIds.filter((id) => this.sockets.has(id)));
  }
}
