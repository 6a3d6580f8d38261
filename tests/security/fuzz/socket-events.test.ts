/**
 * Property-based fuzzing of every client event of the Socket.IO namespace `/chat`, with arbitrary
 * JSON and binary attachments (see ./README.md for FUZZ_SEED and FUZZ_RUNS). For every case:
 * an ack arrives in time, in the contract's shape, a 4xx error when refused; the socket answers
 * a valid call right after; a refused call changes nothing stored. At the end of each property
 * another client still receives a broadcast and answers a call.
 */
import fc from 'fast-check';
import { clientEvents, type ClientEventName } from '../../../shared/events';
import { DEFAULT_LIMITS } from '../../../shared/limits';
import { activityHandlers } from '../../../server/realtime/handlers/activity-handlers';
import { conversationHandlers } from '../../../server/realtime/handlers/conversation-handlers';
import { messageHandlers } from '../../../server/realtime/handlers/message-handlers';
import { moderationHandlers } from '../../../server/realtime/handlers/moderation-handlers';
import { roomHandlers } from '../../../server/realtime/handlers/room-handlers';
import { okData, raw, waitForDisconnect } from '../../helpers/events';
import type { ClientSocket, TestServer } from '../../helpers/server';
import { expectAck, expectErrorAck, preview } from './answers';
import {
  fieldsMissing,
  invalidPayloads,
  jsonValue,
  oddKey,
  plausibleFields,
  plausiblePayload,
  shown,
  wireForm,
  type Payload,
  type World,
} from './arbitraries';
import { startBystander, type Bystander } from './bystander';
import { ANSWER_TIMEOUT_MS, checkProperty, printReports, propertyTimeout, runsFor } from './fuzz-settings';
import { startFuzzServer, type FuzzServer } from './fuzz-server';

const EVENTS = Object.keys(clientEvents) as ClientEventName[];
/** Two properties per event, plus the unknown-event one. */
const RUNS = runsFor('socket', EVENTS.length * 2 + 1);
/** Largest JSON (plus attachments) a fuzz case may weigh: under MAX_SOCKET_PACKET_BYTES, with room for framing. */
const MAX_CASE_BYTES = DEFAULT_LIMITS.packetBytes - 2_000;
/** Names Socket.IO itself reserves (its client refuses to emit them). */
const RESERVED = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

/** How a case's arguments reach the server. */
type Shape = 'payload' | 'no-payload' | 'extra-args' | 'no-ack';
const SHAPES: readonly Shape[] = ['payload', 'payload', 'payload', 'no-payload', 'extra-args', 'no-ack'];

let fuzz: FuzzServer;
let server: TestServer;
let world: World;
/** One user per role; each property's actor has sockets nobody else uses. */
const tokens: Record<string, string> = {};
const sockets: Record<string, ClientSocket> = {};
let bystander: Bystander;
let fields: ReturnType<typeof plausibleFields>;

