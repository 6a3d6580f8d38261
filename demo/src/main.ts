import { DemoController } from './controller';
import { actionTarget } from './dom';
import { renderRooms } from './rooms-view';
import { renderMessages, renderRoomHead, renderTyping } from './room-view';
import { renderSession } from './session-view';
import { renderSide } from './side-view';
import type { Panel } from './state';
import { renderThread } from './thread-view';
import { forgetToken, loadToken, saveToken, takeTokenFromHash } from './token';
import { findUi, type Ui } from './ui';

/** The browser demo of chat-service: wiring of the page's controls to the controller and views. */

const ui: Ui = findUi();
const dirty = new Set<Panel>();
let renderQueued = false;

const RENDERERS: Record<Panel, () => void> = {
  session: () => renderSession(controller.state, ui),
  rooms: () => renderRooms(controller.state, ui),
  room: () => renderRoomHead(controller.state, ui),
  messages: () => renderMessages(controller.state, ui),
  thread: () => renderThread(controller.state, ui),
  side: () => renderSide(controller.state, ui),
  typing: () => renderTyping(controller.state, ui),
};

/** Re-renders the changed panels once, after the current burst of events. */
function invalidate(...panels: Panel[]): void {
  for (const panel of panels) dirty.add(panel);
  if (renderQueued) return;
  renderQueued = true;
  queueMicrotask(() => {
    renderQueued = false;
    const panels = [...dirty];
    dirty.clear();
    for (const panel of panels) RENDERERS[panel]();
  });
}

const controller = new DemoController(invalidate);

/** Wires a form: trims its field, runs the action, and clears the field once the action succeeded. */
function onSubmit(
  form: HTMLFormElement,
  input: HTMLInputElement,
  action: (value: string) => Promise<void>,
): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (value === '') return;
    controller.run(
      action(value).then(() => {
        if (input.value.trim() === value) input.value = '';
      }),
    );
  });
}

ui.tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = ui.tokenInput.value.trim();
  if (token !== '' && controller.signIn(token)) {
    saveToken(token);
    ui.tokenInput.value = '';
  }
});
ui.signOut.addEventListener('click', () => {
  forgetToken();
  controller.signOut();
});
ui.errorDismiss.addEventListener('click', () => controller.dismissError());
ui.refreshRooms.addEventListener('click', () => controller.run(controller.refreshRooms()));

onSubmit(ui.createForm, ui.createName, (name) => controller.createRoom(name, ui.createPrivate.checked));
onSubmit(ui.joinForm, ui.joinId, (roomId) => controller.joinRoom(roomId));
onSubmit(ui.dmForm, ui.dmUserId, (userId) => controller.openDirectMessage(userId));
// The query stays in the box after a search, to refine it.
ui.searchForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const query = ui.searchInput.value.trim();
  if (query !== '') controller.run(controller.search(query));
});
ui.showMentions.addEventListener('click', () => controller.run(controller.showMentions()));
ui.showPins.addEventListener('click', () => controller.run(controller.showPins()));
ui.sideClose.addEventListener('click', () => controller.closeSide());
ui.joinBarButton.addEventListener('click', () => {
  const roomId = controller.state.selectedRoomId;
  if (roomId !== null) controller.run(controller.joinRoom(roomId));
});
onSubmit(ui.composer, ui.messageInput, (content) => controller.send(content, null));
onSubmit(ui.threadForm, ui.threadInput, (content) =>
  controller.send(content, controller.state.threadParentId),
);

for (const input of [ui.messageInput, ui.threadInput]) {
  input.addEventListener('input', () => controller.typed(input.value));
  input.addEventListener('blur', () => controller.stopTyping());
}
ui.loadOlder.addEventListener('click', () => controller.run(controller.loadOlder()));
ui.threadClose.addEventListener('click', () => controller.closeThread());

// One listener per area for the buttons views re-create on every render (data-action + data-*).
function onAction(event: Event): void {
  const target = actionTarget(event);
  if (!target) return;
  const { action, roomId, messageId, emoji } = target.dataset;
  if (action === 'select-room' && roomId) controller.run(controller.selectRoom(roomId));
  if (action === 'join-room' && roomId) controller.run(controller.joinRoom(roomId));
  if (action === 'thread' && messageId) controller.run(controller.openThread(messageId));
  if (action === 'react' && messageId && emoji) controller.run(controller.toggleReaction(messageId, emoji));
  if ((action === 'pin' || action === 'unpin') && messageId) controller.run(controller.togglePin(messageId));
  if (action === 'open-message' && roomId && messageId)
    controller.run(controller.openMessage(roomId, messageId));
}
const actionAreas = [
  ui.roomList,
  ui.browseList,
  ui.messageList,
  ui.threadParent,
  ui.threadReplies,
  ui.sideList,
];
for (const area of actionAreas) {
  area.addEventListener('click', onAction);
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') controller.markSelectedRead();
});

takeTokenFromHash();
const stored = loadToken();
if (stored === null || !controller.signIn(stored)) {
  // Not a JWT: forget it, so that a reload does not show the same complaint again.
  forgetToken();
  invalidate('session', 'rooms', 'room', 'messages', 'thread', 'side', 'typing');
}
