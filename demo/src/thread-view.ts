import { h } from './dom';
import { messageItem } from './message-item';
import { findMessage, messagesOf, type DemoState } from './state';
import type { Ui } from './ui';

/** The thread panel: the parent message, its replies (history with parent_id, then live) and a reply box. */
export function renderThread(state: DemoState, ui: Ui): void {
  const parentId = state.threadParentId;
  const parent = parentId === null ? undefined : findMessage(state, parentId);
  const open = parentId !== null && state.selectedRoomId !== null;
  ui.threadPanel.hidden = !open;
  ui.layout.classList.toggle('with-thread', open);
  if (!open) return;
  const meId = state.me?.id ?? null;
  ui.threadParent.replaceChildren(
    parent
      ? messageItem(parent, { meId, threadButton: false, seenBy: [], testId: 'thread-parent-message' })
      : h('p', { class: 'hint' }, 'Loading…'),
  );
  const replies = messagesOf(state, parent?.room_id ?? state.selectedRoomId ?? '', parentId);
  ui.threadReplies.replaceChildren(
    ...replies.map((reply) =>
      messageItem(reply, { meId, threadButton: false, seenBy: [], testId: 'thread-reply' }),
    ),
  );
  if (replies.length === 0) ui.threadReplies.append(h('li', { class: 'hint' }, 'No replies yet.'));
  ui.threadReplies.scrollTop = ui.threadReplies.scrollHeight;
}
