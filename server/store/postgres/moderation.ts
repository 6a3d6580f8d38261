import type pg from 'pg';
import type { MemberRole, ModerationEvent } from '../../../shared/schemas/objects';
import type { NewModerationAction } from '../conversation-types';
import { inTransaction, type Queryable } from './pool';

/**
 * Moderation on PostgreSQL: the action, its record and its outbox entry in one transaction.
 *
 * The room's row is locked first, as joins and leaves lock it (changes-sql.ts): actions, joins
 * and leaves of one room take turns, so what an action reads of the target's membership holds
 * until it commits, and the room's outbox entries (the 'member.left' of a removal's member
 * trigger, then 'member.moderated') take ids in commit order, which webhook delivery relies on.
 */

const EVENT_SELECT = `
  SELECT a.room_id, a.action, a.user_id, COALESCE(u.username, a.user_id) AS username, a.by,
    a.muted_until, a.created_at AS timestamp
  FROM moderation_actions a LEFT JOIN users u ON u.user_id = a.user_id`;

export async function moderate(pool: pg.Pool, action: NewModerationAction): Promise<ModerationEvent | null> {
  return inTransaction(pool, async (tx) => {
    const room = await tx.query('SELECT 1 FROM rooms WHERE id = $1 FOR NO KEY UPDATE', [action.room_id]);
    if (room.rows.length === 0) return null;
    const member = await tx.query<{ role: MemberRole }>(
      'SELECT role FROM room_members WHERE room_id = $1 AND user_id = $2',
      [action.room_id, action.user_id],
    );
    if (!(await apply(tx, action, member.rows[0]?.role ?? null))) return null;
    const recorded = await tx.query<{ id: number }>(
      `INSERT INTO moderation_actions (room_id, action, user_id, by, muted_until, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        action.room_id,
        action.action,
        action.user_id,
        action.by,
        action.action === 'mute' ? action.muted_until : null,
        action.at,
      ],
    );
    const id = recorded.rows[0]?.id;
    if (id === undefined) throw new Error('a moderation action was not recorded');
    await tx.query(
      `INSERT INTO outbox (room_id, type, user_id, action_id) VALUES ($1, 'member.moderated', $2, $3)`,
      [action.room_id, action.user_id, id],
    );
    const event = await getModerationAction(tx, id);
    if (!event) throw new Error(`moderation action ${id} cannot be read back`);
    return event;
  });
}

/**
 * The action's effect; false when it changes nothing. `role` is the target's, read under the
 * room's lock. The owner is never a target (but unban and unmute, which the owner never needs).
 */
async function apply(tx: Queryable, a: NewModerationAction, role: MemberRole | null): Promise<boolean> {
  const key = [a.room_id, a.user_id];
  switch (a.action) {
    case 'promote':
    case 'demote': {
      const [from, to] =
        a.action === 'promote' ? (['member', 'moderator'] as const) : (['moderator', 'member'] as const);
      if (role !== from) return false;
      const set = await tx.query(
        'UPDATE room_members SET role = $4 WHERE room_id = $1 AND user_id = $2 AND role = $3',
        [...key, from, to],
      );
      return set.rowCount === 1;
    }
    case 'remove':
      return role !== null && role !== 'owner' && (await removeMember(tx, a));
    case 'ban': {
      if (role === 'owner') return false;
      const removed = role !== null && (await removeMember(tx, a));
      await tx.query('DELETE FROM room_invites WHERE room_id = $1 AND user_id = $2', key);
      const banned = await tx.query(
        `INSERT INTO room_bans (room_id, user_id, banned_by, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (room_id, user_id) DO NOTHING`,
        [...key, a.by, a.at],
      );
      return removed || banned.rowCount === 1;
    }
    case 'unban':
      return (
        (await tx.query('DELETE FROM room_bans WHERE room_id = $1 AND user_id = $2', key)).rowCount === 1
      );
    case 'mute': {
      if (role === null || role === 'owner' || a.muted_until === null) return false;
      // Replaces an earlier mute; the same end again changes nothing.
      const muted = await tx.query(
        `INSERT INTO room_mutes (room_id, user_id, muted_until, muted_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (room_id, user_id) DO UPDATE
           SET muted_until = excluded.muted_until, muted_by = excluded.muted_by
           WHERE room_mutes.muted_until IS DISTINCT FROM excluded.muted_until`,
        [...key, a.muted_until, a.by],
      );
      return muted.rowCount === 1;
    }
    case 'unmute':
      return (
        (await tx.query('DELETE FROM room_mutes WHERE room_id = $1 AND user_id = $2', key)).rowCount === 1
      );
  }
}

/** A leave without owner hand-over (the owner is never removed); its trigger appends 'member.left'. */
async function removeMember(tx: Queryable, a: NewModerationAction): Promise<boolean> {
  const removed = await tx.query(
    `DELETE FROM room_members WHERE room_id = $1 AND user_id = $2 AND role <> 'owner'`,
    [a.room_id, a.user_id],
  );
  return removed.rowCount === 1;
}

export async function isBanned(db: Queryable, roomId: string, userId: string): Promise<boolean> {
  const found = await db.query('SELECT 1 FROM room_bans WHERE room_id = $1 AND user_id = $2', [
    roomId,
    userId,
  ]);
  return found.rows.length > 0;
}

export async function getModerationAction(db: Queryable, id: number): Promise<ModerationEvent | null> {
  const found = await db.query<ModerationEvent>(`${EVENT_SELECT} WHERE a.id = $1`, [id]);
  return found.rows[0] ?? null;
}
