import { DEFAULT_LIMITS } from '../../shared/limits';
import type { InviteList } from '../../shared/schemas/objects';
import { validationError } from '../helpers/errors';
import { emitRaw, okData, raw, record, waitFor, waitForDisconnect } from '../helpers/events';
import { createRoom } from '../helpers/fixtures';
import { startServer, type ClientSocket, type HttpResult, type TestServer } from '../helpers/server';

/**
 * Validation at the edges of both transports: every field limit of the implemented operations is
 * refused with VALIDATION_ERROR (ack and HTTP 400) naming the field, the values just inside each
 * limit are accepted, and nothing a client sends (non-objects, oversized packets or bodies, unknown
 * events or routes) changes stored data, disconnects anyone else or stops the server answering.
 */

type Payload = Record<string, unknown>;
type HttpCall = { method: 'GET' | 'POST'; path: string; body?: unknown };

/** One refused request: the socket event and/or the HTTP call that must both answer VALIDATION_ERROR for `field`. */
interface Case {
  name: string;
  field: string;
  socket?: (roomId: string) => { event: string; payload: unknown };
  http?: (roomId: string) => HttpCall;
}

const chars = (n: number, ch = 'x'): string => ch.repeat(n);
const userIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `user-${i}`);
const path = (roomId: string): string => `/api/rooms/${encodeURIComponent(roomId)}`;

/** The data of a successful ack (fails the test on an error ack). */
function ackData(ack: unknown): unknown {
  expect(ack).toEqual({ ok: true, data: expect.anything() });
  return typeof ack === 'object' && ack !== null && 'data' in ack ? ack.data : undefined;
}

function expectRefusedAck(ack: unknown, field: string): void {
  expect(ack).toEqual({ ok: false, error: validationError(field) });
}

function expectRefusedHttp(res: HttpResult, field: string): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status: 400,
    body: { error: validationError(field) },
  });
}

// Note: a key set to `undefined` is dropped by JSON on both transports, i.e. the field is missing.

function roomCreate(label: string, field: string, payload: Payload): Case {
  return {
    name: `room:create / POST /api/rooms: ${label}`,
    field,
    socket: () => ({ event: 'room:create', payload }),
    http: () => ({ method: 'POST', path: '/api/rooms', body: payload }),
  };
}

function invite(label: string, field: string, userIdsValue: unknown): Case {
  return {
    name: `room:invite / POST /api/rooms/{id}/invite: ${label}`,
    field,
    socket: (roomId) => ({ event: 'room:invite', payload: { room_id: roomId, user_ids: userIdsValue } }),
    http: (roomId) => ({ method: 'POST', path: `${path(roomId)}/invite`, body: { user_ids: userIdsValue } }),
  };
}

function messageSend(label: string, field: string, fields: Payload): Case {
  return {
    name: `message:send / POST /api/messages: ${label}`,
    field,
    socket: (roomId) => ({ event: 'message:send', payload: { room_id: roomId, content: 'hi', ...fields } }),
    http: (roomId) => ({
      method: 'POST',
      path: '/api/messages',
      body: { room_id: roomId, content: 'hi', ...fields },
    }),
  };
}

/** The same cursor or limit, as a JSON value on the socket and as query text over HTTP. */
function history(field: string, socketValue: unknown, queryValue: string): Case {
  return {
    name: `message:history / GET /api/rooms/{id}/messages: ${field} ${JSON.stringify(socketValue)} / ?${field}=${queryValue}`,
    field,
    socket: (roomId) => ({ event: 'message:history', payload: { room_id: roomId, [field]: socketValue } }),
    http: (roomId) => ({
      method: 'GET',
      path: `${path(roomId)}/messages?${field}=${encodeURIComponent(queryValue)}`,
    }),
  };
}

