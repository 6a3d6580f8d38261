/**
 * Property-based fuzzing of every HTTP route the Express app registers (see ./README.md for
 * FUZZ_SEED and FUZZ_RUNS): bodies that break the contract, malformed JSON, wrong content types,
 * oversized and compressed bodies, bad path parameters and query strings, bad tokens, methods a
 * path does not have, and plausible requests that may well succeed. For every case: an answer in
 * time, never a 5xx, every 4xx in the contract's error shape, and a refused request changes
 * nothing stored. After each property a Socket.IO client still gets a broadcast and an answer.
 */
import querystring from 'node:querystring';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { z } from 'zod';
import { DEFAULT_LIMITS } from '../../../shared/limits';
import {
  changesPageSchema,
  historyPageSchema,
  inviteListSchema,
  memberListSchema,
  mentionListSchema,
  messageSchema,
  moderationEventSchema,
  pinListSchema,
  presenceListSchema,
  reactionsStateSchema,
  readStateSchema,
  roomDetailSchema,
  roomListSchema,
  searchPageSchema,
  typingStateSchema,
} from '../../../shared/schemas/objects';
import { encodeSearchCursor } from '../../../shared/schemas/page-cursor';
import { createPayloadSchemas } from '../../../shared/schemas/payloads';
import { userIdSchema, displayNameSchema } from '../../../shared/schemas/primitives';
import * as W from '../../../shared/schemas/webhooks';
import { registeredRoutes } from '../../docs/registered-routes';
import { TEST_SECRET, type TestServer } from '../../helpers/server';
import { handMade, nowSeconds } from '../../helpers/tokens';
import { expectHttpError, preview } from './answers';
import {
  fieldsMissing,
  idLike,
  invalidPayloads,
  jsonValue,
  oddKey,
  oddString,
  plausibleFields,
  plausiblePayload,
  refusedBy,
  shown,
  wireForm,
  type World,
} from './arbitraries';
import { startBystander, type Bystander } from './bystander';
import { ANSWER_TIMEOUT_MS, checkProperty, printReports, propertyTimeout, runsFor } from './fuzz-settings';
import { startFuzzServer, type FuzzServer } from './fuzz-server';
import { closeRawClients, sendRaw, type RawRequest, type RawResponse } from './raw-http';

const P = createPayloadSchemas(DEFAULT_LIMITS);

/** What a route reads from a request, and what its success answers. */
interface RouteSpec {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The answer of a 2xx with a body. */
  answer?: z.ZodType;
}

/**
 * Every route of the app, as `registeredRoutes` names them; the first test checks this table
 * against the router, so a new route fails it until it is added here (and fuzzed).
 */
