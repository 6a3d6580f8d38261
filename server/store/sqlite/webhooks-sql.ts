/**
 * Migration 6: outgoing webhooks. `webhooks` holds the hooks; `webhook_deliveries` one row per
 * (outbox entry, matching hook), written when the dispatcher takes the entry off the outbox: the
 * queue it works from and the delivery log at once; `webhook_dispatch` the one row of the
 * dispatcher's lease (one node delivers at a time).
 *
 * - `events` is a JSON array of outbox types.
 * - A room's hooks go with the room (rooms are never deleted today; the cascade says what should
 *   happen if they are); deliveries go with their hook.
 * - (webhook_id, outbox_id) is unique: an entry is delivered to a hook once, whatever happens; it is
 *   also the delivery log's index (a hook's deliveries, newest entry first).
 * - The queue index holds pending deliveries only, per (hook, room) in entry order: its first row
 *   is the one delivery of that (hook, room) that may be attempted.
 */
export const WEBHOOKS_SQL = `
  CREATE TABLE webhooks (
    id            TEXT PRIMARY KEY,
    url           TEXT NOT NULL,
    events        TEXT NOT NULL CHECK (json_valid(events)),
    room_id       TEXT REFERENCES rooms(id) ON DELETE CASCADE,
    secret        TEXT NOT NULL,
    description   TEXT,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failing_since TEXT
  );
  CREATE INDEX webhooks_by_room ON webhooks (room_id, created_at, id);

  CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    outbox_id       INTEGER NOT NULL,
    room_id         TEXT NOT NULL,
    type            TEXT NOT NULL CHECK (type IN ('message.new', 'message.updated', 'message.deleted',
                                                  'reaction.updated', 'member.joined', 'member.left')),
    payload         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_attempt_at TEXT,
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    TEXT,
    UNIQUE (webhook_id, outbox_id)
  );
  CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (webhook_id, room_id, outbox_id)
    WHERE status = 'pending';

  CREATE TABLE webhook_dispatch (
    one         INTEGER PRIMARY KEY CHECK (one = 1),
    leader      TEXT,
    lease_until TEXT
  );
  INSERT INTO webhook_dispatch (one) VALUES (1);
`;