/** A room or invite list page: the same limit or cursor as a JSON value and as query text. */
function listPage(kind: 'rooms' | 'invites', field: string, socketValue: unknown, queryValue: string): Case {
  const event = kind === 'rooms' ? 'room:list' : 'invite:list';
  return {
    name: `${event} / GET /api/${kind}: ${field} ${JSON.stringify(socketValue)} / ?${field}=${queryValue}`,
    field,
    socket: () => ({ event, payload: { [field]: socketValue } }),
    http: () => ({ method: 'GET', path: `/api/${kind}?${field}=${encodeURIComponent(queryValue)}` }),
  };
}

/** base64url of any text: a cursor that decodes, but not to a page key. */
const base64url = (text: string): string => Buffer.from(text).toString('base64url');

/** Every operation that names a room, over both transports, for a room id of the wrong format. */
function badRoomId(roomId: string): Case[] {
  const label = `room_id ${JSON.stringify(roomId.length > 20 ? `${roomId.length} chars` : roomId)}`;
  const ops: { event: string; extra?: Payload; http: HttpCall }[] = [
    { event: 'room:get', http: { method: 'GET', path: path(roomId) } },
    { event: 'room:join', http: { method: 'POST', path: `${path(roomId)}/join` } },
    { event: 'room:leave', http: { method: 'POST', path: `${path(roomId)}/leave` } },
    { event: 'room:decline', http: { method: 'POST', path: `${path(roomId)}/decline` } },
    {
      event: 'room:invite',
      extra: { user_ids: ['bob'] },
      http: { method: 'POST', path: `${path(roomId)}/invite`, body: { user_ids: ['bob'] } },
    },
    {
      event: 'message:send',
      extra: { content: 'hi' },
      http: { method: 'POST', path: '/api/messages', body: { room_id: roomId, content: 'hi' } },
    },
    { event: 'message:history', http: { method: 'GET', path: `${path(roomId)}/messages` } },
  ];
  return ops.map((op) => ({
    name: `${op.event} / ${op.http.method} ${op.http.path.split('?')[0]}: ${label}`,
    field: 'room_id',
    socket: () => ({ event: op.event, payload: { room_id: roomId, ...op.extra } }),
    http: () => op.http,
  }));
}

/** A room id that is missing or not a string cannot be put in a path: socket only. */
function socketRoomId(event: string, label: string, value: unknown, extra: Payload = {}): Case {
  return {
    name: `${event}: room_id ${label}`,
    field: 'room_id',
    socket: () => ({ event, payload: { room_id: value, ...extra } }),
  };
}

const { contentMax, roomNameMax, descriptionMax, invitedUsersMax, historyMax, clientIdMax, roomListMax } =
  DEFAULT_LIMITS;

