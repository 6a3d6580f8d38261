import type { PresenceChangeListener, PresenceTracker } from '../domain/presence';

/** In-process presence: a user is online while this node holds at least one of their sockets. */
export class LocalPresence implements PresenceTracker {
  private readonly sockets = new Map<string, number>();

  async connected(userId: string): Promise<boolean> {
    const count = (this.sockets.get(userId) ?? 0) + 1;
    this.sockets.set(userId, count);
    return count === 1;
  }

  async disconnected(userId: string): Promise<boolean> {
    const count = (this.sockets.get(userId) ?? 0) - 1;
    if (count > 0) {
      this.sockets.set(userId, count);
      return false;
    }
    return this.sockets.delete(userId);
  }

  async onlineAmong(userIds: readonly string[]): Promise<ReadonlySet<string>> {
    return new Set(userIds.filter((id) => this.sockets.has(id)));
  }

  /** One node sees every socket of its users, so nothing changes behind its back: never called. */
  onExternalChange(_listener: PresenceChangeListener): void {}
}
