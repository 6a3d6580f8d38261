/**
 * The typed client: creates a room, sends a message, reads the history, then disconnects. Every
 * method takes its event's payload object and resolves with the ack's data, or rejects with a
 * ChatError whose `code` is the server's.
 *
 *   export CHAT_TOKEN=$(npm run -s token -- alice Alice)
 *   npx tsx examples/typed-client.ts
 */
import { randomUUID } from 'node:crypto';
import { ChatError } from 'chat-service-contract';
import { createChatClient } from 'chat-service-contract/client';

const url = process.env.CHAT_URL || 'http://127.0.0.1:3002';
const token = process.env.CHAT_TOKEN;

async function main(): Promise<void> {
  if (!token) {
    console.error('CHAT_TOKEN is not set. Mint a token for the server, export it, and run again:');
    console.error('  export CHAT_TOKEN=$(npm run -s token -- alice Alice)');
    process.exitCode = 1;
    return;
  }
  const client = createChatClient({ url, token, ackTimeoutMs: 5000 });
  try {
    // Connected, or the reason it could not (a refused token is a ChatError with code UNAUTHORIZED).
    await new Promise<void>((resolve, reject) => {
      client.on('connected', resolve);
      client.on('error', (error) =>
        reject(
          error instanceof ChatError
            ? error
            : new Error(`cannot connect to ${url} (${error.message}): is the server running?`),
        ),
      );
    });
    console.log(`connected to ${url}`);
    // Followed rooms deliver every message once and in seq order, across reconnections.
    client.on('message:new', (m) => console.log(`received #${m.seq} from ${m.username}: ${m.content}`));

    const room = await client.createRoom({ name: 'typed-client' }); // and follows it
    console.log(`created room ${room.id} "${room.name}"`);
    const sent = await client.sendMessage({
      room_id: room.id,
      content: 'hello from typed-client',
      client_id: randomUUID(),
    });
    console.log(`sent #${sent.seq}`);
    const page = await client.history({ room_id: room.id, limit: 10 });
    console.log(`history: ${page.messages.map((m) => `#${m.seq} ${m.content}`).join(', ')}`);
  } finally {
    client.close(); // disconnects for good: the process ends by itself
    console.log('disconnected');
  }
}

main().catch((error: unknown) => {
  const code = error instanceof ChatError ? ` [${error.code}]` : '';
  console.error(`typed-client${code}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
