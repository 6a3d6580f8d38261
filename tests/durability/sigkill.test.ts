import type { Message } from '../../shared/schemas/objects';
import { createTestStorage, type ClientSocket, type TestStorage } from '../helpers/server';
import { needs } from '../helpers/services';
import { startServerProcess, type ServerProcess } from '../security/server-process';
import {
  connectSocket,
  createRoomWithMembers,
  lastMessageSeq,
  oneTo,
  readHistory,
  streamSends,
  UNTHROTTLED_ENV,
  within,
  type Send,
  type StreamResult,
} from './load';

/**
 * An ack means the message is durably stored: the real server, in a process of its own, is killed
 * with SIGKILL while eight sockets stream sends into three rooms, and restarted on the same
 * storage. Every message any socket saw acknowledged must be there, under the id and seq of its
 * ack; each room's seqs must run 1..last with no gap (a send that was stored but whose ack was
 * lost may be there too); and a client retrying its unanswered sends with their client_ids gets
 * each stored exactly once. Two kill rounds per store, the second with a group-commit window.
 */

const SENDERS = 8;
const ROOM_COUNT = 3;
/** Sends each socket keeps unanswered at once. */
const IN_FLIGHT = 4;
/** Acks (over all sockets) after which the server is killed, sends still streaming. */
const KILL_AFTER_ACKS = 300;
/** The environment of each start on the storage, in order: start 1 is killed in round 1, start 2 in round 2. */
const STARTS: readonly Record<string, string>[] = [
  {},
  // A window of its own for the second round, so that a batch spans more than one event-loop turn.
  { STORE_WRITE_WINDOW_MS: '2' },
  {},
];

const stores = [
  { kind: 'sqlite', describe },
  { kind: 'postgres', describe: needs('postgres').describe },
] as const;

