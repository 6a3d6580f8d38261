import type { z } from 'zod';
import type { ModerationActionKind, ModerationEvent } from '../../shared/schemas/objects';
import type { PayloadSchemas } from '../../shared/schemas/payloads';
import type { RoomAccess, StoredMember } from '../store/types';
import { moderatorOf, readableRoom } from './access';
import type { Actor } from './actor';
import type { DomainDeps } from './deps';
import { forbidden, invalidField, notFound } from './errors';
import type { TypingService } from './typing-service';

export type MemberRef = z.output<PayloadSchemas['memberRef']>;
export type RoleInput = z.output<PayloadSchemas['memberRole']>;
export type MuteInput = z.output<PayloadSchemas['memberMute']>;

/** The actions taken against someone, with the words their refusals use. */
type Sanction = 'remove' | 'ban' | 'mute';
const WORDS: Readonly<Record<Sanction | 'unban' | 'unmute', { can: string; past: string }>> = {
  remove: { can: 'remove members', past: 'removed' },
  ban: { can: 'ban users', past: 'banned' },
  mute: { can: 'mute members', past: 'muted' },
  unban: { can: 'unban users', past: 'unbanned' },
  unmute: { can: 'unmute members', past: 'unmuted' },
};

/**
 * Moderation: the owner promotes and demotes moderators; the owner and moderators remove, ban,
 * mute (and lift bans and mutes), moderators never against the owner or another moderator. Nobody
 * moderates a direct message. Each change is stored with its record (and a `member.moderated`
 * outbox entry) by the store, announced as `room:moderated` to the room and to its target, and
 * takes effect on every node before the answer (the access cache forgets the target's access
 * there). An action that changes nothing answers the event it would have been and announces
 * nothing.
 */
export class ModerationService {
  constructor(
    private readonly deps: DomainDeps,
    private readonly typing: TypingService,
  ) {}

  /** Owner only: a member becomes a moderator, or a moderator a member. */
  async setRole(actor: Actor, input: RoleInput): Promise<ModerationEvent> {
    const access = await this.moderatedRoom(actor, input.room_id);
    if (access.role !== 'owner') throw forbidden('only the room owner can change roles');
    const target = await this.deps.store.getMember(input.room_id, input.user_id);
    if (!target) throw notFound('member', 'user_id');
    if (target.role === 'owner') throw forbidden("the owner's role cannot be changed");
    const action = input.role === 'moderator' ? 'promote' : 'demote';
    return (await this.apply(actor, input, action, null, target.username)).event;
  }

  async remove(actor: Actor, ref: MemberRef): Promise<ModerationEvent> {
    return this.sanction(actor, ref, 'remove', null);
  }

  /** Also a user who is not a member: they can then neither join nor be invited. */
  async ban(actor: Actor, ref: MemberRef): Promise<ModerationEvent> {
    return this.sanction(actor, ref, 'ban', null);
  }

  /** Until now + duration_ms, replacing an earlier mute. */
  async mute(actor: Actor, input: MuteInput): Promise<ModerationEvent> {
    const until = new Date(this.deps.now().getTime() + input.duration_ms).toISOString();
    return this.sanction(actor, input, 'mute', until);
  }

  /** Idempotent. */
  async unban(actor: Actor, ref: MemberRef): Promise<ModerationEvent> {
    const access = await this.moderatedRoom(actor, ref.room_id);
    moderatorOf(access, WORDS.unban.can);
    const username = await this.usernameOf(ref, null);
    return (await this.apply(actor, ref, 'unban', null, username)).event;
  }

  /**
   * Idempotent. A mute the owner gave a moderator is the owner's to lift: another moderator (or
   * the muted moderator) may not.
   */
  async unmute(actor: Actor, ref: MemberRef): Promise<ModerationEvent> {
    const access = await this.moderatedRoom(actor, ref.room_id);
    moderatorOf(access, WORDS.unmute.can);
    const target = await this.deps.store.getMember(ref.room_id, ref.user_id);
    if (target?.role === 'moderator' && access.role !== 'owner') {
      throw forbidden('only the owner can unmute a moderator');
    }
    const username = await this.usernameOf(ref, target);
    return (await this.apply(actor, ref, 'unmute', null, username)).event;
  }

