import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { httpErrorSchema } from '../../shared/errors';
import { messageSchema, reactionsStateSchema } from '../../shared/schemas/objects';
import {
  webhookDeliverySchema,
  webhookEventSchema,
  webhookListSchema,
  webhookSchema,
  type CreatedWebhook,
} from '../../shared/schemas/webhooks';
import { startServer, type TestServer } from '../helpers/server';
import {
  adminToken,
  call,
  contentsAt,
  createHook,
  createRoom,
  eventsAt,
  FAST_WEBHOOKS,
  waitForLog,
} from './hook-server';
import { startReceiver, type Receiver } from './receiver';

/**
 * The webhook API over HTTP on the real server, with a real receiver on 127.0.0.1: who may manage
 * which hook (room owner, member, non-member, admin, bad tokens), what is refused, and every event
 * type delivered with the documented payload and a signature the `standardwebhooks` package
 * verifies (and refuses when replayed).
 */

let server: TestServer;
let receiver: Receiver;
const tokens: Record<'alice' | 'bob' | 'carol' | 'admin', string> = {
  alice: '',
  bob: '',
  carol: '',
  admin: '',
};
/** alice owns both; bob is a member of the private one; carol is in neither. */
let publicRoom: string;
let privateRoom: string;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startServer({ env: { ...FAST_WEBHOOKS } });
  for (const user of ['alice', 'bob', 'carol'] as const) tokens[user] = await server.token(user);
  tokens.admin = await adminToken('root');
  publicRoom = await createRoom(server, tokens.alice, { name: 'public' });
  privateRoom = await createRoom(server, tokens.alice, {
    name: 'private',
    is_private: true,
    invited_users: ['bob'],
  });
  await call(server, 'POST', `/api/rooms/${privateRoom}/join`, tokens.bob, undefined, 200);
});

afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