for (const { kind, describe: describeStore } of stores) {
  describeStore(`SIGKILL while sends stream (${kind})`, () => {
    let storage: TestStorage;
    const servers: ServerProcess[] = [];
    const sockets = new Set<ClientSocket>();
    let tokens: string[] = [];
    let rooms: string[] = [];
    /** Every send ever emitted, by client_id. */
    const sends = new Map<string, Send>();
    /** What every ack so far answered, by client_id: the message that must be found after any restart. */
    const acknowledged = new Map<string, Message>();

    const users = oneTo(SENDERS).map((n) => `sender${n}`);
    const reader = (): string => tokens[0] ?? '';
    const live = (): ServerProcess => {
      const server = servers[servers.length - 1];
      if (!server?.alive()) throw new Error('no live server');
      return server;
    };
    const start = async (): Promise<ServerProcess> => {
      const server = await startServerProcess({
        ...UNTHROTTLED_ENV,
        ...STARTS[servers.length],
        DATABASE_URL: storage.databaseUrl,
      });
      servers.push(server);
      return server;
    };
    const connectAll = async (server: ServerProcess): Promise<ClientSocket[]> => {
      const connected = await Promise.all(tokens.map((token) => connectSocket(server.url, token)));
      for (const socket of connected) sockets.add(socket);
      return connected;
    };
    const closeAll = (): void => {
      for (const socket of sockets) socket.disconnect();
      sockets.clear();
    };

    beforeAll(async () => {
      storage = await createTestStorage(kind);
      const server = await start();
      tokens = await Promise.all(users.map((user) => server.token(user)));
      const [owner = '', ...members] = tokens;
      rooms = [];
      for (let r = 1; r <= ROOM_COUNT; r += 1) {
        rooms.push(await createRoomWithMembers(server, `durable-${r}`, owner, members));
      }
    }, 60_000);

    afterAll(async () => {
      closeAll();
      // stop() sends SIGTERM to a live process (SIGKILL if it hangs) and only cleans up after a dead one.
      await Promise.all(servers.map((server) => server.stop()));
      await storage?.remove();
    }, 60_000);

    /**
     * Reads every room back from `server` and checks it against what the clients were told:
     * 1..last with no gap, each stored message one a client sent (same room, author, content),
     * each client_id once, and every acknowledged message under its acked id and seq.
     */
    const expectHistoryHoldsEveryAck = async (server: ServerProcess): Promise<Map<string, Message>> => {
      const histories = await Promise.all(rooms.map((roomId) => readHistory(server, reader(), roomId)));
      const stored = new Map(histories.flat().map((m) => [m.client_id ?? `no client_id: ${m.id}`, m]));

      const lost = [...acknowledged].flatMap(([clientId, acked]) => {
        const found = stored.get(clientId);
        const same = found?.id === acked.id && found.seq === acked.seq && found.content === acked.content;
        return same ? [] : [{ clientId, acked: pickStored(acked), found: found && pickStored(found) }];
      });
      expect(lost).toEqual([]);

      for (const [i, history] of histories.entries()) {
        expect(history.map((m) => m.seq)).toEqual(oneTo(history.length));
        // The room's counter agrees, so the next send continues without a gap.
        expect(await lastMessageSeq(server, reader(), rooms[i] ?? '')).toBe(history.length);
      }
      // Everything stored is something a client sent (an unanswered send may be), each client_id once.
      const strangers = histories.flat().filter((m) => {
        const send = sends.get(m.client_id ?? '');
        return send?.room_id !== m.room_id || send.user_id !== m.user_id || send.content !== m.content;
      });
      expect(strangers).toEqual([]);
      expect(stored.size).toBe(histories.flat().length);
      return stored;
    };

    /** Streams from every socket until KILL_AFTER_ACKS acks, kills the server there, and waits for every stream to end. */
    const streamAndKill = async (server: ServerProcess, round: number): Promise<StreamResult[]> => {
      const connected = await connectAll(server);
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        server.process.once('exit', (_code, signal) => resolve(signal)),
      );
      let acks = 0;
      const streams = connected.map((socket, sender) =>
        streamSends(socket, {
          sender,
          user_id: users[sender] ?? '',
          // Each socket starts in a different room, so all rooms fill at once.
          rooms: rooms.map((_, i) => rooms[(i + sender) % rooms.length] ?? ''),
          inFlight: IN_FLIGHT,
          label: `round${round}`,
          onAck: ({ client_id, message }) => {
            acknowledged.set(client_id, message);
            acks += 1;
            if (acks === KILL_AFTER_ACKS) process.kill(server.pid, 'SIGKILL');
          },
        }),
      );
      const results = await within(Promise.all(streams), 25_000, 'every stream to end after the kill');
      closeAll();
      for (const result of results) {
        for (const send of [...result.acked, ...result.refused, ...result.unanswered]) {
          sends.set(send.client_id, send);
        }
      }
      if (acks < KILL_AFTER_ACKS) {
        const refused = results.flatMap((r) => r.refused).slice(0, 3);
        throw new Error(
          `the streams ended after ${acks} acks, before the kill; refused: ${JSON.stringify(refused)}`,
        );
      }
      expect(await within(exited, 10_000, 'the killed server to exit')).toBe('SIGKILL');
      return results;
    };

    /** Re-sends every unanswered send with its client_id on `server`; each must be stored once. */
    const retryUnanswered = async (
      server: ServerProcess,
      unanswered: readonly Send[],
      storedBefore: ReadonlyMap<string, Message>,
    ): Promise<void> => {
      const connected = await connectAll(server);
      await Promise.all(
        connected.map(async (socket, sender) => {
          for (const send of unanswered.filter((s) => s.sender === sender)) {
            const { room_id, content, client_id } = send;
            const ack = await socket
              .timeout(10_000)
              .emitWithAck('message:send', { room_id, content, client_id });
            if (!ack.ok) throw new Error(`retry of ${client_id} refused: ${JSON.stringify(ack.error)}`);
            const before = storedBefore.get(client_id);
            // Stored before the kill: the retry is answered with that message, not a second one.
            if (before) expect(ack.data).toMatchObject({ id: before.id, seq: before.seq });
            acknowledged.set(client_id, ack.data);
          }
        }),
      );
      closeAll();
    };

    it.each([1, 2])(
      'round %i: every acknowledged message is found after kill -9 and restart, seqs 1..last per room',
      async (round) => {
        const results = await streamAndKill(live(), round);
        const acked = results.flatMap((r) => r.acked);
        const unanswered = results.flatMap((r) => r.unanswered);
        expect(results.flatMap((r) => r.refused)).toEqual([]);
        expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
        // The kill came while sends were still on their way: some were never answered.
        expect(unanswered.length).toBeGreaterThan(0);

        const restarted = await start();
        const stored = await expectHistoryHoldsEveryAck(restarted);
        const storedUnacked = unanswered.filter((s) => stored.has(s.client_id)).length;
        console.info(
          `${kind} round ${round}: ${acked.length} acked, ${unanswered.length} unanswered at the kill ` +
            `(${storedUnacked} of them stored anyway), ${stored.size} messages stored in all`,
        );

        await retryUnanswered(restarted, unanswered, stored);
        const afterRetry = await expectHistoryHoldsEveryAck(restarted);
        expect(afterRetry.size).toBe(stored.size + unanswered.length - storedUnacked);
      },
      45_000,
    );
  });
}

function pickStored(m: Message): Pick<Message, 'room_id' | 'seq' | 'id' | 'content'> {
  return { room_id: m.room_id, seq: m.seq, id: m.id, content: m.content };
}