const ROUTES: Record<string, RouteSpec> = {
  'GET /': {},
  'GET /healthz': {},
  'GET /readyz': {},
  'GET /metrics': {},
  'GET /openapi.json': {},
  'GET /redoc': {},
  'GET /redoc/redoc.standalone.js': {},
  'GET /demo': {},
  'GET /demo/': {},
  'GET /demo/index.html': {},
  'POST /api/rooms': { body: P.createRoomRequest, answer: roomDetailSchema },
  'GET /api/rooms': { query: P.pageQuery, answer: roomListSchema },
  'GET /api/invites': { query: P.pageQuery, answer: inviteListSchema },
  'GET /api/rooms/{room_id}': { params: P.roomIdParam, answer: roomDetailSchema },
  'GET /api/rooms/{room_id}/members': {
    params: P.roomIdParam,
    query: P.memberPageQuery,
    answer: memberListSchema,
  },
  'POST /api/rooms/{room_id}/join': { params: P.roomIdParam, answer: roomDetailSchema },
  'POST /api/rooms/{room_id}/leave': { params: P.roomIdParam },
  'POST /api/rooms/{room_id}/decline': { params: P.roomIdParam },
  'POST /api/rooms/{room_id}/invite': {
    params: P.roomIdParam,
    body: P.inviteRequest,
    answer: roomDetailSchema,
  },
  'POST /api/rooms/{room_id}/read': { params: P.roomIdParam, body: P.readRequest, answer: readStateSchema },
  'GET /api/rooms/{room_id}/changes': {
    params: P.roomIdParam,
    query: P.changesQuery,
    answer: changesPageSchema,
  },
  'GET /api/rooms/{room_id}/messages': {
    params: P.roomIdParam,
    query: P.historyQuery,
    answer: historyPageSchema,
  },
  'POST /api/messages': { body: P.messageRequest, answer: messageSchema },
  'GET /api/messages/{id}': { params: P.messageIdParam, answer: messageSchema },
  'PATCH /api/messages/{id}': { params: P.messageIdParam, body: P.editRequest, answer: messageSchema },
  'DELETE /api/messages/{id}': { params: P.messageIdParam },
  'POST /api/typing': { body: P.typingRequest, answer: typingStateSchema },
  'POST /api/reactions': { body: P.reactionRequest, answer: reactionsStateSchema },
  'DELETE /api/messages/{id}/reactions/{emoji}': { params: P.reactionParams, answer: reactionsStateSchema },
  'GET /api/users/{user_id}/presence': { params: P.userIdParam, answer: presenceListSchema },
  'GET /api/rooms/{room_id}/presence': { params: P.roomIdParam, answer: presenceListSchema },
  'POST /api/dms': { body: P.dmRequest, answer: roomDetailSchema },
  'GET /api/mentions': { query: P.pageQuery, answer: mentionListSchema },
  'GET /api/search': { query: P.searchQuery, answer: searchPageSchema },
  'PUT /api/messages/{id}/pin': { params: P.messageIdParam, answer: messageSchema },
  'DELETE /api/messages/{id}/pin': { params: P.messageIdParam, answer: messageSchema },
  'GET /api/rooms/{room_id}/pins': { params: P.roomIdParam, answer: pinListSchema },
  'PUT /api/rooms/{room_id}/members/{user_id}/role': {
    params: P.memberParams,
    body: P.roleRequest,
    answer: moderationEventSchema,
  },
  'DELETE /api/rooms/{room_id}/members/{user_id}': { params: P.memberParams, answer: moderationEventSchema },
  'PUT /api/rooms/{room_id}/bans/{user_id}': { params: P.memberParams, answer: moderationEventSchema },
  'DELETE /api/rooms/{room_id}/bans/{user_id}': { params: P.memberParams, answer: moderationEventSchema },
  'PUT /api/rooms/{room_id}/mutes/{user_id}': {
    params: P.memberParams,
    body: P.muteRequest,
    answer: moderationEventSchema,
  },
  'DELETE /api/rooms/{room_id}/mutes/{user_id}': { params: P.memberParams, answer: moderationEventSchema },
  'POST /api/webhooks': { body: W.createWebhookRequestSchema, answer: W.createdWebhookSchema },
  'GET /api/webhooks': { query: W.webhookListQuerySchema, answer: W.webhookListSchema },
  'GET /api/webhooks/{id}': { params: W.webhookIdParamSchema, answer: W.webhookSchema },
  'PATCH /api/webhooks/{id}': {
    params: W.webhookIdParamSchema,
    body: W.updateWebhookRequestSchema,
    answer: W.webhookSchema,
  },
  'DELETE /api/webhooks/{id}': { params: W.webhookIdParamSchema },
  'GET /api/webhooks/{id}/deliveries': {
    params: W.webhookIdParamSchema,
    query: W.webhookDeliveryQuerySchema,
    answer: W.webhookDeliveryListSchema,
  },
  'POST /api/webhooks/{id}/deliveries/{delivery_id}/redeliver': {
    params: W.webhookDeliveryParamsSchema,
    answer: W.webhookDeliverySchema,
  },
};

/** Paths served by middleware rather than routes (Swagger UI's files), fuzzed with the others. */
const MIDDLEWARE_PATHS = [
  '/docs',
  '/docs/',
  '/docs/index.html',
  '/docs/swagger-ui.css',
  '/docs/swagger-ui-init.js',
];

const ROUTE_KEYS = Object.keys(ROUTES);
const API_ROUTES = ROUTE_KEYS.filter((key) => key.split(' ')[1]?.startsWith('/api/'));
const OTHER_ROUTES = ROUTE_KEYS.filter((key) => !API_ROUTES.includes(key));
/** Two properties per API route, one for the rest, one for unknown paths. */
const RUNS = runsFor('http', API_ROUTES.length * 2 + 2);

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Methods Express has no route for anywhere, which Node's parser still accepts. */
const EXOTIC_METHODS = ['PROPFIND', 'SEARCH', 'LOCK', 'PURGE', 'MKCOL', 'REPORT'] as const;
const BODY_LIMIT = DEFAULT_LIMITS.bodyBytes;
/** Bodies up to this size are sent as generated; over it they are the 413 cases. */
const MAX_BODY_CASE = BODY_LIMIT - 1_000;

