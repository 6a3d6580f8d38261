import { IMPERSONATED, isTokenless, USER_OF, type ActorId, type UserId } from './actors';
import type { World } from './world';

/** What an actor's request names: its room, messages and users, filled into payloads and paths. */
export interface Target {
  /** The room the actor acts in: the public room for `nonMemberPublic`, the private one otherwise. */
  roomId: string;
  /** The other room, for a `parent_id` from another room. */
  otherRoomId: string;
  /** olga's thread root in the target room, and in the other room. */
  rootId: string;
  otherRootId: string;
  /** The message whose author matters (edit, delete, reactions); absent for `member`. */
  messageId: string | undefined;
  /** The user whose presence the actor asks for. */
  presenceOf: UserId;
  /** The actor's own user id (pat's for the tokenless ones, whose token names pat). */
  self: UserId;
  /** The identity a body claims in `user_id` / `creator_id` (the impersonator's only). */
  claim: string | undefined;
  /** Someone nobody has invited yet, for invitations. */
  newcomer: string;
}

export function targetOf(actor: ActorId, world: World): Target {
  const inPrivate = {
    roomId: world.privateRoom,
    otherRoomId: world.publicRoom,
    rootId: world.rootQ,
    otherRootId: world.rootP,
    messageId: world.miaQ,
    // max is in the private room only: sharing it is the only way to see him.
    presenceOf: 'max' as UserId,
    claim: undefined,
    newcomer: 'zed',
  };
  const self: UserId = isTokenless(actor) ? 'pat' : USER_OF[actor];
  switch (actor) {
    case 'member':
      return { ...inPrivate, self, messageId: undefined };
    case 'otherMember':
      return { ...inPrivate, self, presenceOf: 'mia' };
    case 'nonMemberPublic':
      return {
        ...inPrivate,
        self,
        roomId: world.publicRoom,
        otherRoomId: world.privateRoom,
        rootId: world.rootP,
        otherRootId: world.rootQ,
        messageId: world.rootP,
        presenceOf: 'olga',
      };
    case 'formerMember':
      return { ...inPrivate, self, messageId: world.fredQ };
    case 'impersonator':
      return { ...inPrivate, self, claim: IMPERSONATED };
    default:
      return { ...inPrivate, self };
  }
}
