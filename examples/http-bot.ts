/**
 * An HTTP bot, with fetch only: creates a room, captures its id, posts a message, reads the room's
 * history, and prints each step. Answers are checked with the contract's zod schemas.
 *
 *   export CHAT_TOKEN=$(npm run -s token -- alice Alice)
 *   npx tsx examples/http-bot.ts
 */
import { randomUUID } from 'node:crypto';
import { historyPageSchema, httpErrorSchema, messageSchema, roomDetailSchema } from 'chat-service-contract';

const url = process.env.CHAT_URL || 'http://127.0.0.1:3002';
const token = process.env.CHAT_TOKEN;

async function main(): Promise<void> {
  if (!token) {
    console.error('CHAT_TOKEN is not set. Mint a token for the server, export it, and run again:');
    console.error('  export CHAT_TOKEN=$(npm run -s token -- alice Alice)');
    process.exitCode = 1;
    return;
  }

  const room = roomDetailSchema.parse(await call('POST', '/api/rooms', { name: 'http-bot' }));
  console.log(`created room ${room.id} "${room.name}"`);

  // A client_id makes a retry safe: posting it again answers the stored message (200, not 201).
  const body = { room_id: room.id, content: 'deploy finished', client_id: randomUUID() };
  const message = messageSchema.parse(await call('POST', '/api/messages', body));
  console.log(`posted #${message.seq}: ${message.content}`);

  const page = historyPageSchema.parse(await call('GET', `/api/rooms/${room.id}/messages?limit=10`));
  console.log(`history of ${room.id}:`);
  for (const m of page.messages) console.log(`  #${m.seq} ${m.username}: ${m.content}`);
}

/** One request with the bearer token; resolves with the JSON answer, throws the server's error. */
async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  }).catch((error: unknown) => {
    throw new Error(
      `cannot reach ${url} (${error instanceof Error ? error.message : error}): is the server running?`,
    );
  });
  const answer: unknown = await response.json();
  if (response.ok) return answer;
  const failure = httpErrorSchema.safeParse(answer);
  const reason = failure.success ? `${failure.data.error.code}: ${failure.data.error.message}` : '';
  throw new Error(`${method} ${path} answered ${response.status} ${reason}`);
}

main().catch((error: unknown) => {
  console.error(`http-bot: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
