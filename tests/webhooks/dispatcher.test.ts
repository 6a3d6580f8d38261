import { createLogger } from '../../server/logger';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store';
import type { ChatStore } from '../../server/store/types';
import type { StoredWebhook } from '../../server/store/webhook-types';
import { parseAllowedHosts } from '../../server/webhooks/allowed-hosts';
import { WebhookDispatcher } from '../../server/webhooks/dispatcher';
import { createDeliveryBuilder } from '../../server/webhooks/payloads';
import { WebhookSender } from '../../server/webhooks/sender';
import { generateSecret } from '../../server/webhooks/signer';
import { UrlGuard } from '../../server/webhooks/url-guard';
import { webhookEventSchema } from '../../shared/schemas/webhooks';
import { createStoreHelpers, member, owner, room } from '../store/store-fixtures';
import { tempSqliteFile } from '../store/store-factories';
import { eventually } from '../security/server-process';
import { startReceiver, type Receiver, type Received } from './receiver';

/**
 * The dispatcher over a real SQLite store and a real receiver: per (hook, room) one delivery at a
 * time and in outbox order, different pairs concurrently; the lease lets one of two dispatchers on
 * the same database deliver, and a clean stop hands it over at once.
 */

const POLL_MS = 20;
const logger = createLogger({ env: 'test', logLevel: 'silent' });
const guard = new UrlGuard(parseAllowedHosts('127.0.0.1').allowed);
const sender = new WebhookSender(guard, 2_000);

let receiver: Receiver;
let storage: { file: string; remove(): Promise<void> };
const stores: ChatStore[] = [];
const dispatchers: WebhookDispatcher[] = [];
let ids = 0;

beforeEach(async () => {
  receiver = await startReceiver();
  storage = await tempSqliteFile();
});

afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((d) => d.close()));
  for (const store of stores.splice(0)) await store.close();
  await receiver.close();
  await storage.remove();
});

function openStore(): ChatStore {
  const store = new SqliteStore(storage.file);
  stores.push(store);
  return store;
}

function startDispatcher(store: ChatStore, node: string, leaseMs = 3_000): WebhookDispatcher {
  const dispatcher = new WebhookDispatcher({
    store: store.webhooks,
    deliveriesFor: createDeliveryBuilder({ store, newId: () => `d${++ids}`, now: () => new Date() }),
    send: (request, signal) => sender.send(request, signal),
    policy: { retryBaseMs: 10, retryMaxMs: 50, maxAttempts: 5 },
    pollMs: POLL_MS,
    leaseMs,
    node,
    logger,
    closeGraceMs: 1_000,
  });
  dispatchers.push(dispatcher);
  dispatcher.start();
  return dispatcher;
}

async function createHook(store: ChatStore, path: string, roomId: string | null): Promise<StoredWebhook> {
  return store.webhooks.createHook({
    id: `hook-${path.slice(1)}`,
    url: `${receiver.url}${path}`,
    events: ['message.new'],
    room_id: roomId,
    secret: generateSecret(),
    description: null,
    created_by: 'alice',
    created_at: new Date().toISOString(),
  });
}

/** The message contents a path received for a room, in arrival order. */
function contentsAt(received: readonly Received[], path: string, roomId: string): string[] {
  return received
    .filter((r) => r.path === path)
    .map((r) => webhookEventSchema.parse(JSON.parse(r.body)))
    .flatMap((e) => (e.type === 'message.new' && e.data.room_id === roomId ? [e.data.message.content] : []));
}