/** The status and error code (or 'ok') an HTTP call answers. */
async function outcome(
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<string> {
  const res = await server.http(method, path, { token, body });
  if (res.status < 300) return `${res.status}`;
  const { error } = httpErrorSchema.parse(res.body);
  const field = error.details?.[0]?.field;
  return `${res.status} ${error.code}${field ? ` (${field})` : ''}`;
}

const hookBody = (path: string, roomId: string | null, events = ['message.new']) => ({
  url: `${receiver.url}${path}`,
  events,
  ...(roomId ? { room_id: roomId } : {}),
});

describe('who may manage which hook', () => {
  let roomHook: CreatedWebhook;
  let publicHook: CreatedWebhook;
  let serviceHook: CreatedWebhook;

  beforeAll(async () => {
    roomHook = await createHook(server, tokens.alice, hookBody('/authz-private', privateRoom));
    publicHook = await createHook(server, tokens.alice, hookBody('/authz-public', publicRoom));
    serviceHook = await createHook(server, tokens.admin, hookBody('/authz-service', null));
  });

  test('creating: a room hook needs the room’s owner; a service-wide one the admin claim', async () => {
    const create = (token: string, roomId: string | null) =>
      outcome('POST', '/api/webhooks', token, hookBody('/made', roomId));
    expect({
      ownerPrivate: await create(tokens.alice, privateRoom),
      memberPrivate: await create(tokens.bob, privateRoom),
      nonMemberPrivate: await create(tokens.carol, privateRoom),
      nonMemberPublic: await create(tokens.carol, publicRoom),
      adminNotInPrivate: await create(tokens.admin, privateRoom),
      ownerServiceWide: await create(tokens.alice, null),
      adminServiceWide: await create(tokens.admin, null),
      missingRoom: await create(tokens.alice, 'no-such-room'),
    }).toEqual({
      ownerPrivate: '201',
      memberPrivate: '403 FORBIDDEN',
      nonMemberPrivate: '404 NOT_FOUND (room_id)',
      nonMemberPublic: '403 FORBIDDEN',
      adminNotInPrivate: '404 NOT_FOUND (room_id)',
      ownerServiceWide: '403 FORBIDDEN',
      adminServiceWide: '201',
      missingRoom: '404 NOT_FOUND (room_id)',
    });
  });

  test.each([
    ['GET', ''],
    ['PATCH', ''],
    ['GET', '/deliveries'],
  ])(
    '%s /api/webhooks/{id}%s: owners and admins; members FORBIDDEN; a private room’s hooks are invisible to others',
    async (method, suffix) => {
      const body = method === 'PATCH' ? { description: 'changed' } : undefined;
      const on = (hook: CreatedWebhook, token: string) =>
        outcome(method, `/api/webhooks/${hook.id}${suffix}`, token, body);
      expect({
        owner: await on(roomHook, tokens.alice),
        member: await on(roomHook, tokens.bob),
        nonMemberPrivate: await on(roomHook, tokens.carol),
        nonMemberPublic: await on(publicHook, tokens.carol),
        admin: await on(roomHook, tokens.admin),
        ownerOnServiceWide: await on(serviceHook, tokens.alice),
        adminOnServiceWide: await on(serviceHook, tokens.admin),
        noToken: await on(roomHook, ''),
        wrongToken: await on(roomHook, `${tokens.alice.slice(0, -4)}AAAA`),
        noSuchHook: await outcome(method, `/api/webhooks/nope${suffix}`, tokens.admin, body),
      }).toEqual({
        owner: '200',
        member: '403 FORBIDDEN',
        nonMemberPrivate: '404 NOT_FOUND (id)',
        nonMemberPublic: '403 FORBIDDEN',
        admin: '200',
        ownerOnServiceWide: '403 FORBIDDEN',
        adminOnServiceWide: '200',
        noToken: '401 UNAUTHORIZED',
        wrongToken: '401 UNAUTHORIZED',
        noSuchHook: '404 NOT_FOUND (id)',
      });
    },
  );

  test('listing: a room’s hooks for its owners (and admins), the service-wide ones for admins', async () => {
    const list = (token: string, roomId?: string) =>
      outcome('GET', `/api/webhooks${roomId ? `?room_id=${roomId}` : ''}`, token);
    expect({
      owner: await list(tokens.alice, privateRoom),
      member: await list(tokens.bob, privateRoom),
      nonMemberPrivate: await list(tokens.carol, privateRoom),
      nonMemberPublic: await list(tokens.carol, publicRoom),
      admin: await list(tokens.admin, privateRoom),
      ownerServiceWide: await list(tokens.alice),
      adminServiceWide: await list(tokens.admin),
    }).toEqual({
      owner: '200',
      member: '403 FORBIDDEN',
      nonMemberPrivate: '404 NOT_FOUND (room_id)',
      nonMemberPublic: '403 FORBIDDEN',
      admin: '200',
      ownerServiceWide: '403 FORBIDDEN',
      adminServiceWide: '200',
    });
    const mine = webhookListSchema.parse(
      await call(server, 'GET', `/api/webhooks?room_id=${privateRoom}`, tokens.alice),
    );
    expect(mine.webhooks.map((h) => h.id)).toContain(roomHook.id);
    expect(mine.webhooks.every((h) => h.room_id === privateRoom)).toBe(true);
    const everywhere = webhookListSchema.parse(await call(server, 'GET', '/api/webhooks', tokens.admin));
    expect(everywhere.webhooks.map((h) => h.id)).toContain(serviceHook.id);
    expect(everywhere.webhooks.every((h) => h.room_id === null)).toBe(true);
  });

  test('deleting and redelivering: the same rule', async () => {
    const doomed = await createHook(server, tokens.alice, hookBody('/doomed', privateRoom));
    const del = (token: string) => outcome('DELETE', `/api/webhooks/${doomed.id}`, token);
    expect([
      await del(tokens.bob),
      await del(tokens.carol),
      await del(tokens.alice),
      await del(tokens.alice),
    ]).toEqual(['403 FORBIDDEN', '404 NOT_FOUND (id)', '204', '404 NOT_FOUND (id)']);
    const redeliver = (token: string) =>
      outcome('POST', `/api/webhooks/${roomHook.id}/deliveries/no-such-delivery/redeliver`, token);
    expect([
      await redeliver(tokens.bob),
      await redeliver(tokens.carol),
      await redeliver(tokens.alice),
    ]).toEqual(['403 FORBIDDEN', '404 NOT_FOUND (id)', '404 NOT_FOUND (delivery_id)']);
  });

  test('the secret is in the answer that creates a hook, and in no other', async () => {
    expect(roomHook.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const got = await call<Record<string, unknown>>(
      server,
      'GET',
      `/api/webhooks/${roomHook.id}`,
      tokens.alice,
    );
    expect(got).not.toHaveProperty('secret');
    expect(webhookSchema.strict().parse(got).id).toBe(roomHook.id);
    const list = await call<{ webhooks: Record<string, unknown>[] }>(
      server,
      'GET',
      `/api/webhooks?room_id=${privateRoom}`,
      tokens.alice,
    );
    expect(list.webhooks.filter((h) => 'secret' in h)).toEqual([]);
    const patched = await call<Record<string, unknown>>(
      server,
      'PATCH',
      `/api/webhooks/${roomHook.id}`,
      tokens.alice,
      {
        secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      },
    );
    expect(patched).not.toHaveProperty('secret');
  });
});

describe('what is refused', () => {
  test.each([
    [{ url: 'ftp://example.com/x', events: ['message.new'] }, '400 VALIDATION_ERROR (url)'],
    [{ url: 'https://user:pw@example.com/x', events: ['message.new'] }, '400 VALIDATION_ERROR (url)'],
    [{ url: 'https://example.com/x', events: [] }, '400 VALIDATION_ERROR (events)'],
    [{ url: 'https://example.com/x', events: ['message.created'] }, '400 VALIDATION_ERROR (events.0)'],
    [
      { url: 'https://example.com/x', events: ['message.new'], secret: 'not-whsec' },
      '400 VALIDATION_ERROR (secret)',
    ],
    // 16 bytes: too short to be a signing key.
    [
      {
        url: 'https://example.com/x',
        events: ['message.new'],
        secret: `whsec_${Buffer.alloc(16).toString('base64')}`,
      },
      '400 VALIDATION_ERROR (secret)',
    ],
    [{ url: 'https://example.com/x', events: ['message.new'], extra: 1 }, '400 VALIDATION_ERROR (extra)'],
  ])('%j → %s', async (body, expected) => {
    expect(await outcome('POST', '/api/webhooks', tokens.admin, body)).toBe(expected);
  });

  test('a change must change something; a given secret is kept as given', async () => {
    const secret = `whsec_${Buffer.alloc(24, 1).toString('base64')}`;
    const hook = await createHook(server, tokens.alice, { ...hookBody('/given', publicRoom), secret });
    expect(hook.secret).toBe(secret);
    expect(await outcome('PATCH', `/api/webhooks/${hook.id}`, tokens.alice, {})).toBe('400 VALIDATION_ERROR');
    expect(await outcome('PATCH', `/api/webhooks/${hook.id}`, tokens.alice, { url: 'gopher://x' })).toBe(
      '400 VALIDATION_ERROR (url)',
    );
  });
});

describe('delivering every event type', () => {
  test('each change arrives once, in order, as documented, signed so that standardwebhooks verifies it', async () => {
    const room = await createRoom(server, tokens.alice, { name: 'events' });
    const ALL = [
      'message.new',
      'message.updated',
      'message.deleted',
      'reaction.updated',
      'member.joined',
      'member.left',
    ];
    const hook = await createHook(server, tokens.alice, hookBody('/events', room, ALL));
    // The room's creation (alice joining) came just before the hook: it may or may not be delivered.
    const isAlicesJoin = (body: string): boolean =>
      body.includes('"member.joined"') && body.includes('"alice"');
    const ours = () => receiver.received.filter((r) => r.path === '/events' && !isAlicesJoin(r.body));
    let expected = 0;
    /** Does one thing and waits for the deliveries it causes, so each payload shows the state of its own step. */
    const step = async <T>(deliveries: number, act: () => Promise<T>): Promise<T> => {
      const result = await act();
      expected += deliveries;
      await receiver.waitFor(`${expected} deliveries to /events`, () => ours().length >= expected);
      return result;
    };

    await step(1, () => call(server, 'POST', `/api/rooms/${room}/join`, tokens.bob, undefined, 200));
    const root = await step(1, async () =>
      messageSchema.parse(
        await call(server, 'POST', '/api/messages', tokens.alice, { room_id: room, content: 'root' }),
      ),
    );
    // A reply is new, and its parent's reply_count changes.
    const reply = await step(2, async () =>
      messageSchema.parse(
        await call(server, 'POST', '/api/messages', tokens.bob, {
          room_id: room,
          content: 'reply',
          parent_id: root.id,
        }),
      ),
    );
    await step(1, () =>
      call(server, 'PATCH', `/api/messages/${root.id}`, tokens.alice, { content: 'root, edited' }, 200),
    );
    const reacted = await step(1, async () =>
      reactionsStateSchema.parse(
        await call(server, 'POST', '/api/reactions', tokens.bob, { message_id: root.id, emoji: '👍' }, 200),
      ),
    );
    await step(1, () =>
      call(
        server,
        'DELETE',
        `/api/messages/${root.id}/reactions/${encodeURIComponent('👍')}`,
        tokens.bob,
        undefined,
        200,
      ),
    );
    await step(1, () => call(server, 'DELETE', `/api/messages/${reply.id}`, tokens.bob, undefined, 204));
    await step(1, () => call(server, 'POST', `/api/rooms/${room}/leave`, tokens.bob, undefined, 204));

    const events = eventsAt(ours(), '/events');
    const summary = events.map((e) => {
      switch (e.type) {
        case 'message.new':
        case 'message.updated':
        case 'message.deleted':
          return [
            e.type,
            e.data.room_id,
            e.data.message.id,
            e.data.message.content,
            e.data.message.reply_count,
            e.data.message.deleted,
          ];
        case 'reaction.updated':
          return [
            e.type,
            e.data.room_id,
            e.data.message_id,
            e.data.reactions.map((r) => [r.emoji, r.user_ids]),
          ];
        case 'member.joined':
        case 'member.left':
          return [e.type, e.data.room_id, e.data.user_id];
      }
    });
    expect(summary).toEqual([
      ['member.joined', room, 'bob'],
      ['message.new', room, root.id, 'root', 0, false],
      ['message.new', room, reply.id, 'reply', 0, false],
      ['message.updated', room, root.id, 'root', 1, false],
      ['message.updated', room, root.id, 'root, edited', 1, false],
      ['reaction.updated', room, root.id, [['👍', ['bob']]]],
      ['reaction.updated', room, root.id, []],
      ['message.deleted', room, reply.id, '', 0, true],
      ['member.left', room, 'bob'],
    ]);
    // The reaction event carries the version its change took, as the HTTP answer did.
    const firstReaction = events.find((e) => e.type === 'reaction.updated');
    expect(firstReaction?.type === 'reaction.updated' && firstReaction.data.version).toBe(reacted.version);
    // The message is the whole contract object.
    const [, newRoot] = events;
    expect(newRoot?.type === 'message.new' && newRoot.data.message).toEqual(root);
    // `timestamp` is when the change happened: in order, and an ISO time.
    const times = events.map((e) => Date.parse(e.timestamp));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // Every request: JSON, signed with the hook's secret, verified by the reference library.
    const requests = ours();
    const verifier = new Webhook(hook.secret);
    for (const request of requests) {
      expect(request.headers['content-type']).toBe('application/json');
      expect(verifier.verify(request.body, request.headers)).toEqual(JSON.parse(request.body));
    }
    expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(requests.length);

    // The delivery log names each one by the id the receiver saw, newest first.
    const log = (
      await waitForLog(server, tokens.alice, hook.id, 'every delivery recorded', (l) =>
        l.every((d) => d.status === 'delivered'),
      )
    ).filter((d) => !isAlicesJoin(d.payload));
    expect(log.map((d) => webhookDeliverySchema.parse(d).id)).toEqual(
      requests.map((r) => r.headers['webhook-id']).reverse(),
    );
    expect(log.map((d) => d.payload)).toEqual(requests.map((r) => r.body).reverse());
    expect(log.every((d) => d.attempts === 1 && d.last_status === 200 && d.next_attempt_at === null)).toBe(
      true,
    );
  });

  test('a room hook sends nothing its creator could no longer read: after they left a private room', async () => {
    const room = await createRoom(server, tokens.alice, {
      name: 'left',
      is_private: true,
      invited_users: ['bob'],
    });
    await call(server, 'POST', `/api/rooms/${room}/join`, tokens.bob, undefined, 200);
    const alices = await createHook(server, tokens.alice, hookBody('/alices', room));
    await call(server, 'POST', '/api/messages', tokens.bob, { room_id: room, content: 'before' });
    await receiver.waitFor('the message before', (all) => all.some((r) => r.path === '/alices'));
    // alice leaves: bob owns the room now, and manages its hooks, alice's included.
    await call(server, 'POST', `/api/rooms/${room}/leave`, tokens.alice, undefined, 204);
    const bobs = await createHook(server, tokens.bob, hookBody('/bobs', room));
    await call(server, 'POST', '/api/messages', tokens.bob, { room_id: room, content: 'after' });
    await receiver.waitFor('the message after, at bob’s hook', (all) => all.some((r) => r.path === '/bobs'));
    // Handed to hooks in the same batch: had alice's hook been given it, it would be in its log.
    const log = await waitForLog(server, tokens.bob, alices.id, 'alice’s hook log', () => true);
    expect(log.map((d) => webhookEventSchema.parse(JSON.parse(d.payload)))).toEqual([
      expect.objectContaining({ type: 'message.new', data: expect.objectContaining({ room_id: room }) }),
    ]);
    expect(contentsAt(receiver.received, '/alices')).toEqual(['before']);
    expect(eventsAt(receiver.received, '/alices')).toHaveLength(1);
    expect(await outcome('GET', `/api/webhooks/${alices.id}`, tokens.alice)).toBe('404 NOT_FOUND (id)');
    expect(bobs.created_by).toBe('bob');
  });

  test('a replayed delivery, or one that was tampered with, is refused by standardwebhooks', async () => {
    const room = await createRoom(server, tokens.alice, { name: 'replay' });
    const hook = await createHook(server, tokens.alice, hookBody('/replay', room));
    await call(server, 'POST', '/api/messages', tokens.alice, { room_id: room, content: 'once' });
    await receiver.waitFor('the delivery', (all) => all.some((r) => r.path === '/replay'));
    const request = receiver.received.find((r) => r.path === '/replay');
    if (!request) throw new Error('no request');
    const verifier = new Webhook(hook.secret);
    expect(() => verifier.verify(request.body, request.headers)).not.toThrow();
    expect(() => verifier.verify(request.body.replace('once', 'twice'), request.headers)).toThrow(
      WebhookVerificationError,
    );
    // The same request, captured and sent again ten minutes later.
    const later = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 10 * 60_000);
    try {
      expect(() => verifier.verify(request.body, request.headers)).toThrow('Message timestamp too old');
    } finally {
      later.mockRestore();
    }
  });
});
