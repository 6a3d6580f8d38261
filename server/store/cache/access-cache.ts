import type {
  HistoryPage,
  Invite,
  Message,
  ModerationEvent,
  Reaction,
  Room,
} from '../../../shared/schemas/objects';
import type {
  NewDirectRoom,
  NewModerationAction,
  PinOutcome,
  SearchHit,
  SearchQuery,
} from '../conversation-types';
import type {
  AddReactionOutcome,
  ChatStore,
  ChangesPage,
  HistoryQuery,
  OutboxEntry,
  InsertedMessage,
  NewMember,
  NewMessage,
  NewRoom,
  PageQuery,
  ReactionCaps,
  ReadPosition,
  RemovedMember,
  RoomAccess,
  StoredMember,
  StoredUser,
} from '../types';
import type { WebhookStore } from '../webhook-types';
import type { AccessChange, AccessChanges } from './access-changes';
import { LruMap } from './lru-map';

export interface AccessCacheOptions {
  /** The most (room, user) pairs held; the least recently used go first. */
  maxEntries: number;
  /**
   * How long an entry is trusted at most. Changes are invalidated as they happen; this only
   * bounds how long a change whose notice got lost (an asymmetric network split) can go unseen.
   */
  ttlMs: number;
  now?: () => number;
}

/** About 150 bytes an entry: at most a few MB, and a hit rate near 1 for every active (room, user). */
export const DEFAULT_ACCESS_CACHE_OPTIONS: Readonly<AccessCacheOptions> = Object.freeze({
  maxEntries: 50_000,
  ttlMs: 30_000,
});

interface Entry {
  access: RoomAccess;
  expiresAt: number;
}

/**
 * A ChatStore whose `roomAccess` (asked on every send, typing update, reaction and read receipt)
 * is answered from memory. What it holds can only change through a write that passes here on some
 * node: a room's existence and privacy never change once it is created (rooms are neither deleted
 * nor edited), and membership, roles and mutes change only by createRoom, openDirectRoom,
 * addMembers, removeMember (which may promote a new owner), acceptInvite and moderate. Each of
 * those forgets the pairs it touched here and, through `changes`, on every other node, before it
 * resolves: whoever is told the write is done (the leaver's ack, the moderator's) can no longer be
 * served the old answer by any node. A mute runs out by itself: the entry holds `muted_until`, and
 * the check compares it with the time.
 *
 * Absent rooms are not cached (so a new room needs no notice, and ids that do not exist cannot
 * crowd out real entries). A read that was in flight when its pair was forgotten is answered but
 * not kept, since it may have seen the store before the write. While `changes` is not live,
 * nothing is kept at all. Every other method passes straight through; a new write that changes
 * membership or roles must forget here too.
 */
export class AccessCachingStore implements ChatStore {
  private readonly entries: LruMap<string, Entry>;
  /** Reads in flight, by pair: a read keeps its answer only if it is still the one registered. */
  private readonly loading = new Map<string, object>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  /** Webhooks change no access: the store's own, as they are. */
  readonly webhooks: WebhookStore;

  constructor(
    private readonly store: ChatStore,
    private readonly changes: AccessChanges,
    options: AccessCacheOptions = DEFAULT_ACCESS_CACHE_OPTIONS,
  ) {
    this.entries = new LruMap(options.maxEntries);
    this.ttlMs = options.ttlMs;
    this.now = options.now ?? Date.now;
    this.webhooks = store.webhooks;
    changes.listen({
      changed: (change) => this.forget(change),
      missed: () => this.forgetAll(),
    });
  }

