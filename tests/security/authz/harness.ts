import { connectUsers } from '../../helpers/fixtures';
import { startServer, type ClientSocket, type TestServer } from '../../helpers/server';
import { badTokens, USERS, type TokenlessActor, type UserId } from './actors';

/** A budget no matrix file comes near: rows are about who may act, not how often. */
const PLENTY = '1000000';

/** The server, every user's token and live socket, and the tokenless actors' tokens. */
export interface Harness {
  server: TestServer;
  tokens: Record<UserId, string>;
  sockets: Record<UserId, ClientSocket>;
  bad: Record<TokenlessActor, string | undefined>;
}

export async function startHarness(): Promise<Harness> {
  const server = await startServer({
    env: {
      RATE_LIMIT_MESSAGES_PER_SECOND: PLENTY,
      RATE_LIMIT_TYPING_PER_SECOND: PLENTY,
      RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: PLENTY,
      RATE_LIMIT_REACTIONS_PER_SECOND: PLENTY,
      RATE_LIMIT_READS_PER_SECOND: PLENTY,
      RATE_LIMIT_MEMBERSHIP_PER_SECOND: PLENTY,
      RATE_LIMIT_ROOMS_PER_MINUTE: PLENTY,
      RATE_LIMIT_INVITES_PER_MINUTE: PLENTY,
      RATE_LIMIT_HANDSHAKES_PER_MINUTE: PLENTY,
    },
  });
  try {
    const { tokens, sockets } = await connectUsers(server, USERS);
    return { server, tokens, sockets, bad: await badTokens() };
  } catch (err) {
    await server.close();
    throw err;
  }
}
