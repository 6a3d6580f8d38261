import type { Invite } from '../../../shared/schemas/objects';
import type { PageQuery } from '../types';
import type { Queryable } from './pool';

/**
 * The pending invites of the PostgreSQL store (table room_invites): the queries behind its invite
 * methods. Accepting one also adds a member, which postgres-store.ts does in one transaction.
 */

/**
 * Invites those (each once) who are neither members, nor invited yet, nor banned; answers them in
 * the order given. The caller locks the room first (postgres-store.ts), so a ban committed before
 * is seen.
 */
export async function addInvites(
  db: Queryable,
  roomId: string,
  userIds: readonly string[],
  invitedBy: string,
  at: string,
): Promise<string[]> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return [];
  const added = await db.query<{ user_id: string }>(
    `INSERT INTO room_invites (room_id, user_id, invited_by, invited_at)
     SELECT r.id, n.user_id, $3, $4
     FROM unnest($2::text[]) AS n(user_id) JOIN rooms r ON r.id = $1
     WHERE NOT EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.user_id = n.user_id)
       AND NOT EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.user_id = n.user_id)
     ON CONFLICT (room_id, user_id) DO NOTHING
     RETURNING user_id`,
    [roomId, unique, invitedBy, at],
  );
  const fresh = new Set(added.rows.map((r) => r.user_id));
  return unique.filter((u) => fresh.has(u));
}

export async function hasInvite(db: Queryable, roomId: string, userId: string): Promise<boolean> {
  const found = await db.query('SELECT 1 FROM room_invites WHERE room_id = $1 AND user_id = $2', [
    roomId,
    userId,
  ]);
  return found.rows.length > 0;
}

/** Deletes the invite; false when there was none. Also the first half of accepting one. */
export async function takeInvite(db: Queryable, roomId: string, userId: string): Promise<boolean> {
  const taken = await db.query<{ user_id: string }>(
    'DELETE FROM room_invites WHERE room_id = $1 AND user_id = $2 RETURNING user_id',
    [roomId, userId],
  );
  return taken.rows.length > 0;
}

export async function listInvites(db: Queryable, userId: string, page: PageQuery): Promise<Invite[]> {
  const found = await db.query<Invite>(
    `SELECT i.room_id, r.name AS room_name, r.description, r.is_private, i.invited_by,
       COALESCE(u.username, i.invited_by) AS inviter_username, i.invited_at
     FROM room_invites i
     JOIN rooms r ON r.id = i.room_id
     LEFT JOIN users u ON u.user_id = i.invited_by
     WHERE i.user_id = $1
       AND ($2::timestamptz IS NULL OR (i.invited_at, i.room_id) > ($2::timestamptz, $3::text))
       AND NOT EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = i.room_id AND m.user_id = i.user_id)
     ORDER BY i.invited_at, i.room_id
     LIMIT $4`,
    [userId, page.after?.at ?? null, page.after?.id ?? null, page.limit],
  );
  return found.rows;
}
