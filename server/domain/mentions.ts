import { MENTIONS_PER_MESSAGE_MAX } from '../../shared/limits';
import type { Message, MentionList } from '../../shared/schemas/objects';
import type { MessageType } from '../../shared/schemas/primitives';
import type { Actor } from './actor';
import type { DomainDeps } from './deps';
import { mentionCandidates, mentionTokens, pickMentions } from './mention-parser';
import { pageQuery, toPage, type PageRequest } from './paging';

/**
 * Mentions: which members a message names (read on send and on every edit), the `mention:new`
 * each newly mentioned member hears, and a user's list of the messages that mention them.
 */
export class MentionService {
  constructor(private readonly deps: DomainDeps) {}

  /**
   * The room's members the content mentions (see mention-parser.ts). Only text is read: an image's
   * or a file's content is a URL. Content without any `@…` costs no query.
   */
  async resolve(roomId: string, messageType: MessageType, content: string): Promise<string[]> {
    if (messageType !== 'text') return [];
    const tokens = mentionTokens(content);
    if (tokens.length === 0) return [];
    const members = await this.deps.store.membersAmong(roomId, mentionCandidates(tokens));
    if (members.length === 0) return [];
    return pickMentions(tokens, new Set(members), MENTIONS_PER_MESSAGE_MAX);
  }

  /**
   * `mention:new` to the sockets of each member the message mentions and `before` did not (an
   * edit tells only those it adds), never to its author: they know what they wrote.
   */
  announce(message: Message, before: readonly string[] = []): void {
    const earlier = new Set(before);
    const told = message.mentions.filter((id) => id !== message.user_id && !earlier.has(id));
    if (told.length > 0) this.deps.notifier.toUsers(told, 'mention:new', message);
  }

  /** The messages mentioning the actor, newest first, a page at a time. */
  async list(actor: Actor, request: PageRequest): Promise<MentionList> {
    await this.deps.rateLimiter.consume('read', actor.id);
    const { query, pageSize } = pageQuery(request, this.deps.limits.roomListDefault);
    const rows = await this.deps.store.listMentions(actor.id, query);
    const page = toPage(rows, pageSize, (m) => ({ at: m.timestamp, id: m.id }));
    return { messages: page.items, next_cursor: page.next_cursor };
  }
}
