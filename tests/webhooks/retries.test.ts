import { Webhook } from 'standardwebhooks';
import { webhookSchema } from '../../shared/schemas/webhooks';
import { startServer, type TestServer } from '../helpers/server';
import { call, contentsAt, createHook, createRoom, FAST_WEBHOOKS, waitForLog } from './hook-server';
import { startReceiver, type Receiver } from './receiver';

/**
 * Retries on the real server with a real receiver: a receiver that fails twice then succeeds gets
 * the event a third time after backoff, under the same webhook-id; a delivery that uses up its
 * attempts marks the hook failing, later events wait, `PATCH { active: true }` resumes them in
 * order, and redeliver sends a delivered one again.
 */

const BASE_MS = 50;
const MAX_ATTEMPTS = 3;

let server: TestServer;
let receiver: Receiver;
let alice: string;
let room: string;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startServer({
    env: {
      ...FAST_WEBHOOKS,
      WEBHOOK_RETRY_BASE_MS: String(BASE_MS),
      WEBHOOK_RETRY_MAX_MS: String(4 * BASE_MS),
      WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    },
  });
  alice = await server.token('alice');
  room = await createRoom(server, alice, { name: 'retries' });
});

afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

const post = (content: string) => call(server, 'POST', '/api/messages', alice, { room_id: room, content });
const hookAt = (path: string) =>
  createHook(server, alice, { url: `${receiver.url}${path}`, events: ['message.new'], room_id: room });

test('a receiver that fails twice then succeeds gets the event a third time, after backoff, under the same id', async () => {
  receiver.reply = (request, before) => (request.path === '/flaky' ? (before < 2 ? 503 : 200) : 200);
  const hook = await hookAt('/flaky');
  await post('third time lucky');
  await receiver.waitFor('three attempts', (all) => all.filter((r) => r.path === '/flaky').length === 3);

  const attempts = receiver.received.filter((r) => r.path === '/flaky');
  // The same delivery each time: one id, one body; each attempt signed afresh, and each verifies.
  expect(new Set(attempts.map((r) => r.headers['webhook-id'])).size).toBe(1);
  expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
  for (const attempt of attempts)
    expect(() => new Webhook(hook.secret).verify(attempt.body, attempt.headers)).not.toThrow();
  expect(contentsAt(attempts, '/flaky')).toEqual([
    'third time lucky',
    'third time lucky',
    'third time lucky',
  ]);
  // Backoff: each retry after the failure before it, within the jittered ceiling (base × 2^(n−1)) and a poll.
  const [first, second, third] = attempts.map((r) => r.at);
  const slack = 500;
  expect((second ?? 0) - (first ?? 0)).toBeLessThan(BASE_MS + slack);
  expect((third ?? 0) - (second ?? 0)).toBeLessThan(2 * BASE_MS + slack);
  expect(first).toBeLessThanOrEqual(second ?? 0);

  const [delivery] = await waitForLog(
    server,
    alice,
    hook.id,
    'the delivery to be recorded as delivered',
    (log) => log.every((d) => d.status === 'delivered'),
  );
  expect(delivery).toMatchObject({
    id: attempts[0]?.headers['webhook-id'],
    status: 'delivered',
    attempts: 3,
    last_status: 200,
    last_error: null,
    next_attempt_at: null,
  });
});

