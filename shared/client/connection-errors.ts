import { ChatError, errorBodySchema, errorCodeSchema } from '../errors';

/**
 * A `connect_error` as the consumer sees it. The server refuses a handshake with `err.message` set to
 * an error code ("UNAUTHORIZED", "RATE_LIMITED") and the error body in `err.data`: that becomes a
 * ChatError. Anything else (the network, a proxy) stays the plain Error socket.io-client gave.
 */
export function connectionError(error: Error & { data?: unknown }): Error {
  const code = errorCodeSchema.safeParse(error.message);
  if (!code.success) return error;
  // `data` crossed the network: checked, not trusted.
  const body = errorBodySchema.safeParse(error.data);
  if (body.success && body.data.code === code.data) return ChatError.fromBody(body.data);
  return new ChatError(code.data, `the server refused the connection: ${code.data}`);
}
