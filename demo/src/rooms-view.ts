import { h } from './dom';
import { roomLabel, sidebarRooms } from './rooms';
import type { DemoState } from './state';
import type { Ui } from './ui';

/**
 * The sidebar: one's rooms and direct messages with unread counts and unread mentions, then public
 * rooms one could join; the Mentions button counts every unread mention.
 */
export function renderRooms(state: DemoState, ui: Ui): void {
  const { mine, others } = sidebarRooms(state);
  const mentions = mine.reduce((sum, room) => sum + room.unread_mentions, 0);
  ui.mentionsTotal.hidden = mentions === 0;
  ui.mentionsTotal.textContent = String(mentions);
  ui.roomList.replaceChildren(
    ...mine.map((room) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: room.id === state.selectedRoomId ? 'room-item selected' : 'room-item',
            'data-testid': 'room-item',
            'data-action': 'select-room',
            'data-room-id': room.id,
            'data-dm': room.is_dm,
            'aria-current': room.id === state.selectedRoomId ? 'true' : null,
            title: room.is_dm ? `Direct message with ${roomLabel(state, room)}` : null,
          },
          h(
            'span',
            { class: 'room-sigil', 'aria-hidden': 'true' },
            room.is_dm ? '@' : room.is_private ? '🔒' : '#',
          ),
          h('span', { class: 'room-name', 'data-testid': 'room-name' }, roomLabel(state, room)),
          room.is_dm ? h('span', { class: 'dm-tag', 'data-testid': 'dm-tag' }, 'DM') : null,
          room.unread_mentions > 0
            ? h(
                'span',
                {
                  class: 'unread-mentions',
                  'data-testid': 'unread-mentions',
                  title: `${room.unread_mentions} unread mentioning you`,
                },
                `@${room.unread_mentions}`,
              )
            : null,
          room.unread_count > 0
            ? h(
                'span',
                { class: 'unread', 'data-testid': 'unread-count', title: `${room.unread_count} unread` },
                String(room.unread_count),
              )
            : null,
        ),
      ),
    ),
  );
  if (mine.length === 0) ui.roomList.append(h('li', { class: 'hint' }, 'No rooms yet: create one below.'));
  ui.browseTitle.hidden = others.length === 0;
  ui.browseList.replaceChildren(
    ...others.map((room) =>
      h(
        'li',
        { class: 'browse-item', 'data-testid': 'browse-item', 'data-room-id': room.id },
        h('span', { class: 'room-name' }, `# ${room.name}`),
        h('span', { class: 'member-count' }, String(room.member_count)),
        h(
          'button',
          { type: 'button', 'data-testid': 'join-room', 'data-action': 'join-room', 'data-room-id': room.id },
          'Join',
        ),
      ),
    ),
  );
}
