/** The public contract of chat-service, published as the package `chat-service-contract`. */
export * from './errors';
export * from './events';
export * from './limits';
export * from './schemas/objects';
export * from './schemas/payloads';
export * from './schemas/plain-ws';
export * from './schemas/primitives';
export * from './schemas/webhooks';
