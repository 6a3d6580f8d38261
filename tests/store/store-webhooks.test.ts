import pg from 'pg';
import type { PostgresStore } from '../../server/store/postgres/postgres-store';
import type { ChatStore, OutboxEntry, OutboxType } from '../../server/store/types';
import type {
  NewDelivery,
  NewWebhook,
  StoredDelivery,
  StoredWebhook,
  WebhookStore,
} from '../../server/store/webhook-types';
import { createTestSchema, type TestSchema } from '../helpers/postgres';
import { needs } from '../helpers/services';
import { openPostgresStore, storeFactories, type StoreHandle } from './store-factories';
import { at, createStoreHelpers, member, owner, room } from './store-fixtures';

/**
 * What outgoing webhooks keep, run against every store: hooks, the fan-out of outbox entries into
 * deliveries (the entries go, whatever matches), the queue of each (hook, room) that lets only its
 * oldest pending delivery be attempted, the attempts' outcomes, redelivery, and the dispatcher's
 * lease. On PostgreSQL, also what only concurrency shows: two fan-outs at once never take one entry
 * twice, and a room's entries leave the outbox in the order their transactions committed.
 */

const CAPS = { perMessage: 32, perUser: 10 };

function hook(id: string, overrides: Partial<NewWebhook> = {}): NewWebhook {
  return {
    id,
    url: `https://example.com/hooks/${id}`,
    events: ['message.new'],
    room_id: 'r1',
    secret: `whsec_${Buffer.from(`secret of ${id}!!!!!!!!!!`).toString('base64')}`,
    description: null,
    created_by: 'alice',
    created_at: at(10),
    ...overrides,
  };
}

/** What the dispatcher's `deliveriesFor` does, minus reading messages: one per matching hook. */
function matching(entries: readonly OutboxEntry[], hooks: readonly StoredWebhook[]): NewDelivery[] {
  return entries.flatMap((entry) =>
    hooks
      .filter((h) => (h.room_id === null || h.room_id === entry.room_id) && h.events.includes(entry.type))
      .map((h) => ({
        id: `d-${h.id}-${entry.id}`,
        webhook_id: h.id,
        outbox_id: entry.id,
        room_id: entry.room_id,
        type: entry.type,
        payload: JSON.stringify({ type: entry.type, data: { room_id: entry.room_id } }),
        created_at: at(100),
      })),
  );
}

const ALL_EVENTS: OutboxType[] = [
  'message.new',
  'message.updated',
  'message.deleted',
  'reaction.updated',
  'member.joined',
  'member.left',
];

