import type Database from 'better-sqlite3';
import type { MemberRole, Message, ModerationEvent } from '../../../shared/schemas/objects';
import type { NewDirectRoom, NewModerationAction, PinOutcome } from '../conversation-types';
import type { StoreOptions } from '../store-options';
import type {
  AddReactionOutcome,
  InsertedMessage,
  NewMember,
  NewMessage,
  NewRoom,
  ReactionCaps,
  ReadPosition,
  RemovedMember,
  StoredMember,
} from '../types';
import { hydrate, MEMBER_COLUMNS, type MessageRow, reactionReader, toMessage } from './sqlite-rows';
import { SqliteConversationWrites } from './sqlite-conversation-writes';
import { SqliteInvites } from './sqlite-invites';
import { SqliteWebhookWrites } from './sqlite-webhook-writes';
import type {
  DeliveryAttempt,
  NewDelivery,
  NewWebhook,
  StoredDelivery,
  StoredWebhook,
  WebhookChange,
} from '../webhook-types';

/**
 * Every write of the SQLite store, synchronous, on the one connection that writes. It runs in the
 * writer thread (./writer-worker.ts), which calls a batch of these inside one transaction, each in
 * its own savepoint: one failing write undoes only itself. So none opens a transaction of its own:
 * each is atomic through the savepoint its caller wraps it in. Answers are plain data, so they
 * cross the thread boundary as they are.
 */
export class SqliteWrites {
  private readonly stmt;
  private readonly invites: SqliteInvites;
  private readonly hooks: SqliteWebhookWrites;
  private readonly conversations: SqliteConversationWrites;
  private readonly reactionsFor;

  constructor(
    private readonly db: Database.Database,
    options: Pick<StoreOptions, 'reactionUsersShown'>,
  ) {
    this.stmt = prepare(db);
    this.invites = new SqliteInvites(db);
    this.hooks = new SqliteWebhookWrites(db);
    this.conversations = new SqliteConversationWrites(db);
    this.reactionsFor = reactionReader(db, options.reactionUsersShown);
  }

  rememberUser(user: { id: string; name: string }): void {
    this.stmt.upsertUser.run(user.id, user.name);
  }

  setLastSeen(userId: string, at: string): void {
    this.stmt.setLastSeen.run(at, userId);
  }

  createRoom(room: NewRoom, members: NewMember[]): void {
    this.stmt.insertRoom.run({ ...room, is_private: room.is_private ? 1 : 0 });
    for (const m of members) this.stmt.insertMember.run({ room_id: room.id, ...m });
  }

  addMembers(roomId: string, members: NewMember[]): StoredMember[] {
    return this.insertMembers(roomId, members);
  }

  removeMember(roomId: string, userId: string): RemovedMember {
    const current = this.stmt.memberRole.get(roomId, userId);
    if (!current) return { removed: false, newOwnerId: null };
    this.stmt.deleteMember.run(roomId, userId);
    if (current.role !== 'owner' || (this.stmt.ownerCount.get(roomId)?.n ?? 0) > 0) {
      return { removed: true, newOwnerId: null };
    }
    const heir = this.stmt.eldestMember.get(roomId);
    if (heir) this.stmt.promote.run(roomId, heir.user_id);
    return { removed: true, newOwnerId: heir?.user_id ?? null };
  }

  markRead(roomId: string, userId: string, seq: number): ReadPosition | null {
    const current = this.stmt.readPosition.get(roomId, userId);
    if (!current) return null;
    const target = Math.min(seq, current.last_seq);
    if (target <= current.last_read_seq) {
      return { last_read_seq: current.last_read_seq, last_message_seq: current.last_seq, changed: false };
    }
    this.stmt.setReadPosition.run(target, roomId, userId);
    return { last_read_seq: target, last_message_seq: current.last_seq, changed: true };
  }

  addInvites(roomId: string, userIds: readonly string[], invitedBy: string, at: string): string[] {
    return this.invites.add(roomId, userIds, invitedBy, at);
  }

  acceptInvite(roomId: string, member: NewMember): StoredMember | null {
    return this.invites.take(roomId, member.user_id)
      ? (this.insertMembers(roomId, [member])[0] ?? null)
      : null;
  }

