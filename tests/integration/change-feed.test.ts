import type { ChangesPage, HttpError, Message } from 'chat-service-contract';
import { createChatClient, type ChatClient, type ChatClientEventName } from 'chat-service-contract/client';
import { httpError, validationError } from '../helpers/errors';
import { emitRaw, errorOf, okData } from '../helpers/events';
import { connectUsers } from '../helpers/fixtures';
import { startServer, testStoreKind, type ClientSocket, type TestServer } from '../helpers/server';
import { MessageView } from '../unit/client/message-view';

/**
 * The change feed: `room:sync` and `GET /api/rooms/{room_id}/changes` answer what changed in a room
 * after a version, compacted to each message's current state; and the typed client, cut off at
 * random points while others send, reply, edit, delete and react, ends with a copy of the room
 * (built only from the events it emits) equal to the server's, message by message.
 *
 * The random sequence is seeded: CHANGE_FEED_SEED=<n> replays one; without it a seed is drawn and
 * named in the failure.
 */

const WAIT_MS = 10_000;
// The version no room reaches: `after_version` that lists nothing and answers the room's version.
const NOW = Number.MAX_SAFE_INTEGER;
const SEED = seedFromEnv();
// Operations per run, and cuts of the typed client's connection among them.
const STEPS = 250;
const CUTS = 7;
const BUDGETS = {
  RATE_LIMIT_MESSAGES_PER_SECOND: '100000',
  RATE_LIMIT_REACTIONS_PER_SECOND: '100000',
  RATE_LIMIT_READS_PER_SECOND: '100000',
  RATE_LIMIT_HANDSHAKES_PER_MINUTE: '100000',
};

