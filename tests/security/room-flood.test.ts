/**
 * Item 4 of the security review: one user created 5,000 public rooms in 2.5 s; then every
 * `room:list` returned 6.7 MB (5,207 rooms) and 20 concurrent lists stalled `/healthz` for 1.1 s.
 *
 * Now, on a server with the default limits: a user creates at most 10 rooms a minute (socket and
 * HTTP together), beyond that RATE_LIMITED; `room:list` and `GET /api/rooms` answer pages of at most
 * 100 rooms (50 by default) with a `next_cursor`, and walking the cursors visits every room the
 * caller may see exactly once. Bound stated here: a page holds at most 100 rooms (each with a name
 * of at most 100 and a description of at most 1,000 characters), so its size no longer grows with
 * the number of rooms; in this test (short names, no descriptions) a page of 100 is under 48 KiB.
 */
import type { HttpError, Room, RoomList } from '../../shared/index';
import { errorOf, okData } from '../helpers/events';
import { connectUsers } from '../helpers/fixtures';
import { startServer, type ClientSocket, type TestServer } from '../helpers/server';

const ROOMS_PER_MINUTE = 10;
const PAGE_MAX = 100;
const PAGE_DEFAULT = 50;
const PAGE_BOUND_BYTES = 48 * 1024;
/** Users who each create their full minute's budget of rooms: 12 × 10 = 120 rooms, over a page. */
const CREATORS = Array.from({ length: 12 }, (_, i) => `creator-${i}`);

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

describe('room creation', () => {
  let server: TestServer;

  afterEach(() => server.close());

  it(`refuses room creation RATE_LIMITED after ${ROOMS_PER_MINUTE} a minute, over Socket.IO and HTTP together`, async () => {
    server = await startServer();
    const { sockets, tokens } = await connectUsers(server, ['mallory', 'bob'] as const);
    const answers = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        sockets.mallory.emitWithAck('room:create', { name: `flood ${i}` }),
      ),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(ROOMS_PER_MINUTE);
    for (const refused of answers.filter((a) => !a.ok)) {
      expect(errorOf(refused)).toMatchObject({ code: 'RATE_LIMITED', retry_after_ms: expect.any(Number) });
    }
    const overHttp = await server.http<HttpError>('POST', '/api/rooms', {
      token: tokens.mallory,
      body: { name: 'one more' },
    });
    expect([overHttp.status, overHttp.body.error.code]).toEqual([429, 'RATE_LIMITED']);

    // The budget is the creator's own: another user still creates.
    okData(await sockets.bob.emitWithAck('room:create', { name: 'mine' }));
    const listed = okData(await sockets.bob.emitWithAck('room:list', {}));
    expect(listed.rooms).toHaveLength(ROOMS_PER_MINUTE + 1);
    expect(listed.next_cursor).toBeNull();
  });
});