  /** Pairs held now (tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  async roomAccess(roomId: string, userId: string): Promise<RoomAccess | null> {
    const key = pairKey(roomId, userId);
    const startedAt = this.now();
    const hit = this.changes.live ? this.entries.get(key) : undefined;
    if (hit) {
      if (hit.expiresAt > startedAt) return hit.access;
      this.entries.delete(key);
    }
    const token = {};
    this.loading.set(key, token);
    try {
      const access = await this.store.roomAccess(roomId, userId);
      if (access && this.loading.get(key) === token && this.changes.live) {
        this.entries.set(key, { access: Object.freeze({ ...access }), expiresAt: startedAt + this.ttlMs });
      }
      return access;
    } finally {
      if (this.loading.get(key) === token) this.loading.delete(key);
    }
  }

  // The writes that change access: forgotten here and on every node before the caller hears back,
  // even when the write failed (it may have committed before the failure was seen).

  async createRoom(room: NewRoom, members: NewMember[]): Promise<void> {
    try {
      await this.store.createRoom(room, members);
    } finally {
      // Nobody can hold an entry of a room that did not exist (absent rooms are not cached), so
      // the other nodes need no notice.
      this.forget({ roomId: room.id, userIds: members.map((m) => m.user_id) });
    }
  }

  async openDirectRoom(room: NewDirectRoom): Promise<{ room_id: string; created: boolean }> {
    let roomId: string | null = null;
    try {
      const opened = await this.store.openDirectRoom(room);
      roomId = opened.room_id;
      return opened;
    } finally {
      // As createRoom: a room that did not exist was cached nowhere, and an existing DM's two
      // members never change (it cannot be left, joined or moderated), so no other node needs
      // a notice. Unknown after a failure: the new id, which nobody can hold either.
      this.forget({ roomId: roomId ?? room.id, userIds: room.user_ids });
    }
  }

  async moderate(action: NewModerationAction): Promise<ModerationEvent | null> {
    let unchanged = false;
    try {
      const event = await this.store.moderate(action);
      unchanged = event === null;
      return event;
    } finally {
      // Role, membership or mute of the target: like removeMember. Nothing to tell when the store
      // reports no change; after a failure the change may have committed, so it is told.
      if (!unchanged) await this.changed({ roomId: action.room_id, userIds: [action.user_id] });
    }
  }

  async addMembers(roomId: string, members: NewMember[]): Promise<StoredMember[]> {
    try {
      return await this.store.addMembers(roomId, members);
    } finally {
      await this.changed({ roomId, userIds: members.map((m) => m.user_id) });
    }
  }

  async removeMember(roomId: string, userId: string): Promise<RemovedMember> {
    let newOwnerId: string | null = null;
    try {
      const removed = await this.store.removeMember(roomId, userId);
      newOwnerId = removed.newOwnerId;
      return removed;
    } finally {
      // Without an answer the new owner is unknown; their cached 'member' role can only refuse
      // what an owner may do, until the entry's TTL.
      await this.changed({ roomId, userIds: newOwnerId ? [userId, newOwnerId] : [userId] });
    }
  }

  async acceptInvite(roomId: string, member: NewMember): Promise<StoredMember | null> {
    try {
      return await this.store.acceptInvite(roomId, member);
    } finally {
      await this.changed({ roomId, userIds: [member.user_id] });
    }
  }

  private async changed(change: AccessChange): Promise<void> {
    this.forget(change);
    await this.changes.publish(change);
  }

  private forget({ roomId, userIds }: AccessChange): void {
    for (const userId of userIds) {
      const key = pairKey(roomId, userId);
      this.entries.delete(key);
      this.loading.delete(key);
    }
  }

  private forgetAll(): void {
    this.entries.clear();
    this.loading.clear();
  }

  // Everything else passes through.

  ping(): Promise<void> {
    return this.store.ping();
  }
  close(): Promise<void> {
    return this.store.close();
  }
  rememberUser(user: { id: string; name: string }): Promise<void> {
    return this.store.rememberUser(user);
  }
  setLastSeen(userId: string, at: string): Promise<void> {
    return this.store.setLastSeen(userId, at);
  }
  getUsers(userIds: readonly string[]): Promise<StoredUser[]> {
    return this.store.getUsers(userIds);
  }
  usersSharingRoomWith(viewerId: string, userIds: readonly string[]): Promise<string[]> {
    return this.store.usersSharingRoomWith(viewerId, userIds);
  }
  getRoom(roomId: string, viewerId: string): Promise<Room | null> {
    return this.store.getRoom(roomId, viewerId);
  }
  listRooms(viewerId: string, page?: PageQuery): Promise<Room[]> {
    return this.store.listRooms(viewerId, page);
  }
  listMembers(roomId: string, page?: PageQuery): Promise<StoredMember[]> {
    return this.store.listMembers(roomId, page);
  }
  getMember(roomId: string, userId: string): Promise<StoredMember | null> {
    return this.store.getMember(roomId, userId);
  }
  roomIdsOf(userId: string): Promise<string[]> {
    return this.store.roomIdsOf(userId);
  }
  memberReadPositions(roomId: string): Promise<{ user_id: string; last_read_seq: number }[]> {
    return this.store.memberReadPositions(roomId);
  }
  markRead(roomId: string, userId: string, seq: number): Promise<ReadPosition | null> {
    return this.store.markRead(roomId, userId, seq);
  }
  addInvites(roomId: string, userIds: readonly string[], invitedBy: string, at: string): Promise<string[]> {
    return this.store.addInvites(roomId, userIds, invitedBy, at);
  }
  hasInvite(roomId: string, userId: string): Promise<boolean> {
    return this.store.hasInvite(roomId, userId);
  }
  declineInvite(roomId: string, userId: string): Promise<boolean> {
    return this.store.declineInvite(roomId, userId);
  }
  listInvites(userId: string, page: PageQuery): Promise<Invite[]> {
    return this.store.listInvites(userId, page);
  }
  insertMessage(message: NewMessage): Promise<InsertedMessage> {
    return this.store.insertMessage(message);
  }
  getMessage(messageId: string): Promise<Message | null> {
    return this.store.getMessage(messageId);
  }
  listMessages(query: HistoryQuery): Promise<HistoryPage> {
    return this.store.listMessages(query);
  }

  listChanges(roomId: string, afterVersion: number, limit: number): Promise<ChangesPage> {
    return this.store.listChanges(roomId, afterVersion, limit);
  }

  readOutbox(afterId: number, limit: number): Promise<OutboxEntry[]> {
    return this.store.readOutbox(afterId, limit);
  }
  editMessage(
    messageId: string,
    content: string,
    editedAt: string,
    mentions: readonly string[],
  ): Promise<Message | null> {
    return this.store.editMessage(messageId, content, editedAt, mentions);
  }
  deleteMessage(messageId: string): Promise<Message | null> {
    return this.store.deleteMessage(messageId);
  }
  addReaction(
    messageId: string,
    userId: string,
    emoji: string,
    at: string,
    caps: ReactionCaps,
  ): Promise<AddReactionOutcome> {
    return this.store.addReaction(messageId, userId, emoji, at, caps);
  }
  removeReaction(messageId: string, userId: string, emoji: string): Promise<boolean> {
    return this.store.removeReaction(messageId, userId, emoji);
  }
  reactionsOf(messageId: string): Promise<Reaction[]> {
    return this.store.reactionsOf(messageId);
  }
  membersAmong(roomId: string, userIds: readonly string[]): Promise<string[]> {
    return this.store.membersAmong(roomId, userIds);
  }
  listMentions(userId: string, page: PageQuery): Promise<Message[]> {
    return this.store.listMentions(userId, page);
  }
  searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    return this.store.searchMessages(query);
  }
  /** Bans are not part of RoomAccess (joins and invites ask this directly): nothing cached. */
  isBanned(roomId: string, userId: string): Promise<boolean> {
    return this.store.isBanned(roomId, userId);
  }
  getModerationAction(id: number): Promise<ModerationEvent | null> {
    return this.store.getModerationAction(id);
  }
  pinMessage(messageId: string, by: string, at: string, maxPins: number): Promise<PinOutcome> {
    return this.store.pinMessage(messageId, by, at, maxPins);
  }
  unpinMessage(messageId: string): Promise<boolean> {
    return this.store.unpinMessage(messageId);
  }
  listPins(roomId: string): Promise<Message[]> {
    return this.store.listPins(roomId);
  }
}

/** One string per (room, user) that no other pair shares, whatever characters the ids hold. */
function pairKey(roomId: string, userId: string): string {
  return `${roomId.length}:${roomId}${userId}`;
}