const cases: Case[] = [
  // room:create
  roomCreate('name missing', 'name', { description: 'd' }),
  roomCreate('name empty', 'name', { name: '' }),
  roomCreate('name whitespace only', 'name', { name: ' \t\n ' }),
  roomCreate(`name of ${roomNameMax + 1} chars`, 'name', { name: chars(roomNameMax + 1) }),
  roomCreate(`name of ${roomNameMax + 1} chars inside spaces`, 'name', {
    name: `  ${chars(roomNameMax + 1)}  `,
  }),
  roomCreate('name not a string', 'name', { name: 42 }),
  roomCreate(`description of ${descriptionMax + 1} chars`, 'description', {
    name: 'ok',
    description: chars(descriptionMax + 1),
  }),
  roomCreate('description not a string', 'description', { name: 'ok', description: 7 }),
  roomCreate('is_private not a boolean', 'is_private', { name: 'ok', is_private: 'yes' }),
  roomCreate(`${invitedUsersMax + 1} invited_users`, 'invited_users', {
    name: 'ok',
    invited_users: userIds(invitedUsersMax + 1),
  }),
  roomCreate('invited_users not an array', 'invited_users', { name: 'ok', invited_users: 'bob' }),
  roomCreate('invited user id with a space', 'invited_users.0', { name: 'ok', invited_users: ['bad id'] }),
  roomCreate('invited user id of 65 chars', 'invited_users.1', {
    name: 'ok',
    invited_users: ['bob', chars(65)],
  }),
  roomCreate('invited user id empty', 'invited_users.0', { name: 'ok', invited_users: [''] }),
  roomCreate('unknown key', 'owner', { name: 'ok', owner: 'bob' }),
  {
    name: 'POST /api/rooms: creator_id neither a string nor a number',
    field: 'creator_id',
    http: () => ({ method: 'POST', path: '/api/rooms', body: { name: 'ok', creator_id: true } }),
  },

  // room:get / join / leave / invite / message:send / message:history: the room id
  ...badRoomId('has space'),
  ...badRoomId(chars(65, 'a')),
  ...badRoomId('ümlaut'),
  socketRoomId('room:get', 'missing', undefined),
  socketRoomId('room:join', 'not a string', 42),
  socketRoomId('room:leave', 'empty', ''),
  socketRoomId('room:decline', 'missing', undefined),
  socketRoomId('room:invite', 'missing', undefined, { user_ids: ['bob'] }),
  socketRoomId('message:send', 'missing', undefined, { content: 'hi' }),
  socketRoomId('message:history', 'null', null),

  // room:invite
  invite('user_ids empty', 'user_ids', []),
  invite('user_ids missing', 'user_ids', undefined),
  invite('user_ids not an array', 'user_ids', 'bob'),
  invite(`${invitedUsersMax + 1} user_ids`, 'user_ids', userIds(invitedUsersMax + 1)),
  invite('user id with a space', 'user_ids.0', ['bad id']),
  invite('user id of 65 chars', 'user_ids.1', ['bob', chars(65)]),
  invite('user id with a slash', 'user_ids.0', ['a/b']),
  invite('user id not a string', 'user_ids.0', [42]),

  // message:send
  messageSend('content missing', 'content', { content: undefined }),
  messageSend('content empty', 'content', { content: '' }),
  messageSend('content whitespace only', 'content', { content: '  \n\t  ' }),
  messageSend(`content of ${contentMax + 1} chars`, 'content', { content: chars(contentMax + 1) }),
  messageSend(`content of ${contentMax + 1} chars inside spaces`, 'content', {
    content: `   ${chars(contentMax + 1)}   `,
  }),
  messageSend('content not a string', 'content', { content: 42 }),
  messageSend('message_type unknown', 'message_type', { message_type: 'video' }),
  messageSend('message_type in capitals', 'message_type', { message_type: 'TEXT' }),
  messageSend('image without a URL', 'content', { message_type: 'image', content: 'not a url' }),
  messageSend('file with an ftp URL', 'content', {
    message_type: 'file',
    content: 'ftp://example.com/report.pdf',
  }),
  messageSend('image with a javascript: URL', 'content', {
    message_type: 'image',
    content: 'javascript:alert(1)',
  }),
  messageSend('client_id empty', 'client_id', { client_id: '' }),
  messageSend(`client_id of ${clientIdMax + 1} chars`, 'client_id', { client_id: chars(clientIdMax + 1) }),
  messageSend('client_id not a string', 'client_id', { client_id: 5 }),
  messageSend('parent_id with a space', 'parent_id', { parent_id: 'bad id' }),
  messageSend('parent_id of 65 chars', 'parent_id', { parent_id: chars(65) }),
  messageSend('unknown key', 'extra', { extra: true }),
  {
    name: 'POST /api/messages: user_id neither a string nor a number',
    field: 'user_id',
    http: (roomId) => ({
      method: 'POST',
      path: '/api/messages',
      body: { room_id: roomId, content: 'hi', user_id: ['alice'] },
    }),
  },
  {
    name: 'POST /api/messages: username of 65 chars',
    field: 'username',
    http: (roomId) => ({
      method: 'POST',
      path: '/api/messages',
      body: { room_id: roomId, content: 'hi', username: chars(65) },
    }),
  },

  // message:history
  history('limit', 0, '0'),
  history('limit', historyMax + 1, String(historyMax + 1)),
  history('limit', 1.5, '1.5'),
  history('limit', -1, '-1'),
  history('limit', 'abc', 'abc'),
  history('limit', '', ''),
  history('before_seq', -1, '-1'),
  history('before_seq', 1.5, '1.5'),
  history('before_seq', 'abc', 'abc'),
  history('before_seq', '', ''),
  history('after_seq', -1, '-1'),
  history('after_seq', 1.5, '1.5'),
  history('after_seq', 'abc', 'abc'),
  history('after_seq', '', ''),
  history('parent_id', 'bad id', 'bad id'),

  // room:list and invite:list: page size and cursor
  ...(['rooms', 'invites'] as const).flatMap((kind) => [
    listPage(kind, 'limit', 0, '0'),
    listPage(kind, 'limit', roomListMax + 1, String(roomListMax + 1)),
    listPage(kind, 'limit', 1.5, '1.5'),
    listPage(kind, 'limit', 'abc', 'abc'),
    listPage(kind, 'cursor', 'not a cursor', 'not a cursor'),
    listPage(kind, 'cursor', '', ''),
    listPage(kind, 'cursor', 42, '%'),
    listPage(kind, 'cursor', base64url('{"at":1}'), base64url('{"at":1}')),
    listPage(kind, 'cursor', base64url('["yesterday","V1StGXR8"]'), base64url('["yesterday","V1StGXR8"]')),
    listPage(kind, 'cursor', chars(201, 'A'), chars(201, 'A')),
  ]),
  {
    name: 'room:list: unknown key',
    field: 'page',
    socket: () => ({ event: 'room:list', payload: { page: 2 } }),
    http: () => ({ method: 'GET', path: '/api/rooms?page=2' }),
  },
];

