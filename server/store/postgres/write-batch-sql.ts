/**
 * Migration 4: the functions behind group commit (write-batch.ts). Released migration text: never
 * edited; a change is a new migration that replaces the functions (CREATE OR REPLACE FUNCTION).
 *
 * `chat_write_batch(ops)` applies a JSON array of writes in the order given and answers a JSON
 * array with one result per write. It runs as one autocommit statement, so the batch is one
 * transaction and one round trip, and the caller hears back only once it is committed. Each write
 * keeps the guarantees of the one-by-one path (messages.ts): a repeated (room, user, client_id)
 * answers the stored message (a repeat of an earlier write of the same batch too, which is already
 * visible here) without taking a seq; a new message takes last_seq + 1 under the room's row lock,
 * bumps its parent's reply_count and moves its sender's read position. A room that does not exist
 * is answered as such; any other failure (a taken id, a missing parent) raises, rolls the whole
 * batch back, and the caller runs its writes one by one so that only the faulty one fails.
 *
 * Locks, and why batches from several nodes cannot deadlock: the first statement locks the row of
 * every room the batch writes to (messages and read positions alike), in one global order (id,
 * byte-wise), before anything else. Every other lock a batch takes afterwards (member rows, parent
 * messages) is on a row of a room it already holds, because replies are checked to be in their
 * parent's room. Of two batches that share a room, the one that locks it first runs to its end
 * while the other waits on that room with only smaller rooms held, so no cycle forms; and the
 * one-by-one paths either lock a single room first (insert, removeMember) or hold one row for one
 * statement (markRead). Holding a room to COMMIT is also what keeps seqs gap-free across nodes:
 * each batch reads last_seq after the previous holder committed. Should a cycle form anyway (a
 * reply filed under another room's message by a future caller), PostgreSQL's deadlock detector
 * fails one batch, which then runs one by one: slower, still correct.
 *
 * Timestamps travel as text (`::text`), the very form a plain SELECT sends, so the pool's
 * TIMESTAMPTZ parser reads them into the same strings as every other query's.
 */
export const WRITE_BATCH_SQL = `
  CREATE FUNCTION chat_message_json(m messages) RETURNS jsonb LANGUAGE sql STABLE AS $fn$
    SELECT jsonb_build_object(
      'id', m.id, 'room_id', m.room_id, 'seq', m.seq, 'user_id', m.user_id,
      'username', m.username, 'content', m.content, 'message_type', m.message_type,
      'parent_id', m.parent_id, 'reply_count', m.reply_count, 'client_id', m.client_id,
      'created_at', m.created_at::text, 'edited_at', m.edited_at::text, 'deleted', m.deleted)
  $fn$;

  -- A message's reactions as [emoji, user_id] pairs in the order aggregateReactions expects.
  CREATE FUNCTION chat_reaction_pairs(target text) RETURNS jsonb LANGUAGE sql STABLE AS $fn$
    SELECT COALESCE(jsonb_agg(jsonb_build_array(emoji, user_id) ORDER BY emoji_rank, id), '[]'::jsonb)
    FROM reactions WHERE message_id = target
  $fn$;

  CREATE FUNCTION chat_write_batch(ops jsonb) RETURNS jsonb LANGUAGE plpgsql AS $fn$
  DECLARE
    op jsonb;
    -- An array, appended in place: concatenating jsonb would copy the results once per write.
    results jsonb[] := '{}';
    taken bigint;
    earlier messages;
    added messages;
    bumped messages;
    place record;
  BEGIN
    PERFORM 1 FROM rooms
      WHERE id IN (SELECT o->>'room_id' FROM jsonb_array_elements(ops) AS o)
      ORDER BY id
      FOR NO KEY UPDATE;

    FOR op IN SELECT e.o FROM jsonb_array_elements(ops) WITH ORDINALITY AS e(o, n) ORDER BY e.n LOOP
      IF op->>'k' = 'insert' THEN
        IF op->>'client_id' IS NOT NULL THEN
          SELECT * INTO earlier FROM messages
            WHERE room_id = op->>'room_id' AND user_id = op->>'user_id' AND client_id = op->>'client_id';
          IF FOUND THEN
            results := array_append(results, jsonb_build_object(
              'k', 'repeat', 'message', chat_message_json(earlier),
              'reactions', chat_reaction_pairs(earlier.id)));
            CONTINUE;
          END IF;
        END IF;

        UPDATE rooms SET last_seq = last_seq + 1 WHERE id = op->>'room_id' RETURNING last_seq INTO taken;
        IF NOT FOUND THEN
          results := array_append(results, jsonb_build_object('k', 'no_room'));
          CONTINUE;
        END IF;

        INSERT INTO messages
          (id, room_id, seq, user_id, username, content, message_type, parent_id, client_id, created_at)
        VALUES (op->>'id', op->>'room_id', taken, op->>'user_id', op->>'username', op->>'content',
          op->>'message_type', op->>'parent_id', op->>'client_id', (op->>'at')::timestamptz)
        RETURNING * INTO added;

        bumped := NULL;
        IF added.parent_id IS NOT NULL THEN
          UPDATE messages SET reply_count = reply_count + 1 WHERE id = added.parent_id
            RETURNING * INTO bumped;
        END IF;

        UPDATE room_members SET last_read_seq = GREATEST(last_read_seq, taken)
          WHERE room_id = added.room_id AND user_id = added.user_id;

        results := array_append(results, jsonb_build_object(
          'k', 'inserted', 'message', chat_message_json(added),
          'parent', CASE WHEN bumped.id IS NULL THEN NULL ELSE chat_message_json(bumped) END,
          'parent_reactions', CASE WHEN bumped.id IS NULL THEN '[]'::jsonb
                                   ELSE chat_reaction_pairs(bumped.id) END));

      ELSIF op->>'k' = 'read' THEN
        -- As markRead one by one: forward only, clamped to the room's last seq.
        UPDATE room_members m SET last_read_seq = LEAST((op->>'seq')::bigint, r.last_seq)
          FROM rooms r
          WHERE r.id = m.room_id AND m.room_id = op->>'room_id' AND m.user_id = op->>'user_id'
            AND LEAST((op->>'seq')::bigint, r.last_seq) > m.last_read_seq
          RETURNING m.last_read_seq, r.last_seq INTO place;
        IF FOUND THEN
          results := array_append(results, jsonb_build_object('k', 'read',
            'last_read_seq', place.last_read_seq, 'last_seq', place.last_seq, 'changed', true));
          CONTINUE;
        END IF;
        SELECT m.last_read_seq, r.last_seq INTO place
          FROM room_members m JOIN rooms r ON r.id = m.room_id
          WHERE m.room_id = op->>'room_id' AND m.user_id = op->>'user_id';
        IF FOUND THEN
          results := array_append(results, jsonb_build_object('k', 'read',
            'last_read_seq', place.last_read_seq, 'last_seq', place.last_seq, 'changed', false));
        ELSE
          results := array_append(results, jsonb_build_object('k', 'not_member'));
        END IF;

      ELSE
        RAISE EXCEPTION 'unknown write kind %', op->>'k';
      END IF;
    END LOOP;
    RETURN to_jsonb(results);
  END
  $fn$;
`;
