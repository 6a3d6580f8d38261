import { signToken } from '../../../server/auth/jwt';
import { TEST_SECRET } from '../../helpers/server';
import { nowSeconds, tokenSigner } from '../../helpers/tokens';

/**
 * Who acts in the authorization matrix. Each actor is a relation to the world's rooms and messages
 * (./world.ts), not a person: the same user may play several (mia is the member, the author and the
 * impersonator), and each actor has its own target (./scenes.ts), e.g. the public room for the
 * non-member of a public room and the private room for everyone else.
 */
export const ACTORS = {
  owner: 'owner of both rooms (olga), acting on a message someone else wrote',
  moderator: 'moderator of the private room, acting on a message someone else wrote (moe)',
  member: 'member of the private room, not its owner (mia)',
  author: 'member acting on a message they wrote (mia)',
  otherMember: 'member acting on a message someone else wrote (max)',
  nonMemberPublic: 'signed in, not a member of the public room it targets (pat, in no room)',
  nonMemberPrivate: 'member of the public room only, neither in nor invited to the private one (quinn)',
  invitee: 'invited to the private room, not joined yet (ivy)',
  formerMember: 'was a member of the private room, wrote there, then left (fred)',
  muted: 'member of the private room, muted there, acting on a message they wrote before (mel)',
  bannedPublic: 'was a member of the public room, banned from it (bob, banned from both rooms)',
  bannedPrivate: 'was a member of the private room, wrote there, then was banned from it (bob)',
  impersonator: 'a member whose body names another user in `user_id` / `creator_id` (mia as olga)',
  noToken: 'no token at all',
  expiredToken: 'a token of a real user whose `exp` has passed',
  foreignKey: 'a well-formed token signed with another key',
  malformedToken: 'not a JWT',
} as const;
export type ActorId = keyof typeof ACTORS;
export const ACTOR_IDS = Object.keys(ACTORS) as ActorId[];

/** Actors without a valid token: every request of theirs is refused before anything else. */
export const TOKENLESS = ['noToken', 'expiredToken', 'foreignKey', 'malformedToken'] as const;
export type TokenlessActor = (typeof TOKENLESS)[number];
export type SignedInActor = Exclude<ActorId, TokenlessActor>;

export const isTokenless = (actor: ActorId): actor is TokenlessActor =>
  (TOKENLESS as readonly string[]).includes(actor);

/** The users of the world; every one holds a connected socket for the whole file. */
export const USERS = [
  'olga',
  'mia',
  'max',
  'pat',
  'quinn',
  'ivy',
  'fred',
  'moe',
  'mona',
  'mel',
  'bob',
] as const;
export type UserId = (typeof USERS)[number];

/** Who each signed-in actor is. */
export const USER_OF: Record<SignedInActor, UserId> = {
  owner: 'olga',
  moderator: 'moe',
  member: 'mia',
  author: 'mia',
  otherMember: 'max',
  nonMemberPublic: 'pat',
  nonMemberPrivate: 'quinn',
  invitee: 'ivy',
  formerMember: 'fred',
  muted: 'mel',
  bannedPublic: 'bob',
  bannedPrivate: 'bob',
  impersonator: 'mia',
};

/** Whom the impersonator names in a body's identity field. */
export const IMPERSONATED: UserId = 'olga';

/**
 * The token each tokenless actor presents (undefined: none). They name a real user (pat), so only
 * the token itself is wrong.
 */
export async function badTokens(): Promise<Record<TokenlessActor, string | undefined>> {
  const sign = tokenSigner(TEST_SECRET);
  const valid = await signToken(TEST_SECRET, { id: 'pat', name: 'Pat' });
  return {
    noToken: undefined,
    expiredToken: await sign({ sub: 'pat', name: 'Pat', exp: nowSeconds() - 60 }),
    foreignKey: await sign({ sub: 'pat', name: 'Pat' }, { secret: `${TEST_SECRET}-but-another-one` }),
    // A real token cut short: three segments that do not verify, and no JSON either.
    malformedToken: `${valid.slice(0, 20)}.not-a-jwt`,
  };
}
