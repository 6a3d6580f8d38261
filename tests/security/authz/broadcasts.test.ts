import { serverEvents, type ServerEventName } from '../../../shared/events';
import { PLAIN_WS_BROADCASTS } from '../../../shared/schemas/plain-ws';
import { emitRaw } from '../../helpers/events';
import type { ClientSocket } from '../../helpers/server';
import { ACTOR_IDS, isTokenless, USER_OF, USERS, type ActorId, type UserId } from './actors';
import {
  BROADCASTS,
  hearsIn,
  wsFrameOf,
  type HearCell,
  type HearExpected,
  type StageRoom,
} from './broadcasts';
import { startHarness, type Harness } from './harness';
import { isNotApplicable } from './outcomes';
import { PlainWsClient } from './plain-ws-client';
import { Recorder } from './recorder';
import { buildWorld, type World } from './world';

/**
 * Who hears which room broadcast (./broadcasts.ts): every broadcast is made in both rooms of one
 * world, and each actor's socket (and the members' /ws connections) is checked to hear it exactly
 * when the actor is a member of the room it targets.
 */

let h: Harness;
let world: World;
const recorders = new Map<string, Recorder>();
const wsClients = new Map<UserId, PlainWsClient>();
const rooms: Record<'public' | 'private', StageRoom | undefined> = { public: undefined, private: undefined };

const stageRoom = (which: 'public' | 'private'): StageRoom => {
  const room = rooms[which];
  if (!room) throw new Error('the stage is not set');
  return room;
};
const targetRoomOf = (actor: ActorId): StageRoom =>
  stageRoom(actor === 'nonMemberPublic' || actor === 'bannedPublic' ? 'public' : 'private');
const recorder = (key: string): Recorder => {
  const r = recorders.get(key);
  if (!r) throw new Error(`no recorder ${key}`);
  return r;
};
const eventOfFrame = (type: string): ServerEventName | undefined =>
  (Object.keys(PLAIN_WS_BROADCASTS) as (keyof typeof PLAIN_WS_BROADCASTS)[]).find(
    (e) => PLAIN_WS_BROADCASTS[e] === type,
  );

beforeAll(async () => {
  h = await startHarness();
  world = await buildWorld(h);
  // What building the world broadcast (fred hears his own leave) arrives before recording starts.
  await Promise.all(USERS.map((u) => emitRaw(h.sockets[u], 'room:list', { limit: 1 })));
  for (const user of USERS) recorders.set(user, Recorder.ofSocket(h.sockets[user]));
  for (const [which, joiner, id] of [
    ['public', 'jp', world.publicRoom],
    ['private', 'jq', world.privateRoom],
  ] as const) {
    const joinerToken = await h.server.token(joiner);
    const joinerSocket = await h.server.connect(joinerToken);
    recorders.set(joiner, Recorder.ofSocket(joinerSocket));
    rooms[which] = { id, joiner, joinerSocket, joinerToken };
  }
  // The members' /ws connections to the room they target.
  for (const user of ['olga', 'mia', 'moe', 'mel'] as const) {
    const opening = await PlainWsClient.open(h.server.url, world.privateRoom, h.tokens[user]);
    if (!('client' in opening)) throw new Error(`/ws refused ${user}: ${JSON.stringify(opening)}`);
    wsClients.set(user, opening.client);
    recorders.set(`${user}/ws`, Recorder.ofPlainWs(opening.client, eventOfFrame));
  }
});

afterAll(async () => {
  for (const client of wsClients.values()) client.close();
  await h?.server.close();
});

test('every server event is in the table', () => {
  const covered = new Set(BROADCASTS.flatMap((b) => b.events));
  expect((Object.keys(serverEvents) as ServerEventName[]).filter((e) => !covered.has(e))).toEqual([]);
});

/** Every client of the stage passes a round trip: what was sent to it before has arrived. */
async function barrier(): Promise<void> {
  const sockets: ClientSocket[] = [...USERS.map((u) => h.sockets[u]), stageRoom('public').joinerSocket];
  sockets.push(stageRoom('private').joinerSocket);
  await Promise.all([
    ...sockets.filter((s) => s.connected).map((s) => emitRaw(s, 'room:list', { limit: 1 })),
    ...[...wsClients.values()].filter((c) => c.ws.readyState === c.ws.OPEN).map((c) => c.barrier()),
  ]);
}

function cellOf(expected: HearExpected, transport: 'socket.io' | 'ws'): HearCell | undefined {
  if (typeof expected === 'string' || isNotApplicable(expected)) return expected;
  return expected[transport];
}

for (const broadcast of BROADCASTS) {
  describe(broadcast.events.join(' / '), () => {
    const marks = new Map<string, number>();

    beforeAll(async () => {
      for (const [key, r] of recorders) marks.set(key, r.mark());
      for (const room of [stageRoom('public'), stageRoom('private')]) {
        const anchorKey = broadcast.anchor === 'joiner' ? room.joiner : broadcast.anchor;
        const anchor = recorder(anchorKey);
        const mark = anchor.mark();
        await broadcast.trigger({ h, socketOf: (u) => h.sockets[u] }, room);
        await anchor.waitFor(
          mark,
          (heard) => hearsIn([heard], broadcast, room),
          `${broadcast.events[0]} at ${anchorKey} about ${room.id}`,
        );
      }
      await barrier();
    });

    const transports = wsFrameOf(broadcast.events[0] ?? 'message:new')
      ? (['socket.io', 'ws'] as const)
      : (['socket.io'] as const);
    const rows = ACTOR_IDS.flatMap((actor) =>
      transports.flatMap((transport) => {
        const cell = cellOf(broadcast.expect[actor], transport);
        if (cell === undefined)
          throw new Error(`${broadcast.events[0]} · ${actor}: no cell for ${transport}`);
        return isNotApplicable(cell)
          ? []
          : [[`${actor} · ${transport} → ${cell}`, actor, transport, cell] as const];
      }),
    );
    test.each(rows)('%s', (_name, actor, transport, cell) => {
      if (isTokenless(actor)) throw new Error('a tokenless actor has no client');
      const key = transport === 'ws' ? `${USER_OF[actor]}/ws` : USER_OF[actor];
      const heard = recorder(key).since(marks.get(key) ?? 0);
      expect(hearsIn(heard, broadcast, targetRoomOf(actor))).toBe(cell === 'hears');
    });
  });
}

describe('all along', () => {
  test.each([
    ['nonMemberPublic'],
    ['nonMemberPrivate'],
    ['invitee'],
    ['formerMember'],
    ['bannedPublic'],
    ['bannedPrivate'],
  ] as const)('%s heard nothing that names the room it targets or the newcomer there', (actor) => {
    const room = targetRoomOf(actor);
    const heard = JSON.stringify(recorder(USER_OF[actor]).heard);
    expect([heard.includes(room.id), heard.includes(`"${room.joiner}"`)]).toEqual([false, false]);
  });
});
