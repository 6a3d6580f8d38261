import pg from 'pg';
import { postgresMigrations } from '../../server/store/postgres/migrations';
import type { PostgresStore } from '../../server/store/postgres/postgres-store';
import { createTestSchema, type TestSchema } from '../helpers/postgres';
import { needs } from '../helpers/services';
import { openPostgresStore } from './store-factories';
import { at } from './store-fixtures';

/**
 * Migration 8 (direct messages, mentions, search, moderation, pins) on a database that already
 * holds data at version 7: what was there reads as before, with the new fields at their empty
 * values, and every new feature works on the old rows.
 */

/** The version this suite starts from: the one before the conversations migration. */
const PREVIOUS = 7;

/**
 * Applies migrations 1..PREVIOUS the way migrate() does, and fills the schema as a v7 server
 * would; answers each message's version as v7 left it.
 */
async function seedAtPrevious(url: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`CREATE TABLE schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    for (const m of postgresMigrations.filter((x) => x.version <= PREVIOUS)) {
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        m.version,
        m.name,
      ]);
    }
    await client.query(`INSERT INTO users (user_id, username) VALUES ('alice', 'Alice'), ('bob', 'Bob')`);
    await client.query(
      `INSERT INTO rooms (id, name, is_private, created_by, created_at)
       VALUES ('r1', 'general', FALSE, 'alice', $1), ('r2', 'secret', TRUE, 'alice', $1)`,
      [at(0)],
    );
    await client.query(
      `INSERT INTO room_members (room_id, user_id, role, joined_at)
       VALUES ('r1', 'alice', 'owner', $1), ('r1', 'bob', 'member', $1), ('r2', 'alice', 'owner', $1)`,
      [at(0)],
    );
    // As the v7 store wrote messages: the room's next seq, the version by trigger.
    const messages: [string, string, string, string | null][] = [
      ['m1', 'r1', 'the deployment pipeline is failing again', null],
      ['m2', 'r1', 'I restarted the pipelines this morning', 'm1'],
      ['m3', 'r1', 'this one is gone: pipeline secrets', null],
      ['m4', 'r2', 'private pipeline notes', null],
    ];
    for (const [i, [id, roomId, content, parent]] of messages.entries()) {
      await client.query(
        `WITH s AS (UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $2 RETURNING last_seq)
         INSERT INTO messages (id, room_id, seq, user_id, username, content, message_type, parent_id, created_at)
         SELECT $1, $2, s.last_seq, 'alice', 'Alice', $3, 'text', $4, $5 FROM s`,
        [id, roomId, content, parent, at(10 + i)],
      );
    }
    await client.query(`UPDATE messages SET reply_count = 1 WHERE id = 'm1'`);
    await client.query(
      `INSERT INTO reactions (message_id, user_id, emoji, emoji_rank, created_at) VALUES ('m1', 'bob', '👍', 1, $1)`,
      [at(20)],
    );
    await client.query(`UPDATE messages SET content = '', deleted = TRUE WHERE id = 'm3'`);
    const versions = await client.query<{ id: string; version: string }>('SELECT id, version FROM messages');
    await client.query('COMMIT');
    return new Map(versions.rows.map((r) => [r.id, Number(r.version)]));
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    await client.end();
  }
}

needs('postgres').describe('PostgreSQL migration 8 on a database with data at version 7', () => {
  let schema: TestSchema;
  let store: PostgresStore;
  let versionsBefore: Map<string, number>;

  beforeEach(async () => {
    schema = await createTestSchema();
    versionsBefore = await seedAtPrevious(schema.url);
    store = await openPostgresStore(schema.url);
  });

  afterEach(async () => {
    await store.close();
    await schema.drop();
  });

  async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  it('records the new version once', async () => {
    const versions = await sql<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual(postgresMigrations.map((m) => m.version));
    expect(postgresMigrations.at(-1)?.version).toBe(PREVIOUS + 1);
  });

  it('reads the old messages and rooms as before, with the new fields empty', async () => {
    const m1 = await store.getMessage('m1');
    expect(m1).toMatchObject({
      content: 'the deployment pipeline is failing again',
      seq: 1,
      version: versionsBefore.get('m1'),
      reply_count: 1,
      reactions: [{ emoji: '👍', count: 1, user_ids: ['bob'] }],
      mentions: [],
      pinned_at: null,
      pinned_by: null,
    });
    expect(await store.getRoom('r1', 'bob')).toMatchObject({
      is_dm: false,
      unread_mentions: 0,
      muted_until: null,
      member_count: 2,
    });
    expect(await store.roomAccess('r1', 'bob')).toStrictEqual({
      is_private: false,
      role: 'member',
      is_dm: false,
      muted_until: null,
    });
    const outbox = await store.readOutbox(0, 100);
    expect(outbox.length).toBeGreaterThan(0);
    expect(outbox.every((e) => e.action_id === null)).toBe(true);
  });

  it('finds the old messages by search, by stem, never the deleted one nor an unreadable room', async () => {
    const hits = await store.searchMessages({
      viewer_id: 'bob',
      terms: ['pipeline'],
      room_id: null,
      limit: 10,
      offset: 0,
    });
    // m2 says "pipelines": the same stem. m3 is deleted; m4 is in a private room bob is not in.
    expect(hits.map((h) => h.message.id).sort()).toEqual(['m1', 'm2']);
    expect(hits[0]?.highlight).toContain('\u0002pipeline');
    const alices = await store.searchMessages({
      viewer_id: 'alice',
      terms: ['pipeline', 'notes'],
      room_id: null,
      limit: 10,
      offset: 0,
    });
    expect(alices.map((h) => h.message.id)).toEqual(['m4']);
  });

  it('moderates the old members: a moderator role, then a ban, each recorded in the outbox', async () => {
    const mark = (await store.readOutbox(0, 1000)).at(-1)?.id ?? 0;
    expect(
      await store.moderate({
        room_id: 'r1',
        action: 'promote',
        user_id: 'bob',
        by: 'alice',
        muted_until: null,
        at: at(30),
      }),
    ).toMatchObject({ action: 'promote', user_id: 'bob', username: 'Bob' });
    expect(await store.getMember('r1', 'bob')).toMatchObject({ role: 'moderator' });
    const banned = await store.moderate({
      room_id: 'r1',
      action: 'ban',
      user_id: 'bob',
      by: 'alice',
      muted_until: null,
      at: at(31),
    });
    expect(banned).toMatchObject({ action: 'ban', timestamp: at(31) });
    expect(await store.isBanned('r1', 'bob')).toBe(true);
    expect(await store.getMember('r1', 'bob')).toBeNull();

    const entries = (await store.readOutbox(mark, 100)).map((e) => [e.type, e.user_id, e.action_id !== null]);
    expect(entries).toEqual([
      ['member.moderated', 'bob', true],
      ['member.left', 'bob', false],
      ['member.moderated', 'bob', true],
    ]);
  });

  it('pins, mentions and edits old messages as changes with new versions', async () => {
    const roomVersion = (await store.listChanges('r1', 0, 100)).room_version;
    expect(await store.pinMessage('m1', 'alice', at(40), 100)).toBe('pinned');
    const pinned = await store.getMessage('m1');
    expect(pinned).toMatchObject({ pinned_at: at(40), pinned_by: 'alice', version: roomVersion + 1 });
    expect((await store.listPins('r1')).map((m) => m.id)).toEqual(['m1']);

    const edited = await store.editMessage('m2', '@bob look at the pipelines', at(41), ['bob']);
    expect(edited).toMatchObject({ mentions: ['bob'], version: roomVersion + 2 });
    expect((await store.listMentions('bob', { limit: 10, after: null })).map((m) => m.id)).toEqual(['m2']);
    expect(await store.getRoom('r1', 'bob')).toMatchObject({ unread_mentions: 1 });
  });

  it('opens a direct room and accepts hooks for member.moderated', async () => {
    const opened = await store.openDirectRoom({
      id: 'dm1',
      name: 'Alice, Bob',
      user_ids: ['alice', 'bob'],
      created_by: 'alice',
      created_at: at(50),
    });
    expect(opened).toEqual({ room_id: 'dm1', created: true });
    expect(await store.getRoom('dm1', 'bob')).toMatchObject({
      is_dm: true,
      is_private: true,
      member_count: 2,
    });
    await expect(
      store.webhooks.createHook({
        id: 'h1',
        url: 'https://example.com/hook',
        events: ['member.moderated', 'message.new'],
        room_id: 'r1',
        secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0',
        description: null,
        created_by: 'alice',
        created_at: at(51),
      }),
    ).resolves.toMatchObject({ events: ['member.moderated', 'message.new'] });
  });
});
