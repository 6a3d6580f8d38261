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

/** Batches and lone writes on `pool`; `shown` is the store's reactionUsersShown. */
export function postgresBatchWriter(pool: pg.Pool, shown: number): BatchWriter<WriteOp, WriteDone> {
  return {
    writeBatch: (ops) => writeBatch(pool, ops, shown),
    writeOne: (op) => writeOne(pool, op, shown),
    retryAlone,
  };
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
  };
}

function withReactions(m: StoredMessage, pairs: [string, string][], shown: number): Message {
  const rows = pairs.map(([emoji, user_id]) => ({ message_id: m.id, emoji, user_id }));
  return toMessage(toRow(m), aggregateReactions(rows, shown).get(m.id) ?? []);
}