describe.each(storeFactories)('webhook store: $name', (factory) => {
  let handle: StoreHandle;
  let store: ChatStore;
  let hooks: WebhookStore;
  let helpers: ReturnType<typeof createStoreHelpers>;
  /** Every (entries, hooks) fanOut handed to `deliveriesFor`. */
  let calls: { entries: OutboxEntry[]; hooks: string[] }[];

  beforeEach(async () => {
    handle = await factory.open();
    store = handle.store;
    hooks = store.webhooks;
    helpers = createStoreHelpers(store);
    calls = [];
    await store.createRoom(room('r1'), [owner('alice'), member('bob')]);
    await store.createRoom(room('r2'), [owner('alice')]);
    await store.createRoom(room('r3'), [owner('alice')]);
  });

  afterEach(async () => {
    await handle.cleanup();
  });

  const fanOut = (limit = 1000): Promise<number> =>
    hooks.fanOut(limit, async (entries, given) => {
      calls.push({ entries: [...entries], hooks: given.map((h) => h.id) });
      return matching(entries, given);
    });

  /** The deliveries of a hook, oldest entry first. */
  async function deliveriesOf(hookId: string): Promise<StoredDelivery[]> {
    return (await hooks.listDeliveries(hookId, { limit: 1000, after: null })).reverse();
  }

  const typesOf = (ds: readonly StoredDelivery[]): string[] => ds.map((d) => `${d.room_id} ${d.type}`);

  describe('hooks', () => {
    it('creates, reads, updates and deletes a hook', async () => {
      const created = await hooks.createHook(
        hook('h1', { description: 'bot', events: ['message.new', 'member.left'] }),
      );
      expect(created).toEqual({
        ...hook('h1', { description: 'bot', events: ['message.new', 'member.left'] }),
        updated_at: at(10),
        active: true,
        failing_since: null,
      });
      expect(await hooks.getHook('h1')).toEqual(created);
      expect(await hooks.getHook('nope')).toBeNull();

      const renamed = await hooks.updateHook('h1', { url: 'https://example.org/x' }, at(20));
      expect(renamed).toEqual({ ...created, url: 'https://example.org/x', updated_at: at(20) });
      const changed = await hooks.updateHook(
        'h1',
        { events: ['reaction.updated'], description: null, secret: 'whsec_b3RoZXI=', active: false },
        at(21),
      );
      expect(changed).toEqual({
        ...renamed,
        events: ['reaction.updated'],
        description: null,
        secret: 'whsec_b3RoZXI=',
        active: false,
        updated_at: at(21),
      });
      expect(await hooks.getHook('h1')).toEqual(changed);
      expect(await hooks.updateHook('nope', { active: true }, at(22))).toBeNull();

      expect(await hooks.deleteHook('h1')).toBe(true);
      expect(await hooks.deleteHook('h1')).toBe(false);
      expect(await hooks.getHook('h1')).toBeNull();
    });

    it("lists a room's hooks or the service-wide ones, oldest first, by creator, in keyset pages", async () => {
      // Ids out of creation order: the listing follows created_at, then id.
      await hooks.createHook(hook('hz', { created_at: at(1) }));
      await hooks.createHook(hook('ha', { created_at: at(3) }));
      await hooks.createHook(hook('hm', { created_at: at(2), created_by: 'bob' }));
      await hooks.createHook(hook('hb', { created_at: at(3) }));
      await hooks.createHook(hook('w1', { room_id: null }));
      await hooks.createHook(hook('x1', { room_id: 'r2' }));

      const ids = (list: StoredWebhook[]): string[] => list.map((h) => h.id);
      const first = await hooks.listHooks({ roomId: 'r1' }, { limit: 3, after: null });
      expect(ids(first)).toEqual(['hz', 'hm', 'ha']);
      expect(ids(await hooks.listHooks({ roomId: 'r1' }, { limit: 3, after: 'ha' }))).toEqual(['hb']);
      expect(ids(await hooks.listHooks({ roomId: 'r1' }, { limit: 3, after: 'hb' }))).toEqual([]);
      expect(
        ids(await hooks.listHooks({ roomId: 'r1', createdBy: 'bob' }, { limit: 9, after: null })),
      ).toEqual(['hm']);
      expect(ids(await hooks.listHooks({ roomId: null }, { limit: 9, after: null }))).toEqual(['w1']);
      expect(ids(await hooks.listHooks({ roomId: 'r3' }, { limit: 9, after: null }))).toEqual([]);
    });
  });

  describe('fanOut', () => {
    it('removes the entries even when no hook exists, without asking for deliveries', async () => {
      await helpers.post('r1', 'alice');
      const waiting = (await store.readOutbox(0, 100)).length;
      expect(waiting).toBe(5); // 4 joins, 1 message
      expect(await fanOut()).toBe(waiting);
      expect(await store.readOutbox(0, 100)).toEqual([]);
      expect(calls).toEqual([]);
      expect(await fanOut()).toBe(0);
    });

    it('writes one delivery per entry and matching hook: by room, by event type, service-wide', async () => {
      await fanOut(); // the joins of the rooms' creation: no hook yet
      await hooks.createHook(hook('r1-new', { events: ['message.new'] }));
      await hooks.createHook(hook('r1-changes', { events: ['message.updated', 'reaction.updated'] }));
      await hooks.createHook(hook('r2-all', { room_id: 'r2', events: ALL_EVENTS }));
      await hooks.createHook(hook('r3-all', { room_id: 'r3', events: ALL_EVENTS }));
      await hooks.createHook(hook('everywhere', { room_id: null, events: ['message.new', 'member.joined'] }));
      await hooks.createHook(hook('paused', { events: ['message.new'] }));
      await hooks.updateHook('paused', { active: false }, at(11));

      const m1 = await helpers.post('r1', 'alice');
      await store.addReaction(m1.id, 'bob', '👍', at(12), CAPS);
      await store.editMessage(m1.id, 'edited', at(13), []);
      await helpers.post('r2', 'alice');
      await store.addMembers('r2', [member('carol', at(14))]);

      expect(await fanOut(100)).toBe(5);
      expect(await store.readOutbox(0, 100)).toEqual([]);
      // Only the hooks that may match: service-wide and those of the entries' rooms, active or not.
      expect(calls).toHaveLength(1);
      expect(calls[0]?.hooks.sort()).toEqual(['everywhere', 'paused', 'r1-changes', 'r1-new', 'r2-all']);

      expect(typesOf(await deliveriesOf('r1-new'))).toEqual(['r1 message.new']);
      expect(typesOf(await deliveriesOf('r1-changes'))).toEqual([
        'r1 reaction.updated',
        'r1 message.updated',
      ]);
      expect(typesOf(await deliveriesOf('r2-all'))).toEqual(['r2 message.new', 'r2 member.joined']);
      expect(typesOf(await deliveriesOf('r3-all'))).toEqual([]);
      expect(typesOf(await deliveriesOf('everywhere'))).toEqual([
        'r1 message.new',
        'r2 message.new',
        'r2 member.joined',
      ]);
      // An inactive hook's deliveries are queued all the same: they wait.
      expect(typesOf(await deliveriesOf('paused'))).toEqual(['r1 message.new']);

      const [first] = await deliveriesOf('r1-new');
      expect(first).toEqual({
        id: `d-r1-new-${first?.outbox_id}`,
        webhook_id: 'r1-new',
        outbox_id: calls[0]?.entries.find((e) => e.type === 'message.new' && e.room_id === 'r1')?.id,
        room_id: 'r1',
        type: 'message.new',
        payload: JSON.stringify({ type: 'message.new', data: { room_id: 'r1' } }),
        created_at: at(100),
        status: 'pending',
        attempts: 0,
        next_attempt_at: at(100),
        last_attempt_at: null,
        last_status: null,
        last_error: null,
        delivered_at: null,
      });
      expect(await hooks.getDelivery(first?.id ?? '')).toEqual(first);
      expect(await hooks.getDelivery('nope')).toBeNull();
    });

    it('takes the oldest entries first, at most `limit`, and leaves the rest for the next call', async () => {
      const before = await store.readOutbox(0, 100);
      expect(await fanOut(2)).toBe(2);
      expect(await store.readOutbox(0, 100)).toEqual(before.slice(2));
      expect(calls).toEqual([]);
      await hooks.createHook(hook('w', { room_id: null, events: ALL_EVENTS }));
      expect(await fanOut(1)).toBe(1);
      expect(calls[0]?.entries).toEqual(before.slice(2, 3));
      expect(await fanOut(100)).toBe(1);
      expect(typesOf(await deliveriesOf('w'))).toEqual(['r2 member.joined', 'r3 member.joined']);
    });

    it('gives a hook created after an entry the entries fanned out after its creation, not before', async () => {
      await helpers.post('r1', 'alice');
      await fanOut(); // the joins and the first message: no hook yet
      const second = await helpers.post('r1', 'alice'); // written before the hook, fanned out after
      await hooks.createHook(hook('late'));
      const third = await helpers.post('r1', 'alice');
      await fanOut();
      const delivered = await deliveriesOf('late');
      expect(delivered.map((d) => d.type)).toEqual(['message.new', 'message.new']);
      const entryOf = new Map(calls.flatMap((c) => c.entries).map((e) => [e.id, e.message_id]));
      expect(delivered.map((d) => entryOf.get(d.outbox_id))).toEqual([second.id, third.id]);
    });

    it('stores nothing and keeps the entries when a delivery names an entry it was not given', async () => {
      await hooks.createHook(hook('w', { room_id: null, events: ALL_EVENTS }));
      const before = await store.readOutbox(0, 100);
      await expect(
        hooks.fanOut(2, async (entries, given) => {
          const made = matching(entries, given);
          return made.map((d, i) => (i === made.length - 1 ? { ...d, id: 'stray', outbox_id: 999_999 } : d));
        }),
      ).rejects.toThrow(/999999/);
      expect(await store.readOutbox(0, 100)).toEqual(before);
      expect(await deliveriesOf('w')).toEqual([]);
    });

    it('drops the deliveries of a hook deleted while they were being made', async () => {
      await hooks.createHook(hook('gone', { room_id: null, events: ALL_EVENTS }));
      await hooks.createHook(hook('kept', { room_id: null, events: ALL_EVENTS }));
      const taken = await hooks.fanOut(100, async (entries, given) => {
        await hooks.deleteHook('gone');
        return matching(entries, given);
      });
      expect(taken).toBe(4);
      expect(await deliveriesOf('gone')).toEqual([]);
      expect(await deliveriesOf('kept')).toHaveLength(4);
    });
  });

  describe('delivery queue', () => {
    /** Hook `w` (every room, every event) with three messages: two in r1, one in r2. */
    async function queued(): Promise<{ r1a: StoredDelivery; r1b: StoredDelivery; r2a: StoredDelivery }> {
      await fanOut(); // the creation's joins
      await hooks.createHook(hook('w', { room_id: null, events: ['message.new'] }));
      await helpers.post('r1', 'alice');
      await helpers.post('r1', 'bob');
      await helpers.post('r2', 'alice');
      await fanOut();
      const [r1a, r1b, r2a] = await deliveriesOf('w');
      if (!r1a || !r1b || !r2a) throw new Error('three deliveries expected');
      return { r1a, r1b, r2a };
    }

    const ids = (ds: readonly StoredDelivery[]): string[] => ds.map((d) => d.id);

    it("offers each (hook, room)'s oldest pending delivery only, once due; later ones wait behind it", async () => {
      const { r1a, r1b, r2a } = await queued();
      expect(ids(await hooks.dueDeliveries(at(99), 10))).toEqual([]); // not due before created_at
      expect(ids(await hooks.dueDeliveries(at(100), 10))).toEqual([r1a.id, r2a.id]);
      expect(ids(await hooks.dueDeliveries(at(100), 1))).toEqual([r1a.id]);

      // r1's head waits for its retry: r1's second waits behind it, r2 goes on.
      await hooks.recordAttempt(r1a.id, {
        outcome: 'retry',
        next_attempt_at: at(130),
        at: at(101),
        status: 503,
        error: null,
      });
      expect(ids(await hooks.dueDeliveries(at(129), 10))).toEqual([r2a.id]);
      // Due ones in the order they came due.
      expect(ids(await hooks.dueDeliveries(at(130), 10))).toEqual([r2a.id, r1a.id]);

      await hooks.recordAttempt(r1a.id, { outcome: 'delivered', at: at(131), status: 200, error: null });
      expect(ids(await hooks.dueDeliveries(at(131), 10))).toEqual([r1b.id, r2a.id]);
    });

    it("skips inactive hooks' queues", async () => {
      const { r1a, r2a } = await queued();
      await hooks.createHook(hook('other', { room_id: null, events: ['message.new'] }));
      await helpers.post('r3', 'alice');
      await fanOut();
      const [other] = await deliveriesOf('other');
      await hooks.updateHook('w', { active: false }, at(110));
      expect(ids(await hooks.dueDeliveries(at(200), 10))).toEqual([other?.id]);
      await hooks.updateHook('w', { active: true }, at(111));
      // Due at the same time: in entry order (then by id).
      const [w3] = (await deliveriesOf('w')).slice(-1);
      expect(ids(await hooks.dueDeliveries(at(200), 10))).toEqual([r1a.id, r2a.id, other?.id, w3?.id]);
    });

    it('records attempts: a retry, a delivery, and a failure that makes the hook inactive until set active', async () => {
      const { r1a, r1b, r2a } = await queued();
      await hooks.recordAttempt(r1a.id, {
        outcome: 'retry',
        next_attempt_at: at(120),
        at: at(110),
        status: null,
        error: 'connection refused',
      });
      expect(await hooks.getDelivery(r1a.id)).toEqual({
        ...r1a,
        status: 'pending',
        attempts: 1,
        next_attempt_at: at(120),
        last_attempt_at: at(110),
        last_status: null,
        last_error: 'connection refused',
      });
      await hooks.recordAttempt(r1a.id, { outcome: 'delivered', at: at(121), status: 204, error: null });
      expect(await hooks.getDelivery(r1a.id)).toEqual({
        ...r1a,
        status: 'delivered',
        attempts: 2,
        next_attempt_at: at(120),
        last_attempt_at: at(121),
        last_status: 204,
        last_error: null,
        delivered_at: at(121),
      });
      // Recorded once only: an attempt on a delivery that is no longer pending changes nothing.
      await hooks.recordAttempt(r1a.id, { outcome: 'failed', at: at(122), status: 500, error: null });
      expect((await hooks.getDelivery(r1a.id))?.status).toBe('delivered');
      expect((await hooks.getHook('w'))?.active).toBe(true);
      await hooks.recordAttempt('nope', { outcome: 'delivered', at: at(122), status: 200, error: null });

      await hooks.recordAttempt(r1b.id, { outcome: 'failed', at: at(123), status: 500, error: 'HTTP 500' });
      expect(await hooks.getDelivery(r1b.id)).toMatchObject({
        status: 'failed',
        attempts: 1,
        last_status: 500,
      });
      expect(await hooks.getHook('w')).toMatchObject({
        active: false,
        failing_since: at(123),
        updated_at: at(10),
      });
      expect(await hooks.dueDeliveries(at(200), 10)).toEqual([]);

      const resumed = await hooks.updateHook('w', { active: true }, at(124));
      expect(resumed).toMatchObject({ active: true, failing_since: null, updated_at: at(124) });
      // The failed one stays failed; the room's queue goes on after it.
      expect(ids(await hooks.dueDeliveries(at(200), 10))).toEqual([r2a.id]);
    });

    it('redelivers a delivery in its place: pending, attempts reset, due now, before the later ones', async () => {
      const { r1a, r1b } = await queued();
      await hooks.recordAttempt(r1a.id, { outcome: 'delivered', at: at(110), status: 200, error: null });
      await hooks.recordAttempt(r1b.id, {
        outcome: 'retry',
        next_attempt_at: at(115),
        at: at(111),
        status: 502,
        error: null,
      });
      const again = await hooks.redeliver(r1a.id, at(112));
      expect(again).toEqual({
        ...r1a,
        status: 'pending',
        attempts: 0,
        next_attempt_at: at(112),
        last_attempt_at: at(110),
        last_status: 200,
        last_error: null,
        delivered_at: null,
      });
      expect(await hooks.getDelivery(r1a.id)).toEqual(again);
      // r1's queue again starts with it: r1b (due at 115) waits behind it.
      const due = await hooks.dueDeliveries(at(120), 10);
      expect(due.filter((d) => d.room_id === 'r1').map((d) => d.id)).toEqual([r1a.id]);
      expect(await hooks.redeliver('nope', at(112))).toBeNull();
    });

    it("lists a hook's deliveries newest first in keyset pages, and deletes them with the hook", async () => {
      const { r1a, r1b, r2a } = await queued();
      const first = await hooks.listDeliveries('w', { limit: 2, after: null });
      expect(ids(first)).toEqual([r2a.id, r1b.id]);
      expect(ids(await hooks.listDeliveries('w', { limit: 2, after: r1b.id }))).toEqual([r1a.id]);
      expect(await hooks.listDeliveries('w', { limit: 2, after: r1a.id })).toEqual([]);
      expect(await hooks.listDeliveries('nope', { limit: 2, after: null })).toEqual([]);

      expect(await hooks.deleteHook('w')).toBe(true);
      expect(await hooks.getDelivery(r1a.id)).toBeNull();
      expect(await hooks.listDeliveries('w', { limit: 10, after: null })).toEqual([]);
      expect(await hooks.dueDeliveries(at(200), 10)).toEqual([]);
    });
  });

  describe('dispatcher lease', () => {
    it('is held by one node until it runs out or is given up', async () => {
      const a = hooks;
      const b = (await handle.openSibling()).webhooks;
      expect(await a.claimDispatch('node-a', at(0), at(30))).toBe(true);
      expect(await b.claimDispatch('node-b', at(1), at(31))).toBe(false);
      expect(await a.claimDispatch('node-a', at(20), at(50))).toBe(true); // renewed
      expect(await b.claimDispatch('node-b', at(49), at(79))).toBe(false);
      expect(await b.claimDispatch('node-b', at(51), at(81))).toBe(true); // ran out
      expect(await a.claimDispatch('node-a', at(52), at(82))).toBe(false);

      await a.releaseDispatch('node-a'); // not a's to give up: nothing changes
      expect(await a.claimDispatch('node-a', at(53), at(83))).toBe(false);
      await b.releaseDispatch('node-b');
      expect(await a.claimDispatch('node-a', at(54), at(84))).toBe(true);
    });
  });
});

