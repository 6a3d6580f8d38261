/**
 * Property-based fuzzing of the plain WebSocket endpoint `/ws/{room_id}` (see ./README.md for
 * FUZZ_SEED and FUZZ_RUNS): arbitrary text and binary frames on an open connection, and arbitrary
 * upgrade requests. For every frame: the answers it gets are frames of the contract, exactly one
 * error frame (4xx, its `request_id` echoed) when refused, nothing dropped; the connection stays
 * open and answers a ping right after; a refused frame changes nothing stored. For every upgrade:
 * a 101 or a 4xx with the contract's error body, never a 5xx or a hang. After each property a
 * Socket.IO client still gets a broadcast and an answer.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import WebSocket from 'ws';
import type { z } from 'zod';
import { DEFAULT_LIMITS } from '../../../shared/limits';
import {
  createPlainWsSchemas,
  plainWsRequestIdSchema,
  plainWsServerFrameSchema,
  type PlainWsServerFrame,
} from '../../../shared/schemas/plain-ws';
import type { TestServer } from '../../helpers/server';
import { handMade } from '../../helpers/tokens';
import { expectErrorBody, expectHttpError, preview } from './answers';
import {
  fieldsMissing,
  idLike,
  invalidPayloads,
  jsonValue,
  oddString,
  plausibleFields,
  plausiblePayload,
  refusedBy,
  shown,
  wireForm,
  type Payload,
} from './arbitraries';
import { startBystander, type Bystander } from './bystander';
import { ANSWER_TIMEOUT_MS, checkProperty, printReports, propertyTimeout, runsFor } from './fuzz-settings';
import { startFuzzServer, type FuzzServer } from './fuzz-server';

const { clientFrame } = createPlainWsSchemas(DEFAULT_LIMITS);
/** The frame schemas, one per `type` (the union's options). */
const FRAME_OPTIONS = Reflect.get(clientFrame, 'options') as z.ZodType[];
const RUNS = runsFor('plain-ws', 3);
/** Largest frame a case sends: under MAX_SOCKET_PACKET_BYTES (a larger one closes the connection, 1009). */
const MAX_FRAME_BYTES = DEFAULT_LIMITS.packetBytes - 1_000;
/** Types of the frames that answer a request (the rest are the room's broadcasts). */
const ANSWER_TYPES = new Set(['pong', 'ack', 'error']);

let fuzz: FuzzServer;
let server: TestServer;
let bystander: Bystander;
const tokens: Record<string, string> = {};
let roomId: string;
let privateRoom: string;
/** A public room the fuzzing users are not in: a successful handshake joins it. */
let otherPublic: string;
let fields: ReturnType<typeof plausibleFields>;
const clients: FrameClient[] = [];

/** A `ws` client that tells answers (pong, ack, error) from broadcasts and checks every frame. */
class FrameClient {
  private readonly answers: PlainWsServerFrame[] = [];
  private wake: (() => void) | undefined;
  private probes = 0;
  closed: { code: number; reason: string } | undefined;
  /** A frame outside the contract, kept for the case that caused it. */
  private invalid: string | undefined;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const text = String(data);
      const parsed = plainWsServerFrameSchema.safeParse(isBinary ? undefined : safeJson(text));
      if (!parsed.success) this.invalid ??= `${isBinary ? 'binary ' : ''}${preview(text)}`;
      else if (ANSWER_TYPES.has(parsed.data.type)) this.answers.push(parsed.data);
      this.wake?.();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake?.();
    });
    ws.on('error', () => undefined);
  }

  /**
   * Sends `frame`, then a ping probe; resolves with the answers that came before the probe's pong
   * (frames are answered in order), failing on a close, a frame outside the contract or a timeout.
   */
  async exchange(frame: string | Buffer, binary: boolean): Promise<PlainWsServerFrame[]> {
    this.probes += 1;
    const probe = `probe:${this.probes}`;
    this.answers.length = 0;
    this.ws.send(frame, { binary });
    this.ws.send(JSON.stringify({ type: 'ping', request_id: probe }));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        reject(new Error(`no pong to the probe within ${ANSWER_TIMEOUT_MS} ms`));
      }, ANSWER_TIMEOUT_MS);
      this.wake = () => {
        const failure = this.closed
          ? `the connection closed (${this.closed.code} ${this.closed.reason})`
          : this.invalid && `a frame outside the contract: ${this.invalid}`;
        const done = this.answers.some((a) => a.type === 'pong' && a.request_id === probe);
        if (!failure && !done) return;
        clearTimeout(timer);
        this.wake = undefined;
        if (failure) reject(new Error(failure));
        else resolve();
      };
      this.wake();
    });
    const index = this.answers.findIndex((a) => a.type === 'pong' && a.request_id === probe);
    return this.answers.slice(0, index);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function wsUrl(path: string): string {
  return `${server.url.replace(/^http/, 'ws')}${path}`;
}

