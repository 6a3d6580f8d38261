/**
 * Part of migration 6: chat_write_batch (migration 4) reports each stored message through
 * chat_message_json, which now carries the message's version too.
 */
export const MESSAGE_JSON_SQL = `
  CREATE OR REPLACE FUNCTION chat_message_json(m messages) RETURNS jsonb LANGUAGE sql STABLE AS $fn$
    SELECT jsonb_build_object(
      'id', m.id, 'room_id', m.room_id, 'seq', m.seq, 'user_id', m.user_id,
      'username', m.username, 'content', m.content, 'message_type', m.message_type,
      'parent_id', m.parent_id, 'reply_count', m.reply_count, 'client_id', m.client_id,
      'created_at', m.created_at::text, 'edited_at', m.edited_at::text, 'deleted', m.deleted,
      'version', m.version)
  $fn$;
`;
