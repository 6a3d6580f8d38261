import type { Message } from '../../shared/index';
import { h } from './dom';
import { typingText } from './format';
import { messageItem } from './message-item';
import { canPin, roomLabel } from './rooms';
import { messagesOf, type DemoState } from './state';
import type { Ui } from './ui';

/**
 * The selected room's header: name (the other person for a DM), id (to share for joining), the pins
 * button and members with presence dots. A public room one reads without being a member (opened from
 * a search result) gets a join bar instead of the composer.
 */
export function renderRoomHead(state: DemoState, ui: Ui): void {
  const room = state.selectedRoomId === null ? undefined : state.rooms.get(state.selectedRoomId);
  ui.roomHead.hidden = !room;
  ui.emptyRoom.hidden = Boolean(room);
  ui.composer.hidden = !room?.is_member;
  ui.joinBar.hidden = !room || room.is_member;
  if (!room) return;
  ui.roomTitle.textContent = `${room.is_dm ? '@ ' : room.is_private ? '🔒 ' : '# '}${roomLabel(state, room)}`;
  // A DM cannot be joined by id: nothing to share.
  ui.roomId.hidden = room.is_dm;
  ui.roomId.textContent = room.id;
  const members = state.members.get(room.id) ?? [];
  ui.memberList.replaceChildren(
    ...members.map((member) => {
      const status = state.presence.get(member.user_id) ?? (member.online ? 'online' : 'offline');
      return h(
        'li',
        {
          class: 'member',
          'data-testid': 'member',
          'data-user-id': member.user_id,
          title: `${member.user_id}, ${status}`,
        },
        h('span', {
          class: `dot ${status}`,
          'data-testid': 'presence-dot',
          'data-status': status,
          'aria-label': status,
        }),
        h('span', { class: 'member-name' }, member.username),
        member.role === 'member' ? null : h('span', { class: 'role' }, member.role),
      );
    }),
  );
}

/**
 * Read receipts: under which shown message each other member's "Seen by" goes. A member has read up
 * to their last receipt:updated or their own latest message (sending marks read without a receipt),
 * and the receipt sits on the newest shown message up to there that someone else wrote.
 */
function seenBy(state: DemoState, roomId: string, shown: readonly Message[]): Map<string, string[]> {
  const readUpTo = new Map(state.receipts.get(roomId) ?? []);
  for (const message of state.messages.get(roomId)?.values() ?? []) {
    readUpTo.set(message.user_id, Math.max(readUpTo.get(message.user_id) ?? 0, message.seq));
  }
  const names = new Map((state.members.get(roomId) ?? []).map((m) => [m.user_id, m.username]));
  const result = new Map<string, string[]>();
  for (const [userId, lastRead] of readUpTo) {
    if (userId === state.me?.id || !names.has(userId)) continue;
    const target = shown.findLast((m) => m.seq <= lastRead && m.user_id !== userId);
    if (!target) continue;
    result.set(target.id, [...(result.get(target.id) ?? []), names.get(userId) ?? userId]);
  }
  return result;
}

/** The channel: top-level messages of the selected room, oldest first, kept scrolled to the newest. */
export function renderMessages(state: DemoState, ui: Ui): void {
  const roomId = state.selectedRoomId;
  const list = ui.messageList;
  const roomChanged = list.dataset.roomId !== (roomId ?? '');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 48;
  list.dataset.roomId = roomId ?? '';
  if (roomId === null) {
    list.replaceChildren();
    ui.loadOlder.hidden = true;
    return;
  }
  const shown = messagesOf(state, roomId, null);
  const receipts = seenBy(state, roomId, shown);
  const meId = state.me?.id ?? null;
  const pinning = canPin(state, roomId);
  list.replaceChildren(
    ...shown.map((message) =>
      messageItem(message, {
        meId,
        threadButton: true,
        seenBy: receipts.get(message.id) ?? [],
        testId: 'message',
        canPin: pinning,
        focused: message.id === state.focusMessageId,
      }),
    ),
  );
  if (shown.length === 0) list.append(h('li', { class: 'hint' }, 'No messages yet. Say hello!'));
  ui.loadOlder.hidden = !state.hasOlder.get(roomId);
  // A newly focused message is scrolled to once; after that the list follows new messages again.
  const focused = list.querySelector('.message.focused');
  if (!focused) delete list.dataset.scrolledTo;
  if (focused && list.dataset.scrolledTo !== state.focusMessageId) {
    list.dataset.scrolledTo = state.focusMessageId ?? '';
    focused.scrollIntoView({ block: 'center' });
  } else if (roomChanged || atBottom) list.scrollTop = list.scrollHeight;
}

export function renderTyping(state: DemoState, ui: Ui): void {
  const typing = state.selectedRoomId === null ? [] : (state.typing.get(state.selectedRoomId) ?? []);
  ui.typingLine.textContent = typingText(typing);
  ui.typingLine.dataset.count = String(typing.length);
}
