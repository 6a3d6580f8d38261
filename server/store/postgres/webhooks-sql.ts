/**
 * Migration 7: outgoing webhooks, the same tables as the SQLite store's (server/store/sqlite/
 * webhooks-sql.ts, which explains them), in PostgreSQL's types: `events` is a TEXT[] checked
 * against the outbox types; times are TIMESTAMPTZ; the payload is TEXT, kept byte for byte as it is
 * signed and sent (jsonb would re-format it).
 */
export const WEBHOOKS_SQL = `
  CREATE TABLE webhooks (
    id            TEXT COLLATE "C" PRIMARY KEY,
    url           TEXT NOT NULL,
    events        TEXT[] NOT NULL CHECK (events <@ ARRAY['message.new', 'message.updated', 'message.deleted',
                                                         'reaction.updated', 'member.joined', 'member.left']),
    room_id       TEXT COLLATE "C" REFERENCES rooms(id) ON DELETE CASCADE,
    secret        TEXT NOT NULL,
    description   TEXT,
    created_by    TEXT COLLATE "C" NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    failing_since TIMESTAMPTZ
  );
  CREATE INDEX webhooks_by_room ON webhooks (room_id, created_at, id);

  CREATE TABLE webhook_deliveries (
    id              TEXT COLLATE "C" PRIMARY KEY,
    webhook_id      TEXT COLLATE "C" NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    outbox_id       BIGINT NOT NULL,
    room_id         TEXT COLLATE "C" NOT NULL,
    type            TEXT NOT NULL CHECK (type IN ('message.new', 'message.updated', 'message.deleted',
                                                  'reaction.updated', 'member.joined', 'member.left')),
    payload         TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_attempt_at TIMESTAMPTZ,
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    TIMESTAMPTZ,
    UNIQUE (webhook_id, outbox_id)
  );
  CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (webhook_id, room_id, outbox_id)
    WHERE status = 'pending';

  CREATE TABLE webhook_dispatch (
    one         BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    leader      TEXT,
    lease_until TIMESTAMPTZ
  );
  INSERT INTO webhook_dispatch (one) VALUES (TRUE);
`;
