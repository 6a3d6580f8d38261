import type { SignedInActor, TokenlessActor } from './actors';
import { na, notFound, type Expected, type NotApplicable } from './outcomes';

/**
 * The cells the matrix's entries share (./operations.ts, ./conversation-operations.ts,
 * ./moderation-operations.ts): who gets what under each public rule.
 */

export const UNAUTHORIZED = 'UNAUTHORIZED';
export const FORBIDDEN = 'FORBIDDEN';

/** No valid token: refused before anything is read (HTTP 401, the socket's connect_error, the upgrade's 401). */
export const withoutValidToken: Record<TokenlessActor, Expected> = {
  noToken: UNAUTHORIZED,
  expiredToken: UNAUTHORIZED,
  foreignKey: UNAUTHORIZED,
  malformedToken: UNAUTHORIZED,
};

/** For operations on a room: authorship plays no part. */
export const roomOperation: Record<'author' | 'otherMember', NotApplicable> = {
  author: na('a room operation: authorship plays no part (see member)'),
  otherMember: na('a room operation: authorship plays no part (see member)'),
};

/** For operations whose request has no identity field to forge. */
export const noIdentityField: Record<'impersonator', NotApplicable> = {
  impersonator: na('the request has no user_id / creator_id field'),
};

/** For operations on one message: a member is its author or another member. */
export const messageOperation: Record<'member', NotApplicable> = {
  member: na('on a message, a member is its author or another member (see those rows)'),
};

/** Socket payloads have no identity field; only HTTP bodies (the seed's) do. */
export const forgedOverHttp = {
  'socket.io': na('socket payloads carry no user_id (unknown keys are VALIDATION_ERROR)'),
  http: FORBIDDEN,
} as const;

/** Actors for whom the room they target does not exist: a private room they are not in. */
export const invisibleRoom = (field: string) =>
  ({
    nonMemberPrivate: notFound(field),
    invitee: notFound(field),
    formerMember: notFound(field),
    bannedPrivate: notFound(field),
  }) as const;

/**
 * Readable by anyone signed in in a public room (one is banned from included: a ban keeps one out,
 * the room stays public); invisible to every non-member in a private one.
 */
export const readable = {
  owner: 'ok',
  moderator: 'ok',
  member: 'ok',
  muted: 'ok',
  nonMemberPublic: 'ok',
  bannedPublic: 'ok',
  ...invisibleRoom('room_id'),
} as const;

/** Writing in a room: members only; FORBIDDEN in a public room one has not joined. */
export const membersOnly = {
  owner: 'ok',
  moderator: 'ok',
  member: 'ok',
  muted: 'ok',
  nonMemberPublic: FORBIDDEN,
  bannedPublic: FORBIDDEN,
  ...invisibleRoom('room_id'),
} as const;

/** Posting in a room: members only, and not while muted. */
export const postersOnly = { ...membersOnly, muted: FORBIDDEN } as const;

/** Managing a room's hooks: its owners only (not its moderators); a private room's are invisible to non-members. */
export const ownersOnly = {
  owner: 'ok',
  moderator: FORBIDDEN,
  member: FORBIDDEN,
  muted: FORBIDDEN,
  nonMemberPublic: FORBIDDEN,
  bannedPublic: FORBIDDEN,
  ...invisibleRoom('room_id'),
} as const;

/** Removing, banning, muting, pinning: the owner or a moderator of the room. */
export const moderatorsOnly = { ...ownersOnly, moderator: 'ok' } as const;

/** What everyone but the owner and the moderators gets for a moderation action (on any target). */
export const notAModerator = {
  member: FORBIDDEN,
  muted: FORBIDDEN,
  nonMemberPublic: FORBIDDEN,
  bannedPublic: FORBIDDEN,
  ...invisibleRoom('room_id'),
} as const;

/** Service-wide hooks: the admin claim, which no actor of the matrix holds. */
export const adminsOnly = {
  owner: FORBIDDEN,
  moderator: FORBIDDEN,
  member: FORBIDDEN,
  muted: FORBIDDEN,
  nonMemberPublic: FORBIDDEN,
  bannedPublic: FORBIDDEN,
  nonMemberPrivate: FORBIDDEN,
  invitee: FORBIDDEN,
  formerMember: FORBIDDEN,
  bannedPrivate: FORBIDDEN,
} as const;

/** Everyone signed in (the acting member roles of a room play no part). */
export const everyoneSignedIn = (outcome: Expected) =>
  ({
    owner: outcome,
    moderator: outcome,
    member: outcome,
    muted: outcome,
    nonMemberPublic: outcome,
    bannedPublic: outcome,
    nonMemberPrivate: outcome,
    invitee: outcome,
    formerMember: outcome,
    bannedPrivate: outcome,
  }) as const;

/** Actors who are members of the private room (the others must not see it listed). */
export const PRIVATE_ROOM_MEMBERS: readonly SignedInActor[] = [
  'owner',
  'moderator',
  'muted',
  'member',
  'author',
  'otherMember',
  'impersonator',
];

export function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('this actor has no such target: the table should say n/a');
  return value;
}