describe('validation of every field limit, over Socket.IO and HTTP', () => {
  let server: TestServer;
  let aliceToken: string;
  let alice: ClientSocket;
  let roomId: string;

  /** What a refused request must not change: the room list and the room's history, as alice sees them. */
  async function storedState(): Promise<unknown> {
    const rooms = await server.http('GET', '/api/rooms', { token: aliceToken });
    const messages = await server.http('GET', `${path(roomId)}/messages?limit=100`, { token: aliceToken });
    return { rooms: rooms.body, messages: messages.body };
  }

  beforeEach(async () => {
    server = await startServer();
    aliceToken = await server.token('alice', 'Alice');
    alice = await server.connect(aliceToken);
    roomId = await createRoom(alice, 'general');
    okData(await alice.emitWithAck('message:send', { room_id: roomId, content: 'first' }));
  });

  afterEach(() => server.close());

  it.each(cases)('refuses $name (field $field)', async ({ field, socket, http }) => {
    const before = await storedState();
    if (socket) {
      const { event, payload } = socket(roomId);
      expectRefusedAck(await emitRaw(alice, event, payload), field);
    }
    if (http) {
      const { method, path: p, body } = http(roomId);
      expectRefusedHttp(await server.http(method, p, { token: aliceToken, body }), field);
    }
    expect(alice.connected).toBe(true);
    expect(await storedState()).toEqual(before);
  });
});

