import { ROOM_MEMBERS_SHOWN, type Member, type MemberList, type RoomDetail } from 'chat-service-contract';
import { createChatClient, type ChatClient } from 'chat-service-contract/client';
import { errorOf, okData } from '../helpers/events';
import { mintTokens } from '../helpers/fixtures';
import { startServer, type ClientSocket, type TestServer } from '../helpers/server';

const WAIT_MS = 5000;
const JOINERS = 60;

/** Resolves once `done()` holds, checked after each call of the returned `check`; rejects after WAIT_MS. */
function condition(what: string, done: () => boolean): { check: () => void; reached: Promise<void> } {
  let check = (): void => undefined;
  const reached = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)),
      WAIT_MS,
    );
    check = () => {
      if (!done()) return;
      clearTimeout(timer);
      resolve();
    };
  });
  return { check: () => check(), reached };
}

type Keyed = Pick<Member, 'joined_at' | 'user_id'>;
const byJoin = (a: Keyed, b: Keyed): number =>
  a.joined_at === b.joined_at ? (a.user_id < b.user_id ? -1 : 1) : a.joined_at < b.joined_at ? -1 : 1;

const userIds = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

/**
 * Filling a room: joins that come in a burst reach the members already there as a few batches, not
 * one event per join, and every member can still be read, a page at a time.
 */
