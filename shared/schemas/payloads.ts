import * as z from 'zod';
import { MUTE_MAX_MS, MUTE_MIN_MS, SEARCH_PAGE_MAX, SEARCH_QUERY_MAX, type Limits } from '../limits';
import {
  displayNameSchema,
  emojiSchema,
  entityIdSchema,
  isHttpUrl,
  maxChars,
  messageTypeSchema,
  onArrays,
  onStrings,
  seqSchema,
  textSchema,
  userIdSchema,
} from './primitives';
import { memberCursorSchema, pageCursorSchema, searchCursorSchema } from './page-cursor';

/**
 * Client payloads and HTTP bodies, built for a set of limits: the server builds them from its
 * configuration, clients use the defaults (see `payloads` in ./events). Unknown keys are refused.
 */
export function createPayloadSchemas(limits: Limits) {
  // Length bounds run on strings and arrays only, and count UTF-16 code units (see primitives).
  const content = maxChars(textSchema().trim().min(1, onStrings('must not be empty')), limits.contentMax);
  const roomName = maxChars(textSchema().trim().min(1, onStrings('must not be empty')), limits.roomNameMax);
  const description = maxChars(textSchema().trim(), limits.descriptionMax);
  const clientId = maxChars(textSchema().min(1, onStrings()), limits.clientIdMax);
  const userIds = (max: number) => z.array(userIdSchema).max(max, onArrays());
  const historyLimit = z.number().int().min(1).max(limits.historyMax);
  const cursor = z.number().int().nonnegative();
  // Room lists, pending-invite lists and member lists share one page size.
  const pageLimit = z.number().int().min(1).max(limits.roomListMax);

  const roomCreateShape = {
    name: roomName,
    description: description.nullish(),
    is_private: z.boolean().default(false),
    invited_users: userIds(limits.invitedUsersMax).default([]),
  };

  const messageSendShape = {
    room_id: entityIdSchema,
    content,
    message_type: messageTypeSchema.default('text'),
    parent_id: entityIdSchema.nullish(),
    client_id: clientId.nullish(),
  };

  const typingShape = { room_id: entityIdSchema, is_typing: z.boolean() };
  const reactionShape = { message_id: entityIdSchema, emoji: emojiSchema(limits.emojiMax) };

  /**
   * The seed's optional identity fields: when present they must match the token (checked by the
   * HTTP adapter). The contract compares them as strings, so the seed's numeric ids are accepted.
   */
  // Any value is compared with the token's subject as a string: a mismatch is FORBIDDEN, not invalid.
  const seedUserId = z.union([z.string().max(256, onStrings()), z.number()]).transform(String);
  const seedIdentity = { user_id: seedUserId.optional(), username: displayNameSchema.optional() };

  const historyFilter = {
    before_seq: cursor.nullish(),
    after_seq: cursor.nullish(),
    limit: historyLimit.nullish(),
    parent_id: entityIdSchema.nullish(),
  };

  const query = maxChars(textSchema().trim().min(1, onStrings('must not be empty')), SEARCH_QUERY_MAX);
  const searchLimit = z.number().int().min(1).max(SEARCH_PAGE_MAX);
  const muteDuration = z.number().int().min(MUTE_MIN_MS).max(MUTE_MAX_MS);
  /** The roles the owner gives: the owner's own role is never given, only inherited. */
  const grantedRole = z.enum(['moderator', 'member']);
  const memberRef = { room_id: entityIdSchema, user_id: userIdSchema };

  return {
    roomCreate: z.strictObject(roomCreateShape),
    roomList: z.strictObject({ limit: pageLimit.nullish(), cursor: pageCursorSchema.nullish() }),
    inviteList: z.strictObject({ limit: pageLimit.nullish(), cursor: pageCursorSchema.nullish() }),
    roomRef: z.strictObject({ room_id: entityIdSchema }),
    roomMembers: z.strictObject({
      room_id: entityIdSchema,
      limit: pageLimit.nullish(),
      cursor: memberCursorSchema.nullish(),
    }),
    roomInvite: z.strictObject({
      room_id: entityIdSchema,
      user_ids: userIds(limits.invitedUsersMax).min(1, onArrays()),
    }),
    roomRead: z.strictObject({ room_id: entityIdSchema, seq: seqSchema }),
    messageSend: z.strictObject(messageSendShape).superRefine(requireUrlForAttachments),
    messageEdit: z.strictObject({ message_id: entityIdSchema, content }),
    messageRef: z.strictObject({ message_id: entityIdSchema }),
    messageHistory: z.strictObject({ room_id: entityIdSchema, ...historyFilter }),
    roomSync: z.strictObject({
      room_id: entityIdSchema,
      after_version: cursor,
      limit: historyLimit.nullish(),
    }),
    typingUpdate: z.strictObject(typingShape),
    reaction: z.strictObject(reactionShape),
    presenceGet: z.strictObject({ user_ids: userIds(100).min(1, onArrays()) }),
    dmOpen: z.strictObject({ user_id: userIdSchema }),
    mentionList: z.strictObject({ limit: pageLimit.nullish(), cursor: pageCursorSchema.nullish() }),
    messageSearch: z.strictObject({
      q: query,
      room_id: entityIdSchema.nullish(),
      limit: searchLimit.nullish(),
      cursor: searchCursorSchema.nullish(),
    }),
    memberRole: z.strictObject({ ...memberRef, role: grantedRole }),
    memberRef: z.strictObject(memberRef),
    memberMute: z.strictObject({ ...memberRef, duration_ms: muteDuration }),

    // HTTP bodies: the socket payloads plus the seed's fields.

    createRoomRequest: z.strictObject({ ...roomCreateShape, creator_id: seedUserId.optional() }),
    messageRequest: z
      .strictObject({ ...messageSendShape, ...seedIdentity })
      .superRefine(requireUrlForAttachments),
    typingRequest: z.strictObject({ ...typingShape, ...seedIdentity }),
    reactionRequest: z.strictObject({ ...reactionShape, user_id: seedUserId.optional() }),
    inviteRequest: z.strictObject({
      user_ids: userIds(limits.invitedUsersMax).min(1, onArrays()),
    }),
    readRequest: z.strictObject({ seq: seqSchema }),
    editRequest: z.strictObject({ content }),
    historyQuery: z.strictObject({
      before_seq: queryInt(cursor).optional(),
      after_seq: queryInt(cursor).optional(),
      limit: queryInt(historyLimit).optional(),
      parent_id: entityIdSchema.optional(),
    }),
    changesQuery: z.strictObject({
      after_version: queryInt(cursor),
      limit: queryInt(historyLimit).optional(),
    }),
    pageQuery: z.strictObject({
      limit: queryInt(pageLimit).optional(),
      cursor: pageCursorSchema.optional(),
    }),
    memberPageQuery: z.strictObject({
      limit: queryInt(pageLimit).optional(),
      cursor: memberCursorSchema.optional(),
    }),
    dmRequest: z.strictObject({ user_id: userIdSchema }),
    roleRequest: z.strictObject({ role: grantedRole }),
    muteRequest: z.strictObject({ duration_ms: muteDuration }),
    searchQuery: z.strictObject({
      q: query,
      room_id: entityIdSchema.optional(),
      limit: queryInt(searchLimit).optional(),
      cursor: searchCursorSchema.optional(),
    }),
    memberParams: z.strictObject(memberRef),
    roomIdParam: z.strictObject({ room_id: entityIdSchema }),
    messageIdParam: z.strictObject({ id: entityIdSchema }),
    userIdParam: z.strictObject({ user_id: userIdSchema }),
    reactionParams: z.strictObject({ id: entityIdSchema, emoji: emojiSchema(limits.emojiMax) }),
  };
}
export type PayloadSchemas = ReturnType<typeof createPayloadSchemas>;

/** A query-string number: digits only, so "", "1e3" and "-1" are refused instead of coerced. */
function queryInt(target: z.ZodNumber) {
  return z
    .string()
    .regex(/^\d{1,15}$/, 'must be a whole number')
    .transform(Number)
    .pipe(target);
}

function requireUrlForAttachments(
  value: { message_type: string; content: string },
  ctx: z.RefinementCtx,
): void {
  if (value.message_type === 'text') return;
  if (!isHttpUrl(value.content)) {
    ctx.addIssue({
      code: 'custom',
      path: ['content'],
      message: `must be an http(s) URL when message_type is "${value.message_type}"`,
    });
  }
}
