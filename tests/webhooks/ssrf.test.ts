import { httpErrorSchema } from '../../shared/errors';
import { startServer, type TestServer } from '../helpers/server';
import { adminToken, createRoom, FAST_WEBHOOKS } from './hook-server';
import { startReceiver, type Receiver } from './receiver';

/**
 * Server-side request forgery over the real API: without WEBHOOK_ALLOWED_HOSTS a hook at a
 * loopback URL (the receiver this test runs, in every spelling) is refused with VALIDATION_ERROR
 * naming `url`, as are private and link-local addresses; with the receiver's address allowed the
 * same URL is accepted.
 */

let receiver: Receiver;
let strict: TestServer;
let allowing: TestServer;

beforeAll(async () => {
  receiver = await startReceiver();
  const { WEBHOOK_ALLOWED_HOSTS: _allowed, ...withoutAllowlist } = FAST_WEBHOOKS;
  strict = await startServer({ env: withoutAllowlist });
  allowing = await startServer({ env: { ...FAST_WEBHOOKS } });
});

afterAll(async () => {
  await strict?.close();
  await allowing?.close();
  await receiver?.close();
});

const port = () => new URL(receiver.url).port;

describe('without WEBHOOK_ALLOWED_HOSTS', () => {
  test.each([
    () => `${receiver.url}/hook`,
    () => `http://localhost:${port()}/hook`,
    () => `http://[::1]:${port()}/hook`,
    () => `http://[::ffff:127.0.0.1]:${port()}/hook`,
    () => `http://2130706433:${port()}/hook`,
    () => 'http://10.0.0.1/hook',
    () => 'http://192.168.1.10/hook',
    () => 'http://169.254.169.254/latest/meta-data/',
    () => 'http://[fd00::1]/hook',
  ])('a hook at %s is refused, naming url', async (urlOf) => {
    const url = urlOf();
    const res = await strict.http('POST', '/api/webhooks', {
      token: await adminToken('root'),
      body: { url, events: ['message.new'] },
    });
    expect(res.status).toBe(400);
    const { error } = httpErrorSchema.parse(res.body);
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.details).toEqual([
      { field: 'url', reason: expect.stringMatching(/(loopback|private|link-local|unique-local) address/) },
    ]);
    expect(error.message).toMatch(/WEBHOOK_ALLOWED_HOSTS/);
  });

  test('changing a hook’s URL to a loopback one is refused the same way', async () => {
    const token = await strict.token('alice');
    const room = await createRoom(strict, token, { name: 'ssrf' });
    const created = await strict.http<{ id: string }>('POST', '/api/webhooks', {
      token,
      // A documentation address (never routed), for an event nobody causes here: nothing is sent.
      body: { url: 'https://203.0.113.10/hook', events: ['member.left'], room_id: room },
    });
    expect(created.status).toBe(201);
    const res = await strict.http('PATCH', `/api/webhooks/${created.body.id}`, {
      token,
      body: { url: `${receiver.url}/x` },
    });
    expect([res.status, httpErrorSchema.parse(res.body).error.details?.[0]?.field]).toEqual([400, 'url']);
  });
});

test('with the receiver’s address in WEBHOOK_ALLOWED_HOSTS, the same URL is accepted', async () => {
  const res = await allowing.http('POST', '/api/webhooks', {
    token: await adminToken('root'),
    body: { url: `${receiver.url}/hook`, events: ['message.new'] },
  });
  expect(res.status).toBe(201);
  // Only the allowed address: another loopback address is still refused.
  const other = await allowing.http('POST', '/api/webhooks', {
    token: await adminToken('root'),
    body: { url: `http://127.0.0.2:${port()}/hook`, events: ['message.new'] },
  });
  expect(other.status).toBe(400);
});
