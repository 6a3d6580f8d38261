import type { Reaction } from '../../shared/schemas/objects';

export interface ReactionRow {
  message_id: string;
  emoji: string;
  user_id: string;
}

/**
 * Groups reaction rows into each message's `reactions`: one entry per emoji, users in the order
 * they reacted. Rows must come sorted by the emoji's place on the message (its first use), then by
 * when they were added; that order is kept.
 *
 * Each entry lists at most `usersShown` (≥ 1) user ids, the first to react, while its `count` stays
 * exact: a popular message's summary, sent in every `reaction:updated` and history page, stays
 * bounded however many users react.
 */
export function aggregateReactions(
  rows: readonly ReactionRow[],
  usersShown: number,
): Map<string, Reaction[]> {
  const byMessage = new Map<string, Map<string, Reaction>>();
  for (const row of rows) {
    let emojis = byMessage.get(row.message_id);
    if (!emojis) {
      emojis = new Map();
      byMessage.set(row.message_id, emojis);
    }
    const entry = emojis.get(row.emoji);
    if (entry) {
      entry.count += 1;
      if (entry.user_ids.length < usersShown) entry.user_ids.push(row.user_id);
    } else {
      emojis.set(row.emoji, { emoji: row.emoji, count: 1, user_ids: [row.user_id] });
    }
  }
  return new Map([...byMessage].map(([id, emojis]) => [id, [...emojis.values()]]));
}