let fuzz: FuzzServer;
let server: TestServer;
let bystander: Bystander;
let world: World;
const tokens: Record<string, string> = {};
let fields: ReturnType<typeof plausibleFields>;

beforeAll(async () => {
  fuzz = await startFuzzServer();
  server = fuzz.server;
  bystander = await startBystander(server);
  for (const user of ['fuzzer', 'drifter', 'owner2'])
    tokens[user] = await server.token(user, user.toUpperCase());
  const call = async <T>(user: string, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await server.http<T>(method, path, { token: tokens[user] ?? '', body });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const room = async (user: string, name: string, is_private = false): Promise<string> =>
    (await call<{ id: string }>(user, 'POST', '/api/rooms', { name, is_private })).id;
  const post = async (user: string, room_id: string, content: string): Promise<string> =>
    (await call<{ id: string }>(user, 'POST', '/api/messages', { room_id, content })).id;

  const ownPublic = await room('fuzzer', 'own public');
  const ownPrivate = await room('fuzzer', 'own private', true);
  const otherPublic = await room('owner2', 'other public');
  const otherPrivate = await room('owner2', 'other private', true);
  const invitedTo = await room('owner2', 'invited to', true);
  await call('owner2', 'POST', `/api/rooms/${invitedTo}/invite`, { user_ids: ['fuzzer', 'drifter'] });
  await call('owner2', 'POST', `/api/rooms/${ownPublic}/join`);
  await call('drifter', 'POST', `/api/rooms/${ownPublic}/join`);
  const own = await post('fuzzer', ownPublic, 'own message');
  const others = await post('owner2', ownPublic, 'a member’s message');
  const deleted = await post('fuzzer', ownPublic, 'deleted');
  await call('fuzzer', 'DELETE', `/api/messages/${deleted}`);
  const outside = await post('owner2', otherPublic, 'outside');
  const hidden = await post('owner2', otherPrivate, 'hidden');
  const drifters = await post('drifter', ownPublic, 'drifter’s');
  await call('fuzzer', 'POST', '/api/reactions', { message_id: own, emoji: '👍' });
  // Issue 14: a room where the drifter (whose plausible requests may succeed) moderates the
  // fuzzer, a pinned message, mentions, and a direct message of the two.
  const moderated = await room('owner2', 'moderated');
  for (const user of ['fuzzer', 'drifter']) await call(user, 'POST', `/api/rooms/${moderated}/join`);
  await call('owner2', 'PUT', `/api/rooms/${moderated}/members/drifter/role`, { role: 'moderator' });
  const pinned = await post('fuzzer', moderated, 'a pinned message for @drifter and @owner2');
  await call('owner2', 'PUT', `/api/messages/${pinned}/pin`);
  const dm = (await call<{ id: string }>('fuzzer', 'POST', '/api/dms', { user_id: 'drifter' })).id;
  const direct = await post('fuzzer', dm, 'a direct message for @drifter');
  world = {
    roomIds: [ownPublic, ownPrivate, otherPublic, otherPrivate, invitedTo, bystander.roomId, moderated, dm],
    messageIds: [own, others, deleted, outside, hidden, drifters, pinned, direct],
    userIds: ['fuzzer', 'drifter', 'owner2', 'bystander', 'speaker', 'nobody'],
  };
  fields = plausibleFields(world, DEFAULT_LIMITS);
});

afterAll(async () => {
  printReports('http-routes');
  await fuzz?.close();
  closeRawClients();
});

/** One generated request and what it is: `refused` cases must get a 4xx. */
interface HttpCase {
  request: RawRequest;
  kind: string;
  refused: boolean;
}

/** A path segment percent-encoded as UTF-8, lone surrogates as the three bytes no decoder accepts. */
function encodeSegment(value: string): string {
  let out = '';
  for (const ch of value) {
    const unit = ch.charCodeAt(0);
    if (ch.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else {
      out += encodeURIComponent(ch);
    }
  }
  return out;
}

/** What Express hands a route for an encoded segment: the decoded value, or null when it answers 400. */
function decodedSegment(encoded: string): string | null {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}

const paramNames = (template: string): string[] =>
  [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');

function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? '');
}

/** Path parameter values: the world's ids mostly, any string sometimes. */
function paramArbitrary(name: string): fc.Arbitrary<string> {
  const pool =
    name === 'room_id'
      ? world.roomIds
      : name === 'id'
        ? world.messageIds
        : name === 'user_id'
          ? world.userIds
          : ['👍', ':smile:', '🇫🇷'];
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...pool) },
    { weight: 1, arbitrary: idLike },
    { weight: 2, arbitrary: oddString },
  );
}

