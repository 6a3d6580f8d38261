import { createTestStorage, type TestStorage } from '../helpers/server';
import { needs } from '../helpers/services';
import { startServerProcess, type ServerProcess } from '../security/server-process';
import { call, contentsAt, createHook, createRoom, FAST_WEBHOOKS, waitForLog } from './hook-server';
import { startReceiver, type Receiver } from './receiver';

/**
 * Deliveries survive a crash: the real server, in a process of its own, is killed with SIGKILL
 * while a hook's deliveries are pending (the first one in flight, its receiver not answering) and
 * restarted on the same storage. Every event then reaches the receiver, in order; the one that was
 * in flight comes again under the same webhook-id (at least once), none is lost.
 */

const MESSAGES = 20;
const stores = [
  { kind: 'sqlite', describe },
  { kind: 'postgres', describe: needs('postgres').describe },
] as const;

for (const { kind, describe: describeStore } of stores) {
  describeStore(`webhook deliveries across kill -9 (${kind})`, () => {
    let storage: TestStorage;
    let receiver: Receiver;
    const servers: ServerProcess[] = [];

    const start = async (): Promise<ServerProcess> => {
      const server = await startServerProcess({
        ...FAST_WEBHOOKS,
        // The restarted node takes over once the killed one's lease runs out.
        WEBHOOK_LEASE_MS: '1500',
        // The first delivery stays in flight until the kill.
        WEBHOOK_TIMEOUT_MS: '60000',
        DATABASE_URL: storage.databaseUrl,
      });
      servers.push(server);
      return server;
    };

    beforeAll(async () => {
      storage = await createTestStorage(kind);
      receiver = await startReceiver();
    });

    afterAll(async () => {
      await Promise.all(servers.map((server) => server.stop()));
      await receiver?.close();
      await storage?.remove();
    }, 30_000);

    test('every pending delivery is delivered after the restart, in order, none lost', async () => {
      receiver.reply = () => 'hang';
      const first = await start();
      const alice = await first.token('alice');
      const room = await createRoom(first, alice, { name: 'durable' });
      const hook = await createHook(first, alice, {
        url: `${receiver.url}/durable`,
        events: ['message.new'],
        room_id: room,
      });
      const sent: string[] = [];
      for (let i = 1; i <= MESSAGES; i += 1) {
        const content = `durable ${i}`;
        await call(first, 'POST', '/api/messages', alice, { room_id: room, content });
        sent.push(content);
      }
      await receiver.waitFor('the first delivery to be in flight', (all) => all.length > 0);

      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        first.process.once('exit', (_code, signal) => resolve(signal)),
      );
      process.kill(first.pid, 'SIGKILL');
      expect(await exited).toBe('SIGKILL');
      // One request got through before the kill, unanswered; the rest were pending (as deliveries,
      // or still in the outbox).
      expect(receiver.received).toHaveLength(1);

      receiver.reply = () => 200;
      const second = await start();
      await receiver.waitFor(
        'every message after the restart',
        () => new Set(contentsAt(receiver.received, '/durable')).size === MESSAGES,
        20_000,
      );

      // Each delivery under one id; dropping repeats by webhook-id (as a receiver does) leaves
      // every message once, in the order sent.
      const byId = new Map<string, string>();
      const firstSeen: string[] = [];
      for (const request of receiver.received) {
        const id = request.headers['webhook-id'] ?? '';
        const content = contentsAt([request], '/durable')[0] ?? '';
        if (byId.has(id)) {
          expect(byId.get(id)).toBe(content);
          continue;
        }
        byId.set(id, content);
        firstSeen.push(content);
      }
      expect(firstSeen).toEqual(sent);
      // The only repeat, if any, is the one that was in flight when the server died.
      expect(receiver.received.length - byId.size).toBeLessThanOrEqual(1);

      const log = await waitForLog(
        second,
        alice,
        hook.id,
        'every delivery recorded',
        (l) => l.length === MESSAGES && l.every((d) => d.status === 'delivered'),
      );
      expect(log).toHaveLength(MESSAGES);
    }, 60_000);
  });
}