  declineInvite(roomId: string, userId: string): boolean {
    return this.invites.take(roomId, userId);
  }

  insertMessage(message: NewMessage): InsertedMessage {
    if (message.client_id !== null) {
      const earlier = this.stmt.byClientId.get(message.room_id, message.user_id, message.client_id);
      if (earlier) return { message: hydrate(earlier, this.reactionsFor), created: false, parent: null };
    }
    const next = this.stmt.nextSeq.get(message.room_id);
    if (!next) throw new Error(`room ${message.room_id} does not exist`);
    const mentions = mentionsJson(message.mentions);
    // The mention rows and the search index follow from the row (triggers: conversations-sql.ts).
    this.stmt.insertMessage.run({ ...message, mentions, seq: next.last_seq });
    // The versions are the triggers' (changes-sql.ts), taken after each statement's RETURNING.
    const version = this.stmt.versionOf.get(message.id)?.version ?? 0;
    const bumped = message.parent_id ? this.stmt.bumpReplies.get(message.parent_id) : undefined;
    const parent = bumped ? this.stmt.messageById.get(bumped.id) : undefined;
    this.stmt.markReadTo.run(next.last_seq, message.room_id, message.user_id);
    return {
      // Every other column is known here: reading the row back would only repeat them.
      message: toMessage(
        {
          ...message,
          seq: next.last_seq,
          reply_count: 0,
          created_at: message.timestamp,
          edited_at: null,
          deleted: 0,
          version,
          mentions,
          pinned_at: null,
          pinned_by: null,
        },
        [],
      ),
      created: true,
      parent: parent ? hydrate(parent, this.reactionsFor) : null,
    };
  }

  editMessage(
    messageId: string,
    content: string,
    editedAt: string,
    mentions: readonly string[],
  ): Message | null {
    const edited = this.stmt.editMessage.run(content, editedAt, mentionsJson(mentions), messageId);
    if (edited.changes === 0) return null;
    const row = this.stmt.messageById.get(messageId);
    return row ? hydrate(row, this.reactionsFor) : null;
  }

  deleteMessage(messageId: string): Message | null {
    if (this.stmt.deleteMessage.run(messageId).changes === 0) return null;
    this.stmt.deleteReactionsOf.run(messageId);
    const row = this.stmt.messageById.get(messageId);
    return row ? toMessage(row, []) : null;
  }

  addReaction(
    messageId: string,
    userId: string,
    emoji: string,
    at: string,
    caps: ReactionCaps,
  ): AddReactionOutcome {
    const added = this.stmt.addReaction.run({
      message_id: messageId,
      user_id: userId,
      emoji,
      at,
      per_message: caps.perMessage,
      per_user: caps.perUser,
    });
    if (added.changes > 0) return 'added';
    if (this.stmt.hasReaction.get(messageId, userId, emoji)) return 'exists';
    const mine = this.stmt.userReactionCount.get(messageId, userId)?.n ?? 0;
    return mine >= caps.perUser ? 'user_full' : 'message_full';
  }

  removeReaction(messageId: string, userId: string, emoji: string): boolean {
    return this.stmt.removeReaction.run(messageId, userId, emoji).changes > 0;
  }

  // Direct messages, moderation and pins: see sqlite-conversation-writes.ts.

  openDirectRoom(room: NewDirectRoom): { room_id: string; created: boolean } {
    return this.conversations.openDirectRoom(room);
  }

  moderate(action: NewModerationAction): ModerationEvent | null {
    return this.conversations.moderate(action);
  }

  pinMessage(messageId: string, by: string, at: string, maxPins: number): PinOutcome {
    return this.conversations.pinMessage(messageId, by, at, maxPins);
  }

  unpinMessage(messageId: string): boolean {
    return this.conversations.unpinMessage(messageId);
  }

  // Outgoing webhooks: see sqlite-webhook-writes.ts.

  createHook(hook: NewWebhook): StoredWebhook {
    return this.hooks.createHook(hook);
  }

