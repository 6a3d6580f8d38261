import { z } from 'zod';
import type { ErrorCode } from '../../shared/errors';
import {
  MUTE_MAX_MS,
  MUTE_MIN_MS,
  PINS_PER_ROOM_MAX,
  ROOM_MEMBERS_SHOWN,
  SEARCH_DEPTH_MAX,
  SEARCH_PAGE_DEFAULT,
  SEARCH_PAGE_MAX,
} from '../../shared/limits';
import {
  healthSchema,
  changesPageSchema,
  historyPageSchema,
  inviteListSchema,
  memberListSchema,
  mentionListSchema,
  messageSchema,
  moderationEventSchema,
  pinListSchema,
  presenceListSchema,
  reactionsStateSchema,
  readStateSchema,
  roomDetailSchema,
  roomListSchema,
  searchPageSchema,
  typingStateSchema,
} from '../../shared/schemas/objects';
import type { PayloadSchemas } from '../../shared/schemas/payloads';
import {
  createdWebhookSchema,
  createWebhookRequestSchema,
  updateWebhookRequestSchema,
  webhookDeliveryListSchema,
  webhookDeliveryParamsSchema,
  webhookDeliveryQuerySchema,
  webhookDeliverySchema,
  webhookIdParamSchema,
  webhookListQuerySchema,
  webhookListSchema,
  webhookSchema,
} from '../../shared/schemas/webhooks';
import { WEBHOOKS_PER_SCOPE_MAX } from '../domain/webhooks';
import { DEFAULT_RATE_BUDGETS as BUDGET } from '../domain/rate-limits';
import { livenessSchema, readinessSchema } from './health-schemas';

export type Tag = 'Rooms' | 'Messages' | 'Activity' | 'Moderation' | 'Webhooks' | 'Service';

export const TAGS: Readonly<Record<Tag, string>> = {
  Rooms:
    'Create, list, read, join, leave and invite to rooms; direct messages; pending invitations; read positions.',
  Messages: 'Post, read, edit and delete messages; history and threads; mentions, search and pins.',
  Activity: 'Typing indicators, reactions and presence.',
  Moderation:
    'Roles, removals, bans and mutes: the room’s owner and its moderators keep order. See docs/conversations.md.',
  Webhooks:
    'Outgoing webhooks: signed HTTP POSTs of a room’s changes (Standard Webhooks), their delivery log and redelivery. See docs/webhooks.md.',
  Service: 'Health, readiness, metrics and this document. No token needed.',
};

export interface Answer {
  status: number;
  description: string;
  schema?: z.ZodType;
  /** application/json unless said otherwise. */
  mediaType?: string;
}

/** One operation as the server serves it; openapi-document.ts turns it into OpenAPI. */
export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI form (`{room_id}`), relative to the server root. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: Tag;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  answers: Answer[];
  /**
   * When each error happens on this route. Under /api, UNAUTHORIZED, RATE_LIMITED and
   * INTERNAL_ERROR are added to every operation, and VALIDATION_ERROR / PAYLOAD_TOO_LARGE to
   * every operation that takes input; a reason given here replaces the generic one.
   */
  errors?: Partial<Record<ErrorCode, string>>;
}

const NOT_VISIBLE = 'the room does not exist or is private and the caller is not a member';
const MESSAGE_NOT_VISIBLE = 'the message does not exist or is in a private room the caller is not in';
const NOT_MEMBER = 'the room is public but the caller has not joined it';
const NOT_INVITED = 'the room does not exist, or is private and the caller is neither a member nor invited';
const OR_UNAUTHENTICATED = 'or too many failed authentications from this address';
const READ_LIMITED = `more than the per-user read budget (default ${BUDGET.readsPerSecond} a second, socket and HTTP together), ${OR_UNAUTHENTICATED}`;
const MEMBERSHIP_LIMITED = `more than the per-user membership budget (joins, leaves, declines, read positions and moderation; default ${BUDGET.membershipPerSecond} a second), ${OR_UNAUTHENTICATED}`;
const INVITE_LIMITED = `more than the per-user invite budget (one point per distinct user invited; default ${BUDGET.invitesPerMinute} a minute), ${OR_UNAUTHENTICATED}`;
const MESSAGE_LIMITED = `more than the per-user message budget (default ${BUDGET.messagesPerSecond} a second, socket and HTTP together), ${OR_UNAUTHENTICATED}`;
const MUTED = 'the caller is muted in the room (the message says until when)';
const IN_A_DM = 'a direct message has no moderation';
const MODERATOR_ONLY = 'the caller is neither the owner nor a moderator of the room';
const NOT_A_MEMBER_TARGET = '`user_id` is not a member of the room (`details[].field` = `user_id`)';

