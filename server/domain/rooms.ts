import type { z } from 'zod';
import type { PayloadSchemas } from '../../shared/schemas/payloads';
import type { ReadState, Room, RoomDetail } from '../../shared/schemas/objects';
import type { NewMember, StoredMember } from '../store/types';
import { roomToWriteIn, visibleRoom } from './access';
import type { Actor } from './actor';
import type { DomainDeps } from './deps';
import { forbidden, notFound } from './errors';
import type { TypingService } from './typing-service';

export type RoomCreateInput = z.output<PayloadSchemas['roomCreate']>;

/** Rooms and their membership: create, list, read, join, leave, invite. */
export class RoomService {
  constructor(
    private readonly deps: DomainDeps,
    private readonly typing: TypingService,
  ) {}

  async create(actor: Actor, input: RoomCreateInput): Promise<RoomDetail> {
    const { store, notifier } = this.deps;
    await this.deps.users.remember(actor);
    const id = this.deps.newId();
    const at = this.deps.now().toISOString();
    const invitees = [...new Set(input.invited_users)].filter((u) => u !== actor.id);
    await store.createRoom(
      {
        id,
        name: input.name,
        description: input.description ?? null,
        is_private: input.is_private,
        created_by: actor.id,
        created_at: at,
      },
      [{ user_id: actor.id, role: 'owner', joined_at: at }, ...invitees.map((u) => member(u, at))],
    );
    notifier.joinRoom([actor.id, ...invitees], id);
    const detail = await this.detail(id, actor.id);
    await this.announce(detail);
    return detail;
  }

  async list(actor: Actor): Promise<Room[]> {
    return this.deps.store.listRooms(actor.id);
  }

  async get(actor: Actor, roomId: string): Promise<RoomDetail> {
    await visibleRoom(this.deps.store, actor, roomId);
    return this.detail(roomId, actor.id);
  }

  /** Idempotent; a private room is joined by invitation only (and is invisible until then). */
  async join(actor: Actor, roomId: string): Promise<RoomDetail> {
    const { store, notifier } = this.deps;
    const room = await visibleRoom(store, actor, roomId);
    if (!room.is_member) {
      await this.deps.users.remember(actor);
      const added = await store.addMembers(roomId, [member(actor.id, this.deps.now().toISOString())]);
      notifier.joinRoom([actor.id], roomId);
      for (const m of added) this.announceMembership('room:user_joined', roomId, m.user_id, actor.name);
    }
    return this.detail(roomId, actor.id);
  }

  /** Idempotent. When the owner leaves, the longest-standing member becomes owner. */
  async leave(actor: Actor, roomId: string): Promise<void> {
    const { store, notifier } = this.deps;
    const room = await visibleRoom(store, actor, roomId);
    if (!room.is_member) return;
    const { removed, newOwnerId } = await store.removeMember(roomId, actor.id);
    if (!removed) return;
    await this.typing.stop(actor, roomId);
    // Announced before the channel is left, so the leaver's other sockets hear it too.
    this.announceMembership('room:user_left', roomId, actor.id, actor.name);
    notifier.leaveRoom([actor.id], roomId);
    if (newOwnerId) await this.announce(await this.detail(roomId, newOwnerId));
  }

  /** Owner only. Invitees become members at once, as in Slack's private channels. */
  async invite(actor: Actor, roomId: string, userIds: readonly string[]): Promise<RoomDetail> {
    const { store, notifier } = this.deps;
    await visibleRoom(store, actor, roomId);
    const me = await store.getMember(roomId, actor.id);
    if (me?.role !== 'owner') throw forbidden('only the room owner can invite');
    const at = this.deps.now().toISOString();
    const added = await store.addMembers(
      roomId,
      [...new Set(userIds)].map((u) => member(u, at)),
    );
    const detail = await this.detail(roomId, actor.id);
    if (added.length === 0) return detail;
    const addedIds = added.map((m) => m.user_id);
    notifier.joinRoom(addedIds, roomId);
    for (const m of added) this.announceMembership('room:user_joined', roomId, m.user_id, m.username);
    await this.announce(detail);
    return detail;
  }

  /** Moves the actor's read position forward (never backwards) and announces it to the room. */
  async markRead(actor: Actor, roomId: string, seq: number): Promise<ReadState> {
    const { store, notifier } = this.deps;
    await roomToWriteIn(store, actor, roomId);
    const position = await store.markRead(roomId, actor.id, seq);
    if (!position) throw forbidden('join the room first');
    if (position.changed) {
      notifier.toRoom(roomId, 'receipt:updated', {
        room_id: roomId,
        user_id: actor.id,
        last_read_seq: position.last_read_seq,
      });
    }
    return {
      room_id: roomId,
      last_read_seq: position.last_read_seq,
      unread_count: position.last_message_seq - position.last_read_seq,
    };
  }

  /**
   * The room as `viewerId` sees it, with its members. Online flags are presence, which only
   * members of the room may see: for anyone else every member shows offline.
   */
  async detail(roomId: string, viewerId: string): Promise<RoomDetail> {
    const { store, presence } = this.deps;
    const [room, members] = await Promise.all([store.getRoom(roomId, viewerId), store.listMembers(roomId)]);
    if (!room) throw notFound('room', 'room_id');
    const online = room.is_member
      ? await presence.onlineAmong(members.map((m) => m.user_id))
      : new Set<string>();
    return { ...room, members: members.map((m: StoredMember) => ({ ...m, online: online.has(m.user_id) })) };
  }

  /**
   * `room:updated` to every member, each with their own read state: the caller-specific fields of
   * a RoomDetail belong to whoever receives it. Members at the same read position (new members
   * all are) share one broadcast.
   */
  private async announce(detail: RoomDetail): Promise<void> {
    const positions = await this.deps.store.memberReadPositions(detail.id);
    const bySeq = new Map<number, string[]>();
    for (const { user_id, last_read_seq } of positions) {
      bySeq.set(last_read_seq, [...(bySeq.get(last_read_seq) ?? []), user_id]);
    }
    for (const [seq, userIds] of bySeq) {
      this.deps.notifier.toUsers(userIds, 'room:updated', {
        ...detail,
        is_member: true,
        last_read_seq: seq,
        unread_count: Math.max(0, detail.last_message_seq - seq),
      });
    }
  }

  private announceMembership(
    event: 'room:user_joined' | 'room:user_left',
    roomId: string,
    userId: string,
    username: string,
  ): void {
    this.deps.notifier.toRoom(roomId, event, {
      room_id: roomId,
      user_id: userId,
      username,
      timestamp: this.deps.now().toISOString(),
    });
  }
}

function member(userId: string, joinedAt: string): NewMember {
  return { user_id: userId, role: 'member', joined_at: joinedAt };
}