async function openClient(user: string, room = roomId): Promise<FrameClient> {
  const ws = new WebSocket(wsUrl(`/ws/${room}`), ['bearer', tokens[user] ?? '']);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const client = new FrameClient(ws);
  clients.push(client);
  // The first frames wait for the membership check: a ping answered shows it is done.
  await client.exchange(JSON.stringify({ type: 'ping' }), false);
  return client;
}

const users: Record<string, FrameClient> = {};

/** The user's connection, opened again if a failed case closed it (so shrinking works). */
async function clientOf(user: string): Promise<FrameClient> {
  const current = users[user];
  if (current && !current.closed && current.ws.readyState === WebSocket.OPEN) return current;
  const fresh = await openClient(user);
  users[user] = fresh;
  return fresh;
}

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
  roomId = (await call<{ id: string }>('fuzzer', 'POST', '/api/rooms', { name: 'plain' })).id;
  privateRoom = (
    await call<{ id: string }>('owner2', 'POST', '/api/rooms', { name: 'hidden', is_private: true })
  ).id;
  otherPublic = (await call<{ id: string }>('owner2', 'POST', '/api/rooms', { name: 'other public' })).id;
  const own = (
    await call<{ id: string }>('fuzzer', 'POST', '/api/messages', { room_id: roomId, content: 'own' })
  ).id;
  users.fuzzer = await openClient('fuzzer');
  users.drifter = await openClient('drifter');
  const drifters = (
    await call<{ id: string }>('drifter', 'POST', '/api/messages', { room_id: roomId, content: 'drifter' })
  ).id;
  fields = plausibleFields(
    {
      roomIds: [roomId, privateRoom, bystander.roomId],
      messageIds: [own, drifters],
      userIds: ['fuzzer', 'drifter', 'owner2', 'nobody'],
    },
    DEFAULT_LIMITS,
  );
});

afterAll(async () => {
  printReports('plain-ws');
  for (const client of clients) client.ws.terminate();
  await fuzz?.close();
});

/** Plausible frames of every type: some valid, some not. */
const plausibleFrames = (): fc.Arbitrary<Record<string, unknown>> =>
  fc.oneof(...FRAME_OPTIONS.map((option) => plausiblePayload(option, fields)));

/** The text the server reads from a text frame: `ws` sends a lone surrogate as U+FFFD. */
const serverText = (text: string): string => Buffer.from(text, 'utf8').toString('utf8');

/** What a frame is, for the answers it must get. */
interface FrameCase {
  data: string | Buffer;
  binary: boolean;
  /** The JSON the server parses from it, when it is a text frame of JSON. */
  json: Payload;
  refused: boolean;
}

function textCase(text: string, refused: boolean): FrameCase {
  return { data: text, binary: false, json: safeJson(serverText(text)), refused };
}

