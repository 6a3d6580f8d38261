import type { HistoryPage, Message } from '../../shared/index';
import { okData, waitFor } from '../helpers/events';
import { createRoom } from '../helpers/fixtures';
import { startServer, type ClientSocket, type TestServer } from '../helpers/server';

describe('history, threads and durability', () => {
  let server: TestServer;
  let aliceToken: string;
  let alice: ClientSocket;
  let roomId: string;

  beforeEach(async () => {
    // This file sends hundreds of messages as fast as it can: far above the per-user rate limit.
    server = await startServer({ env: { RATE_LIMIT_MESSAGES_PER_SECOND: '100000' } });
    aliceToken = await server.token('alice', 'Alice');
    alice = await server.connect(aliceToken);
    roomId = await createRoom(alice, 'history');
  });

  afterEach(() => server.close());

  async function send(
    content: string,
    extra: { parent_id?: string; room_id?: string } = {},
  ): Promise<Message> {
    return okData(await alice.emitWithAck('message:send', { room_id: roomId, content, ...extra }));
  }

  describe('ordering and recovery with 120 messages', () => {
    beforeEach(async () => {
      for (let i = 1; i <= 120; i++) await send(`m${i}`);
    });

    const all = Array.from({ length: 120 }, (_, i) => i + 1);

    it('returns the newest page ascending without a cursor, with has_more', async () => {
      const page = okData(await alice.emitWithAck('message:history', { room_id: roomId }));
      expect(page.messages.map((m) => m.seq)).toEqual(all.slice(70));
      expect(page.has_more).toBe(true);
    });

    it('pages backwards with before_seq over Socket.IO and reconstructs 1..120 exactly', async () => {
      const seqs: number[] = [];
      let before: number | undefined;
      let hasMore = true;
      while (hasMore) {
        const page = okData(
          await alice.emitWithAck('message:history', { room_id: roomId, before_seq: before, limit: 50 }),
        );
        seqs.unshift(...page.messages.map((m) => m.seq));
        before = page.messages[0]?.seq;
        hasMore = page.has_more;
      }
      expect(seqs).toEqual(all);
    });

    it('pages forwards with after_seq over HTTP and reconstructs 1..120 exactly', async () => {
      const seqs: number[] = [];
      let after = 0;
      const pages: boolean[] = [];
      for (;;) {
        const res = await server.http<HistoryPage>(
          'GET',
          `/api/rooms/${roomId}/messages?after_seq=${after}&limit=50`,
          { token: aliceToken },
        );
        expect(res.status).toBe(200);
        seqs.push(...res.body.messages.map((m) => m.seq));
        pages.push(res.body.has_more);
        if (!res.body.has_more) break;
        after = res.body.messages.at(-1)?.seq ?? after;
      }
      expect(seqs).toEqual(all);
      expect(pages).toEqual([true, true, false]);
      expect(seqs.map((s) => `m${s}`)).toEqual(all.map((i) => `m${i}`));
    });

    it('gives a reconnecting client exactly what it missed with after_seq', async () => {
      const bobToken = await server.token('bob', 'Bob');
      const bob = await server.connect(bobToken);
      okData(await bob.emitWithAck('room:join', { room_id: roomId }));
      const lastSeen = 120;
      bob.disconnect();
      for (let i = 121; i <= 125; i++) await send(`m${i}`);
      const back = await server.connect(bobToken);
      const missed = okData(
        await back.emitWithAck('message:history', { room_id: roomId, after_seq: lastSeen }),
      );
      expect(missed.messages.map((m) => m.content)).toEqual(['m121', 'm122', 'm123', 'm124', 'm125']);
      expect(missed.has_more).toBe(false);
    });
  });

  describe('threads', () => {
    it('counts replies on the parent, announces it with message:updated, and lists the thread', async () => {
      const bobToken = await server.token('bob', 'Bob');
      const bob = await server.connect(bobToken);
      okData(await bob.emitWithAck('room:join', { room_id: roomId }));
      const parent = await send('question?');
      await send('unrelated');
      const updated = waitFor(bob, 'message:updated');
      const reply = okData(
        await bob.emitWithAck('message:send', { room_id: roomId, content: 'answer', parent_id: parent.id }),
      );
      expect(reply).toMatchObject({ parent_id: parent.id, seq: 3, reply_count: 0 });
      expect(await updated).toMatchObject({ id: parent.id, reply_count: 1, content: 'question?' });

      const second = await server.http<Message>('POST', '/api/messages', {
        token: aliceToken,
        body: { room_id: roomId, content: 'follow-up', parent_id: parent.id },
      });
      expect(second.status).toBe(201);
      const thread = okData(
        await alice.emitWithAck('message:history', { room_id: roomId, parent_id: parent.id }),
      );
      expect(thread.messages.map((m) => m.content)).toEqual(['answer', 'follow-up']);
      const overHttp = await server.http<HistoryPage>(
        'GET',
        `/api/rooms/${roomId}/messages?parent_id=${parent.id}`,
        { token: aliceToken },
      );
      expect(overHttp.body.messages.map((m) => m.id)).toEqual(thread.messages.map((m) => m.id));
      const got = await server.http<Message>('GET', `/api/messages/${parent.id}`, { token: aliceToken });
      expect(got.status).toBe(200);
      expect(got.body.reply_count).toBe(2);
      // The room's history carries every message, replies included, each with its parent_id.
      const room = okData(await alice.emitWithAck('message:history', { room_id: roomId }));
      expect(room.messages.map((m) => [m.seq, m.parent_id])).toEqual([
        [1, null],
        [2, null],
        [3, parent.id],
        [4, parent.id],
      ]);
    });

    it('files a reply to a reply under the thread root', async () => {
      const root = await send('root');
      const reply = await send('reply', { parent_id: root.id });
      const nested = await send('nested', { parent_id: reply.id });
      expect(nested.parent_id).toBe(root.id);
      const got = await server.http<Message>('GET', `/api/messages/${root.id}`, { token: aliceToken });
      expect(got.body.reply_count).toBe(2);
    });

    it('refuses a parent from another room or that does not exist with NOT_FOUND', async () => {
      const otherRoom = okData(await alice.emitWithAck('room:create', { name: 'other' })).id;
      const elsewhere = await send('elsewhere', { room_id: otherRoom });
      for (const parent_id of [elsewhere.id, 'no-such-message']) {
        const ack = await alice.emitWithAck('message:send', { room_id: roomId, content: 'x', parent_id });
        expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
        const hist = await alice.emitWithAck('message:history', { room_id: roomId, parent_id });
        expect(hist).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      }
      const page = okData(await alice.emitWithAck('message:history', { room_id: roomId }));
      expect(page.messages).toEqual([]);
    });
  });

  it('answers GET /api/messages/{id} for a visible message and 404 for an unknown one', async () => {
    const m = await send('findable');
    const found = await server.http<Message>('GET', `/api/messages/${m.id}`, { token: aliceToken });
    expect(found.status).toBe(200);
    expect(found.body).toEqual(m);
    const missing = await server.http<{ error: { code: string } }>('GET', '/api/messages/nope', {
      token: aliceToken,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });

  it('keeps rooms, memberships and messages across a server restart', async () => {
    const sent = [await send('before restart 1'), await send('before restart 2')];
    const bobToken = await server.token('bob', 'Bob');
    await server.http('POST', `/api/rooms/${roomId}/join`, { token: bobToken });
    await server.close({ keepData: true });

    server = await startServer({
      storage: server.storage,
      env: { RATE_LIMIT_MESSAGES_PER_SECOND: '100000' },
    });
    alice = await server.connect(await server.token('alice', 'Alice'));
    const page = okData(await alice.emitWithAck('message:history', { room_id: roomId }));
    expect(page.messages).toEqual(sent);
    const room = okData(await alice.emitWithAck('room:get', { room_id: roomId }));
    expect(room.members.map((m) => m.user_id)).toEqual(['alice', 'bob']);
    // seq continues where it stopped, and the restored membership routes broadcasts.
    const bob = await server.connect(bobToken);
    const arrival = waitFor(bob, 'message:new');
    expect((await send('after restart')).seq).toBe(3);
    expect((await arrival).content).toBe('after restart');
  });
});
