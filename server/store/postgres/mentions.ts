import type { Message } from '../../../shared/schemas/objects';
import type { PageQuery } from '../types';
import { hydrateAll } from './messages';
import type { Queryable } from './pool';
import { messageColumns, type MessageRow } from './rows';

/**
 * A user's mentions, newest first by (timestamp, id), strictly before the page's key; read from
 * the `mentions` rows by index (user, created_at, message_id), backwards. A deleted message has
 * no mention rows (conversations-sql.ts); rooms the user has left are skipped by their member row.
 */
export async function listMentions(
  db: Queryable,
  userId: string,
  page: PageQuery,
  shown: number,
): Promise<Message[]> {
  const found = await db.query<MessageRow>(
    `SELECT ${messageColumns('m')}
     FROM mentions x JOIN messages m ON m.id = x.message_id
     WHERE x.user_id = $1
       AND ($2::timestamptz IS NULL OR (x.created_at, x.message_id) < ($2::timestamptz, $3::text))
       AND EXISTS (SELECT 1 FROM room_members rm WHERE rm.room_id = x.room_id AND rm.user_id = $1)
       AND NOT m.deleted
     ORDER BY x.created_at DESC, x.message_id DESC
     LIMIT $4`,
    [userId, page.after?.at ?? null, page.after?.id ?? null, page.limit],
  );
  return hydrateAll(db, found.rows, shown);
}
