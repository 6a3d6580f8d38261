import Database from 'better-sqlite3';
import { sqliteMigrations } from '../../server/store/sqlite/migrations';
import { openConnection } from '../../server/store/sqlite/sqlite-rows';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store';
import { tempSqliteFile } from './store-factories';
import { at } from './store-fixtures';

/**
 * Migration 7 (direct messages, mentions, moderation, pins, search) on a database that was in use
 * at version 6: three tables are rebuilt (room_members, outbox, webhook_deliveries) and the outbox
 * triggers made again, so the test fills every table the rebuild touches, upgrades by opening the
 * store, and checks that nothing was lost and that every trigger still does its job.
 */

/** A file migrated to `version` exactly, as the store of that release would have left it. */
function migrateTo(file: string, version: number): void {
  const db = openConnection(file);
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    for (const m of sqliteMigrations.filter((x) => x.version <= version)) {
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          m.version,
          m.name,
          at(0),
        );
      })();
    }
  } finally {
    db.close();
  }
}

/**
 * Version-6 data: two rooms, members, messages (a reply, a deleted one), a reaction, an invite, a
 * hook with a delivery; the outbox as the triggers filled it, minus the newest entries, which the
 * dispatcher took (so the outbox's high mark is above every id left in it).
 */
function fillVersion6(file: string): { highMark: number; keptIds: number[] } {
  const db = openConnection(file);
  try {
    db.exec(`
      INSERT INTO users (user_id, username) VALUES ('alice', 'Alice'), ('bob', 'Bob');
      INSERT INTO rooms (id, name, description, is_private, created_by, created_at)
        VALUES ('pub', 'general', NULL, 0, 'alice', '${at(0)}'), ('priv', 'secret', 'hush', 1, 'alice', '${at(1)}');
      INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_seq) VALUES
        ('pub', 'alice', 'owner', '${at(0)}', 0), ('pub', 'bob', 'member', '${at(2)}', 0),
        ('priv', 'alice', 'owner', '${at(1)}', 0);
      INSERT INTO room_invites (room_id, user_id, invited_by, invited_at) VALUES ('priv', 'carol', 'alice', '${at(3)}');
    `);
    const insert = db.prepare(
      `INSERT INTO messages (id, room_id, seq, user_id, username, content, message_type, parent_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'text', ?, ?)`,
    );
    const next = db.prepare('UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq');
    const post = (
      id: string,
      roomId: string,
      userId: string,
      content: string,
      parent: string | null,
      s: number,
    ) => {
      const { last_seq } = next.get(roomId) as { last_seq: number };
      insert.run(id, roomId, last_seq, userId, userId, content, parent, at(s));
    };
    post('m1', 'pub', 'alice', 'The harbour is closed today', null, 10);
    post('m2', 'pub', 'bob', 'Harbours reopen tomorrow', 'm1', 11);
    db.prepare('UPDATE messages SET reply_count = 1 WHERE id = ?').run('m1');
    post('m3', 'priv', 'alice', 'secret harbour plans', null, 12);
    post('m4', 'pub', 'alice', 'harbour gossip to delete', null, 13);
    db.prepare(`UPDATE messages SET content = '', deleted = 1 WHERE id = ?`).run('m4');
    db.prepare(
      `INSERT INTO reactions (message_id, user_id, emoji, emoji_rank, created_at) VALUES ('m1', 'bob', '👍', 1, ?)`,
    ).run(at(14));
    db.exec(`
      INSERT INTO webhooks (id, url, events, room_id, secret, description, created_by, created_at, updated_at)
        VALUES ('h1', 'https://example.com/hook', '["message.new"]', 'pub', 'whsec_x', NULL, 'alice', '${at(5)}', '${at(5)}');
    `);
    const outbox = db.prepare('SELECT id FROM outbox ORDER BY id').all() as { id: number }[];
    const ids = outbox.map((e) => e.id);
    const highMark = Math.max(...ids);
    // The dispatcher took the three newest entries (one of them into a delivery).
    const taken = ids.slice(-3);
    db.prepare(
      `INSERT INTO webhook_deliveries (id, webhook_id, outbox_id, room_id, type, payload, created_at, next_attempt_at)
       VALUES ('d1', 'h1', ?, 'pub', 'message.new', '{}', ?, ?)`,
    ).run(taken[0], at(20), at(20));
    db.prepare('DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(taken));
    return { highMark, keptIds: ids.slice(0, -3) };
  } finally {
    db.close();
  }
}

describe('SQLite migration 7 on a version-6 database with data', () => {
  let file: string;
  let remove: () => Promise<void>;
  let store: SqliteStore | null = null;
  let before: { highMark: number; keptIds: number[] };

  beforeEach(async () => {
    ({ file, remove } = await tempSqliteFile());
    migrateTo(file, 6);
    before = fillVersion6(file);
  });

  afterEach(async () => {
    await store?.close();
    store = null;
    await remove();
  });

  async function upgrade(): Promise<SqliteStore> {
    store = await SqliteStore.open(file);
    return store;
  }

  /** A read-only look at the file, closed after `read`. */
  function inspect<T>(read: (db: Database.Database) => T): T {
    const db = new Database(file, { readonly: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  }

  it('records version 7 once and leaves a database that passes every integrity check', async () => {
    await upgrade();
    await store?.close();
    store = await SqliteStore.open(file); // a second open applies nothing more
    const versions = inspect((db) =>
      db.prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version').all(),
    );
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    inspect((db) => {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
    });
    // FTS5's own check: the index holds exactly what its rows say.
    const db = openConnection(file);
    try {
      expect(() =>
        db.exec(`INSERT INTO message_search (message_search) VALUES ('integrity-check')`),
      ).not.toThrow();
    } finally {
      db.close();
    }
  });

  it('keeps every member with role, join time and read position, with the indexes made again', async () => {
    const s = await upgrade();
    expect(await s.listMembers('pub')).toEqual([
      { user_id: 'alice', username: 'Alice', role: 'owner', joined_at: at(0) },
      { user_id: 'bob', username: 'Bob', role: 'member', joined_at: at(2) },
    ]);
    expect(await s.memberReadPositions('pub')).toEqual(
      expect.arrayContaining([
        { user_id: 'alice', last_read_seq: 0 },
        { user_id: 'bob', last_read_seq: 0 },
      ]),
    );
    expect(await s.hasInvite('priv', 'carol')).toBe(true);
    const indexes = inspect((db) =>
      db
        .prepare<[], { name: string }>(
          `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'room_members' AND sql IS NOT NULL`,
        )
        .all()
        .map((r) => r.name)
        .sort(),
    );
    expect(indexes).toEqual(['room_members_by_join', 'room_members_by_user']);
    expect(await s.getRoom('pub', 'bob')).toMatchObject({
      member_count: 2,
      is_member: true,
      unread_count: 3,
      is_dm: false,
      unread_mentions: 0,
      muted_until: null,
    });
  });

  it('keeps the outbox entries and their ids, and never hands out an id the dispatcher already took', async () => {
    const s = await upgrade();
    const kept = await s.readOutbox(0, 100);
    expect(kept.map((e) => e.id)).toEqual(before.keptIds);
    expect(kept.every((e) => e.action_id === null)).toBe(true);

    // The member triggers were dropped with the old table and made again.
    await s.addMembers('priv', [{ user_id: 'bob', role: 'member', joined_at: at(30) }]);
    await s.removeMember('priv', 'bob');
    const fresh = (await s.readOutbox(0, 100)).filter((e) => !before.keptIds.includes(e.id));
    expect(fresh.map((e) => [e.type, e.user_id])).toEqual([
      ['member.joined', 'bob'],
      ['member.left', 'bob'],
    ]);
    expect(Math.min(...fresh.map((e) => e.id))).toBeGreaterThan(before.highMark);
  });

  it('keeps the change feed going: versions continue and every message change still reaches the outbox', async () => {
    const s = await upgrade();
    const roomVersion = (await s.listChanges('pub', 0, 100)).room_version;
    const mark = Math.max(before.highMark, ...(await s.readOutbox(0, 100)).map((e) => e.id));

    const sent = await s.insertMessage({
      id: 'm5',
      room_id: 'pub',
      user_id: 'bob',
      username: 'Bob',
      content: 'hello @alice',
      message_type: 'text',
      parent_id: null,
      client_id: null,
      timestamp: at(40),
      mentions: ['alice'],
    });
    expect(sent.message).toMatchObject({ seq: 4, version: roomVersion + 1, mentions: ['alice'] });
    await s.editMessage('m1', 'The harbour opens at noon', at(41), []);
    expect(await s.pinMessage('m1', 'alice', at(42), 100)).toBe('pinned');
    await s.addReaction('m1', 'alice', '🎉', at(43), { perMessage: 20, perUser: 20 });

    const changes = await s.listChanges('pub', roomVersion, 100);
    expect(changes.changes.map((c) => [c.message.id, c.version])).toEqual([
      ['m5', roomVersion + 1],
      ['m1', roomVersion + 4],
    ]);
    expect(changes.changes[1]?.message).toMatchObject({
      content: 'The harbour opens at noon',
      pinned_at: at(42),
      pinned_by: 'alice',
      reply_count: 1,
      mentions: [],
    });
    const entries = (await s.readOutbox(mark, 100)).map((e) => [e.type, e.message_id, e.version]);
    expect(entries).toEqual([
      ['message.new', 'm5', roomVersion + 1],
      ['message.updated', 'm1', roomVersion + 2],
      ['message.updated', 'm1', roomVersion + 3],
      ['reaction.updated', 'm1', roomVersion + 4],
    ]);
  });

  it('gives the messages of before no mentions and no pin, and keeps their reactions and threads', async () => {
    const s = await upgrade();
    expect(await s.getMessage('m1')).toMatchObject({
      content: 'The harbour is closed today',
      reply_count: 1,
      reactions: [{ emoji: '👍', count: 1, user_ids: ['bob'] }],
      mentions: [],
      pinned_at: null,
      pinned_by: null,
    });
    expect(await s.getMessage('m4')).toMatchObject({ deleted: true, content: '', mentions: [] });
  });

  it('indexes the messages of before for search, leaving out the deleted one and other private rooms', async () => {
    const s = await upgrade();
    const search = (viewer: string, terms: string[]) =>
      s
        .searchMessages({ viewer_id: viewer, terms, room_id: null, limit: 20, offset: 0 })
        .then((hits) => hits.map((h) => h.message.id).sort());
    expect(await search('alice', ['harbour'])).toEqual(['m1', 'm2', 'm3']);
    expect(await search('bob', ['harbour'])).toEqual(['m1', 'm2']);
    expect(await search('bob', ['gossip'])).toEqual([]);
    // New messages are indexed by the triggers, at once.
    await s.insertMessage({
      id: 'm5',
      room_id: 'priv',
      user_id: 'alice',
      username: 'Alice',
      content: 'harbour again',
      message_type: 'text',
      parent_id: null,
      client_id: null,
      timestamp: at(50),
      mentions: [],
    });
    expect(await search('alice', ['harbour'])).toEqual(['m1', 'm2', 'm3', 'm5']);
  });

  it('takes the new role and moderation entries, and delivers them through the rebuilt deliveries table', async () => {
    const s = await upgrade();
    const promoted = await s.moderate({
      room_id: 'pub',
      action: 'promote',
      user_id: 'bob',
      by: 'alice',
      muted_until: null,
      at: at(60),
    });
    expect(promoted).toEqual({
      room_id: 'pub',
      action: 'promote',
      user_id: 'bob',
      username: 'Bob',
      by: 'alice',
      muted_until: null,
      timestamp: at(60),
    });
    expect(await s.getMember('pub', 'bob')).toMatchObject({ role: 'moderator' });
    const entry = (await s.readOutbox(0, 100)).find((e) => e.type === 'member.moderated');
    expect(entry).toMatchObject({ room_id: 'pub', user_id: 'bob', version: null });
    expect(entry?.id).toBeGreaterThan(before.highMark);
    expect(await s.getModerationAction(entry?.action_id ?? -1)).toEqual(promoted);

    // The delivery of before is there; a 'member.moderated' one can be stored beside it.
    expect(await s.webhooks.getDelivery('d1')).toMatchObject({ webhook_id: 'h1', type: 'message.new' });
    const taken = await s.webhooks.fanOut(100, async (entries, hooks) =>
      entries
        .filter((e) => e.type === 'member.moderated')
        .map((e) => ({
          id: `d-${e.id}`,
          webhook_id: hooks[0]?.id ?? 'h1',
          outbox_id: e.id,
          room_id: e.room_id,
          type: e.type,
          payload: '{}',
          created_at: at(61),
        })),
    );
    expect(taken).toBeGreaterThan(0);
    expect(await s.webhooks.getDelivery(`d-${entry?.id}`)).toMatchObject({ type: 'member.moderated' });
  });
});

describe('SQLite search index across VACUUM', () => {
  it('keeps following messages by their doc ids, which VACUUM does not renumber', async () => {
    const { file, remove } = await tempSqliteFile();
    let store: SqliteStore | null = await SqliteStore.open(file);
    try {
      await store.createRoom(
        {
          id: 'pub',
          name: 'general',
          description: null,
          is_private: false,
          created_by: 'alice',
          created_at: at(0),
        },
        [{ user_id: 'alice', role: 'owner', joined_at: at(0) }],
      );
      for (let i = 1; i <= 30; i += 1) {
        await store.insertMessage({
          id: `m${i}`,
          room_id: 'pub',
          user_id: 'alice',
          username: 'Alice',
          content: i % 2 === 0 ? `even walrus ${i}` : `odd walrus ${i}`,
          message_type: 'text',
          parent_id: null,
          client_id: null,
          timestamp: at(i),
          mentions: [],
        });
      }
      await store.close();
      store = null;
      // Holes in the messages' implicit rowids (rows gone by hand: the store never deletes one),
      // which VACUUM may close by renumbering them; the index must not care.
      const db = openConnection(file);
      try {
        db.exec(`DELETE FROM messages WHERE id IN ('m1', 'm2', 'm3')`);
        db.exec('VACUUM');
      } finally {
        db.close();
      }

      store = await SqliteStore.open(file);
      await store.editMessage('m4', 'now a narwhal', at(100), []);
      await store.deleteMessage('m5');
      const search = (terms: string[]) =>
        store
          ?.searchMessages({ viewer_id: 'alice', terms, room_id: null, limit: 50, offset: 0 })
          .then((hits) => hits.map((h) => h.message.id).sort());
      expect(await search(['narwhal'])).toEqual(['m4']);
      expect(await search(['even', 'walrus'])).toHaveLength(13); // m6, m8, … m30
      expect(await search(['walrus'])).toHaveLength(25); // m4 edited away, m5 deleted, m1-m3 gone
      await store.close();
      store = null;
      const check = openConnection(file);
      try {
        expect(() =>
          check.exec(`INSERT INTO message_search (message_search) VALUES ('integrity-check')`),
        ).not.toThrow();
      } finally {
        check.close();
      }
    } finally {
      await store?.close();
      await remove();
    }
  });
});