test('used-up attempts mark the hook failing; later events wait; PATCH active:true resumes them in order; redeliver resends', async () => {
  let down = true;
  receiver.reply = (request) => (request.path === '/down' && down ? 500 : 200);
  const failing = await hookAt('/down');
  // A healthy hook on the same room shows how far delivery has got.
  await hookAt('/healthy');

  await post('m1');
  const failedLog = await waitForLog(
    server,
    alice,
    failing.id,
    'm1 to fail',
    (log) => log[0]?.status === 'failed',
  );
  expect(failedLog[0]).toMatchObject({
    status: 'failed',
    attempts: MAX_ATTEMPTS,
    last_status: 500,
    last_error: 'HTTP 500',
  });
  expect(receiver.received.filter((r) => r.path === '/down')).toHaveLength(MAX_ATTEMPTS);
  const marked = webhookSchema.parse(await call(server, 'GET', `/api/webhooks/${failing.id}`, alice));
  expect(marked.active).toBe(false);
  expect(Date.parse(marked.failing_since ?? '')).toBeLessThanOrEqual(Date.now());

  // Later events are recorded for the failing hook but wait: the healthy hook gets them, it does not.
  down = false;
  await post('m2');
  await post('m3');
  await receiver.waitFor('m2 and m3 at the healthy hook', () =>
    contentsAt(receiver.received, '/healthy').includes('m3'),
  );
  const waiting = await waitForLog(server, alice, failing.id, 'm2 and m3 queued', (log) => log.length === 3);
  expect(waiting.map((d) => [d.status, d.attempts])).toEqual([
    ['pending', 0],
    ['pending', 0],
    ['failed', MAX_ATTEMPTS],
  ]);
  expect(contentsAt(receiver.received, '/down')).toEqual(['m1', 'm1', 'm1']);

  // Resumed: the waiting ones go out, in order; the failed one stays failed.
  const resumed = webhookSchema.parse(
    await call(server, 'PATCH', `/api/webhooks/${failing.id}`, alice, { active: true }),
  );
  expect([resumed.active, resumed.failing_since]).toEqual([true, null]);
  await receiver.waitFor(
    'm2 and m3 after the resume',
    () => contentsAt(receiver.received, '/down').length === 5,
  );
  expect(contentsAt(receiver.received, '/down')).toEqual(['m1', 'm1', 'm1', 'm2', 'm3']);
  const after = await waitForLog(server, alice, failing.id, 'm2 and m3 delivered', (log) =>
    log.slice(0, 2).every((d) => d.status === 'delivered'),
  );
  expect(after.map((d) => d.status)).toEqual(['delivered', 'delivered', 'failed']);

  // Redeliver a delivered one: the same id and body again.
  const m2 = after[1];
  if (!m2) throw new Error('no m2 delivery');
  const requeued = await call(
    server,
    'POST',
    `/api/webhooks/${failing.id}/deliveries/${m2.id}/redeliver`,
    alice,
    undefined,
    200,
  );
  expect(requeued).toMatchObject({ id: m2.id, status: 'pending', attempts: 0 });
  await receiver.waitFor('m2 again', () => contentsAt(receiver.received, '/down').length === 6);
  const again = receiver.received.filter((r) => r.path === '/down').at(-1);
  expect([again?.headers['webhook-id'], again?.body]).toEqual([m2.id, m2.payload]);
  await waitForLog(server, alice, failing.id, 'the redelivery recorded', (log) =>
    log.some((d) => d.id === m2.id && d.status === 'delivered' && d.attempts === 1),
  );
  // The healthy hook saw each event once, in order.
  expect(contentsAt(receiver.received, '/healthy')).toEqual(['m1', 'm2', 'm3']);
});

test('redelivering the failed delivery of a failing hook resumes the hook', async () => {
  let down = true;
  receiver.reply = (request) => (request.path === '/again' && down ? 502 : 200);
  const hook = await hookAt('/again');
  await post('lost once');
  const [failed] = await waitForLog(
    server,
    alice,
    hook.id,
    'the delivery to fail',
    (log) => log[0]?.status === 'failed',
  );
  if (!failed) throw new Error('no delivery');
  down = false;
  await call(
    server,
    'POST',
    `/api/webhooks/${hook.id}/deliveries/${failed.id}/redeliver`,
    alice,
    undefined,
    200,
  );
  await waitForLog(
    server,
    alice,
    hook.id,
    'the redelivery to succeed',
    (log) => log[0]?.status === 'delivered',
  );
  const resumed = webhookSchema.parse(await call(server, 'GET', `/api/webhooks/${hook.id}`, alice));
  expect([resumed.active, resumed.failing_since]).toEqual([true, null]);
  expect(contentsAt(receiver.received, '/again')).toEqual(Array(MAX_ATTEMPTS + 1).fill('lost once'));
});