beforeAll(async () => {
  fuzz = await startFuzzServer();
  server = fuzz.server;
  bystander = await startBystander(server);
  for (const user of ['fuzzer', 'drifter', 'owner2']) {
    tokens[user] = await server.token(user, `${user[0]?.toUpperCase()}${user.slice(1)}`);
    sockets[user] = await server.connect(tokens[user] ?? '');
  }
  const s = (user: string): ClientSocket => sockets[user] as ClientSocket;
  const create = async (user: string, name: string, is_private = false): Promise<string> =>
    okData(await s(user).emitWithAck('room:create', { name, is_private })).id;
  const send = async (user: string, room_id: string, content: string): Promise<string> =>
    okData(await s(user).emitWithAck('message:send', { room_id, content })).id;

  // The world the ids point into: own and others' rooms, public and private, messages of each
  // kind (own, another member's, a deleted one, a reply), a pending invite and a reaction.
  const ownPublic = await create('fuzzer', 'own public');
  const ownPrivate = await create('fuzzer', 'own private', true);
  const otherPublic = await create('owner2', 'other public');
  const otherPrivate = await create('owner2', 'other private', true);
  const invitedTo = await create('owner2', 'invited to', true);
  okData(
    await s('owner2').emitWithAck('room:invite', { room_id: invitedTo, user_ids: ['fuzzer', 'drifter'] }),
  );
  okData(await s('owner2').emitWithAck('room:join', { room_id: ownPublic }));
  okData(await s('drifter').emitWithAck('room:join', { room_id: ownPublic }));
  const own = await send('fuzzer', ownPublic, 'own message');
  const others = await send('owner2', ownPublic, 'a member’s message');
  const reply = okData(
    await s('fuzzer').emitWithAck('message:send', { room_id: ownPublic, content: 'reply', parent_id: own }),
  ).id;
  const deleted = await send('fuzzer', ownPublic, 'deleted');
  okData(await s('fuzzer').emitWithAck('message:delete', { message_id: deleted }));
  const outside = await send('owner2', otherPublic, 'outside');
  const hidden = await send('owner2', otherPrivate, 'hidden');
  const drifters = await send('drifter', ownPublic, 'drifter’s');
  okData(await s('fuzzer').emitWithAck('reaction:add', { message_id: own, emoji: '👍' }));
  // Issue 14: a room where the drifter (whose plausible calls may succeed) moderates the fuzzer,
  // a pinned message, mentions, and a direct message of the two.
  const moderated = await create('owner2', 'moderated');
  for (const user of ['fuzzer', 'drifter'])
    okData(await s(user).emitWithAck('room:join', { room_id: moderated }));
  okData(
    await s('owner2').emitWithAck('member:role', {
      room_id: moderated,
      user_id: 'drifter',
      role: 'moderator',
    }),
  );
  const pinned = await send('fuzzer', moderated, 'a pinned message for @drifter and @owner2');
  okData(await s('owner2').emitWithAck('message:pin', { message_id: pinned }));
  const dm = okData(await s('fuzzer').emitWithAck('dm:open', { user_id: 'drifter' })).id;
  const direct = await send('fuzzer', dm, 'a direct message for @drifter');

  world = {
    roomIds: [ownPublic, ownPrivate, otherPublic, otherPrivate, invitedTo, bystander.roomId, moderated, dm],
    messageIds: [own, others, reply, deleted, outside, hidden, drifters, pinned, direct],
    userIds: ['fuzzer', 'drifter', 'owner2', 'bystander', 'speaker', 'nobody'],
  };
  fields = plausibleFields(world, DEFAULT_LIMITS);
});

afterAll(async () => {
  printReports('socket-events');
  await fuzz?.close();
});

/** The actor's socket, connected again if a failed case cost it its connection (so shrinking works). */
async function socketOf(user: string): Promise<ClientSocket> {
  const current = sockets[user];
  if (current?.connected) return current;
  const fresh = await server.connect(tokens[user] ?? '');
  sockets[user] = fresh;
  return fresh;
}

/** Sends one case; resolves with its ack, or `undefined` for a case sent without one. */
async function send(
  socket: ClientSocket,
  event: string | number,
  payload: Payload,
  shape: Shape,
): Promise<unknown> {
  const timed = raw(socket).timeout(ANSWER_TIMEOUT_MS);
  const noAck = `no ack within ${ANSWER_TIMEOUT_MS} ms for "${event}"`;
  // Socket.IO's protocol carries numbers as event names too; its client's types admit strings only.
  const name = event as string;
  const withAck = (...args: unknown[]): Promise<unknown> =>
    timed.emitWithAck(name, ...args).catch((err: unknown) => {
      throw new Error(`${noAck} (${String(err)})`);
    });
  switch (shape) {
    case 'payload':
      return withAck(payload);
    case 'no-payload':
      return withAck();
    case 'extra-args':
      return withAck(payload, { extra: true }, 'more');
    case 'no-ack':
      raw(socket).emit(name, payload);
      return undefined;
  }
}

/** Proves the socket still works: a valid call on it is answered ok. */
async function expectStillConnected(socket: ClientSocket, what: string): Promise<void> {
  if (!socket.connected) throw new Error(`${what}: the socket was disconnected`);
  const ack: unknown = await raw(socket)
    .timeout(ANSWER_TIMEOUT_MS)
    .emitWithAck('room:list', { limit: 1 })
    .catch((err: unknown) => {
      throw new Error(`${what}: the follow-up call got no ack (${String(err)})`);
    });
  if (!(typeof ack === 'object' && ack !== null && 'ok' in ack && ack.ok === true)) {
    throw new Error(`${what}: the follow-up call failed: ${preview(ack)}`);
  }
}

const describeCase = (event: string, shape: Shape, payload: Payload): string =>
  `${event} (${shape}) ${preview(payload, 200)}`;

