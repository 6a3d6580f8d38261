import * as z from 'zod';
import { errorBodySchema } from '../errors';
import { serverEvents, type ServerEventName } from '../events';
import type { Limits } from '../limits';
import { messageSchema } from './objects';
import { createPayloadSchemas } from './payloads';
import { isHttpUrl, maxChars, onStrings, textSchema } from './primitives';

/**
 * The plain WebSocket endpoint `/ws/{room_id}` (the seed's, for clients without Socket.IO): one
 * connection per room, JSON text frames with a `type`. This file is its contract.
 */

/** Which Socket.IO broadcast each server frame mirrors; the frame's `data` is that event's payload. */
export const PLAIN_WS_BROADCASTS = {
  'message:new': 'message',
  'message:updated': 'message_updated',
  'message:deleted': 'message_deleted',
  'reaction:updated': 'reaction_updated',
  'typing:update': 'typing_update',
  'room:user_joined': 'user_joined',
  'room:users_joined': 'users_joined',
  'room:user_left': 'user_left',
  'receipt:updated': 'receipt_updated',
  'presence:update': 'presence_update',
  'presence:updates': 'presence_updates',
} as const satisfies Partial<Record<ServerEventName, string>>;
export type PlainWsBroadcastEvent = keyof typeof PLAIN_WS_BROADCASTS;

/** Close codes the server uses besides the standard ones (1001 shutdown, 1009 frame too large). */
export const PlainWsCloseCode = {
  /** The token expired while connected: reconnect with a fresh one. */
  UNAUTHORIZED: 4401,
  /** The user left the room (from any connection or the HTTP API). */
  LEFT_ROOM: 4403,
} as const;

/** Echoed in the answer (pong, ack or error) to the frame that carried it, to pair them up. */
export const plainWsRequestIdSchema = maxChars(textSchema().min(1, onStrings()), 64);

function broadcastFrame<E extends PlainWsBroadcastEvent>(event: E) {
  return z.strictObject({ type: z.literal(PLAIN_WS_BROADCASTS[event]), data: serverEvents[event] });
}

/** Every frame the server sends. */
export const plainWsServerFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('pong'), request_id: plainWsRequestIdSchema.optional() }),
  /** The answer to a `message` frame: the stored message (the same one again for a `client_id` repeat). */
  z.strictObject({
    type: z.literal('ack'),
    request_id: plainWsRequestIdSchema.optional(),
    data: messageSchema,
  }),
  z.strictObject({
    type: z.literal('error'),
    request_id: plainWsRequestIdSchema.optional(),
    error: errorBodySchema,
  }),
  broadcastFrame('message:new'),
  broadcastFrame('message:updated'),
  broadcastFrame('message:deleted'),
  broadcastFrame('reaction:updated'),
  broadcastFrame('typing:update'),
  broadcastFrame('room:user_joined'),
  broadcastFrame('room:users_joined'),
  broadcastFrame('room:user_left'),
  broadcastFrame('receipt:updated'),
  broadcastFrame('presence:update'),
  broadcastFrame('presence:updates'),
]);
export type PlainWsServerFrame = z.infer<typeof plainWsServerFrameSchema>;
export type PlainWsServerFrameType = PlainWsServerFrame['type'];

/**
 * Frames a client sends, built for a set of limits like the Socket.IO payloads. The room is the
 * connection's; the fields are those of `POST /api/messages` and `POST /api/typing` without
 * `room_id` (so the seed's optional `user_id` / `username` are accepted on the same terms).
 */
export function createPlainWsSchemas(limits: Limits) {
  const p = createPayloadSchemas(limits);
  const { room_id: _messageRoom, ...messageFields } = p.messageRequest.shape;
  const { room_id: _typingRoom, ...typingFields } = p.typingRequest.shape;
  const request_id = plainWsRequestIdSchema.optional();
  return {
    clientFrame: z.discriminatedUnion(
      'type',
      [
        z.strictObject({ type: z.literal('ping'), request_id }),
        z.strictObject({ type: z.literal('typing'), request_id, ...typingFields }),
        z
          .strictObject({ type: z.literal('message'), request_id, ...messageFields })
          .superRefine(attachmentNeedsUrl),
      ],
      {
        error: (issue) =>
          isPlainObject(issue.input) ? 'must be "ping", "typing" or "message"' : 'must be a JSON object',
      },
    ),
  };
}
export type PlainWsSchemas = ReturnType<typeof createPlainWsSchemas>;
export type PlainWsClientFrame = z.input<PlainWsSchemas['clientFrame']>;

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** As for `message:send`: an image or file message's content is its http(s) URL. */
function attachmentNeedsUrl(value: { message_type: string; content: string }, ctx: z.RefinementCtx): void {
  if (value.message_type !== 'text' && !isHttpUrl(value.content)) {
    ctx.addIssue({
      code: 'custom',
      path: ['content'],
      message: `must be an http(s) URL when message_type is "${value.message_type}"`,
    });
  }
}
