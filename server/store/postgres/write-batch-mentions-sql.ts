/**
 * Part of migration 8: a message carries its mentions and its pin. chat_message_json (migration 6's
 * form, message-json-sql.ts) now reports them, and chat_write_batch (migration 4's, write-batch-sql.ts,
 * which explains it) stores an insert's `mentions` (a JSON array of user ids; absent: none). The
 * mention rows follow from the array by trigger (conversations-sql.ts). Only the INSERT differs
 * from migration 4's function.
 */
export const WRITE_BATCH_MENTIONS_SQL = `
  CREATE OR REPLACE FUNCTION chat_message_json(m messages) RETURNS jsonb LANGUAGE sql STABLE AS $fn$
    SELECT jsonb_build_object(
      'id', m.id, 'room_id', m.room_id, 'seq', m.seq, 'user_id', m.user_id,
      'username', m.username, 'content', m.content, 'message_type', m.message_type,
      'parent_id', m.parent_id, 'reply_count', m.reply_count, 'client_id', m.client_id,
      'created_at', m.created_at::text, 'edited_at', m.edited_at::text, 'deleted', m.deleted,
      'version', m.version, 'mentions', to_jsonb(m.mentions),
      'pinned_at', m.pinned_at::text, 'pinned_by', m.pinned_by)
  $fn$;

  CREATE OR REPLACE FUNCTION chat_write_batch(ops jsonb) RETURNS jsonb LANGUAGE plpgsql AS $fn$
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

        INSERT INTO messages (id, room_id, seq, user_id, username, content, message_type, parent_id,
          client_id, created_at, mentions)
        VALUES (op->>'id', op->>'room_id', taken, op->>'user_id', op->>'username', op->>'content',
          op->>'message_type', op->>'parent_id', op->>'client_id', (op->>'at')::timestamptz,
          ARRAY(SELECT u FROM jsonb_array_elements_text(COALESCE(op->'mentions', '[]'::jsonb))
                WITH ORDINALITY AS x(u, n) ORDER BY n))
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
