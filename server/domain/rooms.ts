import type { z } from 'zod';
import { ROOM_MEMBERS_SHOWN } from '../../shared/limits';
import type { PayloadSchemas } from '../../shared/schemas/payloads';
import type { Member, MemberList, ReadState, Room, RoomDetail, RoomList } from '../../shared/schemas/objects';
import type { NewMember, StoredMember } from '../store/types';
import { roomToWriteIn, visibleRoom } from './access';
import type { Actor } from './actor';
import type { DomainDeps } from './deps';
import { forbidden, notFound } from './errors';
import type { InviteService } from './invites';
import { memberKey, readMemberPage } from './member-pages';
import { pageQuery, toPage, type PageRequest } from './paging';
import type { TypingService } from './typing-service';

export type RoomCreateInput = z.output<PayloadSchemas['roomCreate']>;

/**
 * Rooms and their membership: create, list, read, join (which accepts a pending invite), leave,
 * invite. Every call spends the actor's rate budget of its kind before doing any work.
 */
export class RoomService {
  constructor(
    private readonly deps: DomainDeps,
    private readonly typing: TypingService,
    private readonly invites: InviteService,
  ) {}

  /** The creator is the one member (owner); `invited_users` are invited, not made members. */
  async create(actor: Actor, input: RoomCreateInput): Promise<RoomDetail> {
    const { store, notifier, rateLimiter } = this.deps;
    const invitees = [...new Set(input.invited_users)].filter((u) => u !== actor.id);
    await rateLimiter.consume('room', actor.id);
    if (invitees.length > 0) await rateLimiter.consume('invite', actor.id, invitees.length);
    await this.deps.users.remember(actor);
    const id = this.deps.newId();
    const at = this.deps.now().toISOString();
    await store.createRoom(
      {
        id,
        name: input.name,
        description: input.description ?? null,
        is_private: input.is_private,
        created_by: actor.id,
        created_at: at,
      },
      [{ user_id: actor.id, role: 'owner', joined_at: at }],
    );
    notifier.joinRoom([actor.id], id);
    const detail = await this.detail(id, actor.id);
    await this.invites.send(actor, detail, invitees, at);
    // The creator's other sockets learn of the room.
    await this.announce(detail, actor.id);
    return detail;
  }

  /** Public rooms and the private rooms the actor is in, oldest first, a page at a time. */
  async list(actor: Actor, request: PageRequest): Promise<RoomList> {
    await this.deps.rateLimiter.consume('read', actor.id);
    const { query, pageSize } = pageQuery(request, this.deps.limits.roomListDefault);
    const rows = await this.deps.store.listRooms(actor.id, query);
    const page = toPage(rows, pageSize, (r) => ({ at: r.created_at, id: r.id }));
    return { rooms: page.items, next_cursor: page.next_cursor };
  }

  async get(actor: Actor, roomId: string): Promise<RoomDetail> {
    await this.deps.rateLimiter.consume('read', actor.id);
    await visibleRoom(this.deps.store, actor, roomId);
    return this.detail(roomId, actor.id);
  }

  /**
   * A room's members, longest-standing first, a page at a time: how a client reads past the
   * ROOM_MEMBERS_SHOWN a RoomDetail lists. Readable wherever the room is (public rooms by anyone).
   */
  async members(actor: Actor, roomId: string, request: PageRequest): Promise<MemberList> {
    await this.deps.rateLimiter.consume('read', actor.id);
    const room = await visibleRoom(this.deps.store, actor, roomId);
    const { query, pageSize } = pageQuery(request, this.deps.limits.roomListDefault);
    const rows = await readMemberPage(this.deps.store, roomId, query);
    const page = toPage(rows, pageSize, memberKey);
    return { members: await this.withOnline(page.items, room.is_member), next_cursor: page.next_cursor };
  }

  /**
   * Idempotent. Accepts the actor's pending invite when there is one; a private room is joined by
   * invitation only (and is invisible until then, as for any non-member).
   */
  async join(actor: Actor, roomId: string): Promise<RoomDetail> {
    const { store, notifier } = this.deps;
    await this.deps.rateLimiter.consume('membership', actor.id);
    const room = await store.getRoom(roomId, actor.id);
    if (!room) throw notFound('room', 'room_id');
    if (!room.is_member && (await this.enter(actor, room))) {
      notifier.joinRoom([actor.id], roomId);
      this.announceMembership('room:user_joined', roomId, actor.id, actor.name);
    }
    return this.detail(roomId, actor.id);
  }

  /**
   * Makes the actor a member of a room they are not in; true when this call did it. A banned user
   * is refused: FORBIDDEN for a public room, NOT_FOUND for a private one (it stays invisible).
   */
  private async enter(actor: Actor, room: Room): Promise<boolean> {
    const { store } = this.deps;
    if (await store.isBanned(room.id, actor.id)) {
      if (room.is_private) throw notFound('room', 'room_id');
      throw forbidden('you are banned from this room');
    }
    const invited = await store.hasInvite(room.id, actor.id);
    if (room.is_private && !invited) throw notFound('room', 'room_id');
    await this.deps.users.remember(actor);
    const joining = member(actor.id, this.deps.now().toISOString());
    if (invited && (await store.acceptInvite(room.id, joining))) return true;
    if (!room.is_private) return (await store.addMembers(room.id, [joining])).length > 0;
    // The invite went meanwhile: accepted by a concurrent join (a no-op here), or declined.
    if (await store.getMember(room.id, actor.id)) return false;
    throw notFound('room', 'room_id');
  }

