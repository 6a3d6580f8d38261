/**
 * The same package seen from CommonJS (`require`): pack.test.ts type-checks it with
 * moduleResolution node16 next to app.ts, so both `exports` conditions carry the types.
 */
import { ChatError, ErrorCode } from 'chat-service-contract';
import { createChatClient } from 'chat-service-contract/client';

export function connect(url: string, token: string): () => void {
  const client = createChatClient({ url, token, autoConnect: false });
  client.on('error', (error) => {
    if (error instanceof ChatError && error.code === ErrorCode.UNAUTHORIZED) client.close();
  });
  client.connect();
  return () => client.close();
}