describe('change feed', () => {
  let server: TestServer;
  let clients: ChatClient[];

  beforeEach(async () => {
    server = await startServer({ env: BUDGETS });
    clients = [];
  });

  afterEach(async () => {
    // Clients first: one left open would keep reconnecting to the closed server.
    for (const client of clients) client.close();
    await server.close();
  });

  describe('room:sync and GET /api/rooms/{room_id}/changes', () => {
    let sockets: Record<'alice' | 'bob' | 'carol', ClientSocket>;
    let tokens: Record<'alice' | 'bob' | 'carol', string>;
    let roomId: string;

    beforeEach(async () => {
      ({ sockets, tokens } = await connectUsers(server, ['alice', 'bob', 'carol'] as const));
      roomId = okData(await sockets.alice.emitWithAck('room:create', { name: 'feed' })).id;
      okData(await sockets.bob.emitWithAck('room:join', { room_id: roomId }));
    });

    const sync = async (socket: ClientSocket, afterVersion: number, limit?: number): Promise<ChangesPage> =>
      okData(await socket.emitWithAck('room:sync', { room_id: roomId, after_version: afterVersion, limit }));

    async function send(socket: ClientSocket, content: string, parentId?: string): Promise<Message> {
      return okData(
        await socket.emitWithAck('message:send', { room_id: roomId, content, parent_id: parentId }),
      );
    }

    /** Every change after `afterVersion`, paged by `limit`; answers the pages. */
    async function allPages(afterVersion: number, limit: number): Promise<ChangesPage[]> {
      const pages: ChangesPage[] = [];
      let after = afterVersion;
      for (;;) {
        const page = await sync(sockets.bob, after, limit);
        pages.push(page);
        if (!page.has_more) return pages;
        after = page.version;
      }
    }

    it('lists each changed message once, in its current state, ascending by version; tombstones included', async () => {
      const [m1, m2, m3, m4] = [
        await send(sockets.alice, 'one'),
        await send(sockets.alice, 'two'),
        await send(sockets.bob, 'three'),
        await send(sockets.bob, 'four'),
      ];
      if (!m1 || !m2 || !m3 || !m4) throw new Error('fixture');
      expect([m1, m2, m3, m4].map((m) => m.version)).toEqual([1, 2, 3, 4]);
      const before = (await sync(sockets.alice, NOW)).version;
      expect(before).toBe(4);

      for (const content of ['one, again', 'one, once more', 'one, at last']) {
        okData(await sockets.alice.emitWithAck('message:edit', { message_id: m1.id, content }));
      }
      const deleted = new Promise<number>((resolve) =>
        sockets.bob.once('message:deleted', (d) => resolve(d.version)),
      );
      okData(await sockets.alice.emitWithAck('message:delete', { message_id: m2.id }));
      const added = okData(
        await sockets.alice.emitWithAck('reaction:add', { message_id: m3.id, emoji: '👍' }),
      );
      const reply = await send(sockets.bob, 'a reply', m4.id); // raises m4's reply_count

      const page = await sync(sockets.alice, before);
      expect(page).toMatchObject({ room_id: roomId, has_more: false });
      // m1 changed three times, listed once; every listed message as GET /api/messages/{id} shows it.
      expect(page.messages.map((m) => m.id)).toEqual([m1.id, m2.id, m3.id, reply.id, m4.id]);
      for (const listed of page.messages) {
        const current = await server.http<Message>('GET', `/api/messages/${listed.id}`, {
          token: tokens.carol,
        });
        expect(listed).toEqual(current.body);
      }
      const versions = page.messages.map((m) => m.version);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      expect(page.messages[0]).toMatchObject({ content: 'one, at last', version: 7 });
      expect(page.messages[1]).toMatchObject({ deleted: true, content: '', reactions: [], version: 8 });
      expect(await deleted).toBe(8);
      expect(page.messages[2]).toMatchObject({
        reactions: [{ emoji: '👍', count: 1 }],
        version: added.version,
      });
      expect(page.messages.at(-1)).toMatchObject({ id: m4.id, reply_count: 1 });
      // After the last page, the room's version: the latest change.
      expect(page.version).toBe(Math.max(...versions));
      expect(await sync(sockets.alice, page.version)).toEqual({
        room_id: roomId,
        messages: [],
        version: page.version,
        has_more: false,
      });
    });

    it('pages while has_more, each page ending at its last version, and the pages add up to one listing', async () => {
      for (let i = 1; i <= 7; i++) await send(sockets.alice, `m${i}`);
      const whole = await sync(sockets.bob, 0);
      expect(whole.messages).toHaveLength(7);
      const pages = await allPages(0, 3);
      expect(pages.map((p) => [p.messages.length, p.has_more])).toEqual([
        [3, true],
        [3, true],
        [1, false],
      ]);
      for (const p of pages.slice(0, -1)) expect(p.version).toBe(p.messages.at(-1)?.version);
      expect(pages.at(-1)?.version).toBe(whole.version);
      expect(pages.flatMap((p) => p.messages)).toEqual(whole.messages);

      // A message changed between two pages moves to the end: it comes again, newer, not lost.
      const first = await sync(sockets.bob, 0, 3);
      const early = first.messages[0];
      if (!early) throw new Error('fixture');
      okData(await sockets.alice.emitWithAck('message:edit', { message_id: early.id, content: 'moved on' }));
      const rest = await allPages(first.version, 3);
      expect(rest.flatMap((p) => p.messages).at(-1)).toMatchObject({ id: early.id, content: 'moved on' });
    });

    it('answers the same over HTTP', async () => {
      for (let i = 1; i <= 4; i++) await send(sockets.alice, `m${i}`);
      const res = await server.http<ChangesPage>(
        'GET',
        `/api/rooms/${roomId}/changes?after_version=1&limit=2`,
        {
          token: tokens.bob,
        },
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual(await sync(sockets.bob, 1, 2));
      expect(res.body).toMatchObject({ has_more: true, version: 3 });
      const all = await server.http<ChangesPage>('GET', `/api/rooms/${roomId}/changes?after_version=0`, {
        token: tokens.carol, // a public room: readable by anyone signed in
      });
      expect(all.body).toMatchObject({ has_more: false, version: 4 });
      expect(all.body.messages).toHaveLength(4);
    });

    it('answers NOT_FOUND for a private room the caller is not in, as for an unknown room', async () => {
      const privateId = okData(
        await sockets.alice.emitWithAck('room:create', { name: 'secret', is_private: true }),
      ).id;
      okData(await sockets.alice.emitWithAck('message:send', { room_id: privateId, content: 'hush' }));
      expect(
        okData(await sockets.alice.emitWithAck('room:sync', { room_id: privateId, after_version: 0 }))
          .messages,
      ).toHaveLength(1);
      for (const id of [privateId, 'AAAAAAAAAAAAAAAAAAAAA']) {
        expect(
          errorOf(await sockets.carol.emitWithAck('room:sync', { room_id: id, after_version: 0 })).code,
        ).toBe('NOT_FOUND');
        const res = await server.http<HttpError>('GET', `/api/rooms/${id}/changes?after_version=0`, {
          token: tokens.carol,
        });
        expect(httpError(res)).toEqual([404, 'NOT_FOUND']);
      }
    });

    it('answers VALIDATION_ERROR for a negative, fractional or missing after_version, and a limit out of range', async () => {
      for (const payload of [
        { room_id: roomId, after_version: -1 },
        { room_id: roomId, after_version: 1.5 },
        { room_id: roomId, after_version: '1' },
        { room_id: roomId },
      ]) {
        const ack = (await emitRaw(sockets.bob, 'room:sync', payload)) as { ok: boolean; error?: unknown };
        expect(ack).toEqual({ ok: false, error: validationError('after_version') });
      }
      const tooMany = (await emitRaw(sockets.bob, 'room:sync', {
        room_id: roomId,
        after_version: 0,
        limit: 101,
      })) as {
        ok: boolean;
        error?: unknown;
      };
      expect(tooMany).toEqual({ ok: false, error: validationError('limit') });
      for (const query of ['after_version=-1', 'after_version=abc', '', 'after_version=0&limit=0']) {
        const res = await server.http<HttpError>('GET', `/api/rooms/${roomId}/changes?${query}`, {
          token: tokens.bob,
        });
        expect(httpError(res)).toEqual([400, 'VALIDATION_ERROR']);
      }
    });
  });

  describe('a typed client cut off at random points converges to the server', () => {
    it.each([0, 1])(
      `copy equal to the server's, message by message (seed CHANGE_FEED_SEED+%i)`,
      async (offset) => {
        const seed = SEED + offset;
        try {
          await convergence(seed);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new Error(
            `${reason}\n\nSeed ${seed} (store ${testStoreKind()}). Replay with:\n  ` +
              `CHANGE_FEED_SEED=${seed - offset} TEST_STORE=${testStoreKind()} npx jest tests/integration/change-feed.test.ts -t 'CHANGE_FEED_SEED\\+${offset}'`,
          );
        }
      },
      45_000,
    );
  });

  /**
   * Alice's typed client follows a room bob owns; bob and carol (sockets) and dave (HTTP) act in it
   * one operation at a time, in an order the seed draws, while alice's connection is cut several
   * times. Her catch-up requests are answered only after the next operation, so changes keep
   * arriving live while she catches up.
   */
  async function convergence(seed: number): Promise<void> {
    const random = mulberry32(seed);
    const { sockets, tokens } = await connectUsers(server, ['bob', 'carol', 'dave'] as const);
    const roomId = okData(await sockets.bob.emitWithAck('room:create', { name: 'busy' })).id;

    const ticker = new Ticker();
    let holding = false;
    server.app.io.of('/chat').on('connection', (socket) => {
      if (socket.data.actor.id !== 'alice') return;
      socket.use(([event], next) => {
        const catchingUp = event === 'room:sync' || event === 'message:history';
        if (holding && catchingUp) void ticker.next().then(() => next());
        else next();
      });
    });

    const alice = createChatClient({
      url: server.url,
      token: () => server.token('alice', 'Alice'),
      reconnectionDelayMs: 30,
      reconnectionDelayMaxMs: 120,
    });
    clients.push(alice);
    const view = new MessageView();
    alice.on('message:new', view.onNew);
    alice.on('message:updated', view.onUpdated);
    alice.on('message:deleted', view.onDeleted);
    alice.on('reaction:updated', view.onReactions);
    const lifecycle: string[] = [];
    alice.on('connected', () => lifecycle.push('connected'));
    alice.on('caught-up', () => lifecycle.push('caught-up'));
    const errors: string[] = [];
    alice.on('error', (error) => errors.push(error.message));
    // room:sync requests from a known version (not the probe that asks for the current one).
    const syncsFrom: number[] = [];
    alice.socket.onAnyOutgoing((event: string, payload: { after_version?: number }) => {
      if (event === 'room:sync' && payload.after_version !== undefined && payload.after_version < NOW) {
        syncsFrom.push(payload.after_version);
      }
    });
    await waitUntil(alice, ['connected'], () => alice.connected);
    await alice.joinRoom({ room_id: roomId });
    await alice.follow({ room_id: roomId }); // the join's catch-up: it asked for the room's version
    expect(alice.lastVersion({ room_id: roomId })).toBe(0);
    holding = true;

    okData(await sockets.carol.emitWithAck('room:join', { room_id: roomId }));
    expect((await server.http('POST', `/api/rooms/${roomId}/join`, { token: tokens.dave })).status).toBe(200);

    const actors = new Actors(server, sockets, tokens.dave, roomId);
    // Cuts at distinct random steps, the last one with activity after it.
    const cuts = new Set<number>();
    while (cuts.size < CUTS) cuts.add(10 + Math.floor(random() * (STEPS - 30)));
    let cutsMade = 0;
    let actedOffline = 0;
    for (let step = 0; step < STEPS; step++) {
      if (cuts.has(step)) {
        // Once connected again: the cut may land while the last catch-up is still going.
        await waitUntil(alice, ['connected'], () => alice.connected);
        alice.socket.io.engine.close();
        cutsMade += 1;
      }
      if (!alice.connected) actedOffline += 1;
      await actors.act(random, step);
      ticker.tick();
    }
    ticker.finish();

    // Back and caught up after the last cut; a round trip orders after every broadcast sent so far.
    await waitUntil(
      alice,
      ['caught-up'],
      () =>
        lifecycle.filter((e) => e === 'connected').length === cutsMade + 1 &&
        lifecycle.at(-1) === 'caught-up',
    );
    await alice.listRooms();

    const stored = await fullHistory(sockets.bob, roomId);
    const copy = view.messagesOf(roomId);
    expect(view.anomalies).toEqual([]);
    expect(errors).toEqual([]);
    expect(copy.map((m) => m.seq)).toEqual(stored.map((m) => m.seq));
    for (const [i, message] of stored.entries()) {
      expect({ seq: message.seq, copy: copy[i] }).toEqual({ seq: message.seq, copy: message });
    }
    const roomVersion = okData(
      await sockets.bob.emitWithAck('room:sync', { room_id: roomId, after_version: NOW }),
    ).version;
    expect(alice.lastVersion({ room_id: roomId })).toBe(roomVersion);
    // The run did what it is for: edits, deletions, reactions and replies, several reconnections.
    expect(actors.counts.edit).toBeGreaterThan(0);
    expect(actors.counts.delete).toBeGreaterThan(0);
    expect(actors.counts.react + actors.counts.unreact).toBeGreaterThan(0);
    expect(actors.counts.reply).toBeGreaterThan(0);
    expect(cutsMade).toBe(CUTS);
    expect(syncsFrom.length).toBeGreaterThanOrEqual(CUTS);
    expect(actedOffline).toBeGreaterThanOrEqual(CUTS);
  }
});

type Other = 'bob' | 'carol' | 'dave';
const OTHERS: readonly Other[] = ['bob', 'carol', 'dave'];
const EMOJI = ['👍', '🎉', '👀'] as const;

interface Sent {
  id: string;
  author: Other;
  deleted: boolean;
}

/**
 * What the other users do: bob (the owner) and carol over Socket.IO, dave over HTTP. Each `act`
 * draws one operation and awaits its answer; every one must succeed.
 */
class Actors {
  readonly counts = { send: 0, reply: 0, edit: 0, delete: 0, react: 0, unreact: 0 };
  private readonly sent: Sent[] = [];
  /** Reactions standing now, as `user|message|emoji`. */
  private readonly reactions = new Set<string>();

  constructor(
    private readonly server: TestServer,
    private readonly sockets: Record<Other, ClientSocket>,
    private readonly daveToken: string,
    private readonly roomId: string,
  ) {}

  async act(random: () => number, step: number): Promise<void> {
    const pick = <T>(list: readonly T[]): T => {
      const item = list[Math.floor(random() * list.length)];
      if (item === undefined) throw new Error('picked from an empty list');
      return item;
    };
    const live = this.sent.filter((m) => !m.deleted);
    const roll = random();
    if (live.length < 3 || roll < 0.3) {
      const parent = this.sent.length > 0 && random() < 0.3 ? pick(this.sent) : undefined;
      return this.send(pick(OTHERS), `step ${step}`, parent?.id);
    }
    if (roll < 0.5) {
      const target = pick(live);
      return this.edit(target.author, target.id, `edited at step ${step}`);
    }
    if (roll < 0.6) {
      const target = pick(live);
      // The author, or bob as the room's owner.
      return this.remove(random() < 0.5 ? target.author : 'bob', target);
    }
    const standing = [...this.reactions];
    if (roll < 0.85 || standing.length === 0) {
      const key = `${pick(OTHERS)}|${pick(live).id}|${pick(EMOJI)}`;
      return this.reactions.has(key) ? this.unreact(key) : this.react(key);
    }
    return this.unreact(pick(standing));
  }

  private async send(user: Other, content: string, parentId?: string): Promise<void> {
    let message: Message;
    if (user === 'dave') {
      const res = await this.http<Message>('POST', '/api/messages', {
        room_id: this.roomId,
        content,
        parent_id: parentId,
      });
      message = res;
    } else {
      message = okData(
        await this.sockets[user].emitWithAck('message:send', {
          room_id: this.roomId,
          content,
          parent_id: parentId,
        }),
      );
    }
    this.sent.push({ id: message.id, author: user, deleted: false });
    this.counts[parentId ? 'reply' : 'send'] += 1;
  }

  private async edit(user: Other, messageId: string, content: string): Promise<void> {
    if (user === 'dave') await this.http('PATCH', `/api/messages/${messageId}`, { content });
    else okData(await this.sockets[user].emitWithAck('message:edit', { message_id: messageId, content }));
    this.counts.edit += 1;
  }

  private async remove(user: Other, target: Sent): Promise<void> {
    if (user === 'dave') await this.http('DELETE', `/api/messages/${target.id}`);
    else okData(await this.sockets[user].emitWithAck('message:delete', { message_id: target.id }));
    target.deleted = true;
    // A deleted message's reactions go with it.
    for (const key of [...this.reactions]) if (key.split('|')[1] === target.id) this.reactions.delete(key);
    this.counts.delete += 1;
  }

  private async react(key: string): Promise<void> {
    const [user, messageId, emoji] = split(key);
    if (user === 'dave') await this.http('POST', '/api/reactions', { message_id: messageId, emoji });
    else okData(await this.sockets[user].emitWithAck('reaction:add', { message_id: messageId, emoji }));
    this.reactions.add(key);
    this.counts.react += 1;
  }

  private async unreact(key: string): Promise<void> {
    const [user, messageId, emoji] = split(key);
    if (user === 'dave') {
      await this.http('DELETE', `/api/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`);
    } else {
      okData(await this.sockets[user].emitWithAck('reaction:remove', { message_id: messageId, emoji }));
    }
    this.reactions.delete(key);
    this.counts.unreact += 1;
  }

  private async http<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.server.http<T>(method, path, { token: this.daveToken, body });
    if (res.status >= 300)
      throw new Error(`${method} ${path} answered ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
}

function split(key: string): [Other, string, string] {
  const [user, messageId, emoji] = key.split('|');
  if (!user || !messageId || !emoji || !OTHERS.includes(user as Other)) throw new Error(`bad key ${key}`);
  return [user as Other, messageId, emoji];
}

/** The room's whole history, read forwards in pages of 100. */
async function fullHistory(socket: ClientSocket, roomId: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const page = okData(
      await socket.emitWithAck('message:history', {
        room_id: roomId,
        after_seq: messages.at(-1)?.seq ?? 0,
        limit: 100,
      }),
    );
    messages.push(...page.messages);
    if (!page.has_more) return messages;
  }
}

/** Resolves once `condition` holds, checked now and after each of `events`; rejects after WAIT_MS. */
function waitUntil(
  client: ChatClient,
  events: ChatClientEventName[],
  condition: () => boolean,
): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const offs: (() => void)[] = [];
    const stop = (): void => {
      clearTimeout(timer);
      for (const off of offs) off();
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out after ${WAIT_MS} ms waiting on ${events.join(', ')}`));
    }, WAIT_MS);
    for (const event of events) {
      offs.push(
        client.on(event, () => {
          if (!condition()) return;
          stop();
          resolve();
        }),
      );
    }
  });
}

/** Resolves `next()` at the following `tick()`, or at once after `finish()`. */
class Ticker {
  private done = false;
  private release: () => void = () => undefined;
  private pending = this.fresh();

  next(): Promise<void> {
    return this.done ? Promise.resolve() : this.pending;
  }

  tick(): void {
    this.release();
    this.pending = this.fresh();
  }

  finish(): void {
    this.done = true;
    this.release();
  }

  private fresh(): Promise<void> {
    return new Promise((resolve) => (this.release = resolve));
  }
}

/** CHANGE_FEED_SEED, or a random seed (named in any failure, so the run can be replayed). */
function seedFromEnv(): number {
  const given = process.env.CHANGE_FEED_SEED;
  if (given === undefined || given === '') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`CHANGE_FEED_SEED must be an integer, not ${given}`);
  return seed;
}

/** A small seeded PRNG (mulberry32). */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