/** The routes under /api (server/http/routes/*-routes.ts, mounted at /api behind the token check). */
export function apiRoutes(p: PayloadSchemas): RouteDoc[] {
  return [
    {
      method: 'post',
      path: '/api/rooms',
      operationId: 'createRoom',
      summary: 'Create a room',
      description:
        'The caller becomes its owner and only member. Each of `invited_users` gets a pending invitation (`room:invited`) and becomes a member only by joining; the answer shows members only, the same whether an invited id exists or not.',
      tag: 'Rooms',
      body: p.createRoomRequest,
      answers: [{ status: 201, description: 'The new room, with its members.', schema: roomDetailSchema }],
      errors: {
        FORBIDDEN: '`creator_id` is given and differs from the token’s subject',
        RATE_LIMITED: `more than the per-user room budget (default ${BUDGET.roomsPerMinute} a minute) or invite budget (one point per invitee; default ${BUDGET.invitesPerMinute} a minute), ${OR_UNAUTHENTICATED}`,
      },
    },
    {
      method: 'get',
      path: '/api/rooms',
      operationId: 'listRooms',
      summary: 'List rooms',
      description:
        'Every public room and the private rooms the caller is a member of, oldest first, a page at a time: pass `next_cursor` back as `cursor` for the next page.',
      tag: 'Rooms',
      query: p.pageQuery,
      answers: [{ status: 200, description: 'A page of rooms.', schema: roomListSchema }],
      errors: { RATE_LIMITED: READ_LIMITED },
    },
    {
      method: 'get',
      path: '/api/invites',
      operationId: 'listInvites',
      summary: 'List the caller’s pending invitations',
      description:
        'Oldest first, a page at a time: pass `next_cursor` back as `cursor` for the next page. Accept one by joining the room; decline it with `POST /api/rooms/{room_id}/decline`.',
      tag: 'Rooms',
      query: p.pageQuery,
      answers: [{ status: 200, description: 'A page of invitations.', schema: inviteListSchema }],
      errors: { RATE_LIMITED: READ_LIMITED },
    },
    {
      method: 'get',
      path: '/api/rooms/{room_id}',
      operationId: 'getRoom',
      summary: 'Get a room with its members',
      description: `The first ${ROOM_MEMBERS_SHOWN} members by \`joined_at\`; \`member_count\` counts them all, and \`GET /api/rooms/{room_id}/members\` pages through them.`,
      tag: 'Rooms',
      params: p.roomIdParam,
      answers: [{ status: 200, description: 'The room.', schema: roomDetailSchema }],
      errors: { NOT_FOUND: NOT_VISIBLE, RATE_LIMITED: READ_LIMITED },
    },
    {
      method: 'get',
      path: '/api/rooms/{room_id}/members',
      operationId: 'listRoomMembers',
      summary: 'List a room’s members',
      description:
        'Longest-standing first, a page at a time: pass `next_cursor` back as `cursor` for the next page. Online flags are shown to members only. A public room’s members are readable by anyone signed in.',
      tag: 'Rooms',
      params: p.roomIdParam,
      query: p.memberPageQuery,
      answers: [{ status: 200, description: 'A page of members.', schema: memberListSchema }],
      errors: { NOT_FOUND: NOT_VISIBLE, RATE_LIMITED: READ_LIMITED },
    },
    {
      method: 'post',
      path: '/api/rooms/{room_id}/join',
      operationId: 'joinRoom',
      summary: 'Join a room, or accept an invitation to it',
      description:
        'Idempotent. Joining accepts the caller’s pending invitation, if any. A private room can be joined only with one (and is invisible otherwise). A user banned from the room cannot join it.',
      tag: 'Rooms',
      params: p.roomIdParam,
      answers: [{ status: 200, description: 'The room, the caller now a member.', schema: roomDetailSchema }],
      errors: {
        FORBIDDEN: 'the caller is banned from this public room',
        NOT_FOUND: `${NOT_INVITED} (a private room the caller is banned from answers this too)`,
        RATE_LIMITED: MEMBERSHIP_LIMITED,
      },
    },
    {
      method: 'post',
      path: '/api/rooms/{room_id}/leave',
      operationId: 'leaveRoom',
      summary: 'Leave a room',
      description:
        'Idempotent. When the last owner leaves, the longest-standing member becomes owner (announced as `room:updated`). A direct message cannot be left.',
      tag: 'Rooms',
      params: p.roomIdParam,
      answers: [{ status: 204, description: 'Left (or was not a member).' }],
      errors: {
        FORBIDDEN: 'the room is a direct message',
        NOT_FOUND: NOT_VISIBLE,
        RATE_LIMITED: MEMBERSHIP_LIMITED,
      },
    },
    {
      method: 'post',
      path: '/api/rooms/{room_id}/decline',
      operationId: 'declineInvite',
      summary: 'Decline an invitation',
      description:
        'Drops the caller’s pending invitation to the room; nobody is told. The room can invite again.',
      tag: 'Rooms',
      params: p.roomIdParam,
      answers: [{ status: 204, description: 'Declined.' }],
      errors: {
        NOT_FOUND: 'the caller has no pending invitation to this room',
        RATE_LIMITED: MEMBERSHIP_LIMITED,
      },
    },
    {
      method: 'post',
      path: '/api/rooms/{room_id}/invite',
      operationId: 'inviteToRoom',
      summary: 'Invite users to a room (owner only)',
      description:
        'Each invitee gets a pending invitation (`room:invited`) and becomes a member only by joining. Inviting a member, a pending invitee or a user banned from the room does nothing; the answer shows members only, the same whether an invited id exists or not.',
      tag: 'Rooms',
      params: p.roomIdParam,
      body: p.inviteRequest,
      answers: [{ status: 200, description: 'The room with its members.', schema: roomDetailSchema }],
      errors: {
        FORBIDDEN: 'the caller is not an owner of the room, or the room is a direct message',
        NOT_FOUND: NOT_VISIBLE,
        RATE_LIMITED: INVITE_LIMITED,
      },
    },
    {
      method: 'post',
      path: '/api/rooms/{room_id}/read',
      operationId: 'markRoomRead',
      summary: 'Move the caller’s read position',
      description:
        'Only moves forward: a `seq` at or below the current position answers the current state; one beyond the last message is clamped to it.',
      tag: 'Rooms',
      params: p.roomIdParam,
      body: p.readRequest,
      answers: [{ status: 200, description: 'The caller’s read state.', schema: readStateSchema }],
      errors: { FORBIDDEN: NOT_MEMBER, NOT_FOUND: NOT_VISIBLE, RATE_LIMITED: MEMBERSHIP_LIMITED },
    },
    {
      method: 'post',
      path: '/api/messages',
      operationId: 'sendMessage',
      summary: 'Post a message',
      description:
        'Answers once the message is stored; it then reaches every member socket as `message:new`. A repeated `client_id` (same user and room) returns the stored message with 200 and broadcasts nothing. Each member named as `@user_id` in a text message is listed in `mentions` and gets `mention:new`.',
      tag: 'Messages',
      body: p.messageRequest,
      answers: [
        { status: 201, description: 'The stored message.', schema: messageSchema },
        {
          status: 200,
          description: 'The message stored earlier with the same `client_id`.',
          schema: messageSchema,
        },
      ],
      errors: {
        FORBIDDEN: `\`user_id\` is given and differs from the token’s subject, ${NOT_MEMBER}, or ${MUTED}`,
        NOT_FOUND: `${NOT_VISIBLE}, or \`parent_id\` is not a message of this room`,
        RATE_LIMITED: MESSAGE_LIMITED,
      },
    },
    {
      method: 'get',
      path: '/api/rooms/{room_id}/messages',
      operationId: 'listMessages',
      summary: 'Read a room’s history',
      description:
        'Without a cursor: the newest `limit` messages, ascending. `before_seq` pages backwards the same way; `after_seq` returns the oldest `limit` after it (catch-up after a reconnect). `parent_id` restricts the page to that thread’s replies.',
      tag: 'Messages',
      params: p.roomIdParam,
      query: p.historyQuery,
      answers: [{ status: 200, description: 'A page of messages.', schema: historyPageSchema }],
      errors: { NOT_FOUND: `${NOT_VISIBLE}, or \`parent_id\` is not a message of this room` },
    },
    {
      method: 'get',
      path: '/api/rooms/{room_id}/changes',
      operationId: 'listChanges',
      summary: 'Read what changed in a room since a version (the change feed)',
      description:
        'Every message of the room changed after `after_version` (new, edited, deleted, reacted to, replied to, pinned, unpinned), each once in its current state, ascending by `version`. Page while `has_more`, passing the answer’s `version` back as `after_version`; after the last page keep `version` for the next sync. Versions rise by one with every change in the room, and every Message carries the version of its latest change.',
      tag: 'Messages',
      params: p.roomIdParam,
      query: p.changesQuery,
      answers: [{ status: 200, description: 'A page of changed messages.', schema: changesPageSchema }],
      errors: { NOT_FOUND: NOT_VISIBLE },
    },
    {
      method: 'get',
      path: '/api/messages/{id}',
      operationId: 'getMessage',
      summary: 'Get a message',
      description: 'A deleted message answers its tombstone.',
      tag: 'Messages',
      params: p.messageIdParam,
      answers: [{ status: 200, description: 'The message.', schema: messageSchema }],
      errors: { NOT_FOUND: MESSAGE_NOT_VISIBLE },
    },
    {
      method: 'patch',
      path: '/api/messages/{id}',
      operationId: 'editMessage',
      summary: 'Edit a message (author only)',
      description:
        'Its `mentions` are read again from the new content; only members it newly mentions get `mention:new`.',
      tag: 'Messages',
      params: p.messageIdParam,
      body: p.editRequest,
      answers: [{ status: 200, description: 'The edited message.', schema: messageSchema }],
      errors: {
        VALIDATION_ERROR:
          'the body is not a valid edit: empty or too long content, unknown fields, or content that is not an http(s) URL for an `image` or `file` message',
        FORBIDDEN: `the caller is not the author, or no longer a member of the room, or ${MUTED}`,
        NOT_FOUND: MESSAGE_NOT_VISIBLE,
        CONFLICT: 'the message is deleted',
        RATE_LIMITED: MESSAGE_LIMITED,
      },
    },
    {
      method: 'delete',
      path: '/api/messages/{id}',
      operationId: 'deleteMessage',
      summary: 'Delete a message (author, room owner or moderator)',
      description:
        'Leaves a tombstone with the same id and seq (its reactions, mentions and pin gone). Deleting twice is a no-op.',
      tag: 'Messages',
      params: p.messageIdParam,
      answers: [{ status: 204, description: 'Deleted.' }],
      errors: {
        FORBIDDEN:
          'the caller is neither the author nor the owner or a moderator of the room, or not a member',
        NOT_FOUND: MESSAGE_NOT_VISIBLE,
        RATE_LIMITED: MESSAGE_LIMITED,
      },
    },
    {
      method: 'post',
      path: '/api/typing',
      operationId: 'updateTyping',
      summary: 'Start or stop typing',
      description:
        'Broadcasts `typing:update` when the list changes. Over HTTP typing ends by timeout or by a sent message. A muted member’s typing is accepted and ignored.',
      tag: 'Activity',
      body: p.typingRequest,
      answers: [{ status: 200, description: 'Who is typing in the room now.', schema: typingStateSchema }],
      errors: {
        FORBIDDEN: `\`user_id\` is given and differs from the token’s subject, or ${NOT_MEMBER}`,
        NOT_FOUND: NOT_VISIBLE,
        RATE_LIMITED:
          'more than the per-user typing budget (default 10 a second, socket and HTTP together), or too many failed authentications from this address',
      },
    },
    {
      method: 'post',
      path: '/api/reactions',
      operationId: 'addReaction',
      summary: 'Add a reaction',
      description: 'One per user, message and emoji: adding twice is a no-op.',
      tag: 'Activity',
      body: p.reactionRequest,
      answers: [{ status: 200, description: 'The message’s reactions.', schema: reactionsStateSchema }],
      errors: {
        FORBIDDEN: `\`user_id\` is given and differs from the token’s subject, or the caller is not a member of the message’s room, or ${MUTED}`,
        NOT_FOUND: MESSAGE_NOT_VISIBLE,
        CONFLICT: 'the message is deleted',
      },
    },
    {
      method: 'delete',
      path: '/api/messages/{id}/reactions/{emoji}',
      operationId: 'removeReaction',
      summary: 'Remove the caller’s reaction',
      description:
        'The emoji (one emoji or a `:short_code:`) is URL-encoded in the path. Removing a reaction one has not made is a no-op.',
      tag: 'Activity',
      params: p.reactionParams,
      answers: [{ status: 200, description: 'The message’s reactions.', schema: reactionsStateSchema }],
      errors: {
        FORBIDDEN: `the caller is not a member of the message’s room, or ${MUTED}`,
        NOT_FOUND: MESSAGE_NOT_VISIBLE,
      },
    },
    {
      method: 'get',
      path: '/api/users/{user_id}/presence',
      operationId: 'getUserPresence',
      summary: 'Get a user’s presence',
      description: 'Visible only for users who share a room with the caller (and the caller).',
      tag: 'Activity',
      params: p.userIdParam,
      answers: [{ status: 200, description: 'The user’s presence.', schema: presenceListSchema }],
      errors: { NOT_FOUND: 'the user shares no room with the caller' },
    },
    {
      method: 'get',
      path: '/api/rooms/{room_id}/presence',
      operationId: 'getRoomPresence',
      summary: 'Get the presence of a room’s members',
      tag: 'Activity',
      params: p.roomIdParam,
      answers: [{ status: 200, description: 'Every member’s presence.', schema: presenceListSchema }],
      errors: { FORBIDDEN: NOT_MEMBER, NOT_FOUND: NOT_VISIBLE },
    },
    ...conversationRouteDocs(p),
    ...moderationRouteDocs(p),
    ...webhookRouteDocs(),
  ];
}