const pgOnly = needs('postgres');

/** Resolves once `check` answers true, polling every 20 ms; rejects after `timeoutMs`. */
async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

pgOnly.describe('webhook store on PostgreSQL: concurrent transactions', () => {
  let schema: TestSchema;
  let store: PostgresStore;
  /** Holds a transaction open, as another node's write in progress. */
  let raw: pg.Client;
  let rawPid: number;
  /** Looks at locks from outside (pg_stat_activity is a snapshot within a transaction). */
  let monitor: pg.Client;
  const opened: PostgresStore[] = [];

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: schema.url });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  beforeEach(async () => {
    schema = await createTestSchema();
    store = await openPostgresStore(schema.url);
    opened.push(store);
    raw = await connect();
    monitor = await connect();
    rawPid = (await raw.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
    await store.createRoom(room('r1'), [owner('alice'), member('bob')]);
  });

  afterEach(async () => {
    await raw.end().catch(() => undefined);
    await monitor.end().catch(() => undefined);
    while (opened.length > 0) await opened.pop()?.close();
    await schema.drop();
  });

  /** Whether some backend now waits for a lock that `raw`'s transaction holds. */
  async function blockedByRaw(): Promise<boolean> {
    const { rows } = await monitor.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
      [rawPid],
    );
    return (rows[0]?.n ?? 0) > 0;
  }

  /**
   * Runs `write` while `raw` holds `held` (of the same room) uncommitted, and answers the order the
   * two committed in: the write first if it finished before `raw` committed; otherwise it was seen
   * waiting for `raw`'s locks, so it committed after.
   */
  async function race(held: string, write: () => Promise<unknown>): Promise<'held first' | 'write first'> {
    await raw.query('BEGIN');
    await raw.query(held);
    let done = false;
    const writing = write().then(() => {
      done = true;
    });
    await waitFor(async () => done || (await blockedByRaw()));
    const order = done ? 'write first' : 'held first';
    await raw.query('COMMIT');
    await writing;
    return order;
  }

  it('never lets two fan-outs at once take the same entry (FOR UPDATE)', async () => {
    const other = await openPostgresStore(schema.url);
    opened.push(other);
    const helpers = createStoreHelpers(store);
    await store.webhooks.createHook(hook('w', { room_id: null, events: ALL_EVENTS }));
    for (let i = 0; i < 40; i++) await helpers.post('r1', i % 2 ? 'alice' : 'bob');
    const total = (await store.readOutbox(0, 1000)).length;

    const given: number[] = [];
    const deliveriesFor = async (
      entries: readonly OutboxEntry[],
      hooksGiven: readonly StoredWebhook[],
    ): Promise<NewDelivery[]> => {
      given.push(...entries.map((e) => e.id));
      return matching(entries, hooksGiven);
    };
    // A backend that holds a lock on this schema's outbox and waits for another.
    const waitingOnOutbox = async (): Promise<boolean> => {
      const { rows } = await monitor.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks
         WHERE relation = to_regclass($1) AND pid IN (SELECT pid FROM pg_locks WHERE NOT granted)`,
        [`${schema.name}.outbox`],
      );
      return (rows[0]?.n ?? 0) > 0;
    };
    // The first fan-out holds its entries until the second has started on them and waits.
    let firstTook: number[] = [];
    let secondTook: number[] = [];
    let secondDone = false;
    const first = store.webhooks.fanOut(15, async (entries, hooksGiven) => {
      firstTook = entries.map((e) => e.id);
      const made = await deliveriesFor(entries, hooksGiven);
      await waitFor(async () => secondDone || (await waitingOnOutbox()));
      return made;
    });
    const second = other.webhooks
      .fanOut(15, async (entries, hooksGiven) => {
        secondTook = entries.map((e) => e.id);
        return deliveriesFor(entries, hooksGiven);
      })
      .finally(() => {
        secondDone = true;
      });
    const [a, b] = await Promise.all([first, second]);
    expect([a, b]).toEqual([15, 15]);
    // It waited for the first, then skipped what the first removed and took the next ones.
    expect(Math.min(...secondTook)).toBeGreaterThan(Math.max(...firstTook));

    // Then both drain the rest at once.
    const drain = async (s: PostgresStore): Promise<number> => {
      let n = 0;
      while ((await s.readOutbox(0, 1)).length > 0) n += await s.webhooks.fanOut(4, deliveriesFor);
      return n;
    };
    const [c, d] = await Promise.all([drain(store), drain(other)]);
    expect(a + b + c + d).toBe(total);
    expect(given).toHaveLength(total);
    expect(new Set(given).size).toBe(total);
    expect(await store.webhooks.listDeliveries('w', { limit: 1000, after: null })).toHaveLength(total);
  });

  it("appends a room's joins, leaves and message changes to the outbox in commit order", async () => {
    const helpers = createStoreHelpers(store);
    const m1 = await helpers.post('r1', 'alice');
    const startId = (await store.readOutbox(0, 1000)).at(-1)?.id ?? 0;
    const committed: OutboxType[] = [];
    const inOrder = (order: 'held first' | 'write first', held: OutboxType, write: OutboxType): void => {
      committed.push(...(order === 'held first' ? [held, write] : [write, held]));
    };

    // A join held open: a message sent meanwhile waits for it (the join locked the room's row).
    const joinThenSend = await race(
      `INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES ('r1', 'carol', 'member', now())`,
      () => store.insertMessage(helpers.message('r1', 'bob')),
    );
    inOrder(joinThenSend, 'member.joined', 'message.new');
    // An edit held open: a join meanwhile waits for it.
    const editThenJoin = await race(
      `UPDATE messages SET content = 'edited', edited_at = now() WHERE id = '${m1.id}'`,
      () => store.addMembers('r1', [member('dave')]),
    );
    inOrder(editThenJoin, 'message.updated', 'member.joined');
    // A leave held open: a reaction meanwhile waits for it.
    const leaveThenReact = await race(
      `DELETE FROM room_members WHERE room_id = 'r1' AND user_id = 'bob'`,
      () => store.addReaction(m1.id, 'alice', '👍', at(5), CAPS),
    );
    inOrder(leaveThenReact, 'member.left', 'reaction.updated');

    expect((await store.readOutbox(startId, 1000)).map((e) => e.type)).toEqual(committed);
    // Each write did wait: the room's row is what orders them.
    expect([joinThenSend, editThenJoin, leaveThenReact]).toEqual(['held first', 'held first', 'held first']);
  });
});