  updateHook(id: string, change: WebhookChange, at: string): StoredWebhook | null {
    return this.hooks.updateHook(id, change, at);
  }

  deleteHook(id: string): boolean {
    return this.hooks.deleteHook(id);
  }

  takeOutbox(entryIds: readonly number[], deliveries: readonly NewDelivery[]): number {
    return this.hooks.takeOutbox(entryIds, deliveries);
  }

  recordAttempt(deliveryId: string, attempt: DeliveryAttempt): void {
    this.hooks.recordAttempt(deliveryId, attempt);
  }

  redeliver(deliveryId: string, now: string): StoredDelivery | null {
    return this.hooks.redeliver(deliveryId, now);
  }

  claimDispatch(node: string, now: string, until: string): boolean {
    return this.hooks.claimDispatch(node, now, until);
  }

  releaseDispatch(node: string): void {
    this.hooks.releaseDispatch(node);
  }

  /** Inside a transaction: adds the ones not yet members; answers those added. */
  private insertMembers(roomId: string, members: readonly NewMember[]): StoredMember[] {
    const added: StoredMember[] = [];
    for (const m of members) {
      if (this.stmt.insertMember.run({ room_id: roomId, ...m }).changes === 0) continue;
      const stored = this.stmt.getMember.get(roomId, m.user_id);
      if (stored) added.push(stored);
    }
    return added;
  }
}

/** The methods the writer thread may be asked to run (its message protocol names them). */
export const WRITE_METHODS = [
  'rememberUser',
  'setLastSeen',
  'createRoom',
  'addMembers',
  'removeMember',
  'markRead',
  'addInvites',
  'acceptInvite',
  'declineInvite',
  'insertMessage',
  'editMessage',
  'deleteMessage',
  'addReaction',
  'removeReaction',
  'openDirectRoom',
  'moderate',
  'pinMessage',
  'unpinMessage',
  'createHook',
  'updateHook',
  'deleteHook',
  'takeOutbox',
  'recordAttempt',
  'redeliver',
  'claimDispatch',
  'releaseDispatch',
] as const satisfies readonly (keyof SqliteWrites)[];

export type WriteMethod = (typeof WRITE_METHODS)[number];

/**
 * The mentions column (a JSON array). A caller that leaves them out (JavaScript written before
 * mentions, which the types cannot stop) mentions nobody rather than failing the write.
 */
function mentionsJson(ids: readonly string[] | undefined): string {
  return JSON.stringify(ids ?? []);
}

