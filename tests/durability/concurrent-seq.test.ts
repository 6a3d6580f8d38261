import type { Message } from '../../shared/schemas/objects';
import { createTestStorage, startServer, type TestServer, type TestStorage } from '../helpers/server';
import { needs } from '../helpers/services';
import {
  createRoomWithMembers,
  oneTo,
  readHistory,
  streamSends,
  UNTHROTTLED_ENV,
  within,
  type AckedSend,
} from './load';

/**
 * `seq` is gap-free under concurrent senders, through the whole server: two servers share one
 * storage (as two nodes do), and a dozen sockets split between them stream sends into the same
 * rooms with several unanswered each. Every send is acknowledged; each room's seqs are exactly
 * 1..n with no duplicate; each socket's sends into a room get increasing seqs in the order it
 * emitted them, and their acks come back in that order; and both servers read the same history.
 * (tests/store/store-nodes.test.ts checks the same of two stores, below the service and the sockets.)
 */

const SOCKETS = 12;
const ROOM_COUNT = 2;
const SENDS_PER_SOCKET = 40;
/** Sends each socket keeps unanswered at once. */
const IN_FLIGHT = 8;

const stores = [
  { kind: 'sqlite', describe },
  { kind: 'postgres', describe: needs('postgres').describe },
] as const;

for (const { kind, describe: describeStore } of stores) {
  describeStore(`seq under concurrent senders on two servers sharing one storage (${kind})`, () => {
    let storage: TestStorage;
    const servers: TestServer[] = [];

    beforeAll(async () => {
      storage = await createTestStorage(kind);
      for (let i = 0; i < 2; i += 1)
        servers.push(await startServer({ storage, env: { ...UNTHROTTLED_ENV } }));
    }, 30_000);

    afterAll(async () => {
      await Promise.all(servers.map((server) => server.close({ keepData: true })));
      await storage?.remove();
    }, 30_000);

    it('acknowledges every send, numbers each room 1..n once each, in every socket’s order', async () => {
      const nodeOf = (i: number): TestServer => {
        const server = servers[i % servers.length];
        if (!server) throw new Error('no server');
        return server;
      };
      const users = oneTo(SOCKETS).map((n) => `writer${n}`);
      const tokens = await Promise.all(users.map((user, i) => nodeOf(i).token(user)));
      const [ownerToken = '', ...memberTokens] = tokens;
      const rooms: string[] = [];
      for (let r = 1; r <= ROOM_COUNT; r += 1) {
        // Each writer joins through the server it sends through.
        const roomId = await createRoomWithMembers(nodeOf(0), `busy-${r}`, ownerToken, []);
        for (const [i, token] of memberTokens.entries()) {
          const joined = await nodeOf(i + 1).http('POST', `/api/rooms/${roomId}/join`, { token });
          expect(joined.status).toBe(200);
        }
        rooms.push(roomId);
      }
      const sockets = await Promise.all(tokens.map((token, i) => nodeOf(i).connect(token)));

      const started = performance.now();
      const results = await within(
        Promise.all(
          sockets.map((socket, sender) =>
            streamSends(socket, {
              sender,
              user_id: users[sender] ?? '',
              rooms: rooms.map((_, i) => rooms[(i + sender) % rooms.length] ?? ''),
              inFlight: IN_FLIGHT,
              label: 'concurrent',
              count: SENDS_PER_SOCKET,
            }),
          ),
        ),
        25_000,
        'every socket to have its sends acknowledged',
      );
      const acked = results.flatMap((r) => r.acked);
      console.info(
        `${kind}: ${acked.length} sends through 2 servers acknowledged in ${Math.round(performance.now() - started)} ms`,
      );

      expect(results.flatMap((r) => r.refused)).toEqual([]);
      expect(results.flatMap((r) => r.unanswered)).toEqual([]);
      expect(acked).toHaveLength(SOCKETS * SENDS_PER_SOCKET);

      for (const roomId of rooms) {
        const inRoom = acked.filter((a) => a.room_id === roomId);
        expect(inRoom.map((a) => a.message.seq).sort((x, y) => x - y)).toEqual(oneTo(inRoom.length));
        expect(new Set(inRoom.map((a) => a.message.id)).size).toBe(inRoom.length);
        for (const result of results) {
          const mine = result.acked.filter((a) => a.room_id === roomId);
          const byEmit = [...mine].sort((x, y) => x.emitted - y.emitted);
          const byArrival = [...mine].sort((x, y) => x.answered - y.answered);
          // Seqs rise in emit order, and the acks arrived in that same order.
          const seqs = byEmit.map((a) => a.message.seq);
          expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
          expect(byArrival.map((a) => a.client_id)).toEqual(byEmit.map((a) => a.client_id));
        }
        // Both servers read the room as the senders were told it.
        const expected = [...inRoom]
          .sort((x, y) => x.message.seq - y.message.seq)
          .map((a): Pick<Message, 'seq' | 'id' | 'client_id' | 'content'> => pickStored(a));
        for (const [i, server] of servers.entries()) {
          const history = await readHistory(server, tokens[i] ?? '', roomId);
          expect(history.map(pickStored)).toEqual(expected);
        }
      }
    }, 40_000);
  });
}

function pickStored(from: AckedSend | Message): Pick<Message, 'seq' | 'id' | 'client_id' | 'content'> {
  const m = 'message' in from ? from.message : from;
  return { seq: m.seq, id: m.id, client_id: m.client_id, content: m.content };
}
