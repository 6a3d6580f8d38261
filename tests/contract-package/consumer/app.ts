/**
 * A client app as a user of the packed `chat-service-contract` writes it: copied into a fresh
 * project by pack.test.ts, type-checked there against the installed tarball and bundled for a
 * browser. Never run (it needs a server); its types must hold and its imports must resolve.
 */
import {
  ChatError,
  ErrorCode,
  messageSchema,
  type ClientToServerEvents,
  type Message,
  type ServerToClientEvents,
} from 'chat-service-contract';
import { createChatClient, type ChatClient } from 'chat-service-contract/client';

type SendPayload = Parameters<ClientToServerEvents['message:send']>[0];

// The event maps type a handler exactly as the server sends and expects the payloads.
const onMessage: ServerToClientEvents['message:new'] = (message) => {
  const checked: Message = messageSchema.parse(message);
  console.log(`#${checked.seq} ${checked.content}`);
};

// The types are real, not `any`: a wrong payload does not compile.
// @ts-expect-error content is a string
export const wrongPayload: SendPayload = { room_id: 'r1', content: 42 };

export async function chat(url: string, token: string): Promise<Message | undefined> {
  const client: ChatClient = createChatClient({ url, token });
  client.on('message:new', onMessage);
  try {
    const room = await client.createRoom({ name: 'general' });
    return await client.sendMessage({ room_id: room.id, content: 'hello' });
  } catch (error) {
    if (error instanceof ChatError && error.code === ErrorCode.RATE_LIMITED) return undefined;
    throw error;
  } finally {
    client.close();
  }
}