/** The routes outside /api (health-routes.ts, docs-routes.ts, the metrics route). No token. */
export const serviceRoutes: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/',
    operationId: 'getService',
    summary: 'Service name and version',
    description: 'The seed’s health check.',
    tag: 'Service',
    answers: [{ status: 200, description: 'The service answers.', schema: healthSchema }],
  },
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getLiveness',
    summary: 'Liveness',
    description: 'The process serves HTTP. Checks no dependency.',
    tag: 'Service',
    answers: [{ status: 200, description: 'Alive.', schema: livenessSchema }],
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness',
    description: 'Checks every dependency (storage, and Redis when configured), each within 2 seconds.',
    tag: 'Service',
    answers: [
      { status: 200, description: 'Every dependency answers.', schema: readinessSchema },
      {
        status: 503,
        description: 'A dependency does not answer; `checks` says which.',
        schema: readinessSchema,
      },
    ],
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    description: 'The OpenAPI document, generated from the same zod schemas the server validates with.',
    tag: 'Service',
    answers: [
      {
        status: 200,
        description: 'The OpenAPI 3.1 document.',
        schema: z.record(z.string(), z.unknown()),
      },
    ],
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    description: 'Metrics in the Prometheus text exposition format, for scraping.',
    tag: 'Service',
    answers: [
      {
        status: 200,
        description: 'The metrics.',
        schema: z.string(),
        mediaType: 'text/plain',
      },
    ],
  },
];

