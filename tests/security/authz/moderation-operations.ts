import type { ClientEventName } from '../../../shared/events';
import { moderationEventSchema, type ModerationActionKind } from '../../../shared/schemas/objects';
import {
  moderatorsOnly,
  noIdentityField,
  notAModerator,
  ownersOnly,
  roomOperation,
  withoutValidToken,
} from './cells';
import type { Operation } from './operations';
import { na, notFound, type Expected } from './outcomes';
import type { Target } from './scenes';

/**
 * The matrix's entries for moderation (issue 14, docs/behaviour.md):
 * - only the owner changes roles; the owner's own role cannot be changed (FORBIDDEN);
 * - the owner or a moderator removes, bans, mutes, unbans and unmutes; everyone else is FORBIDDEN
 *   (NOT_FOUND where the room is invisible to them);
 * - nobody acts on the owner (FORBIDDEN), a moderator not on another moderator (FORBIDDEN);
 *   acting on oneself is a VALIDATION_ERROR of `user_id`;
 * - removing, muting or changing the role of someone who is not a member: NOT_FOUND `user_id`;
 *   a ban may name anyone (keeping someone out before they come).
 * The actions' effects on the banned and the muted are the rows of the `bannedPublic`,
 * `bannedPrivate` and `muted` actors in every other entry.
 */

type Kind = 'role' | 'remove' | 'ban' | 'unban' | 'mute' | 'unmute';

const EVENTS: Record<Kind, ClientEventName> = {
  role: 'member:role',
  remove: 'member:remove',
  ban: 'member:ban',
  unban: 'member:unban',
  mute: 'member:mute',
  unmute: 'member:unmute',
};
const ROUTES: Record<Kind, string> = {
  role: 'PUT /api/rooms/{room_id}/members/{user_id}/role',
  remove: 'DELETE /api/rooms/{room_id}/members/{user_id}',
  ban: 'PUT /api/rooms/{room_id}/bans/{user_id}',
  unban: 'DELETE /api/rooms/{room_id}/bans/{user_id}',
  mute: 'PUT /api/rooms/{room_id}/mutes/{user_id}',
  unmute: 'DELETE /api/rooms/{room_id}/mutes/{user_id}',
};

/** A minute: long enough to outlast the row, within MUTE_MIN_MS..MUTE_MAX_MS. */
const MUTE_MS = 60_000;

type Who = (t: Target) => string;
type SignedInCells = Omit<
  Operation['expect'],
  'author' | 'otherMember' | 'impersonator' | keyof typeof withoutValidToken
>;

function moderation(
  id: string,
  kind: Kind,
  who: Who,
  cells: SignedInCells,
  options: { role?: 'moderator' | 'member'; action?: ModerationActionKind } = {},
): Operation {
  const extra: Record<string, unknown> =
    kind === 'mute' ? { duration_ms: MUTE_MS } : kind === 'role' ? { role: options.role ?? 'moderator' } : {};
  const action: ModerationActionKind =
    options.action ?? (kind === 'role' ? (options.role === 'member' ? 'demote' : 'promote') : kind);
  return {
    id,
    socket: { event: EVENTS[kind], payload: (t) => ({ room_id: t.roomId, user_id: who(t), ...extra }) },
    http: {
      route: ROUTES[kind],
      params: (t) => ({ room_id: t.roomId, user_id: who(t) }),
      ...(Object.keys(extra).length > 0 ? { body: () => extra } : {}),
      status: 200,
    },
    mutates: true,
    expect: {
      ...cells,
      ...roomOperation,
      impersonator: noIdentityField.impersonator,
      ...withoutValidToken,
    },
    check: (data, { target }) => {
      const event = moderationEventSchema.parse(data);
      expect([event.room_id, event.action, event.user_id, event.by]).toEqual([
        target.roomId,
        action,
        who(target),
        target.self,
      ]);
      expect(event.muted_until === null).toBe(kind !== 'mute');
    },
  };
}

const FORBIDDEN = 'FORBIDDEN';
const yourself: Expected = { code: 'VALIDATION_ERROR', field: 'user_id' };
const onlyTheOwner = { ...ownersOnly } as const;
/** The owner acts on a moderator; a moderator may not. */
const onAModerator = { ...moderatorsOnly, moderator: FORBIDDEN } as const;
/** Nobody acts on the owner; the owner acting on themselves is acting on oneself. */
const onTheOwner = { ...notAModerator, owner: yourself, moderator: FORBIDDEN } as const;
const onOneself = {
  ...notAModerator,
  owner: na('the owner acting on themselves: see the "-the-owner" entry'),
  moderator: yourself,
} as const;
const onANonMember = {
  ...notAModerator,
  owner: notFound('user_id'),
  moderator: notFound('user_id'),
} as const;

const subject: Who = (t) => t.subject;
const aModerator: Who = (t) => t.moderatorOfRoom;
const theOwner: Who = (t) => t.ownerOfRoom;
const oneself: Who = (t) => t.self;
const aNonMember: Who = (t) => t.newcomer;

export const MODERATION_OPERATIONS: readonly Operation[] = [
  // ---- Roles: the owner's alone -------------------------------------------------------------
  moderation('member.promote', 'role', subject, onlyTheOwner, { role: 'moderator' }),
  moderation('member.demote', 'role', aModerator, onlyTheOwner, { role: 'member' }),
  moderation(
    'member.role-of-the-owner',
    'role',
    theOwner,
    // The owner's role is not given, only inherited (on leaving): not even the owner changes it.
    { ...notAModerator, owner: FORBIDDEN, moderator: FORBIDDEN },
    { role: 'moderator' },
  ),
  moderation(
    'member.role-of-a-non-member',
    'role',
    aNonMember,
    { ...notAModerator, owner: notFound('user_id'), moderator: FORBIDDEN },
    { role: 'moderator' },
  ),

  // ---- Remove -------------------------------------------------------------------------------
  moderation('member.remove', 'remove', subject, moderatorsOnly),
  moderation('member.remove-a-moderator', 'remove', aModerator, onAModerator),
  moderation('member.remove-the-owner', 'remove', theOwner, onTheOwner),
  moderation('member.remove-oneself', 'remove', oneself, onOneself),
  moderation('member.remove-a-non-member', 'remove', aNonMember, onANonMember),

  // ---- Ban, unban ---------------------------------------------------------------------------
  moderation('member.ban', 'ban', subject, moderatorsOnly),
  // Anyone may be banned, member or not: the ban keeps them out before they come.
  moderation('member.ban-a-non-member', 'ban', aNonMember, moderatorsOnly),
  moderation('member.ban-a-moderator', 'ban', aModerator, onAModerator),
  moderation('member.ban-the-owner', 'ban', theOwner, onTheOwner),
  moderation('member.ban-oneself', 'ban', oneself, onOneself),
  moderation('member.unban', 'unban', (t) => t.bannedFromRoom, moderatorsOnly),

  // ---- Mute, unmute -------------------------------------------------------------------------
  moderation('member.mute', 'mute', subject, moderatorsOnly),
  moderation('member.mute-a-moderator', 'mute', aModerator, onAModerator),
  moderation('member.mute-the-owner', 'mute', theOwner, onTheOwner),
  moderation('member.mute-oneself', 'mute', oneself, onOneself),
  moderation('member.mute-a-non-member', 'mute', aNonMember, onANonMember),
  // The muted member may not lift their own mute (FORBIDDEN, as to any member).
  moderation('member.unmute', 'unmute', (t) => t.mutedInRoom, moderatorsOnly),
];
