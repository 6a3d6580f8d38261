import type { ChatClient, ChatClientOptions } from './chat-client';

/** Creates a typed client of the `/chat` namespace (see `ChatClient`). */
export function createChatClient(_options: ChatClientOptions): ChatClient {
  throw new Error('createChatClient: not built yet');
}