/** Frames the contract refuses: not JSON, not an object, breaking a frame schema, or binary. */
function refusedFrames(): fc.Arbitrary<FrameCase> {
  const notJson = fc
    .oneof(
      oddString,
      jsonValue.map((v) => JSON.stringify(v).slice(0, -1)),
      fc.integer({ min: 1000, max: 200_000 }).map((n) => '['.repeat(n)),
    )
    .filter((text) => safeJson(serverText(text)) === undefined && serverText(text) !== 'undefined')
    .map((text) => textCase(text, true));
  const invalidJson = fc
    .oneof(
      ...FRAME_OPTIONS.map((option) =>
        invalidPayloads(option, plausiblePayload(option, fields), {
          maxBytes: MAX_FRAME_BYTES,
          binary: false,
          longLengths: [64, 65, 1000, 4001, 100_000, 400_000],
        }),
      ),
    )
    .map((payload) => textCase(JSON.stringify(payload), true))
    .filter((c) => refusedBy(clientFrame, c.json));
  const binaryFrames = fc
    .oneof(
      fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
      plausibleFrames().map((frame) => Buffer.from(JSON.stringify(frame))),
      fc.integer({ min: 1000, max: 500_000 }).map((n) => randomBytes(n)),
    )
    .map((data): FrameCase => ({ data, binary: true, json: undefined, refused: true }));
  return fc.oneof(
    { weight: 2, arbitrary: notJson },
    { weight: 4, arbitrary: invalidJson },
    { weight: 1, arbitrary: binaryFrames },
  );
}

/** Checks a frame's answers; resolves with whether it was refused. */
function expectAnswers(c: FrameCase, answers: PlainWsServerFrame[], what: string): boolean {
  const type = typeof c.json === 'object' && c.json !== null ? Reflect.get(c.json, 'type') : undefined;
  if (answers.length > 1) throw new Error(`${what}: ${answers.length} answers: ${preview(answers)}`);
  const answer = answers[0];
  if (c.refused && answer?.type !== 'error') throw new Error(`${what}: not refused: ${preview(answers)}`);
  if (answer === undefined) {
    // Only a valid typing frame goes unanswered: the room's typing_update broadcast answers it.
    if (type !== 'typing' || refusedBy(clientFrame, c.json))
      throw new Error(`${what}: no answer (a silent drop)`);
    return false;
  }
  if (answer.type === 'error') {
    expectErrorBody(answer.error, what);
    const requestId =
      typeof c.json === 'object' && c.json !== null ? Reflect.get(c.json, 'request_id') : undefined;
    const echo = plainWsRequestIdSchema.safeParse(requestId);
    if (echo.success && answer.request_id !== echo.data) {
      throw new Error(`${what}: the error did not echo request_id ${preview(echo.data)}`);
    }
    return true;
  }
  if (answer.type !== (type === 'ping' ? 'pong' : 'ack'))
    throw new Error(`${what}: answered ${preview(answer)}`);
  return false;
}

const describeFrame = (c: FrameCase): string =>
  `${c.binary ? 'binary' : 'text'} frame ${c.binary ? `<${c.data.length} bytes>` : preview(c.data, 200)}`;

