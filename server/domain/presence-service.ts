import { ChatError } from '../../shared/errors';
import type { PresenceEntry } from '../../shared/schemas/objects';
import { roomToWriteIn } from './access';
import type { Actor } from './actor';
import type { DomainDeps } from './deps';
import type { PresenceStatus } from './presence';
import type { TypingService } from './typing-service';

/** Users announced at once after a change no socket reported (a dead node's users can be many). */
const ANNOUNCE_BATCH = 50;

/**
 * Presence: online while the user holds at least one socket, announced to every room they are in
 * when that changes, with `last_seen` persisted. Only users who share a room see each other.
 */
export class PresenceService {
  constructor(
    private readonly deps: DomainDeps,
    private readonly typing: TypingService,
  ) {
    deps.presence.onExternalChange((userIds, status) => this.changedElsewhere(userIds, status));
  }

  async connected(actor: Actor): Promise<void> {
    if (!(await this.deps.presence.connected(actor.id))) return;
    await this.announce(actor, 'online');
  }

  async disconnected(actor: Actor): Promise<void> {
    if (!(await this.deps.presence.disconnected(actor.id))) return;
    await this.typing.stopEverywhere(actor.id);
    await this.announce(actor, 'offline');
  }

  /** The presence of users who share a room with the actor (and the actor's own); NOT_FOUND otherwise. */
  async get(actor: Actor, userIds: readonly string[]): Promise<PresenceEntry[]> {
    await this.deps.rateLimiter.consume('read', actor.id);
    const others = [...new Set(userIds)].filter((id) => id !== actor.id);
    const sharing = new Set(await this.deps.store.usersSharingRoomWith(actor.id, others));
    const hidden = userIds.flatMap((id, i) =>
      id !== actor.id && !sharing.has(id) ? [{ field: `user_ids.${i}`, reason: 'not found' }] : [],
    );
    if (hidden.length > 0) throw new ChatError('NOT_FOUND', 'user not found', hidden);
    return this.entries([...new Set(userIds)]);
  }

  /** The presence of every member of a room the actor belongs to. */
  async ofRoom(actor: Actor, roomId: string): Promise<PresenceEntry[]> {
    await this.deps.rateLimiter.consume('read', actor.id);
    await roomToWriteIn(this.deps.store, actor, roomId);
    const members = await this.deps.store.listMembers(roomId);
    return this.entries(members.map((m) => m.user_id));
  }

  private async entries(userIds: readonly string[]): Promise<PresenceEntry[]> {
    const [online, users] = await Promise.all([
      this.deps.presence.onlineAmong(userIds),
      this.deps.store.getUsers(userIds),
    ]);
    const lastSeen = new Map(users.map((u) => [u.user_id, u.last_seen]));
    return userIds.map((id) => ({
      user_id: id,
      status: online.has(id) ? 'online' : 'offline',
      last_seen: lastSeen.get(id) ?? null,
    }));
  }

  /**
   * Presence changed without a connect or disconnect here (another node died holding the users'
   * sockets, or this node's entries were restored): announced exactly as a last close or first
   * connect would be, with the stored display name.
   */
  private async changedElsewhere(userIds: readonly string[], status: PresenceStatus): Promise<void> {
    for (let i = 0; i < userIds.length; i += ANNOUNCE_BATCH) {
      const batch = userIds.slice(i, i + ANNOUNCE_BATCH);
      const names = new Map((await this.deps.store.getUsers(batch)).map((u) => [u.user_id, u.username]));
      await Promise.all(
        batch.map(async (id) => {
          if (status === 'offline') await this.typing.stopEverywhere(id);
          await this.announce({ id, name: names.get(id) ?? id }, status);
        }),
      );
    }
  }

  private async announce(actor: Actor, status: PresenceStatus): Promise<void> {
    const { store, notifier } = this.deps;
    const at = this.deps.now().toISOString();
    await store.setLastSeen(actor.id, at);
    notifier.toRooms(await store.roomIdsOf(actor.id), 'presence:update', {
      user_id: actor.id,
      username: actor.name,
      status,
      last_seen: at,
    });
  }
}