/** Encoded parameters for a template (every segment non-empty: an empty one routes elsewhere). */
function paramsFor(template: string): fc.Arbitrary<Record<string, string>> {
  const names = paramNames(template);
  const model = Object.fromEntries(
    names.map((name) => [
      name,
      paramArbitrary(name)
        .filter((v) => v !== '')
        .map(encodeSegment),
    ]),
  );
  return fc.record(model);
}

/** Whether a route's params schema refuses these encoded parameters (or Express refuses to decode them). */
function paramsRefused(spec: RouteSpec, encoded: Record<string, string>): boolean {
  if (!spec.params) return false;
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(encoded)) {
    const d = decodedSegment(value);
    if (d === null) return true;
    decoded[name] = d;
  }
  return refusedBy(spec.params, decoded);
}

/** A query string of any keys and values, and what Express parses it into. */
const anyQuery: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof(
        oddKey,
        fc.constantFrom('limit', 'cursor', 'before_seq', 'after_seq', 'parent_id', 'q', 'room_id'),
      ),
      fc.oneof(oddString, fc.constantFrom('1', '50', '101', '-1', '1e3', '')),
    ),
    {
      maxLength: 5,
    },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join('&'));

/** Plausible queries for a route's query schema: its fields with numbers as text, ids from the world. */
function plausibleQuery(schema: z.ZodType): fc.Arbitrary<string> {
  const values: Record<string, fc.Arbitrary<string>> = {
    limit: fc.oneof(fc.integer({ min: -1, max: 102 }).map(String), oddString),
    before_seq: fc.oneof(fc.integer({ min: -1, max: 60 }).map(String), oddString),
    after_seq: fc.oneof(fc.integer({ min: -1, max: 60 }).map(String), oddString),
    after_version: fc.oneof(fc.integer({ min: -1, max: 60 }).map(String), oddString),
    cursor: fc.oneof(
      idLike,
      oddString,
      fc.constantFrom(
        'WyIyMDI0LTAxLTAxVDAwOjAwOjAwLjAwMFoiLCJhYmMiXQ',
        encodeSearchCursor(20),
        encodeSearchCursor(501),
      ),
    ),
    parent_id: fc.oneof(fc.constantFrom(...world.messageIds), oddString),
    room_id: fc.oneof(fc.constantFrom(...world.roomIds), idLike, oddString),
    q: fc.oneof(fc.constantFrom('own', 'message', 'hidden outside', 'drifter’s', '!!!', '  '), oddString),
  };
  const shape = Reflect.get(schema, 'shape') as Record<string, unknown>;
  const model = Object.fromEntries(Object.keys(shape).map((k) => [k, values[k] ?? oddString]));
  return fc.record(model, { requiredKeys: [] }).map((q) =>
    Object.entries(q)
      .map(([k, v]) => `${k}=${encodeSegment(String(v))}`)
      .join('&'),
  );
}

/** What body-parser makes of a JSON body's text: accepted (parsed) or refused with 400. */
function bodyParserAccepts(body: string | Buffer): boolean {
  const text = Buffer.from(body)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  if (text.length === 0) return true;
  // body-parser skips JSON's whitespace (space, tab, LF, CR) to find the first character.
  const first = /^[ \t\n\r]*(.)/s.exec(text)?.[1];
  if (first !== '{' && first !== '[') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Texts that are not a JSON object or array body-parser would accept (strict mode). */
const malformedJson: fc.Arbitrary<string | Buffer> = fc
  .oneof(
    oddString,
    jsonValue.map((v) => JSON.stringify(v).slice(0, -1)),
    fc.constantFrom(
      '{',
      '[',
      '{"name": "x"',
      "{'name':'x'}",
      '{"a":1,}',
      'NaN',
      '"str"',
      '123',
      'null',
      'true',
      '{"a":undefined}',
      '\uFEFF',
      ' ',
    ),
    fc.integer({ min: 1000, max: 200_000 }).map((n) => '['.repeat(n)),
    fc.integer({ min: 1000, max: 50_000 }).map((n) => '{"a":'.repeat(n)),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)),
  )
  .filter((body) => !bodyParserAccepts(body));