// ---- Webhooks -------------------------------------------------------------------------------

/** The webhook objects under the names both the document and docs/webhooks.md use (named once). */
const WEBHOOK_DOCS = {
  webhook: webhookSchema.meta({
    id: 'Webhook',
    description:
      'An outgoing webhook. `room_id` null: a service-wide hook (every room). `active` false: a delivery used up its attempts (`failing_since` says when); nothing more is sent until it is set true again. The signing secret is shown only when the hook is created.',
  }),
  created: createdWebhookSchema.meta({
    id: 'CreatedWebhook',
    description:
      'A new hook with its signing secret (`whsec_` and base64), shown this once: receivers verify each delivery with it.',
  }),
  list: webhookListSchema.meta({
    id: 'WebhookList',
    description:
      'A page of hooks, oldest first. `next_cursor`, passed back as `cursor`, asks for the next page; null on the last one.',
  }),
  delivery: webhookDeliverySchema.meta({
    id: 'WebhookDelivery',
    description:
      'One event for one hook. `id` is the `webhook-id` header, the same on every attempt; `payload` is the body exactly as sent and signed.',
  }),
  deliveries: webhookDeliveryListSchema.meta({
    id: 'WebhookDeliveryList',
    description:
      'A page of a hook’s deliveries, newest first. `next_cursor`, passed back as `cursor`, asks for the next page; null on the last one.',
  }),
  createRequest: createWebhookRequestSchema.meta({
    id: 'CreateWebhookRequest',
    description:
      'A new hook: where to POST, which events. With `room_id`, the room’s events (the caller must own the room); without, every room’s (the token needs `admin: true`). `secret` (`whsec_` and the base64 of 24-64 random bytes) is generated when absent.',
  }),
  updateRequest: updateWebhookRequestSchema.meta({
    id: 'UpdateWebhookRequest',
    description:
      'What to change; at least one field. `active: true` resumes a failing hook: its waiting deliveries go out, in order.',
  }),
};

