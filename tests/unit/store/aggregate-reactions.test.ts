import { aggregateReactions, type ReactionRow } from '../../../server/store/aggregate-reactions';

const rowsOf = (messageId: string, emoji: string, users: readonly string[]): ReactionRow[] =>
  users.map((user_id) => ({ message_id: messageId, emoji, user_id }));

const users = (n: number, prefix = 'u'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

describe('aggregateReactions', () => {
  it('groups rows per message and emoji, emojis by first use, users in reaction order', () => {
    const grouped = aggregateReactions(
      [
        { message_id: 'm1', emoji: '👍', user_id: 'alice' },
        { message_id: 'm2', emoji: '🎉', user_id: 'bob' },
        { message_id: 'm1', emoji: ':party_parrot:', user_id: 'bob' },
        { message_id: 'm1', emoji: '👍', user_id: 'carol' },
      ],
      10,
    );
    expect(grouped.get('m1')).toEqual([
      { emoji: '👍', count: 2, user_ids: ['alice', 'carol'] },
      { emoji: ':party_parrot:', count: 1, user_ids: ['bob'] },
    ]);
    expect(grouped.get('m2')).toEqual([{ emoji: '🎉', count: 1, user_ids: ['bob'] }]);
    expect(grouped.has('m3')).toBe(false);
  });

  it('lists at most `usersShown` user ids per emoji, the first to react, with the exact count', () => {
    const grouped = aggregateReactions(
      [...rowsOf('m1', '👍', users(25)), ...rowsOf('m1', '🎉', users(3, 'x'))],
      10,
    );
    expect(grouped.get('m1')).toEqual([
      { emoji: '👍', count: 25, user_ids: users(10) },
      { emoji: '🎉', count: 3, user_ids: ['x1', 'x2', 'x3'] },
    ]);
  });

  it('lists exactly `usersShown` when that many reacted, and bounds each message and emoji on its own', () => {
    const grouped = aggregateReactions(
      [
        ...rowsOf('m1', '👍', users(2)),
        ...rowsOf('m2', '👍', users(5, 'a')),
        ...rowsOf('m1', '🎉', users(4, 'b')),
      ],
      2,
    );
    expect(grouped.get('m1')).toEqual([
      { emoji: '👍', count: 2, user_ids: ['u1', 'u2'] },
      { emoji: '🎉', count: 4, user_ids: ['b1', 'b2'] },
    ]);
    expect(grouped.get('m2')).toEqual([{ emoji: '👍', count: 5, user_ids: ['a1', 'a2'] }]);
  });
});