/** Content types express.json does not read (the body stays unread), or refuses to (415, answered 400). */
const NOT_JSON_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/vnd.api+json',
  'application/jsonx',
  'json',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/octet-stream',
  'image/png',
] as const;

/** Authorization headers that identify nobody: no token, a malformed, unsigned, foreign, expired or odd one. */
const badAuthorization: fc.Arbitrary<string | undefined> = fc
  .oneof(
    fc.constant(undefined),
    fc.constantFrom(
      '',
      'Bearer',
      'Bearer ',
      'Basic YWxpY2U6cGFzcw==',
      'Bearer a.b.c',
      'Bearer not-a-jwt',
      'Token x',
    ),
    fc
      .record({
        alg: fc.constantFrom('HS256', 'none', 'HS512', 'RS256', 'ES256'),
        secret: fc.constantFrom(TEST_SECRET, 'another-secret-that-is-long-enough-0123456789'),
        sub: fc.oneof(fc.constantFrom('fuzzer', 'drifter'), oddString, jsonValue),
        name: fc.oneof(fc.constant(undefined), fc.constant('Name'), oddString),
        exp: fc.oneof(
          fc.constant(undefined),
          fc.constant(nowSeconds() - 60),
          fc.constant(nowSeconds() + 3600),
          jsonValue,
        ),
        scheme: fc.constantFrom('Bearer ', 'bearer ', 'BEARER   ', ''),
      })
      .filter((t) => !tokenAccepted(t))
      .map(({ alg, secret, sub, name, exp, scheme }) => {
        const claims: Record<string, unknown> = { sub };
        if (name !== undefined) claims.name = name;
        if (exp !== undefined) claims.exp = exp;
        return `${scheme}${handMade({ alg, typ: 'JWT' }, claims, alg === 'none' ? undefined : secret)}`;
      }),
  )
  .filter((header) => header === undefined || /^[\t\x20-\x7e]*$/.test(header));

function tokenAccepted(t: {
  alg: string;
  secret: string;
  sub: unknown;
  name: unknown;
  exp: unknown;
  scheme: string;
}): boolean {
  return (
    t.scheme !== '' &&
    t.alg === 'HS256' &&
    t.secret === TEST_SECRET &&
    userIdSchema.safeParse(t.sub).success &&
    (t.name === undefined || displayNameSchema.safeParse(t.name).success) &&
    (t.exp === undefined || (typeof t.exp === 'number' && t.exp > nowSeconds() + 60))
  );
}

const jsonHeaders = (token: string | undefined): Record<string, string> => ({
  'content-type': 'application/json',
  ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
});

/** Built once: a case costs a request, not the making of a megabyte. */
const memo = <T>(make: (n: number) => T): ((n: number) => T) => {
  const made = new Map<number, T>();
  return (n) => {
    const found = made.get(n);
    if (found !== undefined) return found;
    const value = make(n);
    made.set(n, value);
    return value;
  };
};
const bigJson = memo((size: number) => `{"name":"${'x'.repeat(size)}"}`);
const gzippedJson = memo((size: number) => gzipSync(bigJson(size)));

/** A JSON body over the documented limit: plain, or chunked (no Content-Length to refuse early). */
const oversizedBody: fc.Arbitrary<{ body: string; chunked: boolean }> = fc
  .record({ size: fc.constantFrom(BODY_LIMIT, BODY_LIMIT + 100_000, 2 * BODY_LIMIT), chunked: fc.boolean() })
  .map(({ size, chunked }) => ({ body: bigJson(size), chunked }));

/** A small gzip body that inflates past the limit (body-parser counts what it inflates). */
const gzipBomb: fc.Arbitrary<Buffer> = fc
  .constantFrom(BODY_LIMIT, 4 * BODY_LIMIT, 32 * BODY_LIMIT)
  .map(gzippedJson);

/**
 * Requests `key`'s route must refuse, each kind guaranteed so by construction or by the contract's
 * own schema, with the fuzzer's valid token unless the kind is about the token.
 */