  /** remove, ban or mute, once the actor may act against the target. */
  private async sanction(
    actor: Actor,
    ref: MemberRef,
    action: Sanction,
    mutedUntil: string | null,
  ): Promise<ModerationEvent> {
    const access = await this.moderatedRoom(actor, ref.room_id);
    moderatorOf(access, WORDS[action].can);
    if (ref.user_id === actor.id) throw invalidField('user_id', `cannot ${action} yourself`);
    const target = await this.deps.store.getMember(ref.room_id, ref.user_id);
    // Anyone may be banned ahead of time; only members can be removed or muted.
    if (!target && action !== 'ban') throw notFound('member', 'user_id');
    if (target?.role === 'owner') throw forbidden(`the owner cannot be ${WORDS[action].past}`);
    if (target?.role === 'moderator' && access.role !== 'owner') {
      throw forbidden(`only the owner can ${action} a moderator`);
    }
    const username = await this.usernameOf(ref, target);
    const { event, changed } = await this.apply(actor, ref, action, mutedUntil, username);
    if (changed && target && action !== 'mute') await this.leftBy(event);
    return event;
  }

  /**
   * Has the store apply the action; announces a change to the room (the target excluded) and to
   * the target's own channel, so they hear it once whether or not they are in the room.
   */
  private async apply(
    actor: Actor,
    ref: MemberRef,
    action: ModerationActionKind,
    mutedUntil: string | null,
    username: string,
  ): Promise<{ event: ModerationEvent; changed: boolean }> {
    const { store, notifier } = this.deps;
    const at = this.deps.now().toISOString();
    const record = await store.moderate({
      room_id: ref.room_id,
      action,
      user_id: ref.user_id,
      by: actor.id,
      muted_until: mutedUntil,
      at,
    });
    if (!record) {
      const unchanged: ModerationEvent = {
        room_id: ref.room_id,
        action,
        user_id: ref.user_id,
        username,
        by: actor.id,
        muted_until: mutedUntil,
        timestamp: at,
      };
      return { event: unchanged, changed: false };
    }
    notifier.toRoom(ref.room_id, 'room:moderated', record, [ref.user_id]);
    notifier.toUsers([ref.user_id], 'room:moderated', record);
    return { event: record, changed: true };
  }

  /**
   * A member removed or banned leaves as if they had left: their typing ends, the room hears
   * `room:user_left` (their own sockets too, as with a leave), then their sockets on every node
   * leave the room's channel.
   */
  private async leftBy(event: ModerationEvent): Promise<void> {
    const { notifier } = this.deps;
    const { room_id, user_id, username } = event;
    // Best effort: the removal is committed; an indicator left behind expires by itself.
    await this.typing.stopFor({ user_id, username }, room_id).catch(() => undefined);
    notifier.toRoom(room_id, 'room:user_left', { room_id, user_id, username, timestamp: event.timestamp });
    notifier.leaveRoom([user_id], room_id);
  }

  /** The actor's access to a room that can be moderated: readable, and not a direct message. */
  private async moderatedRoom(actor: Actor, roomId: string): Promise<RoomAccess> {
    // Moderation changes membership (or may): the same budget as joins and leaves.
    await this.deps.rateLimiter.consume('membership', actor.id);
    const access = await readableRoom(this.deps.store, actor, roomId);
    if (access.is_dm) throw forbidden('no moderation in a direct message');
    return access;
  }

  /** The target's display name: as a member, else as last seen, else their id (never seen). */
  private async usernameOf(ref: MemberRef, member: StoredMember | null): Promise<string> {
    if (member) return member.username;
    const [user] = await this.deps.store.getUsers([ref.user_id]);
    return user?.username ?? ref.user_id;
  }
}
