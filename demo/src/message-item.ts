import type { Message } from '../../shared/index';
import { textWithMentions } from './content-parts';
import { h } from './dom';
import { clock, hueOf, initial, plural, safeHttpUrl } from './format';

/** The quick reactions offered on every message; any emoji others used shows up as a chip too. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '👀'] as const;

export interface MessageItemOptions {
  meId: string | null;
  /** Offer "reply in thread" and show the "N replies" link (not inside the thread panel). */
  threadButton: boolean;
  /** Names of members whose read position is this message (read receipts). */
  seenBy: readonly string[];
  testId: string;
  /** Offer pin / unpin (the room's owner and moderators, either person of a DM). */
  canPin?: boolean;
  /** The message a mention, pin or search result led to. */
  focused?: boolean;
}

function avatar(message: Message): HTMLElement {
  const element = h('span', { class: 'avatar', 'aria-hidden': 'true' }, initial(message.username));
  element.style.setProperty('--hue', String(hueOf(message.user_id)));
  return element;
}

function content(message: Message, meId: string | null): HTMLElement {
  if (message.deleted) {
    return h(
      'div',
      { class: 'content deleted', 'data-testid': 'message-content' },
      'This message was deleted.',
    );
  }
  const url = message.message_type === 'text' ? null : safeHttpUrl(message.content);
  if (url) {
    // A link, not an <img>: the page's CSP loads images from this origin only, and a link leaks nothing.
    const link = h(
      'a',
      { href: url, target: '_blank', rel: 'noopener noreferrer nofollow' },
      message.content,
    );
    return h(
      'div',
      { class: 'content', 'data-testid': 'message-content' },
      `${message.message_type}: `,
      link,
    );
  }
  return h(
    'div',
    { class: 'content', 'data-testid': 'message-content' },
    ...textWithMentions(message.content, message.mentions, meId),
  );
}

/** The reactions under a message: one chip per emoji with its count, pressed when one reacted with it. */
function reactions(message: Message, meId: string | null): HTMLElement | null {
  if (message.reactions.length === 0) return null;
  return h(
    'div',
    { class: 'reactions', 'data-testid': 'reactions' },
    ...message.reactions.map((reaction) => {
      const mine = meId !== null && reaction.user_ids.includes(meId);
      return h(
        'button',
        {
          type: 'button',
          class: mine ? 'reaction mine' : 'reaction',
          'data-testid': 'reaction',
          'data-action': 'react',
          'data-message-id': message.id,
          'data-emoji': reaction.emoji,
          'aria-pressed': mine ? 'true' : 'false',
          title: mine ? 'Remove your reaction' : 'React',
        },
        h('span', { class: 'emoji' }, reaction.emoji),
        h('span', { class: 'count', 'data-testid': 'reaction-count' }, String(reaction.count)),
      );
    }),
  );
}

/** The toolbar shown over a message on hover or focus: quick reactions, pin and "reply in thread". */
function actions(message: Message, threadButton: boolean, canPin: boolean): HTMLElement | null {
  if (message.deleted && !threadButton) return null;
  const bar = h('div', { class: 'actions', 'data-testid': 'message-actions' });
  if (!message.deleted) {
    const used = new Set(message.reactions.map((r) => r.emoji));
    for (const emoji of QUICK_REACTIONS) {
      if (used.has(emoji)) continue;
      bar.append(
        h(
          'button',
          {
            type: 'button',
            class: 'quick',
            'data-testid': 'react-button',
            'data-action': 'react',
            'data-message-id': message.id,
            'data-emoji': emoji,
            title: `React with ${emoji}`,
          },
          emoji,
        ),
      );
    }
  }
  if (canPin && !message.deleted) {
    const pinned = message.pinned_at !== null;
    bar.append(
      h(
        'button',
        {
          type: 'button',
          class: 'quick pin',
          'data-testid': 'pin-button',
          'data-action': pinned ? 'unpin' : 'pin',
          'data-message-id': message.id,
          title: pinned ? 'Unpin this message' : 'Pin this message to the room',
        },
        pinned ? 'Unpin' : '📌 Pin',
      ),
    );
  }
  if (threadButton) {
    bar.append(
      h(
        'button',
        {
          type: 'button',
          class: 'quick reply',
          'data-testid': 'reply-button',
          'data-action': 'thread',
          'data-message-id': message.id,
          title: 'Reply in thread',
        },
        '↩ Reply',
      ),
    );
  }
  return bar;
}

/** Under a message: the thread link when it has replies, and read receipts. */
function footer(message: Message, options: MessageItemOptions): HTMLElement | null {
  const threadLink =
    options.threadButton && message.reply_count > 0
      ? h(
          'button',
          {
            type: 'button',
            class: 'thread-link',
            'data-testid': 'open-thread',
            'data-action': 'thread',
            'data-message-id': message.id,
          },
          plural(message.reply_count, 'reply', 'replies'),
        )
      : null;
  const receipt =
    options.seenBy.length > 0
      ? h('span', { class: 'receipt', 'data-testid': 'read-receipt' }, `Seen by ${options.seenBy.join(', ')}`)
      : null;
  return threadLink || receipt ? h('div', { class: 'footer' }, threadLink, receipt) : null;
}

/**
 * One message: avatar, author, time, pinned marker, content as text (mentions picked out),
 * reactions, thread link and read receipts.
 */
export function messageItem(message: Message, options: MessageItemOptions): HTMLLIElement {
  const mine = message.user_id === options.meId;
  const mentionsMe = !mine && options.meId !== null && message.mentions.includes(options.meId);
  const meta = h(
    'div',
    { class: 'meta' },
    h('span', { class: 'author', 'data-testid': 'message-author' }, message.username),
    h('time', { datetime: message.timestamp, title: message.timestamp }, clock(message.timestamp)),
    message.edited_at !== null && !message.deleted ? h('span', { class: 'edited' }, '(edited)') : null,
    message.pinned_at !== null
      ? h(
          'span',
          { class: 'pinned', 'data-testid': 'pinned-marker', title: `Pinned by ${message.pinned_by ?? '?'}` },
          '📌 pinned',
        )
      : null,
  );
  const classes = ['message', mine && 'mine', mentionsMe && 'mentions-me', options.focused && 'focused'];
  return h(
    'li',
    {
      class: classes.filter(Boolean).join(' '),
      'data-testid': options.testId,
      'data-message-id': message.id,
      'data-seq': message.seq,
    },
    avatar(message),
    h(
      'div',
      { class: 'body' },
      meta,
      content(message, options.meId),
      reactions(message, options.meId),
      footer(message, options),
    ),
    actions(message, options.threadButton, options.canPin ?? false),
  );
}
