import { h } from './dom';
import { sidebarRooms } from './rooms';
import type { DemoState } from './state';
import type { Ui } from './ui';

/** The sidebar: one's rooms with unread counts, then public rooms one could join. */
export function renderRooms(state: DemoState, ui: Ui): void {
  const { mine, others } = sidebarRooms(state);
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
            'aria-current': room.id === state.selectedRoomId ? 'true' : null,
          },
          h('span', { class: 'room-sigil', 'aria-hidden': 'true' }, room.is_private ? '🔒' : '#'),
          h('span', { class: 'room-name', 'data-testid': 'room-name' }, room.name),
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