const HOOK_NOT_VISIBLE = 'no such hook, or it is a hook of a private room the caller is not a member of';
const HOOK_FORBIDDEN =
  'the hook is a room’s and the caller is not an owner of the room (nor an admin), or it is service-wide and the token has no admin claim';
const REFUSED_URL =
  'the body breaks its schema (`details` names each field), or `url` is refused: not http(s), or its host is or resolves to a loopback, private, link-local, unique-local, carrier-grade NAT, multicast or reserved address that WEBHOOK_ALLOWED_HOSTS does not allow';

/** The routes of server/http/routes/webhook-routes.ts. */
function webhookRouteDocs(): RouteDoc[] {
  return [
    {
      method: 'post',
      path: '/api/webhooks',
      operationId: 'createWebhook',
      summary: 'Create a webhook',
      description: `It receives the changes made from its creation on (one made a moment before may be included). The URL is checked now and at every connection (server-side request forgery: see docs/webhooks.md). At most ${WEBHOOKS_PER_SCOPE_MAX} hooks per room, and ${WEBHOOKS_PER_SCOPE_MAX} service-wide.`,
      tag: 'Webhooks',
      body: WEBHOOK_DOCS.createRequest,
      answers: [
        {
          status: 201,
          description: 'The hook, with its secret (shown only here).',
          schema: WEBHOOK_DOCS.created,
        },
      ],
      errors: {
        VALIDATION_ERROR: REFUSED_URL,
        FORBIDDEN:
          'the caller is not an owner of the room, or (without `room_id`) the token has no admin claim',
        NOT_FOUND: NOT_VISIBLE,
        CONFLICT: `the room (or the service) already has ${WEBHOOKS_PER_SCOPE_MAX} hooks`,
        RATE_LIMITED: `more than the per-user room budget (default ${BUDGET.roomsPerMinute} a minute), ${OR_UNAUTHENTICATED}`,
      },
    },
    {
      method: 'get',
      path: '/api/webhooks',
      operationId: 'listWebhooks',
      summary: 'List a room’s webhooks, or the service-wide ones',
      description:
        'With `room_id`: that room’s hooks (its owners, and admins). Without: the service-wide hooks (admins). Oldest first, a page at a time.',
      tag: 'Webhooks',
      query: webhookListQuerySchema,
      answers: [{ status: 200, description: 'A page of hooks.', schema: WEBHOOK_DOCS.list }],
      errors: {
        FORBIDDEN:
          'the caller is not an owner of the room, or (without `room_id`) the token has no admin claim',
        NOT_FOUND: NOT_VISIBLE,
        RATE_LIMITED: READ_LIMITED,
      },
    },
    {
      method: 'get',
      path: '/api/webhooks/{id}',
      operationId: 'getWebhook',
      summary: 'Get a webhook',
      tag: 'Webhooks',
      params: webhookIdParamSchema,
      answers: [{ status: 200, description: 'The hook (without its secret).', schema: WEBHOOK_DOCS.webhook }],
      errors: { FORBIDDEN: HOOK_FORBIDDEN, NOT_FOUND: HOOK_NOT_VISIBLE, RATE_LIMITED: READ_LIMITED },
    },
    {
      method: 'patch',
      path: '/api/webhooks/{id}',
      operationId: 'updateWebhook',
      summary: 'Change a webhook, or resume a failing one',
      description:
        'A new `url` is checked as on creation. A new `secret` signs every attempt from now on, earlier deliveries’ retries included. `active: true` clears `failing_since` and resumes deliveries in order; `active: false` pauses them (they wait).',
      tag: 'Webhooks',
      params: webhookIdParamSchema,
      body: WEBHOOK_DOCS.updateRequest,
      answers: [{ status: 200, description: 'The changed hook.', schema: WEBHOOK_DOCS.webhook }],
      errors: {
        VALIDATION_ERROR: REFUSED_URL,
        FORBIDDEN: HOOK_FORBIDDEN,
        NOT_FOUND: HOOK_NOT_VISIBLE,
        RATE_LIMITED: READ_LIMITED,
      },
    },
    {
      method: 'delete',
      path: '/api/webhooks/{id}',
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook',
      description: 'Its deliveries and their log go with it; nothing more is sent.',
      tag: 'Webhooks',
      params: webhookIdParamSchema,
      answers: [{ status: 204, description: 'Deleted.' }],
      errors: { FORBIDDEN: HOOK_FORBIDDEN, NOT_FOUND: HOOK_NOT_VISIBLE, RATE_LIMITED: READ_LIMITED },
    },
    {
      method: 'get',
      path: '/api/webhooks/{id}/deliveries',
      operationId: 'listWebhookDeliveries',
      summary: 'A webhook’s delivery log',
      description:
        'Newest first, a page at a time: each delivery’s status (`pending`, `delivered`, `failed`), attempts, last answer or error, and the body sent.',
      tag: 'Webhooks',
      params: webhookIdParamSchema,
      query: webhookDeliveryQuerySchema,
      answers: [{ status: 200, description: 'A page of deliveries.', schema: WEBHOOK_DOCS.deliveries }],
      errors: { FORBIDDEN: HOOK_FORBIDDEN, NOT_FOUND: HOOK_NOT_VISIBLE, RATE_LIMITED: READ_LIMITED },
    },
    {
      method: 'post',
      path: '/api/webhooks/{id}/deliveries/{delivery_id}/redeliver',
      operationId: 'redeliverWebhookDelivery',
      summary: 'Send a delivery again',
      description:
        'The same event, id and body, due at once with its attempts counted afresh, whatever its status. On a failing hook this also resumes the hook.',
      tag: 'Webhooks',
      params: webhookDeliveryParamsSchema,
      answers: [{ status: 200, description: 'The delivery, pending again.', schema: WEBHOOK_DOCS.delivery }],
      errors: {
        FORBIDDEN: HOOK_FORBIDDEN,
        NOT_FOUND: `${HOOK_NOT_VISIBLE}, or no such delivery of this hook`,
        RATE_LIMITED: READ_LIMITED,
      },
    },
  ];
}