  /**
   * Idempotent. When the owner leaves, the longest-standing member becomes owner. A direct message
   * cannot be left: it is the pair's one conversation, and `dm:open` would only bring it back.
   */
  async leave(actor: Actor, roomId: string): Promise<void> {
    const { store, notifier } = this.deps;
    await this.deps.rateLimiter.consume('membership', actor.id);
    const room = await visibleRoom(store, actor, roomId);
    if (!room.is_member) return;
    if (room.is_dm) throw forbidden('a direct message cannot be left');
    const { removed, newOwnerId } = await store.removeMember(roomId, actor.id);
    if (!removed) return;
    await this.typing.stop(actor, roomId);
    // Announced before the channel is left, so the leaver's other sockets hear it too.
    this.announceMembership('room:user_left', roomId, actor.id, actor.name);
    notifier.leaveRoom([actor.id], roomId);
    if (newOwnerId) await this.announce(await this.detail(roomId, newOwnerId), newOwnerId);
  }

  /**
   * Owner only; never in a direct message. Invites are pending until accepted (join) or declined:
   * the answer shows members only, and reads the same whether an invited id exists, is already
   * invited, is a member, or is banned (banned ids are skipped without a trace).
   */
  async invite(actor: Actor, roomId: string, userIds: readonly string[]): Promise<RoomDetail> {
    const { store } = this.deps;
    const invitees = [...new Set(userIds)];
    await this.deps.rateLimiter.consume('invite', actor.id, invitees.length);
    const room = await visibleRoom(store, actor, roomId);
    if (room.is_dm) throw forbidden('a direct message has exactly two members');
    const me = await store.getMember(roomId, actor.id);
    if (me?.role !== 'owner') throw forbidden('only the room owner can invite');
    // Invitees see the inviter's name: the latest one, as a member's.
    await this.deps.users.remember(actor);
    const allowed = await this.notBanned(roomId, invitees);
    await this.invites.send(actor, room, allowed, this.deps.now().toISOString());
    return this.detail(roomId, actor.id);
  }

  /**
   * Those of `userIds` not banned from the room, in order. One at a time: an invite is at most
   * `invitedUsersMax` ids, paid for by the invite budget, and sequential reads never queue a
   * thousand queries on a database pool at once.
   */
  private async notBanned(roomId: string, userIds: readonly string[]): Promise<string[]> {
    const allowed: string[] = [];
    for (const userId of userIds) {
      if (!(await this.deps.store.isBanned(roomId, userId))) allowed.push(userId);
    }
    return allowed;
  }

  /** Moves the actor's read position forward (never backwards) and announces it to the room. */
  async markRead(actor: Actor, roomId: string, seq: number): Promise<ReadState> {
    const { store, notifier } = this.deps;
    await this.deps.rateLimiter.consume('membership', actor.id);
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
    const unread = position.last_message_seq - position.last_read_seq;
    return {
      room_id: roomId,
      last_read_seq: position.last_read_seq,
      unread_count: unread,
      // Read at the end (the usual case) nothing is unread, so nothing unread mentions the reader;
      // otherwise the room, read after the move, counts them.
      unread_mentions: unread === 0 ? 0 : ((await store.getRoom(roomId, actor.id))?.unread_mentions ?? 0),
    };
  }

  /**
   * The room as `viewerId` sees it, with its first ROOM_MEMBERS_SHOWN members (`member_count` counts
   * them all): listing every member would make each join of a filling room cost as much as the room
   * is big. Online flags are presence, which only members of the room may see: for anyone else every
   * member shows offline.
   */
  async detail(roomId: string, viewerId: string): Promise<RoomDetail> {
    const { store } = this.deps;
    const [room, members] = await Promise.all([
      store.getRoom(roomId, viewerId),
      readMemberPage(store, roomId, { limit: ROOM_MEMBERS_SHOWN, after: null }),
    ]);
    if (!room) throw notFound('room', 'room_id');
    return { ...room, members: await this.withOnline(members, room.is_member) };
  }

  /** Members with their online flags, asked of presence for these members only. */
  private async withOnline(members: readonly StoredMember[], viewerIsMember: boolean): Promise<Member[]> {
    const online = viewerIsMember
      ? await this.deps.presence.onlineAmong(members.map((m) => m.user_id))
      : new Set<string>();
    return members.map((m) => ({ ...m, online: online.has(m.user_id) }));
  }

  /**
   * `room:updated` to every member, each with their own read state: the caller-specific fields of
   * a RoomDetail belong to whoever receives it. Members at the same read position (new members
   * all are) share one broadcast. The detail's own viewer gets it as read for them; the others'
   * unread mentions and mutes are not read member by member (a hand-over in a room of thousands
   * would cost a query each), so theirs show none until they next read the room.
   */
  private async announce(detail: RoomDetail, viewerId: string): Promise<void> {
    const positions = await this.deps.store.memberReadPositions(detail.id);
    const bySeq = new Map<number, string[]>();
    for (const { user_id, last_read_seq } of positions) {
      if (user_id === viewerId) continue;
      bySeq.set(last_read_seq, [...(bySeq.get(last_read_seq) ?? []), user_id]);
    }
    if (positions.some((p) => p.user_id === viewerId)) {
      this.deps.notifier.toUsers([viewerId], 'room:updated', detail);
    }
    for (const [seq, userIds] of bySeq) {
      this.deps.notifier.toUsers(userIds, 'room:updated', {
        ...detail,
        is_member: true,
        last_read_seq: seq,
        unread_count: Math.max(0, detail.last_message_seq - seq),
        unread_mentions: 0,
        muted_until: null,
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