describe('values at the limits are accepted, over Socket.IO and HTTP', () => {
  let server: TestServer;
  let aliceToken: string;
  let alice: ClientSocket;
  let roomId: string;

  beforeEach(async () => {
    // These tests send the largest invite lists twice in a row: the per-minute invite budget
    // (rate-limits.test.ts's subject) is raised so that only the size limits are exercised.
    server = await startServer({ env: { RATE_LIMIT_INVITES_PER_MINUTE: String(4 * invitedUsersMax) } });
    aliceToken = await server.token('alice', 'Alice');
    alice = await server.connect(aliceToken);
    roomId = await createRoom(alice, 'general');
  });

  /** The ids of the rooms `userId` has a pending invite to. */
  async function invitedTo(userId: string): Promise<string[]> {
    const res = await server.http<InviteList>('GET', '/api/invites', { token: await server.token(userId) });
    expect(res.status).toBe(200);
    return res.body.invites.map((i) => i.room_id);
  }

  afterEach(() => server.close());

  async function createRoomBothWays(payload: Payload): Promise<unknown[]> {
    const viaSocket = await emitRaw(alice, 'room:create', payload);
    const viaHttp = await server.http('POST', '/api/rooms', { token: aliceToken, body: payload });
    expect(viaHttp.status).toBe(201);
    return [ackData(viaSocket), viaHttp.body];
  }

  async function sendBothWays(payload: Payload): Promise<unknown[]> {
    const viaSocket = await emitRaw(alice, 'message:send', { room_id: roomId, ...payload });
    const viaHttp = await server.http('POST', '/api/messages', {
      token: aliceToken,
      body: { room_id: roomId, ...payload },
    });
    expect(viaHttp.status).toBe(201);
    return [ackData(viaSocket), viaHttp.body];
  }

  it(`creates rooms with a name of exactly ${roomNameMax} chars (also inside spaces) and of 1 char`, async () => {
    for (const room of await createRoomBothWays({ name: chars(roomNameMax) })) {
      expect(room).toMatchObject({ name: chars(roomNameMax) });
    }
    for (const room of await createRoomBothWays({ name: `   ${chars(roomNameMax)}   ` })) {
      expect(room).toMatchObject({ name: chars(roomNameMax) });
    }
    for (const room of await createRoomBothWays({ name: 'a' })) {
      expect(room).toMatchObject({ name: 'a' });
    }
  });

  it(`creates rooms with a description of exactly ${descriptionMax} chars and an empty one`, async () => {
    for (const room of await createRoomBothWays({ name: 'docs', description: chars(descriptionMax) })) {
      expect(room).toMatchObject({ description: chars(descriptionMax) });
    }
    for (const room of await createRoomBothWays({ name: 'docs', description: '' })) {
      expect(room).toMatchObject({ name: 'docs', description: '' });
    }
  });

  it(`creates a private room with exactly ${invitedUsersMax} invited users of every allowed id character`, async () => {
    const invited = [...userIds(invitedUsersMax - 2), chars(64, 'u'), 'A-z_0.9:x@y'];
    const rooms = await createRoomBothWays({ name: 'big', is_private: true, invited_users: invited });
    // Invitees are pending until they accept: the creator is the one member.
    for (const room of rooms) expect(room).toMatchObject({ is_private: true, member_count: 1 });
    const ids = rooms.map((room) => (room as { id: string }).id);
    for (const userId of ['user-0', chars(64, 'u'), 'A-z_0.9:x@y']) {
      expect((await invitedTo(userId)).sort()).toEqual([...ids].sort());
    }
  });

  it(`invites exactly ${invitedUsersMax} users`, async () => {
    const viaSocket = await emitRaw(alice, 'room:invite', {
      room_id: roomId,
      user_ids: userIds(invitedUsersMax),
    });
    expect(viaSocket).toMatchObject({ ok: true, data: { member_count: 1 } });
    const other = okData(await alice.emitWithAck('room:create', { name: 'other' }));
    const viaHttp = await server.http('POST', `${path(other.id)}/invite`, {
      token: aliceToken,
      body: { user_ids: [...userIds(invitedUsersMax - 1), chars(64, 'u')] },
    });
    expect(viaHttp.status).toBe(200);
    expect(viaHttp.body).toMatchObject({ member_count: 1 });
    expect((await invitedTo('user-0')).sort()).toEqual([roomId, other.id].sort());
    expect(await invitedTo(`user-${invitedUsersMax - 1}`)).toEqual([roomId]);
    expect(await invitedTo(chars(64, 'u'))).toEqual([other.id]);
  });

  it(`sends content of exactly ${contentMax} chars, also inside spaces (stored trimmed)`, async () => {
    for (const message of await sendBothWays({ content: chars(contentMax) })) {
      expect(message).toMatchObject({ content: chars(contentMax) });
    }
    for (const message of await sendBothWays({ content: `\n  ${chars(contentMax)}  \t` })) {
      expect(message).toMatchObject({ content: chars(contentMax) });
    }
  });

  it(`sends a client_id of exactly ${clientIdMax} chars`, async () => {
    const clientId = chars(clientIdMax, 'c');
    const viaSocket = await emitRaw(alice, 'message:send', {
      room_id: roomId,
      content: 'one',
      client_id: clientId,
    });
    expect(viaSocket).toMatchObject({ ok: true, data: { client_id: clientId } });
    const viaHttp = await server.http('POST', '/api/messages', {
      token: aliceToken,
      body: { room_id: roomId, content: 'two', client_id: chars(clientIdMax, 'd') },
    });
    expect(viaHttp.status).toBe(201);
    expect(viaHttp.body).toMatchObject({ client_id: chars(clientIdMax, 'd') });
  });

  it('sends image and file messages whose content is an http(s) URL', async () => {
    for (const message of await sendBothWays({
      message_type: 'image',
      content: 'https://example.com/cat.png',
    })) {
      expect(message).toMatchObject({ message_type: 'image', content: 'https://example.com/cat.png' });
    }
    for (const message of await sendBothWays({
      message_type: 'file',
      content: 'http://example.com/report.pdf',
    })) {
      expect(message).toMatchObject({ message_type: 'file', content: 'http://example.com/report.pdf' });
    }
  });

  it(`reads history with limit ${historyMax}, limit 1 and cursors of 0`, async () => {
    for (const content of ['one', 'two', 'three']) {
      okData(await alice.emitWithAck('message:send', { room_id: roomId, content }));
    }
    const pages: [Payload, string, number[], boolean][] = [
      [{ limit: historyMax }, `limit=${historyMax}`, [1, 2, 3], false],
      [{ limit: 1 }, 'limit=1', [3], true],
      [{ after_seq: 0, limit: 2 }, 'after_seq=0&limit=2', [1, 2], true],
      [{ before_seq: 0 }, 'before_seq=0', [], false],
    ];
    for (const [filter, query, seqs, hasMore] of pages) {
      const viaSocket = await emitRaw(alice, 'message:history', { room_id: roomId, ...filter });
      const viaHttp = await server.http<{ messages: { seq: number }[]; has_more: boolean }>(
        'GET',
        `${path(roomId)}/messages?${query}`,
        { token: aliceToken },
      );
      expect(viaHttp.status).toBe(200);
      expect({ seqs: viaHttp.body.messages.map((m) => m.seq), has_more: viaHttp.body.has_more }).toEqual({
        seqs,
        has_more: hasMore,
      });
      expect(viaSocket).toEqual({ ok: true, data: viaHttp.body });
    }
  });

  it('treats a well-formed room id of 64 chars as a room that does not exist, not as invalid', async () => {
    const unknownId = chars(64, 'a');
    expect(await emitRaw(alice, 'room:get', { room_id: unknownId })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    const res = await server.http('GET', path(unknownId), { token: aliceToken });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});

describe('socket payloads that are not objects, and unknown events', () => {
  let server: TestServer;
  let aliceToken: string;
  let alice: ClientSocket;
  let bob: ClientSocket;
  let roomId: string;

  beforeEach(async () => {
    server = await startServer();
    aliceToken = await server.token('alice', 'Alice');
    alice = await server.connect(aliceToken);
    bob = await server.connect(await server.token('bob', 'Bob'));
    roomId = await createRoom(alice, 'general', { joinedBy: [bob] });
  });

  afterEach(() => server.close());

  const nonObjects: [string, unknown[]][] = [
    ['message:send', ['hello']],
    ['message:send', []],
    ['room:create', [42]],
    ['room:create', [null]],
    ['room:create', [[{ name: 'in an array' }]]],
    ['room:join', [true]],
    ['message:history', ['{"room_id":"x"}']],
  ];

  it.each(nonObjects)(
    'answers %s with payload %j through the ack with VALIDATION_ERROR',
    async (event, args) => {
      const ack = await emitRaw(alice, event, ...args);
      expect(ack).toEqual({
        ok: false,
        error: { code: 'VALIDATION_ERROR', message: expect.stringMatching(/\S/), details: expect.any(Array) },
      });
      expect(alice.connected).toBe(true);
    },
  );

  it('answers an unknown event with VALIDATION_ERROR through its ack', async () => {
    expect(await emitRaw(alice, 'room:destroy', { room_id: roomId })).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'VALIDATION_ERROR', message: expect.any(String) }),
    });
    expect(await emitRaw(alice, 'no-such-event')).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_ERROR' },
    });
  });

  it('keeps the socket connected and the server answering after invalid events sent without an ack', async () => {
    const bobsNew = record(bob, 'message:new');
    const sent = raw(alice);
    for (const [event, args] of nonObjects) sent.emit(event, ...args);
    sent.emit('message:send', { room_id: roomId, content: '' });
    sent.emit('message:send', { room_id: roomId, content: chars(contentMax + 1) });
    sent.emit('room:destroy', 'anything');
    sent.emit('message:send');

    // Packets of one connection are handled in order: this ack comes after all of the above.
    const rooms = okData(await alice.emitWithAck('room:list', {}));
    expect(alice.connected).toBe(true);
    expect(rooms.rooms.map((r) => r.name)).toEqual(['general']);

    // Another client is unaffected, and a message still reaches it.
    expect(bob.connected).toBe(true);
    okData(await bob.emitWithAck('room:get', { room_id: roomId }));
    const arrival = waitFor(bob, 'message:new', (m) => m.content === 'still here');
    okData(await alice.emitWithAck('message:send', { room_id: roomId, content: 'still here' }));
    await arrival;
    expect(bobsNew.seen.map((m) => m.content)).toEqual(['still here']);
  });

  it('handles a valid event sent without an ack like one with an ack', async () => {
    const arrival = waitFor(bob, 'message:new', (m) => m.content === 'no ack needed');
    raw(alice).emit('message:send', { room_id: roomId, content: 'no ack needed' });
    const message = await arrival;
    expect(message).toMatchObject({ room_id: roomId, seq: 1, user_id: 'alice' });
    const page = okData(await bob.emitWithAck('message:history', { room_id: roomId }));
    expect(page.messages).toEqual([message]);
  });
});