describe('paged room lists', () => {
  let server: TestServer;
  let viewer: ClientSocket;
  let viewerToken: string;
  /** Every room the viewer may see, in list order (created_at, then id). */
  let visible: string[];
  /** Private rooms of others the viewer is not in. */
  let hidden: string[];

  beforeAll(async () => {
    server = await startServer();
    const { sockets, tokens } = await connectUsers(server, ['viewer'] as const);
    viewer = sockets.viewer;
    viewerToken = tokens.viewer;
    const created: { room: Room; visible: boolean }[] = [];
    for (const creator of CREATORS) {
      const token = await server.token(creator);
      // Each creator's last room is private; the first creator's invites the viewer, who accepts.
      for (let i = 0; i < ROOMS_PER_MINUTE; i++) {
        const isPrivate = i === ROOMS_PER_MINUTE - 1;
        const invited = isPrivate && creator === CREATORS[0] ? ['viewer'] : [];
        const res = await server.http<Room>('POST', '/api/rooms', {
          token,
          body: { name: `${creator} ${i}`, is_private: isPrivate, invited_users: invited },
        });
        expect(res.status).toBe(201);
        if (invited.length > 0) okData(await viewer.emitWithAck('room:join', { room_id: res.body.id }));
        created.push({ room: res.body, visible: !isPrivate || invited.length > 0 });
      }
    }
    const order = (a: Room, b: Room): number =>
      a.created_at === b.created_at ? (a.id < b.id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1;
    visible = created
      .filter((c) => c.visible)
      .map((c) => c.room)
      .sort(order)
      .map((r) => r.id);
    hidden = created.filter((c) => !c.visible).map((c) => c.room.id);
  });

  // Each test here reads the rooms of beforeAll; the server closes once, after them all.
  afterAll(() => server.close());

  /** Walks every page over Socket.IO (or HTTP); answers the rooms in order and each page's size. */
  async function walk(via: 'socket' | 'http', limit?: number): Promise<{ ids: string[]; sizes: number[] }> {
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      let page: RoomList;
      if (via === 'socket') {
        page = okData(await viewer.emitWithAck('room:list', { limit, cursor }));
      } else {
        const query = new URLSearchParams();
        if (limit !== undefined) query.set('limit', String(limit));
        if (cursor !== null) query.set('cursor', cursor);
        const res = await server.http<RoomList>('GET', `/api/rooms?${query}`, { token: viewerToken });
        expect(res.status).toBe(200);
        page = res.body;
      }
      expect(bytes(page)).toBeLessThan(PAGE_BOUND_BYTES);
      sizes.push(page.rooms.length);
      ids.push(...page.rooms.map((r) => r.id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    return { ids, sizes };
  }

  it('has more visible rooms than the largest page', () => {
    expect(visible.length).toBeGreaterThan(PAGE_MAX);
  });

  it(`answers at most ${PAGE_MAX} rooms a page, ${PAGE_DEFAULT} by default, and refuses a larger limit`, async () => {
    const first = okData(await viewer.emitWithAck('room:list', {}));
    expect(first.rooms).toHaveLength(PAGE_DEFAULT);
    expect(first.next_cursor).toEqual(expect.any(String));
    const largest = okData(await viewer.emitWithAck('room:list', { limit: PAGE_MAX }));
    expect(largest.rooms).toHaveLength(PAGE_MAX);
    const tooLarge = errorOf(await viewer.emitWithAck('room:list', { limit: PAGE_MAX + 1 }));
    expect(tooLarge).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'limit' }] });
    const overHttp = await server.http<HttpError>('GET', `/api/rooms?limit=${PAGE_MAX + 1}`, {
      token: viewerToken,
    });
    expect([overHttp.status, overHttp.body.error.details?.[0]?.field]).toEqual([400, 'limit']);
  });

  it('walks every visible room exactly once, in order, over both transports and page sizes; never a private room of others', async () => {
    const bySocket = await walk('socket', PAGE_MAX);
    expect(bySocket.ids).toEqual(visible);
    expect(bySocket.sizes).toEqual([PAGE_MAX, visible.length - PAGE_MAX]);
    const byHttp = await walk('http');
    expect(byHttp.ids).toEqual(visible);
    expect(byHttp.sizes.every((n) => n <= PAGE_DEFAULT)).toBe(true);
    const small = await walk('socket', 7);
    expect(small.ids).toEqual(visible);
    for (const id of hidden) expect(bySocket.ids).not.toContain(id);
  });

  it('keeps a walk exact while rooms are created during it: none repeated, none skipped', async () => {
    const first = okData(await viewer.emitWithAck('room:list', { limit: PAGE_MAX }));
    const late = okData(await viewer.emitWithAck('room:create', { name: 'created mid-walk' }));
    const rest = okData(
      await viewer.emitWithAck('room:list', { limit: PAGE_MAX, cursor: first.next_cursor }),
    );
    expect(rest.next_cursor).toBeNull();
    const ids = [...first.rooms, ...rest.rooms].map((r) => r.id);
    expect(ids).toEqual([...visible, late.id]);
  });
});
