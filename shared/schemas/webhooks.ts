import * as z from 'zod';
import { messageSchema, moderationEventSchema, reactionSchema } from './objects';
import {
  entityIdSchema,
  maxChars,
  onArrays,
  onStrings,
  textSchema,
  timestampSchema,
  userIdSchema,
} from './primitives';

/**
 * Outgoing webhooks: the hooks a room's owner (or, for every room, an admin) registers, the events
 * they receive, and the delivery log. Deliveries are signed by the Standard Webhooks specification
 * (https://www.standardwebhooks.com): see docs/webhooks.md.
 */

/** The events a hook can subscribe to: what changed in a room. */
export const WEBHOOK_EVENT_TYPES = [
  'message.new',
  'message.updated',
  'message.deleted',
  'reaction.updated',
  'member.joined',
  'member.left',
  'member.moderated',
] as const;
export const webhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof webhookEventTypeSchema>;

/** Longest URL a hook may have (in characters, as normalized by the URL parser). */
export const WEBHOOK_URL_MAX = 2048;
export const WEBHOOK_DESCRIPTION_MAX = 500;
/** Hook lists and delivery logs: page sizes. */
export const WEBHOOK_PAGE_MAX = 100;
export const WEBHOOK_PAGE_DEFAULT = 50;
/** Random bytes in a signing secret: at least this many (24 bytes = 192 bits), at most the second. */
export const WEBHOOK_SECRET_MIN_BYTES = 24;
export const WEBHOOK_SECRET_MAX_BYTES = 64;

/**
 * An absolute http(s) URL without credentials: a user name or password in the URL would be shown
 * to everyone who may read the hook, and the signature already proves who sent a delivery.
 */
export const webhookUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' })
  .max(WEBHOOK_URL_MAX, onStrings())
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.username === '' && url.password === '';
    } catch {
      return false;
    }
  }, 'must not contain a user name or password');

/** Bytes a base64 string (with its `=` padding) decodes to; undefined when it is not base64. */
function base64Bytes(value: string): number | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return undefined;
  return (value.length / 4) * 3 - (value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0);
}

/** `whsec_` and the base64 of 24-64 random bytes: the secret format of the Standard Webhooks libraries. */
export const webhookSecretSchema = z
  .string()
  .max(100, onStrings())
  .refine((value) => {
    if (!value.startsWith('whsec_')) return false;
    const bytes = base64Bytes(value.slice('whsec_'.length));
    return bytes !== undefined && bytes >= WEBHOOK_SECRET_MIN_BYTES && bytes <= WEBHOOK_SECRET_MAX_BYTES;
  }, `must be "whsec_" followed by the base64 of ${WEBHOOK_SECRET_MIN_BYTES}-${WEBHOOK_SECRET_MAX_BYTES} random bytes`);

/** The event types, each once, in the order given. */
const eventListSchema = z
  .array(webhookEventTypeSchema)
  .min(1, onArrays('must name at least one event'))
  .max(WEBHOOK_EVENT_TYPES.length * 2, onArrays())
  .transform((events) => [...new Set(events)]);

const descriptionSchema = maxChars(textSchema().trim(), WEBHOOK_DESCRIPTION_MAX);

/** A hook as its owners see it. The signing secret is shown once, in the answer that creates it. */
export const webhookSchema = z.object({
  id: entityIdSchema,
  url: z.string(),
  events: z.array(webhookEventTypeSchema),
  /** The room whose events it receives; null: every room (a service-wide hook, admins only). */
  room_id: entityIdSchema.nullable(),
  description: z.string().nullable(),
  /** False once a delivery used up its attempts: nothing more is sent until it is set true again. */
  active: z.boolean(),
  /** When it was last marked failing; null while healthy. */
  failing_since: timestampSchema.nullable(),
  created_by: userIdSchema,
  created_at: timestampSchema,
  updated_at: timestampSchema,
});
export type Webhook = z.infer<typeof webhookSchema>;

/** The answer to creating a hook: the hook and its signing secret, which is never shown again. */
export const createdWebhookSchema = webhookSchema.extend({ secret: z.string() });
export type CreatedWebhook = z.infer<typeof createdWebhookSchema>;

export const webhookListSchema = z.object({
  webhooks: z.array(webhookSchema),
  /** Pass back as `cursor` for the next page; null on the last one. */
  next_cursor: z.string().nullable(),
});
export type WebhookList = z.infer<typeof webhookListSchema>;

export const webhookDeliveryStatusSchema = z.enum(['pending', 'delivered', 'failed']);
export type WebhookDeliveryStatus = z.infer<typeof webhookDeliveryStatusSchema>;