describe('fuzzing every client event of /chat', () => {
  it('covers every event of the contract, and every field of their payloads', () => {
    // The table is the contract's event map; the server must answer exactly those events.
    const { services } = fuzz.server.app;
    const handled = {
      ...roomHandlers(services),
      ...messageHandlers(services),
      ...activityHandlers(services),
      ...conversationHandlers(services),
      ...moderationHandlers(services),
    };
    expect(Object.keys(handled).sort()).toEqual([...EVENTS].sort());
    expect(
      fieldsMissing(
        EVENTS.map((e) => clientEvents[e].payload),
        fields,
      ),
    ).toEqual([]);
  });

  describe.each(EVENTS)('%s', (event) => {
    const { payload: schema, ack: ackSchema } = clientEvents[event];

    it(
      'refuses payloads the contract refuses: 4xx ack, still connected, nothing stored',
      async () => {
        const plausible = plausiblePayload(schema, fields);
        const invalid = invalidPayloads(schema, plausible, {
          maxBytes: MAX_CASE_BYTES,
          binary: true,
          longLengths: [1000, 1001, 4001, 10_000, 100_000, 400_000],
        });
        const before = fuzz.state.contents();
        await checkProperty(
          fc.asyncProperty(shown(invalid), fc.constantFrom(...SHAPES), async ({ value: payload }, shape) => {
            const socket = await socketOf('fuzzer');
            const what = describeCase(event, shape, payload);
            fuzz.state.before();
            // Without a payload the case is the event alone, refused whatever `payload` was.
            const ack = await send(socket, event, payload, shape);
            if (ack !== undefined) expectErrorAck(ack, what);
            await expectStillConnected(socket, what);
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
      'answers arbitrary and plausible payloads in the contract; refused ones store nothing',
      async () => {
        const payloads = fc.oneof(
          { weight: 6, arbitrary: plausiblePayload(schema, fields).map(wireForm) },
          { weight: 1, arbitrary: jsonValue.map(wireForm) },
        );
        // Every case here waits for its ack: one sent without could still be writing when the next
        // case is checked, and its change would be blamed on that case.
        await checkProperty(
          fc.asyncProperty(
            shown(payloads),
            fc.constantFrom<Shape>('payload', 'no-payload', 'extra-args'),
            async ({ value: payload }, shape) => {
              const socket = await socketOf('drifter');
              const what = describeCase(event, shape, payload);
              fuzz.state.before();
              const ack = await send(socket, event, payload, shape);
              const refused = ack === undefined ? false : expectAck(ack, ackSchema, what).refused;
              await expectStillConnected(socket, what);
              if (refused) fuzz.state.expectUnchanged(what);
            },
          ),
          RUNS,
        );
        await bystander.expectUnaffected();
      },
      propertyTimeout(RUNS),
    );
  });

  it(
    'answers unknown event names VALIDATION_ERROR, with any payload, and stays connected',
    async () => {
      // Socket.IO also carries numbers as event names.
      const names = fc.oneof(
        oddKey.filter((name) => !Object.hasOwn(clientEvents, name) && !RESERVED.has(name)),
        fc.integer(),
      );
      const before = fuzz.state.contents();
      await checkProperty(
        fc.asyncProperty(names, shown(jsonValue.map(wireForm)), async (name, { value: payload }) => {
          const socket = await socketOf('fuzzer');
          const what = describeCase(String(name), 'payload', payload);
          const ack = await send(socket, name, payload, 'payload');
          expect(expectErrorAck(ack, what).code).toBe('VALIDATION_ERROR');
          await expectStillConnected(socket, what);
        }),
        RUNS,
      );
      fuzz.state.expectUnchangedSince(before, 'a case of this property');
      await bystander.expectUnaffected();
    },
    propertyTimeout(RUNS),
  );

  it(
    'closes only the connection of a packet over MAX_SOCKET_PACKET_BYTES, and stores nothing',
    async () => {
      // Each case costs a connection and a megabyte: a tenth of the others' cases.
      const runs = Math.max(3, Math.round(RUNS / 10));
      const oversized = fc.record({
        event: fc.constantFrom(...EVENTS),
        extra: fc.integer({ min: 1, max: 300_000 }),
        how: fc.constantFrom('string', 'attachment'),
      });
      const before = fuzz.state.contents();
      await checkProperty(
        fc.asyncProperty(oversized, async ({ event, extra, how }) => {
          const size = DEFAULT_LIMITS.packetBytes + extra;
          fuzz.state.before();
          // A second socket of the fuzzer's: the user stays online, so closing it writes nothing.
          const victim = await server.connect(tokens.fuzzer ?? '');
          const closed = waitForDisconnect(victim, ANSWER_TIMEOUT_MS);
          const payload =
            how === 'string' ? { room_id: 'x', content: 'x'.repeat(size) } : Buffer.alloc(size, 1);
          raw(victim).emit(event, payload);
          await closed;
          await expectStillConnected(await socketOf('fuzzer'), `${event} with ${size} bytes (${how})`);
          fuzz.state.expectUnchanged(`${event} with ${size} bytes (${how})`);
        }),
        runs,
      );
      fuzz.state.expectUnchangedSince(before, 'a case of this property');
      await bystander.expectUnaffected();
    },
    propertyTimeout(RUNS),
  );
});