describe('join storms', () => {
  let server: TestServer;
  let alice: ClientSocket;
  let aliceToken: string;
  let roomId: string;
  let clients: ChatClient[];

  beforeEach(async () => {
    // Every joiner connects from this one address.
    server = await startServer({ env: { RATE_LIMIT_HANDSHAKES_PER_MINUTE: '100000' } });
    aliceToken = await server.token('alice', 'Alice');
    alice = await server.connect(aliceToken);
    roomId = okData(await alice.emitWithAck('room:create', { name: 'town hall' })).id;
    clients = [];
  });

  afterEach(async () => {
    for (const client of clients) client.close();
    await server.close();
  });

  it(`announces ${JOINERS} concurrent joins to an early member in far fewer events, each joiner once, before the joiner's first message`, async () => {
    // bob, an early member, listens through the typed client, which hands on every join one at a time.
    const bob = createChatClient({ url: server.url, token: await server.token('bob', 'Bob') });
    clients.push(bob);
    await bob.joinRoom({ room_id: roomId });

    const ids = userIds('joiner', JOINERS);
    const tokens = await mintTokens(server, ids);
    const joiners = await Promise.all(ids.map((id) => server.connect(tokens[id] ?? '')));
    const talker = ids[JOINERS / 2] ?? '';

    // What alice hears, in arrival order: `join:<id>` (from single or batch events) and `message:<id>`.
    const heard: string[] = [];
    let joinEvents = 0;
    const aliceDone = condition('alice to hear every join and the message', () => {
      return new Set(heard).size === JOINERS + 1;
    });
    alice.on('room:user_joined', (e) => {
      joinEvents += 1;
      heard.push(`join:${e.user_id}`);
      aliceDone.check();
    });
    alice.on('room:users_joined', (batch) => {
      joinEvents += 1;
      expect(batch.room_id).toBe(roomId);
      heard.push(...batch.users.map((u) => `join:${u.user_id}`));
      aliceDone.check();
    });
    alice.on('message:new', (m) => {
      heard.push(`message:${m.user_id}`);
      aliceDone.check();
    });

    const bobHeard: string[] = [];
    const bobBatched: string[] = [];
    const bobDone = condition('bob to hear every join', () => new Set(bobHeard).size === JOINERS);
    bob.on('room:user_joined', (e) => {
      bobHeard.push(e.user_id);
      bobDone.check();
    });
    bob.on('room:users_joined', (batch) => bobBatched.push(...batch.users.map((u) => u.user_id)));

    const answers = await Promise.all(
      joiners.map(async (socket, i) => {
        const detail = okData(await socket.emitWithAck('room:join', { room_id: roomId }));
        if (ids[i] === talker)
          okData(await socket.emitWithAck('message:send', { room_id: roomId, content: 'hi' }));
        return detail;
      }),
    );
    await Promise.all([aliceDone.reached, bobDone.reached]);

    const joins = heard.filter((h) => h.startsWith('join:'));
    expect(joins).toHaveLength(JOINERS);
    expect(new Set(joins)).toEqual(new Set(ids.map((id) => `join:${id}`)));
    expect(heard.indexOf(`join:${talker}`)).toBeLessThan(heard.indexOf(`message:${talker}`));
    // One event per join would be JOINERS; a burst goes out as a few batches.
    expect(joinEvents).toBeLessThanOrEqual(JOINERS / 3);

    expect([...bobHeard].sort()).toEqual([...ids].sort());
    expect([...bobBatched].sort()).toEqual([...ids].sort());

    // Each answer lists the longest-standing members first, and its joiner (the room is below the cap).
    answers.forEach((detail, i) => {
      const listed = detail.members.map((m) => m.user_id);
      expect(listed.slice(0, 2)).toEqual(['alice', 'bob']);
      expect(listed).toContain(ids[i]);
    });
    const final = okData(await alice.emitWithAck('room:get', { room_id: roomId }));
    expect(final.member_count).toBe(JOINERS + 2);
  });

  describe(`in a room of more than ${ROOM_MEMBERS_SHOWN} members`, () => {
    const ids = userIds('m', ROOM_MEMBERS_SHOWN + 5);
    let tokens: Record<string, string>;

    beforeEach(async () => {
      tokens = await mintTokens(server, ids);
      // Over HTTP, a few at a time: the joins are not what is tested here.
      for (let i = 0; i < ids.length; i += 15) {
        await Promise.all(
          ids.slice(i, i + 15).map(async (id) => {
            const res = await server.http('POST', `/api/rooms/${roomId}/join`, { token: tokens[id] });
            expect(res.status).toBe(200);
          }),
        );
      }
    });

    /** Every member in the list's order (`joined_at`, then user id), read from the store. */
    const everyone = async (): Promise<string[]> => {
      const members = await server.app.store.listMembers(roomId);
      expect(members).toHaveLength(ids.length + 1);
      return [...members].sort(byJoin).map((m) => m.user_id);
    };

    it(`lists the first ${ROOM_MEMBERS_SHOWN} members in a RoomDetail, with member_count exact`, async () => {
      const detail = okData(await alice.emitWithAck('room:get', { room_id: roomId }));
      expect(detail.member_count).toBe(ids.length + 1);
      expect(detail.members.map((m) => m.user_id)).toEqual((await everyone()).slice(0, ROOM_MEMBERS_SHOWN));
      expect(detail.members[0]).toMatchObject({ user_id: 'alice', role: 'owner', online: true });
      expect(detail.members[1]).toMatchObject({ role: 'member', online: false });

      const last = ids.at(-1) ?? '';
      const joined = await server.http<RoomDetail>('POST', `/api/rooms/${roomId}/join`, {
        token: tokens[last],
      });
      expect(joined.body.members).toHaveLength(ROOM_MEMBERS_SHOWN);
    });

    it('pages through every member once, in joined_at order, over HTTP', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `?limit=7&cursor=${cursor}` : '?limit=7';
        const res = await server.http<MemberList>('GET', `/api/rooms/${roomId}/members${query}`, {
          token: tokens.m000,
        });
        expect(res.status).toBe(200);
        expect(res.body.members.length).toBeLessThanOrEqual(7);
        seen.push(...res.body.members.map((m) => m.user_id));
        cursor = res.body.next_cursor;
      } while (cursor);
      expect(seen).toEqual(await everyone());
      expect(Math.ceil(seen.length / 7)).toBe(16);
    });

    it('pages through every member once with room:members and the typed client, online flags for members only', async () => {
      const viewer = createChatClient({ url: server.url, token: await server.token('zed', 'Zed') });
      clients.push(viewer);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: MemberList = await viewer.listMembers({ room_id: roomId, limit: 50, cursor });
        // zed is not a member: presence is not his to see.
        expect(page.members.every((m) => !m.online)).toBe(true);
        seen.push(...page.members.map((m) => m.user_id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(await everyone());

      const first = okData(await alice.emitWithAck('room:members', { room_id: roomId }));
      expect(first.members).toHaveLength(50);
      expect(first.members[0]).toMatchObject({ user_id: 'alice', online: true });
    });

    it('refuses a cursor it did not make, and hides a private room’s members from non-members', async () => {
      const bad = await server.http('GET', `/api/rooms/${roomId}/members?cursor=not-a-cursor`, {
        token: aliceToken,
      });
      expect(bad.status).toBe(400);
      const badSocket = await alice.emitWithAck('room:members', { room_id: roomId, cursor: 'bm90LWpzb24' });
      expect(errorOf(badSocket)).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'cursor' }] });

      const secret = okData(await alice.emitWithAck('room:create', { name: 'secret', is_private: true })).id;
      const hidden = await server.http('GET', `/api/rooms/${secret}/members`, { token: tokens.m000 });
      expect(hidden.status).toBe(404);
    });
  });
});
