import { MENTIONS_PER_MESSAGE_MAX } from '../../../shared/limits';
import { mentionCandidates, mentionTokens, pickMentions } from '../../../server/domain/mention-parser';

/** The members a content mentions when `members` are the room's members. */
function mentioned(content: string, members: readonly string[], max = MENTIONS_PER_MESSAGE_MAX): string[] {
  return pickMentions(mentionTokens(content), new Set(members), max);
}

describe('mention parser', () => {
  it('finds @ids at the start and after spaces and punctuation, in order, each once', () => {
    expect(mentioned('@bob hi (@carol), @bob again; "@dave"', ['bob', 'carol', 'dave'])).toEqual([
      'bob',
      'carol',
      'dave',
    ]);
  });

  it('does not read an e-mail address or an @ inside an id as a mention', () => {
    expect(mentioned('write to alice@bob or x@bob', ['bob'])).toEqual([]);
    expect(mentionTokens('mail@bob.example')).toEqual([]);
  });

  it('keeps members only', () => {
    expect(mentioned('@bob @stranger @carol', ['bob', 'carol'])).toEqual(['bob', 'carol']);
  });

  it('trims trailing sentence punctuation when the id as written is not a member', () => {
    expect(mentioned('thanks @bob. and @carol: and @dave-', ['bob', 'carol', 'dave'])).toEqual([
      'bob',
      'carol',
      'dave',
    ]);
    expect(mentioned('ask @bob...', ['bob'])).toEqual(['bob']);
  });

  it('prefers the id as written when it is a member (ids may end with . : -)', () => {
    expect(mentioned('hi @bob.', ['bob.', 'bob'])).toEqual(['bob.']);
    expect(mentioned('hi @ops:', ['ops:'])).toEqual(['ops:']);
  });

  it('accepts every user-id character, and ids up to 64 characters only', () => {
    expect(mentioned('cc @team_a.b:c@d-e', ['team_a.b:c@d-e'])).toEqual(['team_a.b:c@d-e']);
    const long = 'a'.repeat(64);
    expect(mentioned(`@${long}`, [long])).toEqual([long]);
    // Too long to be an id: no prefix of it is taken for one.
    expect(mentioned(`@${long}b`, [long])).toEqual([]);
    // …unless trimming punctuation leaves an id.
    expect(mentioned(`@${long}.`, [long])).toEqual([long]);
  });

  it('ignores a lone @ and non-id characters after it', () => {
    expect(mentionTokens('@ @! a@ @')).toEqual([]);
    expect(mentioned('@bob!', ['bob'])).toEqual(['bob']);
    expect(mentioned('héllo @bob→', ['bob'])).toEqual(['bob']);
  });

  it('stops at the cap, counting distinct members', () => {
    const members = Array.from({ length: 60 }, (_, i) => `u${i}`);
    const content = [members[0], ...members].map((id) => `@${id}`).join(' ');
    const picked = mentioned(content, members);
    expect(picked).toHaveLength(MENTIONS_PER_MESSAGE_MAX);
    expect(picked).toEqual(members.slice(0, MENTIONS_PER_MESSAGE_MAX));
  });

  it('asks the store about each possible id once, both spellings of a token included', () => {
    expect(mentionCandidates(mentionTokens('@bob. @bob @carol'))).toEqual(['bob.', 'bob', 'carol']);
    expect(mentionCandidates(mentionTokens('no mentions here'))).toEqual([]);
  });
});