function refusedRequests(key: string): fc.Arbitrary<HttpCase> {
  const [method = 'GET', template = '/'] = key.split(' ');
  const spec = ROUTES[key] ?? {};
  const token = tokens.fuzzer;
  const validParams = fc
    .record(
      Object.fromEntries(
        paramNames(template).map((n) => [
          n,
          paramArbitrary(n)
            .filter((v) => v !== '')
            .map(encodeSegment),
        ]),
      ),
    )
    .filter((p) => !paramsRefused(spec, p));
  const request = (path: string, extra: Partial<RawRequest> = {}): RawRequest => ({
    method,
    path,
    headers: jsonHeaders(token),
    ...extra,
  });
  const kinds: fc.Arbitrary<HttpCase>[] = [];
  if (spec.body) {
    const body = spec.body;
    const invalid = invalidPayloads(body, plausiblePayload(body, fields), {
      maxBytes: MAX_BODY_CASE,
      binary: false,
      longLengths: [1000, 1001, 4001, 10_000, 100_000, 400_000],
    });
    kinds.push(
      fc.tuple(validParams, invalid).map(([params, payload]) => ({
        kind: 'invalid body',
        refused: true,
        request: request(fillPath(template, params), { body: JSON.stringify(payload) }),
      })),
    );
    kinds.push(
      fc
        .tuple(validParams, plausiblePayload(body, fields), fc.constantFrom(...NOT_JSON_TYPES, undefined))
        .map(([params, payload, type]) => ({
          kind: `content type ${type ?? 'missing'}`,
          refused: true,
          request: request(fillPath(template, params), {
            headers: {
              ...(type === undefined ? {} : { 'content-type': type }),
              authorization: `Bearer ${token}`,
            },
            body: JSON.stringify(wireForm(payload)),
          }),
        })),
    );
  }
  if (spec.params) {
    const names = paramNames(template);
    kinds.push(
      fc
        .record(
          Object.fromEntries(
            names.map((n) => [
              n,
              paramArbitrary(n)
                .filter((v) => v !== '')
                .map(encodeSegment),
            ]),
          ),
        )
        .chain((params) =>
          // Some raw segments too: broken percent-encoding, dots, a `%` alone.
          fc
            .option(
              fc.tuple(
                fc.constantFrom(...names),
                fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '.', '%00', '%2e%2e', '%ED%A0%80'),
              ),
              { nil: undefined },
            )
            .map((raw) => (raw ? { ...params, [raw[0]]: raw[1] } : params)),
        )
        .filter((params) => paramsRefused(spec, params))
        .map((params) => ({
          kind: 'bad path parameter',
          refused: true,
          request: request(fillPath(template, params), { body: spec.body ? '{}' : undefined }),
        })),
    );
  }
  if (spec.query) {
    const query = spec.query;
    kinds.push(
      fc
        .tuple(validParams, fc.oneof(anyQuery, plausibleQuery(query)))
        .filter(([, qs]) => refusedBy(query, querystring.parse(qs)))
        .map(([params, qs]) => ({
          kind: 'bad query',
          refused: true,
          request: request(`${fillPath(template, params)}?${qs}`),
        })),
    );
  }
  // Every /api route reads a JSON body before routing, and authenticates before that.
  kinds.push(
    fc.tuple(validParams, malformedJson).map(([params, body]) => ({
      kind: 'malformed JSON',
      refused: true,
      request: request(fillPath(template, params), { body }),
    })),
  );
  kinds.push(
    fc.tuple(validParams, oversizedBody).map(([params, { body, chunked }]) => ({
      kind: chunked ? 'oversized chunked body' : 'oversized body',
      refused: true,
      request: request(fillPath(template, params), { body, chunked }),
    })),
  );
  kinds.push(
    fc.tuple(validParams, gzipBomb).map(([params, body]) => ({
      kind: 'gzip bomb',
      refused: true,
      request: request(fillPath(template, params), {
        headers: { ...jsonHeaders(token), 'content-encoding': 'gzip' },
        body,
      }),
    })),
  );
  kinds.push(
    fc
      .tuple(
        validParams,
        fc.constantFrom('gzip', 'deflate', 'br', 'compress', 'x-unknown'),
        fc.uint8Array({ maxLength: 32 }),
      )
      .map(([params, encoding, bytes]) => ({
        kind: `broken ${encoding} body`,
        refused: true,
        request: request(fillPath(template, params), {
          headers: { ...jsonHeaders(token), 'content-encoding': encoding },
          body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(bytes)]),
        }),
      })),
  );
  // Both framings at once (the start of request smuggling): Node's parser refuses the request.
  kinds.push(
    fc.tuple(validParams, fc.integer({ min: 0, max: 100 })).map(([params, length]) => ({
      kind: 'Content-Length and chunked',
      refused: true,
      request: request(fillPath(template, params), {
        headers: { ...jsonHeaders(token), 'content-length': String(length) },
        body: '{}',
        chunked: true,
      }),
    })),
  );
  kinds.push(
    fc.tuple(validParams, badAuthorization).map(([params, authorization]) => ({
      kind: 'bad token',
      refused: true,
      request: request(fillPath(template, params), {
        headers: {
          'content-type': 'application/json',
          ...(authorization === undefined ? {} : { authorization }),
        },
      }),
    })),
  );
  kinds.push(wrongMethods(template, validParams, token));
  return fc.oneof(...kinds);
}

