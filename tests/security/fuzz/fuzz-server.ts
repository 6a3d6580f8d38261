import { DEFAULT_LIMITS } from '../../../shared/limits';
import { createTestStorage, startServer, type TestServer } from '../../helpers/server';
import { StateSnapshots } from './state-snapshot';

/**
 * Budgets far above what a fuzz run spends, so that every case reaches validation and the service
 * instead of stopping at RATE_LIMITED (still an accepted answer, but one that would test nothing).
 * Sizes keep their documented defaults: those are what the fuzzing aims at.
 */
export const FUZZ_SERVER_ENV: Readonly<Record<string, string>> = {
  RATE_LIMIT_MESSAGES_PER_SECOND: '1000000',
  RATE_LIMIT_TYPING_PER_SECOND: '1000000',
  RATE_LIMIT_REACTIONS_PER_SECOND: '1000000',
  RATE_LIMIT_READS_PER_SECOND: '1000000',
  RATE_LIMIT_MEMBERSHIP_PER_SECOND: '1000000',
  RATE_LIMIT_ROOMS_PER_MINUTE: '1000000',
  RATE_LIMIT_INVITES_PER_MINUTE: '100000000',
  RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '1000000',
  RATE_LIMIT_HANDSHAKES_PER_MINUTE: '1000000',
  MAX_CONNECTIONS_PER_USER: '200',
  // Webhook URLs the fuzzing creates may point at this machine only (a closed port: every delivery
  // is refused at once), so nothing leaves it.
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
};

export interface FuzzServer {
  server: TestServer;
  /** The server's SQLite contents, read beside it. */
  state: StateSnapshots;
  close(): Promise<void>;
}

/** One real server on a fresh SQLite file (whatever TEST_STORE says), with the fuzz budgets. */
export async function startFuzzServer(): Promise<FuzzServer> {
  const server = await startServer({
    env: { ...FUZZ_SERVER_ENV },
    storage: await createTestStorage('sqlite'),
  });
  // The generators aim at the documented sizes: a server with others would make them miss.
  const { messagesPerSecond: _m, typingPerSecond: _t, ...sizes } = server.app.config.limits;
  const { messagesPerSecond: _dm, typingPerSecond: _dt, ...defaultSizes } = DEFAULT_LIMITS;
  expect(sizes).toEqual(defaultSizes);
  const state = new StateSnapshots(server);
  return {
    server,
    state,
    close: async () => {
      state.close();
      await server.close();
    },
  };
}
