import type { Message } from '../../shared/index';
import { highlightNodes, textWithMentions } from './content-parts';
import { h } from './dom';
import { clock } from './format';
import { memberName, roomLabel } from './rooms';
import type { DemoState, SidePanel } from './state';
import type { Ui } from './ui';

const TITLES: Record<SidePanel['kind'], string> = { mentions: 'Mentions', search: 'Search', pins: 'Pinned' };
const EMPTY: Record<SidePanel['kind'], string> = {
  mentions: 'Nobody has mentioned you yet.',
  search: 'No message matches.',
  pins: 'Nothing is pinned in this room.',
};

/**
 * One entry of a list: where and by whom, then its text. The whole entry is a button that opens the
 * message in its room.
 */
function entry(state: DemoState, message: Message, text: Node[], note: string | null): HTMLLIElement {
  const room = state.rooms.get(message.room_id);
  const where = room ? `${room.is_dm ? '@' : '#'} ${roomLabel(state, room)}` : message.room_id;
  return h(
    'li',
    {},
    h(
      'button',
      {
        type: 'button',
        class: 'side-item',
        'data-testid': 'side-item',
        'data-action': 'open-message',
        'data-room-id': message.room_id,
        'data-message-id': message.id,
        title: 'Open in its room',
      },
      h(
        'span',
        { class: 'side-meta' },
        h('span', { class: 'side-room' }, where),
        h('span', { class: 'author' }, message.username),
        h('time', { datetime: message.timestamp }, clock(message.timestamp)),
      ),
      h('span', { class: 'side-text', 'data-testid': 'side-text' }, ...text),
      note === null ? null : h('span', { class: 'side-note' }, note),
    ),
  );
}

function entries(state: DemoState, side: SidePanel): HTMLLIElement[] | null {
  const meId = state.me?.id ?? null;
  const plain = (m: Message): Node[] => textWithMentions(m.content, m.mentions, meId);
  switch (side.kind) {
    case 'mentions':
      return side.messages?.map((m) => entry(state, m, plain(m), null)) ?? null;
    case 'pins':
      return (
        side.messages?.map((m) =>
          entry(state, m, plain(m), `📌 pinned by ${memberName(state, m.room_id, m.pinned_by ?? '?')}`),
        ) ?? null
      );
    case 'search':
      return side.results?.map((r) => entry(state, r.message, highlightNodes(r.highlight), null)) ?? null;
  }
}

/** The right-hand panel of mentions, search results or pins (when no thread is open there). */
export function renderSide(state: DemoState, ui: Ui): void {
  const side = state.side;
  ui.sidePanel.hidden = side === null;
  ui.layout.classList.toggle('with-side', side !== null);
  if (side === null) return;
  ui.sidePanel.dataset.kind = side.kind;
  ui.sideTitle.textContent = side.kind === 'search' ? `Search: ${side.query}` : TITLES[side.kind];
  const items = entries(state, side);
  ui.sideList.replaceChildren(
    ...(items === null
      ? [h('li', { class: 'hint' }, 'Loading…')]
      : items.length === 0
        ? [h('li', { class: 'hint', 'data-testid': 'side-empty' }, EMPTY[side.kind])]
        : items),
  );
}