test('per (hook, room): one at a time, in order; different pairs at the same time', async () => {
  const store = openStore();
  const helpers = createStoreHelpers(store);
  await store.createRoom(room('r1'), [owner('alice'), member('bob')]);
  await store.createRoom(room('r2'), [owner('alice')]);
  await createHook(store, '/room-hook', 'r1');
  await createHook(store, '/everything', null);
  // Each answer takes a while, so that a second send to the same pair would overlap the first.
  receiver.reply = () => ({ status: 200, afterMs: 25 });

  const PER_ROOM = 8;
  const sent: Record<string, string[]> = { r1: [], r2: [] };
  for (let i = 0; i < PER_ROOM; i += 1) {
    for (const roomId of ['r1', 'r2']) sent[roomId]?.push((await helpers.post(roomId, 'alice')).content);
  }
  startDispatcher(store, 'node-a');
  await receiver.waitFor(
    'every delivery',
    (all) => all.filter((r) => r.answeredAt !== undefined).length === PER_ROOM * 3,
  );

  expect(contentsAt(receiver.received, '/room-hook', 'r1')).toEqual(sent.r1);
  expect(contentsAt(receiver.received, '/room-hook', 'r2')).toEqual([]);
  expect(contentsAt(receiver.received, '/everything', 'r1')).toEqual(sent.r1);
  expect(contentsAt(receiver.received, '/everything', 'r2')).toEqual(sent.r2);

  const pairOf = (r: Received): string =>
    `${r.path} ${(webhookEventSchema.parse(JSON.parse(r.body)).data as { room_id: string }).room_id}`;
  const overlaps = (a: Received, b: Received): boolean =>
    a.at < (b.answeredAt ?? Infinity) && b.at < (a.answeredAt ?? Infinity);
  const all = receiver.received;
  // Within a pair, the next request came only after the previous one was answered...
  const samePair = all.flatMap((a, i) =>
    all.slice(i + 1).filter((b) => pairOf(a) === pairOf(b) && overlaps(a, b)),
  );
  expect(samePair).toEqual([]);
  // ...while requests of different pairs were in flight together.
  const acrossPairs = all.flatMap((a, i) =>
    all.slice(i + 1).filter((b) => pairOf(a) !== pairOf(b) && overlaps(a, b)),
  );
  expect(acrossPairs.length).toBeGreaterThan(0);

  // The last answers are in; their outcomes are recorded right after.
  const log = () => store.webhooks.listDeliveries('hook-everything', { limit: 100, after: null });
  await eventually(
    async () => (await log()).every((d) => d.status === 'delivered'),
    'every attempt is recorded',
  );
  expect((await log()).map((d) => [d.status, d.attempts])).toEqual(
    Array(PER_ROOM * 2).fill(['delivered', 1]),
  );
  // The outbox is empty: every entry became deliveries.
  expect(await store.readOutbox(0, 10)).toEqual([]);
});

test('of two dispatchers on one database, one delivers; after a clean stop the other takes over at once', async () => {
  const first = openStore();
  const second = openStore();
  const helpers = createStoreHelpers(first);
  await first.createRoom(room('r1'), [owner('alice')]);
  await createHook(first, '/hook', null);

  const a = startDispatcher(first, 'node-a', 60_000);
  await helpers.post('r1', 'alice');
  await receiver.waitFor('the first delivery', (all) => all.length === 1);
  const b = startDispatcher(second, 'node-b', 60_000);
  for (let i = 0; i < 5; i += 1) await helpers.post('r1', 'alice');
  await receiver.waitFor('six deliveries', (all) => all.length === 6);
  expect([a.holdsLease(), b.holdsLease()]).toEqual([true, false]);

  // A lease of a minute: only the release lets b deliver this soon.
  await a.close();
  await helpers.post('r1', 'alice');
  await receiver.waitFor('the delivery after the hand-over', (all) => all.length === 7, 5_000);
  expect(b.holdsLease()).toBe(true);

  // Each delivery arrived once (webhook-id), in order.
  const ids = receiver.received.map((r) => r.headers['webhook-id']);
  expect(new Set(ids).size).toBe(7);
  const contents = contentsAt(receiver.received, '/hook', 'r1');
  expect(contents).toEqual([...contents].sort((x, y) => Number(x.split(' ')[1]) - Number(y.split(' ')[1])));
});

test('a delivery in flight when the dispatcher stops is cut after the grace period and left pending', async () => {
  const store = openStore();
  const helpers = createStoreHelpers(store);
  await store.createRoom(room('r1'), [owner('alice')]);
  await createHook(store, '/stuck', null);
  receiver.reply = () => 'hang';
  const dispatcher = startDispatcher(store, 'node-a');
  await helpers.post('r1', 'alice');
  await receiver.waitFor('the request', (all) => all.length === 1);

  const started = Date.now();
  await dispatcher.close();
  expect(Date.now() - started).toBeLessThan(3_000);
  const [delivery] = await store.webhooks.listDeliveries('hook-stuck', { limit: 10, after: null });
  // Not recorded as an attempt: it is sent again by whoever delivers next (at least once).
  expect(delivery).toMatchObject({ status: 'pending', attempts: 0 });
});