// ---- Direct messages, mentions, search and pins ---------------------------------------------

/** The routes of direct messages, mentions, search and pins (docs/conversations.md). */
function conversationRouteDocs(p: PayloadSchemas): RouteDoc[] {
  const pinForbidden =
    'the caller is neither the owner nor a moderator of the message’s room (in a direct message: not one of its two members)';
  return [
    {
      method: 'post',
      path: '/api/dms',
      operationId: 'openDirectMessage',
      summary: 'Open the direct message with a user',
      description:
        'The one private room of the caller and `user_id` (`is_dm: true`), created on the first call: both are members with role `member`, its name is their display names. Any other call answers the same room. Both users’ sockets join it; when it is created, each is sent `room:updated`. An unknown `user_id` is accepted, as for invitations. Nobody else can join it, be invited to it or leave it.',
      tag: 'Rooms',
      body: p.dmRequest,
      answers: [
        {
          status: 201,
          description: 'The new direct message, with its two members.',
          schema: roomDetailSchema,
        },
        { status: 200, description: 'The pair’s existing direct message.', schema: roomDetailSchema },
      ],
      errors: {
        VALIDATION_ERROR:
          'the body breaks its schema, or `user_id` is the caller’s own (`cannot open a direct message with yourself`)',
        RATE_LIMITED: `more than the per-user room budget (every call; default ${BUDGET.roomsPerMinute} a minute), ${OR_UNAUTHENTICATED}`,
      },
    },
    {
      method: 'get',
      path: '/api/mentions',
      operationId: 'listMentions',
      summary: 'List the messages that mention the caller',
      description:
        'Newest first, a page at a time: pass `next_cursor` back as `cursor` for the next page. Only rooms the caller is a member of now; deleted messages are left out. Each Room also counts its `unread_mentions`.',
      tag: 'Messages',
      query: p.pageQuery,
      answers: [{ status: 200, description: 'A page of messages.', schema: mentionListSchema }],
      errors: { RATE_LIMITED: READ_LIMITED },
    },
    {
      method: 'get',
      path: '/api/search',
      operationId: 'searchMessages',
      summary: 'Search messages',
      description: `Full-text search of the messages (not deleted) of the public rooms and the caller’s rooms, or of \`room_id\` only. Every word of \`q\` must match, by its stem (\`deploys\` finds \`deployed\`); case and accents do not matter. Best match first, newest first among equals; \`limit\` defaults to ${SEARCH_PAGE_DEFAULT} (at most ${SEARCH_PAGE_MAX}), and pages stop after ${SEARCH_DEPTH_MAX} results. \`highlight\` is HTML: the text escaped, each match in \`<mark>\`.`,
      tag: 'Messages',
      query: p.searchQuery,
      answers: [{ status: 200, description: 'A page of results.', schema: searchPageSchema }],
      errors: {
        VALIDATION_ERROR:
          'a query parameter breaks its schema: `q` empty, longer than 200 characters or without a word (letters or digits), a bad `limit` or `cursor` (`details` names it)',
        NOT_FOUND: `\`room_id\` is given and ${NOT_VISIBLE}`,
        RATE_LIMITED: READ_LIMITED,
      },
    },
    {
      method: 'put',
      path: '/api/messages/{id}/pin',
      operationId: 'pinMessage',
      summary: 'Pin a message (room owner or moderator)',
      description: `The message gets \`pinned_at\` and \`pinned_by\` and a new \`version\`; the room hears \`message:updated\`. Pinning a pinned message answers it unchanged and announces nothing. A room holds at most ${PINS_PER_ROOM_MAX} pins.`,
      tag: 'Messages',
      params: p.messageIdParam,
      answers: [{ status: 200, description: 'The pinned message.', schema: messageSchema }],
      errors: {
        FORBIDDEN: pinForbidden,
        NOT_FOUND: MESSAGE_NOT_VISIBLE,
        CONFLICT: `the message is deleted, or the room already has ${PINS_PER_ROOM_MAX} pinned messages (unpin one first)`,
        RATE_LIMITED: MESSAGE_LIMITED,
      },
    },
    {
      method: 'delete',
      path: '/api/messages/{id}/pin',
      operationId: 'unpinMessage',
      summary: 'Unpin a message (room owner or moderator)',
      description:
        'The message loses `pinned_at` and `pinned_by` and gets a new `version`; the room hears `message:updated`. Unpinning a message that is not pinned answers it unchanged and announces nothing.',
      tag: 'Messages',
      params: p.messageIdParam,
      answers: [{ status: 200, description: 'The message, no longer pinned.', schema: messageSchema }],
      errors: {
        FORBIDDEN: pinForbidden,
        NOT_FOUND: MESSAGE_NOT_VISIBLE,
        CONFLICT: 'the message is deleted',
        RATE_LIMITED: MESSAGE_LIMITED,
      },
    },
    {
      method: 'get',
      path: '/api/rooms/{room_id}/pins',
      operationId: 'listPins',
      summary: 'List a room’s pinned messages',
      description: `The most recently pinned first, all of them (at most ${PINS_PER_ROOM_MAX}). Readable by whoever may read the room’s history.`,
      tag: 'Messages',
      params: p.roomIdParam,
      answers: [{ status: 200, description: 'The pinned messages.', schema: pinListSchema }],
      errors: { NOT_FOUND: NOT_VISIBLE, RATE_LIMITED: READ_LIMITED },
    },
  ];
}

