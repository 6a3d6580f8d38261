import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { NO_ALLOWED_HOSTS, parseAllowedHosts } from '../../server/webhooks/allowed-hosts';
import { MAX_RESPONSE_BYTES, WebhookSender } from '../../server/webhooks/sender';
import { generateSecret } from '../../server/webhooks/signer';
import { UrlGuard } from '../../server/webhooks/url-guard';
import { startReceiver, type Receiver } from './receiver';

/**
 * One POST of a delivery, against a real receiver on 127.0.0.1: the Standard Webhooks headers,
 * verified with the `standardwebhooks` package (not our code), replays refused by it, no redirect
 * followed, the timeout, the answer's body cap, and the address rule.
 */

const TIMEOUT_MS = 500;
const guard = new UrlGuard(parseAllowedHosts('127.0.0.1').allowed);
const sender = new WebhookSender(guard, TIMEOUT_MS);
const BODY = JSON.stringify({
  type: 'message.new',
  timestamp: '2024-01-01T00:00:00.000Z',
  data: { text: 'héllo ✓' },
});

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());
afterEach(() => {
  receiver.reply = () => 200;
});

const lastAt = (path: string) => {
  const request = receiver.received.filter((r) => r.path === path).at(-1);
  if (!request) throw new Error(`nothing arrived at ${path}`);
  return request;
};

test('posts the body as JSON with the three headers, and the standardwebhooks package verifies them', async () => {
  const secret = generateSecret();
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  const result = await sender.send({
    url: `${receiver.url}/signed?x=1`,
    secret,
    id: 'msg_1',
    body: BODY,
    at: new Date(),
  });
  expect(result).toEqual({ ok: true, status: 200, error: null });

  const request = lastAt('/signed?x=1');
  expect(request.method).toBe('POST');
  expect(request.headers['content-type']).toBe('application/json');
  expect(request.headers['webhook-id']).toBe('msg_1');
  expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
  expect(request.body).toBe(BODY);
  // The receiver's side: the reference library, given the raw body and the headers.
  expect(new Webhook(secret).verify(request.body, request.headers)).toEqual(JSON.parse(BODY));
  // Another secret, or a body changed on the way, does not verify.
  expect(() => new Webhook(generateSecret()).verify(request.body, request.headers)).toThrow(
    WebhookVerificationError,
  );
  expect(() => new Webhook(secret).verify(request.body.replace('héllo', 'hello'), request.headers)).toThrow(
    WebhookVerificationError,
  );
});

test('an old timestamp, as a replayed request carries, is refused by the standardwebhooks package', async () => {
  const secret = generateSecret();
  const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
  await sender.send({ url: `${receiver.url}/replayed`, secret, id: 'msg_2', body: BODY, at: tenMinutesAgo });
  const request = lastAt('/replayed');
  // Correctly signed, but too old: exactly what a captured request replayed later looks like.
  expect(() => new Webhook(secret).verify(request.body, request.headers)).toThrow(
    'Message timestamp too old',
  );
});

test('only a 2xx counts; a redirect is not followed', async () => {
  receiver.reply = (request) => (request.path === '/moved' ? 301 : 500);
  await expect(
    sender.send({
      url: `${receiver.url}/moved`,
      secret: generateSecret(),
      id: 'm',
      body: BODY,
      at: new Date(),
    }),
  ).resolves.toEqual({ ok: false, status: 301, error: 'HTTP 301 (redirects are not followed)' });
  await expect(
    sender.send({
      url: `${receiver.url}/broken`,
      secret: generateSecret(),
      id: 'm',
      body: BODY,
      at: new Date(),
    }),
  ).resolves.toEqual({ ok: false, status: 500, error: 'HTTP 500' });
  // One request each: nothing was retried or followed here.
  expect(receiver.received.filter((r) => r.path === '/moved' || r.path === '/broken')).toHaveLength(2);
});

test('a receiver that does not answer in time fails the attempt at the timeout', async () => {
  receiver.reply = () => 'hang';
  const started = Date.now();
  const result = await sender.send({
    url: `${receiver.url}/slow`,
    secret: generateSecret(),
    id: 'm',
    body: BODY,
    at: new Date(),
  });
  expect(result).toEqual({ ok: false, status: null, error: `timed out after ${TIMEOUT_MS} ms` });
  expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
  expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
});

test('an endless answer body is cut at the cap; the status counts', async () => {
  let written = 0;
  const flood = http.createServer((_req, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const pump = (): void => {
      while (written < 100 * MAX_RESPONSE_BYTES && res.write(chunk)) written += chunk.length;
      if (written < 100 * MAX_RESPONSE_BYTES) res.once('drain', pump);
    };
    pump();
  });
  await new Promise<void>((resolve) => flood.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = flood.address() as AddressInfo;
    const result = await sender.send({
      url: `http://127.0.0.1:${port}/`,
      secret: generateSecret(),
      id: 'm',
      body: BODY,
      at: new Date(),
    });
    expect(result).toEqual({ ok: true, status: 200, error: null });
    expect(written).toBeLessThan(100 * MAX_RESPONSE_BYTES);
  } finally {
    flood.closeAllConnections();
    await new Promise((resolve) => flood.close(resolve));
  }
});

test('an address the rule forbids is refused before any connection, and a closed port is an error', async () => {
  const strict = new WebhookSender(new UrlGuard(NO_ALLOWED_HOSTS), TIMEOUT_MS);
  const before = receiver.received.length;
  const refused = await strict.send({
    url: `${receiver.url}/x`,
    secret: generateSecret(),
    id: 'm',
    body: BODY,
    at: new Date(),
  });
  expect(refused).toEqual({
    ok: false,
    status: null,
    error: expect.stringContaining('127.0.0.1 is a loopback address'),
  });
  const localhost = await strict.send({
    url: `http://localhost:${new URL(receiver.url).port}/x`,
    secret: generateSecret(),
    id: 'm',
    body: BODY,
    at: new Date(),
  });
  expect(localhost.error).toMatch(/localhost resolves to .*, which is a loopback address/);
  expect(receiver.received.length).toBe(before);

  const closed = await sender.send({
    url: 'http://127.0.0.1:1/',
    secret: generateSecret(),
    id: 'm',
    body: BODY,
    at: new Date(),
  });
  expect(closed).toEqual({ ok: false, status: null, error: expect.stringContaining('ECONNREFUSED') });
});

test('an aborted attempt says so, to be left unrecorded', async () => {
  receiver.reply = () => 'hang';
  const abort = new AbortController();
  const sending = sender.send(
    { url: `${receiver.url}/aborted`, secret: generateSecret(), id: 'm', body: BODY, at: new Date() },
    abort.signal,
  );
  await receiver.waitFor('the request to arrive', (all) => all.some((r) => r.path === '/aborted'));
  abort.abort();
  await expect(sending).resolves.toMatchObject({ ok: false, aborted: true });
});
