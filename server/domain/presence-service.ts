import { ChatError } from '../../shared/errors';
import type { PresenceEntry } from '../../shared/schemas/objects';
import { roomToWriteIn } from './access';
import type { Actor } from './actor';
import type { DomainDeps } from './deps';
import type { TypingService } from './typing-service';

/**
 * Presence: online while the user holds at least one socket, announced to every room they are in
 * when that changes, with `last_seen` persisted. Only users who share a room see each other.
 */
export class PresenceService {
  constructor(
    private readonly deps: DomainDeps,
    private readonly typing: TypingService,
  ) {}

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

  private async announce(actor: Actor, status: 'online' | 'offline'): Promise<void> {
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