describe('fuzzing the plain WebSocket endpoint /ws/{room_id}', () => {
  it('covers every frame type of the contract and every field of them', () => {
    const types = FRAME_OPTIONS.map((o) => Reflect.get(Reflect.get(o, 'shape') as object, 'type'));
    expect(types.map((t) => (t as z.ZodLiteral).value).sort()).toEqual(['message', 'ping', 'typing']);
    expect(fieldsMissing(FRAME_OPTIONS, fields)).toEqual([]);
  });

  it(
    'refuses frames the contract refuses with one error frame, stays open, stores nothing',
    async () => {
      const before = fuzz.state.contents();
      await checkProperty(
        fc.asyncProperty(shown(refusedFrames()), async ({ value: c }) => {
          const client = await clientOf('fuzzer');
          const what = describeFrame(c);
          fuzz.state.before();
          const answers = await client.exchange(c.data, c.binary);
          expectAnswers(c, answers, what);
          fuzz.state.expectUnchanged(what);
        }),
        RUNS,
      );
      fuzz.state.expectUnchangedSince(before, 'a case of this property');
      await bystander.expectUnaffected();
    },
    propertyTimeout(RUNS),
  );

  it(
    'answers plausible and arbitrary frames within the contract; refused ones store nothing',
    async () => {
      const frames = fc
        .oneof(
          { weight: 6, arbitrary: plausibleFrames().map(wireForm) },
          { weight: 1, arbitrary: jsonValue.map(wireForm) },
        )
        .map((frame) => textCase(JSON.stringify(frame), false));
      await checkProperty(
        fc.asyncProperty(shown(frames), async ({ value: c }) => {
          const client = await clientOf('drifter');
          const what = describeFrame(c);
          fuzz.state.before();
          const answers = await client.exchange(c.data, c.binary);
          if (expectAnswers(c, answers, what)) fuzz.state.expectUnchanged(what);
        }),
        RUNS,
      );
      await bystander.expectUnaffected();
    },
    propertyTimeout(RUNS),
  );

  it(
    'answers WebSocket handshakes to any path with any token with a 101 or a 4xx in the error shape',
    async () => {
      const token = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('fuzzer', 'drifter').map((u) => tokens[u] ?? '') },
        { weight: 1, arbitrary: fc.constantFrom('', 'not-a-jwt', 'a.b.c') },
        { weight: 1, arbitrary: fc.constant(handMade({ alg: 'none', typ: 'JWT' }, { sub: 'fuzzer' })) },
        { weight: 1, arbitrary: oddString.filter((s) => /^[\x21-\x7e]+$/.test(s)) },
      );
      const target = fc.oneof(
        {
          weight: 3,
          arbitrary: fc.constantFrom(roomId, privateRoom, bystander.roomId).map((id) => `/ws/${id}`),
        },
        { weight: 1, arbitrary: idLike.map((id) => `/ws/${id}`) },
        {
          weight: 2,
          arbitrary: oddString.map((s) => `/ws/${encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, ''))}`),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            '/ws/',
            '/ws',
            '/ws//x',
            '/ws/%',
            '/ws/%zz',
            '/ws/..',
            '/other',
            '/ws/x/y',
          ),
        },
      );
      const upgrades = fc.record({
        path: target,
        token,
        how: fc.constantFrom('subprotocol', 'bearer subprotocol', 'query', 'both', 'none'),
      });
      await checkProperty(
        fc.asyncProperty(shown(upgrades), async ({ value: u }) => {
          const headers = handshakeHeaders();
          if (u.how === 'subprotocol' || u.how === 'both') headers['sec-websocket-protocol'] = u.token;
          if (u.how === 'bearer subprotocol') headers['sec-websocket-protocol'] = `bearer, ${u.token}`;
          const query = u.how === 'query' || u.how === 'both' ? `?token=${encodeURIComponent(u.token)}` : '';
          const what = `GET ${u.path}${query.slice(0, 40)} (${u.how})`;
          fuzz.state.before();
          const answer = await upgrade('GET', `${u.path}${query}`, headers);
          if (answer.status === 101) return;
          if (answer.status >= 500)
            throw new Error(`${what}: answered ${answer.status} ${preview(answer.text)}`);
          expectHttpError(answer.status, safeJson(answer.text), what);
          fuzz.state.expectUnchanged(what);
        }),
        RUNS,
      );
      await bystander.expectUnaffected();
    },
    propertyTimeout(RUNS),
  );

  it(
    'closes only the connection of a frame over the limit (1009) or of invalid UTF-8 text (1007)',
    async () => {
      const runs = Math.max(3, Math.round(RUNS / 10));
      const breaking = fc.oneof(
        fc.record({
          data: fc
            .integer({ min: 1, max: 300_000 })
            .map((extra) => Buffer.alloc(DEFAULT_LIMITS.packetBytes + extra, 0x61)),
          binary: fc.boolean(),
          code: fc.constant(1009),
        }),
        fc.record({
          // Bytes that are not UTF-8 (a lone continuation byte, an overlong form, a surrogate).
          data: fc
            .constantFrom('80', 'c0af', 'eda080', 'f8888080', '7b2261223a22ff227d')
            .map((hex) => Buffer.from(hex, 'hex')),
          binary: fc.constant(false),
          code: fc.constant(1007),
        }),
      );
      const before = fuzz.state.contents();
      await checkProperty(
        fc.asyncProperty(breaking, async ({ data, binary, code }) => {
          fuzz.state.before();
          // A second connection of the fuzzer's: closing it leaves the user online, writing nothing.
          const victim = await openClient('fuzzer');
          victim.ws.send(data, { binary });
          const closed = await new Promise<number>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error('the connection was not closed')),
              ANSWER_TIMEOUT_MS,
            );
            victim.ws.once('close', (closeCode) => {
              clearTimeout(timer);
              resolve(closeCode);
            });
          });
          expect(closed).toBe(code);
          const other = await clientOf('fuzzer');
          expect(await other.exchange(JSON.stringify({ type: 'ping', request_id: 'after' }), false)).toEqual([
            { type: 'pong', request_id: 'after' },
          ]);
          fuzz.state.expectUnchanged(`a ${data.length}-byte ${binary ? 'binary' : 'text'} frame`);
        }),
        runs,
      );
      fuzz.state.expectUnchangedSince(before, 'a case of this property');
      await bystander.expectUnaffected();
    },
    propertyTimeout(RUNS),
  );

  /**
   * Found by this fuzzing: `ws` refused these only after the user was admitted (joined to the
   * room), with a bare text answer. plain-ws-server.ts now refuses them with `malformedUpgrade`
   * (handshake.ts) before admitting anyone.
   */
  it('refuses malformed handshakes before admitting anyone, in the error shape', async () => {
    const token = tokens.drifter ?? '';
    const variants: [string, string, Record<string, string>][] = [
      ['POST', 'a method other than GET', {}],
      ['GET', 'no key', { 'sec-websocket-key': '' }],
      ['GET', 'a key that is not 16 bytes', { 'sec-websocket-key': 'bm90IGEga2V5' }],
      ['GET', 'version 12', { 'sec-websocket-version': '12' }],
      ['GET', 'a bad subprotocol list', { 'sec-websocket-protocol': `bearer, ${token}, bearer` }],
      ['GET', 'Upgrade: h2c', { upgrade: 'h2c' }],
    ];
    for (const [method, label, override] of variants) {
      // An empty value stands for a header left out.
      const headers = Object.fromEntries(
        Object.entries({ ...handshakeHeaders(), ...override }).filter(([, value]) => value !== ''),
      );
      const before = fuzz.state.contents();
      const answer = await upgrade(method, `/ws/${otherPublic}?token=${encodeURIComponent(token)}`, headers);
      expect([label, answer.status]).toEqual([label, method === 'GET' ? 400 : 404]);
      expectHttpError(answer.status, safeJson(answer.text), label);
      fuzz.state.expectUnchangedSince(before, 'a case of this property');
    }
  });
});

/** The headers of a well-formed WebSocket handshake (version 13, a fresh key). */
function handshakeHeaders(): Record<string, string> {
  return {
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    'sec-websocket-key': randomBytes(16).toString('base64'),
  };
}

/** Sends a raw upgrade request; a 101 is closed at once, anything else read to its end. */
function upgrade(
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const base = new URL(server.url);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer to the upgrade within ${ANSWER_TIMEOUT_MS} ms`));
    }, ANSWER_TIMEOUT_MS);
    const req = http.request({ host: base.hostname, port: base.port, method, path, headers, agent: false });
    req.on('upgrade', (_res, socket) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: 101, text: '' });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}
