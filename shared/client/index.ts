/** The typed browser and Node client: `import { createChatClient } from 'chat-service-contract/client'`. */
export * from './chat-client';
export * from './create-chat-client';