/** Methods no route of this path has, with a valid token: 404 in the contract's shape. */
function wrongMethods(
  template: string,
  params: fc.Arbitrary<Record<string, string>>,
  token: string | undefined,
): fc.Arbitrary<HttpCase> {
  const own = new Set(ROUTE_KEYS.filter((k) => k.endsWith(` ${template}`)).map((k) => k.split(' ')[0]));
  const others = [...METHODS, ...EXOTIC_METHODS].filter((m) => !own.has(m));
  return fc
    .tuple(params, fc.constantFrom(...others), fc.option(jsonValue, { nil: undefined }))
    .map(([p, method, body]) => ({
      kind: `method ${method}`,
      refused: true,
      request: {
        method,
        path: fillPath(template, p),
        headers: jsonHeaders(token),
        body: body === undefined ? undefined : JSON.stringify({ value: body }),
      },
    }));
}

/** Requests that may or may not succeed: plausible params, queries and bodies, the drifter's token. */
function plausibleRequests(key: string): fc.Arbitrary<HttpCase> {
  const [method = 'GET', template = '/'] = key.split(' ');
  const spec = ROUTES[key] ?? {};
  const body = spec.body
    ? fc.oneof(
        { weight: 6, arbitrary: plausiblePayload(spec.body, fields).map((p) => JSON.stringify(wireForm(p))) },
        { weight: 1, arbitrary: jsonValue.map((v) => JSON.stringify(wireForm(v))) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      )
    : fc.oneof(
        fc.constant(undefined),
        jsonValue.map((v) => JSON.stringify(wireForm(v))),
      );
  const query = spec.query
    ? fc.oneof(plausibleQuery(spec.query), anyQuery)
    : fc.oneof(fc.constant(''), anyQuery);
  return fc.tuple(paramsFor(template), query, body).map(([params, qs, b]) => {
    const path = fillPath(template, params) + (qs ? `?${qs}` : '');
    return {
      kind: 'plausible',
      refused: false,
      request: { method, path, headers: jsonHeaders(tokens.drifter), body: b },
    };
  });
}

/** Sends a case and checks the answer; resolves with whether the server refused it. */
async function exercise(c: HttpCase): Promise<{ refused: boolean; res: RawResponse }> {
  const what = `${c.kind}: ${c.request.method} ${preview(c.request.path, 200)} ${preview(
    typeof c.request.body === 'string'
      ? c.request.body
      : c.request.body
        ? `<${c.request.body.length} bytes>`
        : '',
    200,
  )}`;
  const res = await sendRaw(server.url, c.request, ANSWER_TIMEOUT_MS);
  if (res.status >= 500) throw new Error(`${what}: answered ${res.status} ${preview(res.text)}`);
  if (c.refused && (res.status < 400 || res.status > 499)) {
    throw new Error(`${what}: not refused (HTTP ${res.status} ${preview(res.text)})`);
  }
  const refused = res.status >= 400;
  // A HEAD answer has no body to carry the error.
  if (refused && c.request.method !== 'HEAD') expectHttpError(res.status, res.json, what);
  return { refused, res };
}

describe('fuzzing every HTTP route', () => {
  it('covers every route the app registers, and every field of their bodies', () => {
    expect(registeredRoutes(server.app.expressApp)).toEqual([...ROUTE_KEYS].sort());
    const schemas = Object.values(ROUTES).flatMap((r) => (r.body ? [r.body] : []));
    expect(fieldsMissing(schemas, fields)).toEqual([]);
  });

  describe.each(API_ROUTES)('%s', (key) => {
    const spec = ROUTES[key] ?? {};

    it(
      'refuses what the contract refuses: 4xx in the error shape, nothing stored',
      async () => {
        const before = fuzz.state.contents();
        await checkProperty(
          fc.asyncProperty(shown(refusedRequests(key)), async ({ value: c }) => {
            fuzz.state.before();
            await exercise(c);
            fuzz.state.expectUnchanged(`${c.kind}: ${c.request.method} ${c.request.path.slice(0, 200)}`);
          }),
          RUNS,
        );
        fuzz.state.expectUnchangedSince(before, 'a case of this property');
        await bystander.expectUnaffected();
      },
      propertyTimeout(RUNS),
    );

    it(
      'answers plausible and arbitrary requests within the contract; refused ones store nothing',
      async () => {
        await checkProperty(
          fc.asyncProperty(shown(plausibleRequests(key)), async ({ value: c }) => {
            fuzz.state.before();
            const { refused, res } = await exercise(c);
            if (refused) {
              fuzz.state.expectUnchanged(`${c.request.method} ${c.request.path.slice(0, 200)}`);
            } else if (spec.answer && res.status !== 204) {
              const parsed = spec.answer.safeParse(res.json);
              if (!parsed.success)
                throw new Error(
                  `${c.request.path}: ${res.status} outside the contract: ${preview(res.json)}`,
                );
            }
          }),
          RUNS,
        );
        await bystander.expectUnaffected();
      },
      propertyTimeout(RUNS),
    );
  });

  it(
    'answers the other routes, with any method, query and body, without a 5xx',
    async () => {
      const before = fuzz.state.contents();
      const paths = [...OTHER_ROUTES.map((k) => k.split(' ')[1] ?? '/'), ...MIDDLEWARE_PATHS];
      // The megabyte ReDoc bundle is read now and then, not every time.
      const cases = fc
        .record({
          path: fc.constantFrom(...paths),
          method: fc.constantFrom<string>('GET', 'GET', 'HEAD', 'OPTIONS', ...METHODS, ...EXOTIC_METHODS),
          query: fc.oneof(fc.constant(''), anyQuery),
          body: fc.option(
            fc.oneof(
              malformedJson,
              jsonValue.map((v) => JSON.stringify(v)),
            ),
            { nil: undefined },
          ),
          type: fc.constantFrom<string | undefined>('application/json', 'text/plain', undefined),
        })
        .map(({ path, method, query, body, type }): HttpCase => ({
          kind: 'other route',
          refused: false,
          request: {
            method,
            path: `${path}${query ? `?${query}` : ''}`,
            headers: type === undefined ? {} : { 'content-type': type },
            body,
          },
        }));
      await checkProperty(
        fc.asyncProperty(shown(cases), async ({ value: c }) => {
          fuzz.state.before();
          await exercise(c);
          fuzz.state.expectUnchanged(`${c.request.method} ${c.request.path}`);
        }),
        RUNS,
      );
      fuzz.state.expectUnchangedSince(before, 'a case of this property');
      await bystander.expectUnaffected();
    },
    propertyTimeout(RUNS),
  );

  it(
    'answers unknown paths 404 (or 400 when they cannot be decoded) in the error shape',
    async () => {
      const before = fuzz.state.contents();
      const known = new Set(ROUTE_KEYS.map((k) => k.split(' ')[1]));
      const segments = fc.array(
        fc.oneof(oddString.map(encodeSegment), fc.constantFrom('api', 'rooms', 'messages', '%', '%zz', '..')),
        {
          minLength: 1,
          maxLength: 5,
        },
      );
      const cases = fc
        .tuple(
          fc.constantFrom('/', '/api/', '/api/rooms/x/', '/ws/'),
          segments,
          fc.constantFrom(...METHODS, ...EXOTIC_METHODS),
        )
        .map(([prefix, parts, method]) => ({ path: `${prefix}zz-${parts.join('/')}`, method }))
        .filter(({ path }) => !known.has(path))
        .map(({ path, method }) => ({
          kind: 'unknown path',
          refused: true,
          request: { method, path, headers: jsonHeaders(tokens.fuzzer) },
        }));
      await checkProperty(
        fc.asyncProperty(shown(cases), async ({ value: c }) => {
          fuzz.state.before();
          await exercise(c);
          fuzz.state.expectUnchanged(`${c.request.method} ${c.request.path}`);
        }),
        RUNS,
      );
      fuzz.state.expectUnchangedSince(before, 'a case of this property');
      await bystander.expectUnaffected();
    },
    propertyTimeout(RUNS),
  );
});