// ---- Moderation -----------------------------------------------------------------------------

/** The routes of server/http/routes for roles, removals, bans and mutes (docs/conversations.md). */
function moderationRouteDocs(p: PayloadSchemas): RouteDoc[] {
  const announced =
    'A change is announced as `room:moderated` to the room and to the target (on their own channel).';
  const unchanged = 'An action that changes nothing answers the event all the same and announces nothing.';
  return [
    {
      method: 'put',
      path: '/api/rooms/{room_id}/members/{user_id}/role',
      operationId: 'setMemberRole',
      summary: 'Make a member a moderator, or a moderator a member (owner only)',
      description: `\`moderator\` promotes, \`member\` demotes. ${announced} ${unchanged}`,
      tag: 'Moderation',
      params: p.memberParams,
      body: p.roleRequest,
      answers: [{ status: 200, description: 'The action.', schema: moderationEventSchema }],
      errors: {
        FORBIDDEN: `the caller is not the room’s owner, the target is the owner, or ${IN_A_DM}`,
        NOT_FOUND: `${NOT_VISIBLE}, or ${NOT_A_MEMBER_TARGET}`,
        RATE_LIMITED: MEMBERSHIP_LIMITED,
      },
    },
    {
      method: 'delete',
      path: '/api/rooms/{room_id}/members/{user_id}',
      operationId: 'removeMember',
      summary: 'Remove a member (owner or moderator)',
      description: `The member leaves as by a leave (\`room:user_left\`, their sockets leave the room) and may join again (a private room: when invited again). ${announced} Only the owner removes a moderator; nobody removes the owner.`,
      tag: 'Moderation',
      params: p.memberParams,
      answers: [{ status: 200, description: 'The action.', schema: moderationEventSchema }],
      errors: {
        VALIDATION_ERROR: 'a path parameter breaks its schema, or `user_id` is the caller’s own',
        FORBIDDEN: `${MODERATOR_ONLY}, the target is the owner, a moderator removes a moderator, or ${IN_A_DM}`,
        NOT_FOUND: `${NOT_VISIBLE}, or ${NOT_A_MEMBER_TARGET}`,
        RATE_LIMITED: MEMBERSHIP_LIMITED,
      },
    },
    {
      method: 'put',
      path: '/api/rooms/{room_id}/bans/{user_id}',
      operationId: 'banUser',
      summary: 'Ban a user from a room (owner or moderator)',
      description: `Any user id, member or not. A member is removed (as above); a pending invitation is dropped; the user can no longer join or be invited until unbanned. ${announced} Only the owner bans a moderator; nobody bans the owner. ${unchanged}`,
      tag: 'Moderation',
      params: p.memberParams,
      answers: [{ status: 200, description: 'The action.', schema: moderationEventSchema }],
      errors: {
        VALIDATION_ERROR: 'a path parameter breaks its schema, or `user_id` is the caller’s own',
        FORBIDDEN: `${MODERATOR_ONLY}, the target is the owner, a moderator bans a moderator, or ${IN_A_DM}`,
        NOT_FOUND: NOT_VISIBLE,
        RATE_LIMITED: MEMBERSHIP_LIMITED,
      },
    },
    {
      method: 'delete',
      path: '/api/rooms/{room_id}/bans/{user_id}',
      operationId: 'unbanUser',
      summary: 'Lift a ban (owner or moderator)',
      description: `Idempotent. The user may join (a public room) or be invited again; they are not made a member. ${announced} ${unchanged}`,
      tag: 'Moderation',
      params: p.memberParams,
      answers: [{ status: 200, description: 'The action.', schema: moderationEventSchema }],
      errors: {
        FORBIDDEN: `${MODERATOR_ONLY}, or ${IN_A_DM}`,
        NOT_FOUND: NOT_VISIBLE,
        RATE_LIMITED: MEMBERSHIP_LIMITED,
      },
    },
    {
      method: 'put',
      path: '/api/rooms/{room_id}/mutes/{user_id}',
      operationId: 'muteMember',
      summary: 'Mute a member for a while (owner or moderator)',
      description: `Until now + \`duration_ms\` (one second to thirty days: ${MUTE_MIN_MS} to ${MUTE_MAX_MS}), replacing an earlier mute: the member reads as before but cannot send, edit or react (\`FORBIDDEN\`), and their typing is ignored. ${announced} Only the owner mutes a moderator; nobody mutes the owner.`,
      tag: 'Moderation',
      params: p.memberParams,
      body: p.muteRequest,
      answers: [
        { status: 200, description: 'The action, with `muted_until`.', schema: moderationEventSchema },
      ],
      errors: {
        VALIDATION_ERROR:
          'the body or a path parameter breaks its schema (`duration_ms` out of range), or `user_id` is the caller’s own',
        FORBIDDEN: `${MODERATOR_ONLY}, the target is the owner, a moderator mutes a moderator, or ${IN_A_DM}`,
        NOT_FOUND: `${NOT_VISIBLE}, or ${NOT_A_MEMBER_TARGET}`,
        RATE_LIMITED: MEMBERSHIP_LIMITED,
      },
    },
    {
      method: 'delete',
      path: '/api/rooms/{room_id}/mutes/{user_id}',
      operationId: 'unmuteMember',
      summary: 'Lift a mute (owner or moderator)',
      description: `Idempotent. ${announced} ${unchanged}`,
      tag: 'Moderation',
      params: p.memberParams,
      answers: [{ status: 200, description: 'The action.', schema: moderationEventSchema }],
      errors: {
        FORBIDDEN: `${MODERATOR_ONLY}, a moderator lifts a moderator’s mute (the owner’s to lift), or ${IN_A_DM}`,
        NOT_FOUND: NOT_VISIBLE,
        RATE_LIMITED: MEMBERSHIP_LIMITED,
      },
    },
  ];
}
