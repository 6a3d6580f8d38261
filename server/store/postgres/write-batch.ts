import pg from 'pg';
import { z } from 'zod';
import type { Message } from '../../../shared/schemas/objects';
import { messageTypeSchema } from '../../../shared/schemas/primitives';
import { aggregateReactions } from '../aggregate-reactions';
import type { InsertedMessage, NewMessage, ReadPosition } from '../types';
import type { BatchWriter, Outcome } from './group-commit';
import * as messages from './messages';
import { parseTimestamptz } from './pool';
import { markReadAlone } from './read-positions';
import { toMessage, type MessageRow } from './rows';

/**
 * The PostgreSQL side of group commit: the hot writes (insertMessage, markRead) as one call of
 * chat_write_batch (write-batch-sql.ts) per batch, and one by one through the ordinary queries
 * when a batch rolls back.
 */

export type WriteOp =
  { kind: 'insert'; message: NewMessage } | { kind: 'read'; roomId: string; userId: string; seq: number };

export type WriteDone =
  { kind: 'insert'; inserted: InsertedMessage } | { kind: 'read'; position: ReadPosition | null };

export interface SettleOptions {
  /**
   * How long after it was sent a statement has certainly ended on the server, committed or not:
   * the pool's request timeout, which is longer than the server-side one (pool.ts).
   */
  settledAfterMs: number;
  /** A new connection, not one of the pool's: those may have died with the batch's. */
  connect(): Promise<pg.Client>;
}

/** Batches and lone writes on `pool`; `shown` is the store's reactionUsersShown. */
export function postgresBatchWriter(
  pool: pg.Pool,
  shown: number,
  settling: SettleOptions,
): BatchWriter<WriteOp, WriteDone> {
  return {
    writeBatch: (ops) => writeBatch(pool, ops, shown),
    writeOne: (op) => writeOne(pool, op, shown),
    retryAlone,
    settle: (ops, startedAt) => settle(pool, ops, shown, settling, startedAt),
  };
}

/**
 * A batch whose answer was lost (the link broke, or the client stopped waiting) committed whole or
 * not at all: it is one statement. Once it has certainly ended on the server, the new messages'
 * ids tell which. Committed: each insert's outcome is read back (one whose id is not stored was a
 * repeated client_id or named no room, and answers the same when written again), and read
 * positions, which only move forward, are written again. Otherwise the writes go one at a time.
 * Rejects when the database does not answer within one more request timeout.
 */
async function settle(
  pool: pg.Pool,
  ops: readonly WriteOp[],
  shown: number,
  { settledAfterMs, connect }: SettleOptions,
  startedAt: number,
): Promise<Outcome<WriteDone>[] | 'rolled_back'> {
  const ids = ops.flatMap((op) => (op.kind === 'insert' ? [op.message.id] : []));
  if (ids.length === 0) return 'rolled_back';
  const wait = startedAt + settledAfterMs - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  let giveUp: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    giveUp = setTimeout(() => reject(new Error('the database did not answer in time')), settledAfterMs);
  });
  // Raced against each step below; a rejection that comes while no step races it is not an error.
  deadline.catch(() => undefined);
  const looking = connect();
  try {
    const client = await Promise.race([looking, deadline]);
    const found = await Promise.race([
      client.query<{ id: string }>('SELECT id FROM messages WHERE id = ANY($1)', [ids]),
      deadline,
    ]);
    if (found.rows.length === 0) return 'rolled_back';
    const stored = new Map<string, InsertedMessage>();
    for (const id of found.rows.map((r) => r.id)) {
      const message = await Promise.race([messages.getMessage(client, id, shown), deadline]);
      if (!message) continue;
      const parent =
        message.parent_id === null
          ? null
          : await Promise.race([messages.getMessage(client, message.parent_id, shown), deadline]);
      stored.set(id, { message, created: true, parent });
    }
    const outcomes: Outcome<WriteDone>[] = [];
    for (const op of ops) {
      const mine = op.kind === 'insert' ? stored.get(op.message.id) : undefined;
      if (mine) {
        outcomes.push(inserted(mine));
        continue;
      }
      try {
        outcomes.push({ ok: true, value: await writeOne(pool, op, shown) });
      } catch (err) {
        outcomes.push({ ok: false, error: err instanceof Error ? err : new Error(String(err)) });
      }
    }
    return outcomes;
  } finally {
    clearTimeout(giveUp);
    void looking.then(
      (client) => client.end(),
      () => undefined,
    );
  }
}

/** Prepared once per connection: later batches skip the parse. */
const WRITE_BATCH = 'SELECT chat_write_batch($1::jsonb) AS results';
const WRITE_BATCH_NAME = 'chat_write_batch';

async function writeBatch(
  pool: pg.Pool,
  ops: readonly WriteOp[],
  shown: number,
): Promise<Outcome<WriteDone>[]> {
  const { rows } = await pool.query<{ results: unknown }>({
    name: WRITE_BATCH_NAME,
    text: WRITE_BATCH,
    values: [JSON.stringify(ops.map(encode))],
  });
  const results = batchResultsSchema.parse(rows[0]?.results);
  if (results.length !== ops.length) {
    throw new Error(`chat_write_batch answered ${results.length} results for ${ops.length} writes`);
  }
  return results.map((result, i) => decode(result, ops[i], shown));
}