describe('HTTP bodies that are not JSON objects, oversized bodies and unknown routes', () => {
  let server: TestServer;
  let aliceToken: string;

  beforeEach(async () => {
    server = await startServer();
    aliceToken = await server.token('alice', 'Alice');
  });

  afterEach(() => server.close());

  const roomCount = async (): Promise<number> => {
    const res = await server.http<{ rooms: unknown[] }>('GET', '/api/rooms', { token: aliceToken });
    return res.body.rooms.length;
  };

  const badBodies: [string, string][] = [
    ['malformed JSON', '{"name": "general"'],
    ['a JSON string', '"abc"'],
    ['a JSON number', '42'],
    ['a JSON array', '[1]'],
    ['JSON null', 'null'],
    ['an empty JSON body', ''],
  ];

  it.each(badBodies)('answers POST /api/rooms with %s as 400 VALIDATION_ERROR', async (_label, rawBody) => {
    const res = await server.http('POST', '/api/rooms', { token: aliceToken, rawBody });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: expect.objectContaining({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/\S/) }),
    });
    expect(await roomCount()).toBe(0);
  });

  it('answers a body that is not JSON at all (text/plain) with 400 VALIDATION_ERROR', async () => {
    const res = await server.http('POST', '/api/rooms', {
      token: aliceToken,
      rawBody: 'name=general',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    expect(await roomCount()).toBe(0);
  });

  it('answers a body over 1 MB with 413 PAYLOAD_TOO_LARGE and stores nothing', async () => {
    const res = await server.http('POST', '/api/rooms', {
      token: aliceToken,
      body: { name: 'huge', description: chars(DEFAULT_LIMITS.bodyBytes + 1) },
    });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      error: expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/\S/) }),
    });
    expect(await roomCount()).toBe(0);
  });

  it('reads a body just under 1 MB and refuses it for its field, not its size', async () => {
    const room = await server.http<{ id: string }>('POST', '/api/rooms', {
      token: aliceToken,
      body: { name: 'general' },
    });
    const res = await server.http('POST', '/api/messages', {
      token: aliceToken,
      body: { room_id: room.body.id, content: chars(900_000) },
    });
    expectRefusedHttp(res, 'content');
  });

  it.each([
    ['GET', '/nope', false],
    ['GET', '/api/nope', true],
    ['POST', '/api/rooms/abc/unknown', true],
    ['DELETE', '/api/rooms', true],
  ] as const)('answers %s %s with 404 NOT_FOUND in the contract shape', async (method, p, withToken) => {
    const res = await server.http(method, p, withToken ? { token: aliceToken } : {});
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringMatching(/\S/) }),
    });
  });

  it.each(['/api/rooms/%E0%A4%A', '/api/messages/%zz'])(
    'answers a path with broken percent-encoding (%s) with 400 VALIDATION_ERROR, not a server error',
    async (p) => {
      const res = await server.http('GET', p, { token: aliceToken });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: expect.objectContaining({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/\S/) }),
      });
    },
  );
});

