import { aggregateReactions } from '../../../server/store/aggregate-reactions';

describe('aggregateReactions', () => {
  it('groups rows per message and emoji, emojis by first use, users in reaction order', () => {
    const grouped = aggregateReactions([
      { message_id: 'm1', emoji: '👍', user_id: 'alice' },
      { message_id: 'm2', emoji: '🎉', user_id: 'bob' },
      { message_id: 'm1', emoji: ':party_parrot:', user_id: 'bob' },
      { message_id: 'm1', emoji: '👍', user_id: 'carol' },
    ]);
    expect(grouped.get('m1')).toEqual([
      { emoji: '👍', count: 2, user_ids: ['alice', 'carol'] },
      { emoji: ':party_parrot:', count: 1, user_ids: ['bob'] },
    ]);
    expect(grouped.get('m2')).toEqual([{ emoji: '🎉', count: 1, user_ids: ['bob'] }]);
    expect(grouped.has('m3')).toBe(false);
  });
});
