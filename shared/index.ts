/** The public contract of chat-service: import it as `chat-service/shared`. */
export * from './errors';
export * from './events';
export * from './limits';
export * from './schemas/objects';
export * from './schemas/payloads';
export * from './schemas/plain-ws';
export * from './schemas/primitives';