function prepare(db: Database.Database) {
  return {
    upsertUser: db.prepare(
      `INSERT INTO users (user_id, username) VALUES (?, ?)
       ON CONFLICT (user_id) DO UPDATE SET username = excluded.username
       WHERE users.username IS NOT excluded.username`,
    ),
    setLastSeen: db.prepare('UPDATE users SET last_seen = ? WHERE user_id = ?'),
    insertRoom: db.prepare(
      `INSERT INTO rooms (id, name, description, is_private, created_by, created_at)
       VALUES (@id, @name, @description, @is_private, @created_by, @created_at)`,
    ),
    // A banned user is never added, whichever way they come (join, invite accepted): the check
    // is in the statement, so a ban committed first always wins.
    insertMember: db.prepare(
      `INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_seq)
       SELECT @room_id, @user_id, @role, @joined_at, last_seq FROM rooms WHERE id = @room_id
         AND NOT EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = @room_id AND b.user_id = @user_id)
       ON CONFLICT (room_id, user_id) DO NOTHING`,
    ),
    getMember: db.prepare<[string, string], StoredMember>(
      `SELECT ${MEMBER_COLUMNS} WHERE m.room_id = ? AND m.user_id = ?`,
    ),
    memberRole: db.prepare<[string, string], { role: MemberRole }>(
      'SELECT role FROM room_members WHERE room_id = ? AND user_id = ?',
    ),
    deleteMember: db.prepare('DELETE FROM room_members WHERE room_id = ? AND user_id = ?'),
    ownerCount: db.prepare<[string], { n: number }>(
      `SELECT COUNT(*) AS n FROM room_members WHERE room_id = ? AND role = 'owner'`,
    ),
    eldestMember: db.prepare<[string], { user_id: string }>(
      `SELECT user_id FROM room_members WHERE room_id = ? ORDER BY joined_at, user_id LIMIT 1`,
    ),
    promote: db.prepare(`UPDATE room_members SET role = 'owner' WHERE room_id = ? AND user_id = ?`),
    readPosition: db.prepare<[string, string], { last_read_seq: number; last_seq: number }>(
      `SELECT m.last_read_seq, r.last_seq FROM room_members m JOIN rooms r ON r.id = m.room_id
       WHERE m.room_id = ? AND m.user_id = ?`,
    ),
    setReadPosition: db.prepare(
      'UPDATE room_members SET last_read_seq = ? WHERE room_id = ? AND user_id = ?',
    ),
    byClientId: db.prepare<[string, string, string], MessageRow>(
      'SELECT * FROM messages WHERE room_id = ? AND user_id = ? AND client_id = ?',
    ),
    nextSeq: db.prepare<[string], { last_seq: number }>(
      'UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq',
    ),
    insertMessage: db.prepare(
      `INSERT INTO messages
           (id, room_id, seq, user_id, username, content, message_type, parent_id, client_id, created_at,
          mentions)
       VALUES
         (@id, @room_id, @seq, @user_id, @username, @content, @message_type, @parent_id, @client_id, @timestamp,
          @mentions)`,
    ),
    bumpReplies: db.prepare<[string], { id: string }>(
      'UPDATE messages SET reply_count = reply_count + 1 WHERE id = ? RETURNING id',
    ),
    markReadTo: db.prepare(
      `UPDATE room_members SET last_read_seq = MAX(last_read_seq, ?) WHERE room_id = ? AND user_id = ?`,
    ),
    editMessage: db.prepare<[string, string, string, string]>(
      'UPDATE messages SET content = ?, edited_at = ?, mentions = ? WHERE id = ? AND deleted = 0',
    ),
    // One UPDATE, so the tombstone is one change (one version, one 'message.deleted').
    deleteMessage: db.prepare<[string]>(
      `UPDATE messages SET content = '', deleted = 1, mentions = '[]', pinned_at = NULL, pinned_by = NULL
       WHERE id = ?`,
    ),
    // After a change: the row as the triggers left it (RETURNING reports it before them).
    messageById: db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE id = ?'),
    versionOf: db.prepare<[string], { version: number }>('SELECT version FROM messages WHERE id = ?'),
    deleteReactionsOf: db.prepare('DELETE FROM reactions WHERE message_id = ?'),
    // The caps are checked in the INSERT itself: one statement, so no other writer (another
    // store on this file) can add between the count and the insert.
    addReaction: db.prepare<{
      message_id: string;
      user_id: string;
      emoji: string;
      at: string;
      per_message: number;
      per_user: number;
    }>(
      `INSERT INTO reactions (message_id, user_id, emoji, created_at, emoji_rank)
       SELECT @message_id, @user_id, @emoji, @at, COALESCE(
         (SELECT emoji_rank FROM reactions WHERE message_id = @message_id AND emoji = @emoji LIMIT 1),
         (SELECT COALESCE(MAX(emoji_rank), 0) + 1 FROM reactions WHERE message_id = @message_id))
       WHERE (SELECT COUNT(*) FROM reactions
              WHERE message_id = @message_id AND user_id = @user_id) < @per_user
         AND (EXISTS (SELECT 1 FROM reactions WHERE message_id = @message_id AND emoji = @emoji)
              OR (SELECT COUNT(DISTINCT emoji) FROM reactions
                  WHERE message_id = @message_id) < @per_message)
       ON CONFLICT (message_id, emoji, user_id) DO NOTHING`,
    ),
    hasReaction: db.prepare<[string, string, string], { found: 1 }>(
      'SELECT 1 AS found FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?',
    ),
    userReactionCount: db.prepare<[string, string], { n: number }>(
      'SELECT COUNT(*) AS n FROM reactions WHERE message_id = ? AND user_id = ?',
    ),
    removeReaction: db.prepare('DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?'),
  };
}