describe('socket packets over 1 MB', () => {
  let server: TestServer;
  let alice: ClientSocket;
  let bob: ClientSocket;
  let roomId: string;

  beforeEach(async () => {
    server = await startServer();
    alice = await server.connect(await server.token('alice', 'Alice'));
    bob = await server.connect(await server.token('bob', 'Bob'));
    roomId = await createRoom(alice, 'general', { joinedBy: [bob] });
    okData(await alice.emitWithAck('message:send', { room_id: roomId, content: 'before' }));
  });

  afterEach(() => server.close());

  it("closes the sender's connection only; others stay connected and nothing is stored", async () => {
    const before = okData(await bob.emitWithAck('message:history', { room_id: roomId }));
    const bobsNew = record(bob, 'message:new');
    const disconnected = waitForDisconnect(alice);
    raw(alice).emit('message:send', { room_id: roomId, content: chars(DEFAULT_LIMITS.packetBytes + 1) });
    await disconnected;
    expect(alice.connected).toBe(false);

    expect(bob.connected).toBe(true);
    expect(okData(await bob.emitWithAck('message:history', { room_id: roomId }))).toEqual(before);
    // The server still answers and broadcasts: a new client sends, bob receives only that message.
    const carol = await server.connect(await server.token('carol', 'Carol'));
    okData(await carol.emitWithAck('room:join', { room_id: roomId }));
    const arrival = waitFor(bob, 'message:new', (m) => m.content === 'after');
    okData(await carol.emitWithAck('message:send', { room_id: roomId, content: 'after' }));
    await arrival;
    expect(bobsNew.seen.map((m) => m.content)).toEqual(['after']);
  });

  it('keeps a packet just under 1 MB connected and refuses it for its content', async () => {
    const ack = await emitRaw(alice, 'message:send', { room_id: roomId, content: chars(900_000) });
    expectRefusedAck(ack, 'content');
    expect(alice.connected).toBe(true);
    const page = okData(await alice.emitWithAck('message:history', { room_id: roomId }));
    expect(page.messages.map((m) => m.content)).toEqual(['before']);
  });
});
