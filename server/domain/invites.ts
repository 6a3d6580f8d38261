import type { Invite, InviteList, Room } from '../../shared/schemas/objects';
import type { Actor } from './actor';
import type { DomainDeps } from './deps';
import { notFound } from './errors';
import { pageQuery, toPage, type PageRequest } from './paging';

/**
 * Pending invitations: an invite is consent asked, not membership given. The invitee is told
 * (`room:invited` on their own channel) and may accept (room:join, in RoomService) or decline; until
 * then they share nothing with the room, and the inviter learns nothing about them.
 */
export class InviteService {
  constructor(private readonly deps: DomainDeps) {}

  /**
   * Invites `userIds` to `room` on the actor's behalf (the caller has checked the actor may) and
   * tells each one newly invited. Members and pending invitees are skipped without a trace, so the
   * answer is the same for any id, known or not.
   */
  async send(actor: Actor, room: Room, userIds: readonly string[], at: string): Promise<void> {
    const { store, notifier } = this.deps;
    const added = await store.addInvites(room.id, userIds, actor.id, at);
    if (added.length === 0) return;
    const invite: Invite = {
      room_id: room.id,
      room_name: room.name,
      description: room.description,
      is_private: room.is_private,
      invited_by: actor.id,
      inviter_username: actor.name,
      invited_at: at,
    };
    notifier.toUsers(added, 'room:invited', invite);
  }

  /** The actor's pending invites, oldest first, a page at a time. */
  async list(actor: Actor, request: PageRequest): Promise<InviteList> {
    await this.deps.rateLimiter.consume('read', actor.id);
    const { query, pageSize } = pageQuery(request, this.deps.limits.roomListDefault);
    const rows = await this.deps.store.listInvites(actor.id, query);
    const page = toPage(rows, pageSize, (i) => ({ at: i.invited_at, id: i.room_id }));
    return { invites: page.items, next_cursor: page.next_cursor };
  }

  /** Drops the actor's pending invite to the room (nobody is told); NOT_FOUND when there is none. */
  async decline(actor: Actor, roomId: string): Promise<void> {
    await this.deps.rateLimiter.consume('membership', actor.id);
    if (!(await this.deps.store.declineInvite(roomId, actor.id))) throw notFound('invite', 'room_id');
  }
}
