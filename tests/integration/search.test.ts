import type { SearchPage } from '../../shared/index';
import { SEARCH_QUERY_MAX } from '../../shared/limits';
import { validationError } from '../helpers/errors';
import { emitRaw } from '../helpers/events';
import { startServer, type TestServer } from '../helpers/server';
import {
  calls,
  ok,
  perform,
  refusal,
  refused,
  say,
  signIn,
  TRANSPORTS,
  type Transport,
  type User,
} from './conversation-calls';

/**
 * Full-text search (`message:search`, `GET /api/search`): words match by stem, results best first
 * with an HTML-escaped highlight, paged by cursor, and never from a room the caller cannot read
 * (a private room they are not in, or no longer in).
 */
describe.each(TRANSPORTS)('search over %s', (transport: Transport) => {
  let server: TestServer;
  let u: Record<'alice' | 'bob' | 'carol' | 'dave', User>;
  let general: string;
  let secret: string;

  beforeEach(async () => {
    server = await startServer();
    u = await signIn(server, ['alice', 'bob', 'carol', 'dave']);
    // A public room of alice that bob joined; a private room of alice and carol. dave is in neither.
    general = await room(u.alice, 'general', [u.bob]);
    secret = await room(u.alice, 'secret', [u.carol], true);
  });

  afterEach(() => server.close());

  async function room(owner: User, name: string, members: User[], isPrivate = false): Promise<string> {
    const ack = await owner.socket.emitWithAck('room:create', {
      name,
      is_private: isPrivate,
      invited_users: members.map((m) => m.id),
    });
    if (!ack.ok) throw new Error(JSON.stringify(ack.error));
    for (const m of members) ok(await perform(server, m, 'socket', calls.join(ack.data.id)));
    return ack.data.id;
  }

  const search = (by: User, q: { q: string; room_id?: string; limit?: number; cursor?: string }) =>
    perform(server, by, transport, calls.search(q));
  const ids = (page: SearchPage): string[] => page.results.map((r) => r.message.id);

  it('finds words by stem: "run" finds running and runs, every term must match, case does not matter', async () => {
    const running = await say(u.alice, general, 'I am running late today');
    const runs = await say(u.bob, general, 'She runs every morning');
    await say(u.alice, general, 'nothing to see here');
    // A longer word that starts the same is another word.
    await say(u.alice, general, 'a runway is for planes');

    const found = ok(await search(u.bob, { q: 'run' }));
    expect(ids(found).sort()).toEqual([running.id, runs.id].sort());
    expect(found.results.find((r) => r.message.id === runs.id)?.message).toEqual(runs);
    expect(ids(ok(await search(u.bob, { q: 'RUNNING' }))).sort()).toEqual([running.id, runs.id].sort());
    expect(ids(ok(await search(u.bob, { q: 'running late' })))).toEqual([running.id]);
    expect(ids(ok(await search(u.bob, { q: 'running nowhere' })))).toEqual([]);
    // Punctuation around words is not part of them.
    expect(ids(ok(await search(u.bob, { q: '  "late!" ' })))).toEqual([running.id]);
  });

  it('answers each result with the message, a rank, and the content as escaped HTML with the matches in <mark>', async () => {
    const content = `<b>"Tom" & 'Jerry'</b> are running <script>alert(1)</script>`;
    const m = await say(u.alice, general, content);
    const [hit, ...rest] = ok(await search(u.bob, { q: 'running' })).results;
    expect(rest).toEqual([]);
    expect(hit?.message).toEqual(m);
    expect(typeof hit?.rank).toBe('number');
    const highlight = hit?.highlight ?? '';
    expect(highlight).toContain('<mark>running</mark>');
    expect(highlight).toContain('&lt;b&gt;');
    expect(highlight).toContain('&amp;');
    expect(highlight).toContain('&lt;script&gt;');
    // Nothing of the content is left as markup or as a raw quote; the only tags are the marks.
    expect(highlight.replace(/<\/?mark>/g, '')).not.toMatch(/[<>"']/);
    // The store's match markers never reach the client.
    expect(highlight).not.toContain('\u0002');
    expect(highlight).not.toContain('\u0003');
  });

  it('marks each matching word, stems included', async () => {
    await say(u.alice, general, 'the runner kept running');
    const [hit] = ok(await search(u.bob, { q: 'running' })).results;
    expect(hit?.highlight).toContain('<mark>running</mark>');
    expect(hit?.highlight.match(/<mark>/g)?.length).toBe(hit?.highlight.match(/<\/mark>/g)?.length);
  });

  it('ranks better matches first and breaks ties newest first', async () => {
    const once = await say(u.alice, general, 'apple pie with cream and sugar and a cherry on top of it');
    const twice = await say(u.alice, general, 'apple apple');
    const tiedOld = await say(u.alice, general, 'green apple');
    const tiedNew = await say(u.alice, general, 'green apple');
    const results = ok(await search(u.bob, { q: 'apple' })).results;
    expect(results.map((r) => r.message.id)).toContain(once.id);
    expect(results[results.length - 1]?.message.id).toBe(once.id);
    expect(results.map((r) => r.rank)).toEqual([...results.map((r) => r.rank)].sort((a, b) => b - a));
    const tied = results.filter((r) => r.message.content === 'green apple').map((r) => r.message.id);
    expect(tied).toEqual([tiedNew.id, tiedOld.id]);
    expect(results.map((r) => r.message.id)).toContain(twice.id);
  });

  it('pages with next_cursor: each result once, null after the last page', async () => {
    const sent = [];
    for (let i = 0; i < 5; i += 1) sent.push(await say(u.alice, general, `banana number ${i}`));
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = ok(await search(u.bob, { q: 'banana', limit: 2, ...(cursor ? { cursor } : {}) }));
      seen.push(...ids(page));
      sizes.push(page.results.length);
      if (page.next_cursor === null) break;
      cursor = page.next_cursor;
      expect(sizes.length).toBeLessThan(5);
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen.sort()).toEqual(sent.map((m) => m.id).sort());

    // More than a page: a next page; a full page that holds the last result: none.
    const four = ok(await search(u.bob, { q: 'banana', limit: 4 }));
    expect(four.results).toHaveLength(4);
    expect(four.next_cursor).not.toBeNull();
    const exact = ok(await search(u.bob, { q: 'banana', limit: 5 }));
    expect([exact.results.length, exact.next_cursor]).toEqual([5, null]);
    // The default page holds 20.
    expect(ok(await search(u.bob, { q: 'banana' })).results).toHaveLength(5);
  });

  it('searches public rooms and the caller’s own rooms only; room_id narrows to one readable room', async () => {
    const open = await say(u.alice, general, 'quarterly report in the lobby');
    const hidden = await say(u.alice, secret, 'quarterly report, confidential');
    // A public room nobody of them joined is readable, so searched.
    const other = await room(u.carol, 'other', []);
    const elsewhere = await say(u.carol, other, 'quarterly report elsewhere');

    expect(ids(ok(await search(u.carol, { q: 'quarterly' }))).sort()).toEqual(
      [open.id, hidden.id, elsewhere.id].sort(),
    );
    for (const outsider of [u.bob, u.dave]) {
      expect(ids(ok(await search(outsider, { q: 'quarterly' }))).sort()).toEqual(
        [open.id, elsewhere.id].sort(),
      );
      expect(ids(ok(await search(outsider, { q: 'confidential' })))).toEqual([]);
      expect(refusal(await search(outsider, { q: 'quarterly', room_id: secret }))).toEqual(
        refused('NOT_FOUND'),
      );
    }
    expect(ids(ok(await search(u.carol, { q: 'quarterly', room_id: secret })))).toEqual([hidden.id]);
    expect(ids(ok(await search(u.dave, { q: 'quarterly', room_id: general })))).toEqual([open.id]);
    expect(refusal(await search(u.dave, { q: 'quarterly', room_id: 'no-such-room' }))).toEqual(
      refused('NOT_FOUND'),
    );
  });

  it('gives a former member of a private room nothing from it, with or without room_id', async () => {
    const hidden = await say(u.carol, secret, 'the launch code is swordfish');
    expect(ids(ok(await search(u.carol, { q: 'swordfish' })))).toEqual([hidden.id]);
    ok(await perform(server, u.carol, transport, calls.leave(secret)));
    expect(ids(ok(await search(u.carol, { q: 'swordfish' })))).toEqual([]);
    expect(refusal(await search(u.carol, { q: 'swordfish', room_id: secret }))).toEqual(refused('NOT_FOUND'));
  });

  it('follows edits and deletes at once', async () => {
    const m = await say(u.alice, general, 'meet at the harbour');
    ok(await perform(server, u.alice, transport, calls.edit(m.id, 'meet at the station')));
    expect(ids(ok(await search(u.bob, { q: 'harbour' })))).toEqual([]);
    const [hit] = ok(await search(u.bob, { q: 'station' })).results;
    expect(hit?.message).toMatchObject({
      id: m.id,
      content: 'meet at the station',
      edited_at: expect.any(String),
    });
    ok(await perform(server, u.alice, transport, calls.remove_message(m.id)));
    expect(ids(ok(await search(u.bob, { q: 'station' })))).toEqual([]);
  });

  it('refuses an empty query, one without a word, a long one, bad limits, cursors and ids, and unknown keys', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['q', { q: '' }, 'q='],
      ['q', { q: '   ' }, 'q=%20%20%20'],
      ['q', { q: '!!! ??? …' }, `q=${encodeURIComponent('!!! ??? …')}`],
      ['q', { q: 'a'.repeat(SEARCH_QUERY_MAX + 1) }, `q=${'a'.repeat(SEARCH_QUERY_MAX + 1)}`],
      ['q', {}, ''],
      ['limit', { q: 'x', limit: 0 }, 'q=x&limit=0'],
      ['limit', { q: 'x', limit: 51 }, 'q=x&limit=51'],
      ['limit', { q: 'x', limit: 'ten' }, 'q=x&limit=ten'],
      ['cursor', { q: 'x', cursor: 'nope' }, 'q=x&cursor=nope'],
      ['room_id', { q: 'x', room_id: 'has space' }, 'q=x&room_id=has%20space'],
      ['sort', { q: 'x', sort: 'new' }, 'q=x&sort=new'],
    ];
    for (const [field, payload, qs] of cases) {
      if (transport === 'socket') {
        expect([field, payload, await emitRaw(u.bob.socket, 'message:search', payload)]).toEqual([
          field,
          payload,
          { ok: false, error: validationError(field) },
        ]);
      } else {
        const res = await server.http('GET', `/api/search?${qs}`, { token: u.bob.token });
        expect([field, qs, res.status, res.body]).toEqual([
          field,
          qs,
          400,
          { error: validationError(field) },
        ]);
      }
    }
    const wordless = refusal(await search(u.bob, { q: '?!' }));
    expect(JSON.stringify(wordless)).toContain('must contain a word');
  });
});