async function writeOne(pool: pg.Pool, op: WriteOp, shown: number): Promise<WriteDone> {
  return op.kind === 'insert'
    ? { kind: 'insert', inserted: await messages.insertMessage(pool, op.message, shown) }
    : { kind: 'read', position: await markReadAlone(pool, op.roomId, op.userId, op.seq) };
}

/**
 * SQLSTATE classes that say the server or the connection failed rather than one write: 08
 * connection, 53 resources, 57 operator intervention (shutdown, cancel), 58 system, XX internal.
 */
const NOT_A_WRITES_FAULT = new Set(['08', '53', '57', '58', 'XX']);

/**
 * Only an error PostgreSQL answered proves the statement (an implicit transaction) rolled back;
 * anything else (a cut connection, a client-side timeout) may hide a commit, which a retry would
 * store twice.
 */
function retryAlone(err: unknown): boolean {
  if (!(err instanceof pg.DatabaseError)) return false;
  return !NOT_A_WRITES_FAULT.has((err.code ?? 'XX').slice(0, 2));
}

function encode(op: WriteOp): Record<string, unknown> {
  if (op.kind === 'read') return { k: 'read', room_id: op.roomId, user_id: op.userId, seq: op.seq };
  const m = op.message;
  return {
    k: 'insert',
    id: m.id,
    room_id: m.room_id,
    user_id: m.user_id,
    username: m.username,
    content: m.content,
    message_type: m.message_type,
    parent_id: m.parent_id,
    client_id: m.client_id,
    at: m.timestamp,
    mentions: m.mentions,
  };
}

const storedMessageSchema = z.object({
  id: z.string(),
  room_id: z.string(),
  seq: z.number(),
  user_id: z.string(),
  username: z.string(),
  content: z.string(),
  message_type: messageTypeSchema,
  parent_id: z.string().nullable(),
  reply_count: z.number(),
  client_id: z.string().nullable(),
  created_at: z.string(),
  edited_at: z.string().nullable(),
  deleted: z.boolean(),
  version: z.number(),
  mentions: z.array(z.string()),
  pinned_at: z.string().nullable(),
  pinned_by: z.string().nullable(),
});

/** [emoji, user_id], in the order aggregateReactions expects. */
const reactionPairsSchema = z.array(z.tuple([z.string(), z.string()]));

const batchResultsSchema = z.array(
  z.discriminatedUnion('k', [
    z.object({
      k: z.literal('inserted'),
      message: storedMessageSchema,
      parent: storedMessageSchema.nullable(),
      parent_reactions: reactionPairsSchema,
    }),
    z.object({ k: z.literal('repeat'), message: storedMessageSchema, reactions: reactionPairsSchema }),
    z.object({ k: z.literal('no_room') }),
    z.object({ k: z.literal('read'), last_read_seq: z.number(), last_seq: z.number(), changed: z.boolean() }),
    z.object({ k: z.literal('not_member') }),
  ]),
);

type BatchResult = z.infer<typeof batchResultsSchema>[number];
type StoredMessage = z.infer<typeof storedMessageSchema>;

function decode(result: BatchResult, op: WriteOp | undefined, shown: number): Outcome<WriteDone> {
  switch (result.k) {
    case 'inserted':
      return inserted({
        message: toMessage(toRow(result.message), []),
        created: true,
        parent: result.parent && withReactions(result.parent, result.parent_reactions, shown),
      });
    case 'repeat':
      return inserted({
        message: withReactions(result.message, result.reactions, shown),
        created: false,
        parent: null,
      });
    case 'no_room':
      // The one-by-one path's error, word for word.
      return {
        ok: false,
        error: new Error(`room ${op?.kind === 'insert' ? op.message.room_id : '?'} does not exist`),
      };
    case 'read':
      return {
        ok: true,
        value: {
          kind: 'read',
          position: {
            last_read_seq: result.last_read_seq,
            last_message_seq: result.last_seq,
            changed: result.changed,
          },
        },
      };
    case 'not_member':
      return { ok: true, value: { kind: 'read', position: null } };
  }
}

const inserted = (value: InsertedMessage): Outcome<WriteDone> => ({
  ok: true,
  value: { kind: 'insert', inserted: value },
});

function toRow(m: StoredMessage): MessageRow {
  return {
    ...m,
    created_at: parseTimestamptz(m.created_at),
    edited_at: m.edited_at === null ? null : parseTimestamptz(m.edited_at),
    pinned_at: m.pinned_at === null ? null : parseTimestamptz(m.pinned_at),
  };
}

function withReactions(m: StoredMessage, pairs: [string, string][], shown: number): Message {
  const rows = pairs.map(([emoji, user_id]) => ({ message_id: m.id, emoji, user_id }));
  return toMessage(toRow(m), aggregateReactions(rows, shown).get(m.id) ?? []);
}