/** One event sent (or to be sent) to one hook: an entry of its delivery log. */
export const webhookDeliverySchema = z.object({
  /** Also the `webhook-id` header, the same on every attempt: receivers drop repeats by it. */
  id: entityIdSchema,
  webhook_id: entityIdSchema,
  room_id: entityIdSchema,
  type: webhookEventTypeSchema,
  status: webhookDeliveryStatusSchema,
  attempts: z.number().int().nonnegative(),
  created_at: timestampSchema,
  /** When the next attempt is due; null unless pending. */
  next_attempt_at: timestampSchema.nullable(),
  last_attempt_at: timestampSchema.nullable(),
  /** The receiver's HTTP status on the last attempt; null when none came (refused, timed out). */
  last_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  delivered_at: timestampSchema.nullable(),
  /** The JSON body exactly as sent (and signed) on every attempt. */
  payload: z.string(),
});
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

export const webhookDeliveryListSchema = z.object({
  deliveries: z.array(webhookDeliverySchema),
  next_cursor: z.string().nullable(),
});
export type WebhookDeliveryList = z.infer<typeof webhookDeliveryListSchema>;

// ---- What a receiver gets: the body of each delivery -----------------------------------------

const messageEvent = <T extends 'message.new' | 'message.updated' | 'message.deleted'>(type: T) =>
  z.object({
    type: z.literal(type),
    /** When the change happened. */
    timestamp: timestampSchema,
    data: z.object({ room_id: entityIdSchema, message: messageSchema }),
  });

const memberEvent = <T extends 'member.joined' | 'member.left'>(type: T) =>
  z.object({
    type: z.literal(type),
    timestamp: timestampSchema,
    data: z.object({ room_id: entityIdSchema, user_id: userIdSchema }),
  });

/**
 * The body of a delivery. `message.*`: the message as it is when the delivery is made (a deleted
 * one as its tombstone); `reaction.updated`: the message's reactions and the room version of the
 * change; `member.*`: who joined or left.
 */
export const webhookEventSchema = z.discriminatedUnion('type', [
  messageEvent('message.new'),
  messageEvent('message.updated'),
  messageEvent('message.deleted'),
  z.object({
    type: z.literal('reaction.updated'),
    timestamp: timestampSchema,
    data: z.object({
      room_id: entityIdSchema,
      message_id: entityIdSchema,
      reactions: z.array(reactionSchema),
      version: z.number().int().nonnegative(),
    }),
  }),
  memberEvent('member.joined'),
  memberEvent('member.left'),
  /** A moderation action: the record, as `room:moderated` announces it. */
  z.object({ type: z.literal('member.moderated'), timestamp: timestampSchema, data: moderationEventSchema }),
]);
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

// ---- Requests ----------------------------------------------------------------------------------

export const createWebhookRequestSchema = z.strictObject({
  url: webhookUrlSchema,
  events: eventListSchema,
  /** Absent or null: a service-wide hook, which needs the `admin` claim. */
  room_id: entityIdSchema.nullish(),
  /** Absent: one is generated (and returned once). */
  secret: webhookSecretSchema.optional(),
  description: descriptionSchema.nullish(),
});
export type CreateWebhookRequest = z.output<typeof createWebhookRequestSchema>;

export const updateWebhookRequestSchema = z
  .strictObject({
    url: webhookUrlSchema.optional(),
    events: eventListSchema.optional(),
    secret: webhookSecretSchema.optional(),
    description: descriptionSchema.nullable().optional(),
    /** true: resumes a failing hook (its waiting deliveries go out, in order). */
    active: z.boolean().optional(),
  })
  .refine((change) => Object.values(change).some((v) => v !== undefined), 'must change at least one field');
export type UpdateWebhookRequest = z.output<typeof updateWebhookRequestSchema>;

/** A query-string number: digits only, so "", "1e3" and "-1" are refused instead of coerced. */
const queryPageLimit = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a whole number')
  .transform(Number)
  .pipe(z.number().int().min(1).max(WEBHOOK_PAGE_MAX));

const cursorSchema = entityIdSchema.describe('The `next_cursor` of the previous page; absent for the first.');

export const webhookListQuerySchema = z.strictObject({
  /** A room's hooks; absent: the service-wide hooks (admins only). */
  room_id: entityIdSchema.optional(),
  limit: queryPageLimit.optional(),
  cursor: cursorSchema.optional(),
});
export type WebhookListQuery = z.output<typeof webhookListQuerySchema>;

export const webhookDeliveryQuerySchema = z.strictObject({
  limit: queryPageLimit.optional(),
  cursor: cursorSchema.optional(),
});
export type WebhookDeliveryQuery = z.output<typeof webhookDeliveryQuerySchema>;

export const webhookIdParamSchema = z.strictObject({ id: entityIdSchema });
export const webhookDeliveryParamsSchema = z.strictObject({
  id: entityIdSchema,
  delivery_id: entityIdSchema,
});
