import { IMPERSONATED, isTokenless, USER_OF, type ActorId, type UserId } from './actors';
import type { World } from './world';

/** What an actor's request names: its room, messages and users, filled into payloads and paths. */
export interface Target {
  /** The room the actor acts in: the public room for `nonMemberPublic` and `bannedPublic`, the private one otherwise. */
  roomId: string;
  /** The other room, for a `parent_id` from another room. */
  otherRoomId: string;
  /** olga's thread root in the target room, and in the other room. Both are pinned. */
  rootId: string;
  otherRootId: string;
  /** The message whose author matters (edit, delete, reactions); absent for `member`. */
  messageId: string | undefined;
  /** A message of the target room that is not pinned. */
  unpinnedId: string;
  /** The user whose presence the actor asks for. */
  presenceOf: UserId;
  /** The actor's own user id (pat's for the tokenless ones, whose token names pat). */
  self: UserId;
  /** The identity a body claims in `user_id` / `creator_id` (the impersonator's only). */
  claim: string | undefined;
  /** Someone nobody has invited yet, for invitations (and moderation of a non-member). */
  newcomer: string;
  /** Whom moderation acts on: a plain member of the target room, not the actor. */
  subject: UserId;
  /** A moderator of the target room, not the actor. */
  moderatorOfRoom: UserId;
  /** The owner of the target room. */
  ownerOfRoom: UserId;
  /** Banned from the target room. */
  bannedFromRoom: UserId;
  /** Muted in the target room. */
  mutedInRoom: UserId;
  /** A user no room of the world has seen, one per world: whom a new direct message is with. */
  stranger: string;
  /** olga's direct message with mia, and a message olga wrote there. */
  dmId: string;
  dmMessageId: string;
}

export function targetOf(actor: ActorId, world: World): Target {
  const inPrivate = {
    roomId: world.privateRoom,
    otherRoomId: world.publicRoom,
    rootId: world.rootQ,
    otherRootId: world.rootP,
    messageId: world.miaQ,
    unpinnedId: world.miaQ,
    // max is in the private room only: sharing it is the only way to see him.
    presenceOf: 'max' as UserId,
    claim: undefined,
    newcomer: 'zed',
    subject: 'max' as UserId,
    moderatorOfRoom: 'mona' as UserId,
    ownerOfRoom: 'olga' as UserId,
    bannedFromRoom: 'bob' as UserId,
    mutedInRoom: 'mel' as UserId,
    stranger: world.stranger,
    dmId: world.dm,
    dmMessageId: world.dmMessage,
  };
  const inPublic = {
    ...inPrivate,
    roomId: world.publicRoom,
    otherRoomId: world.privateRoom,
    rootId: world.rootP,
    otherRootId: world.rootQ,
    messageId: world.rootP,
    unpinnedId: world.replyP,
    presenceOf: 'olga' as UserId,
    subject: 'quinn' as UserId,
  };
  const self: UserId = isTokenless(actor) ? 'pat' : USER_OF[actor];
  switch (actor) {
    case 'member':
      return { ...inPrivate, self, messageId: undefined };
    case 'otherMember':
      return { ...inPrivate, self, presenceOf: 'mia', subject: 'mia' };
    case 'nonMemberPublic':
    case 'bannedPublic':
      return { ...inPublic, self };
    case 'formerMember':
      return { ...inPrivate, self, messageId: world.fredQ };
    case 'muted':
      return { ...inPrivate, self, messageId: world.melQ };
    case 'bannedPrivate':
      return { ...inPrivate, self, messageId: world.bobQ };
    case 'impersonator':
      return { ...inPrivate, self, claim: IMPERSONATED };
    default:
      return { ...inPrivate, self };
  }
}
