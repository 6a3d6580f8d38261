/** The typed browser and Node client: `import { createChatClient } from 'chat-service/shared/client'`. */
export * from './chat-client';
export * from './create-chat-client';
