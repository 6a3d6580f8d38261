import { AccessCachingStore } from '../../server/store/cache/access-cache';
import type {
  AccessChange,
  AccessChangeListener,
  AccessChanges,
} from '../../server/store/cache/access-changes';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store';
import type { ChatStore, RoomAccess } from '../../server/store/types';
import { tempSqliteFile } from './store-factories';
import { at, member, owner, room } from './store-fixtures';

/** The real store underneath, with its `roomAccess` reads counted and, on demand, held back. */
interface Counted {
  store: ChatStore;
  reads: () => number;
  /** Reads answer only once the returned function is called (they have read the store already). */
  holdReads(): () => void;
}

function counted(store: ChatStore): Counted {
  let reads = 0;
  let held: Promise<void> | undefined;
  const roomAccess = async (roomId: string, userId: string): Promise<RoomAccess | null> => {
    reads += 1;
    const access = await store.roomAccess(roomId, userId);
    await held;
    return access;
  };
  const proxy = new Proxy(store, {
    get(target, prop) {
      if (prop === 'roomAccess') return roomAccess;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    store: proxy,
    reads: () => reads,
    holdReads: () => {
      let release = (): void => undefined;
      held = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        held = undefined;
        release();
      };
    },
  };
}

/** The other nodes, as the cache sees them: what it published, and a way to deliver their changes. */
class RecordedChanges implements AccessChanges {
  live = true;
  published: AccessChange[] = [];
  listener: AccessChangeListener | undefined;
  /** While set, publish resolves only once it settles (the other nodes have not confirmed yet). */
  confirmations: Promise<void> | undefined;

  async publish(change: AccessChange): Promise<void> {
    this.published.push({ roomId: change.roomId, userIds: [...change.userIds] });
    await this.confirmations;
  }

  listen(listener: AccessChangeListener): void {
    this.listener = listener;
  }
}

describe('AccessCachingStore', () => {
  let remove: () => Promise<void>;
  let sqlite: SqliteStore;
  let under: Counted;
  let changes: RecordedChanges;
  let clock: number;
  let cache: AccessCachingStore;

  const open = (opts: { maxEntries?: number; ttlMs?: number } = {}): AccessCachingStore =>
    new AccessCachingStore(under.store, changes, {
      maxEntries: opts.maxEntries ?? 100,
      ttlMs: opts.ttlMs ?? 30_000,
      now: () => clock,
    });

  beforeEach(async () => {
    const file = await tempSqliteFile();
    remove = file.remove;
    sqlite = new SqliteStore(file.file);
    under = counted(sqlite);
    changes = new RecordedChanges();
    clock = 1_000_000;
    cache = open();
    await sqlite.createRoom(room('pub'), [owner('alice'), member('bob')]);
    await sqlite.createRoom(room('priv', { is_private: true }), [owner('alice')]);
  });

  afterEach(async () => {
    await sqlite.close();
    await remove();
  });

  it('answers a repeated check from memory: the store is read once per (room, user)', async () => {
    const first = await cache.roomAccess('pub', 'bob');
    for (let i = 0; i < 10; i++) expect(await cache.roomAccess('pub', 'bob')).toEqual(first);
    expect(first).toEqual({ is_private: false, role: 'member', is_dm: false, muted_until: null });
    expect(under.reads()).toBe(1);
    // Another user, another room: each read once.
    expect(await cache.roomAccess('pub', 'carol')).toEqual({
      is_private: false,
      role: null,
      is_dm: false,
      muted_until: null,
    });
    expect(await cache.roomAccess('pub', 'carol')).toEqual({
      is_private: false,
      role: null,
      is_dm: false,
      muted_until: null,
    });
    expect(await cache.roomAccess('priv', 'alice')).toEqual({
      is_private: true,
      role: 'owner',
      is_dm: false,
      muted_until: null,
    });
    expect(await cache.roomAccess('priv', 'alice')).toEqual({
      is_private: true,
      role: 'owner',
      is_dm: false,
      muted_until: null,
    });
    expect(under.reads()).toBe(3);
    expect(cache.size).toBe(3);
  });

  it('does not keep rooms that do not exist', async () => {
    expect(await cache.roomAccess('nowhere', 'bob')).toBeNull();
    expect(await cache.roomAccess('nowhere', 'bob')).toBeNull();
    expect(under.reads()).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('sees a join (addMembers) at once, and tells the other nodes before the write resolves', async () => {
    expect(await cache.roomAccess('pub', 'carol')).toMatchObject({ role: null });
    let confirm = (): void => undefined;
    changes.confirmations = new Promise((resolve) => {
      confirm = resolve;
    });
    let resolved = false;
    const joining = cache.addMembers('pub', [member('carol', at(5))]).then((added) => {
      resolved = true;
      return added;
    });
    await waitUntil(() => changes.published.length === 1);
    expect(changes.published).toEqual([{ roomId: 'pub', userIds: ['carol'] }]);
    // Committed and forgotten here, but not acknowledged until the other nodes confirm.
    expect(await cache.roomAccess('pub', 'carol')).toMatchObject({ role: 'member' });
    expect(resolved).toBe(false);
    confirm();
    expect((await joining).map((m) => m.user_id)).toEqual(['carol']);
  });

  it('sees a leave (removeMember) at once, and the owner it promotes', async () => {
    expect(await cache.roomAccess('pub', 'alice')).toMatchObject({ role: 'owner' });
    expect(await cache.roomAccess('pub', 'bob')).toMatchObject({ role: 'member' });
    expect(await cache.removeMember('pub', 'alice')).toEqual({ removed: true, newOwnerId: 'bob' });
    expect(await cache.roomAccess('pub', 'alice')).toEqual({
      is_private: false,
      role: null,
      is_dm: false,
      muted_until: null,
    });
    expect(await cache.roomAccess('pub', 'bob')).toEqual({
      is_private: false,
      role: 'owner',
      is_dm: false,
      muted_until: null,
    });
    expect(changes.published).toEqual([{ roomId: 'pub', userIds: ['alice', 'bob'] }]);
  });

  it('sees an accepted invite (acceptInvite) at once', async () => {
    await sqlite.addInvites('priv', ['dave'], 'alice', at(2));
    expect(await cache.roomAccess('priv', 'dave')).toEqual({
      is_private: true,
      role: null,
      is_dm: false,
      muted_until: null,
    });
    expect(await cache.acceptInvite('priv', member('dave', at(3)))).toMatchObject({ user_id: 'dave' });
    expect(await cache.roomAccess('priv', 'dave')).toEqual({
      is_private: true,
      role: 'member',
      is_dm: false,
      muted_until: null,
    });
    expect(changes.published).toEqual([{ roomId: 'priv', userIds: ['dave'] }]);
  });

  it('needs no notice for a new room (absent rooms are never cached), and serves it at once', async () => {
    expect(await cache.roomAccess('new', 'erin')).toBeNull();
    await cache.createRoom(room('new', { created_by: 'erin' }), [owner('erin')]);
    expect(await cache.roomAccess('new', 'erin')).toEqual({
      is_private: false,
      role: 'owner',
      is_dm: false,
      muted_until: null,
    });
    expect(changes.published).toEqual([]);
  });

  it('forgets what another node changed, and everything when notices may have been missed', async () => {
    await cache.roomAccess('pub', 'bob');
    await cache.roomAccess('pub', 'alice');
    await sqlite.removeMember('pub', 'bob'); // written by "another node": this cache cannot know
    expect(await cache.roomAccess('pub', 'bob')).toMatchObject({ role: 'member' });
    changes.listener?.changed({ roomId: 'pub', userIds: ['bob'] });
    expect(await cache.roomAccess('pub', 'bob')).toMatchObject({ role: null });
    expect(under.reads()).toBe(3);

    changes.listener?.missed();
    expect(cache.size).toBe(0);
    await cache.roomAccess('pub', 'alice');
    expect(under.reads()).toBe(4);
  });

  it('does not keep a read that was in flight when its pair changed (it may predate the write)', async () => {
    const release = under.holdReads();
    const stale = cache.roomAccess('pub', 'bob'); // reads "member", answers later
    await waitUntil(() => under.reads() === 1);
    await sqlite.removeMember('pub', 'bob');
    changes.listener?.changed({ roomId: 'pub', userIds: ['bob'] });
    release();
    expect(await stale).toMatchObject({ role: 'member' });
    expect(await cache.roomAccess('pub', 'bob')).toMatchObject({ role: null });
    expect(under.reads()).toBe(2);
  });

  it('keeps nothing while changes from other nodes cannot arrive', async () => {
    changes.live = false;
    await cache.roomAccess('pub', 'bob');
    await cache.roomAccess('pub', 'bob');
    expect(under.reads()).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('holds at most maxEntries pairs, dropping the least recently used', async () => {
    cache = open({ maxEntries: 3 });
    for (const user of ['u1', 'u2', 'u3']) await cache.roomAccess('pub', user);
    await cache.roomAccess('pub', 'u1'); // u1 is now the most recently used
    await cache.roomAccess('pub', 'u4'); // u2 goes
    expect(cache.size).toBe(3);
    expect(under.reads()).toBe(4);
    for (const user of ['u1', 'u3', 'u4']) await cache.roomAccess('pub', user);
    expect(under.reads()).toBe(4);
    await cache.roomAccess('pub', 'u2');
    expect(under.reads()).toBe(5);
  });

  it('reads again after ttlMs, the backstop for a notice that got lost', async () => {
    cache = open({ ttlMs: 1000 });
    await cache.roomAccess('pub', 'bob');
    clock += 999;
    await cache.roomAccess('pub', 'bob');
    expect(under.reads()).toBe(1);
    clock += 1;
    await cache.roomAccess('pub', 'bob');
    expect(under.reads()).toBe(2);
  });
});

/** Resolves once `condition` holds, polling each turn of the event loop; fails after a second. */
async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 1000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 1 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
