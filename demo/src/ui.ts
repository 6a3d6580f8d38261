import { byId } from './dom';

/** The static skeleton of index.html, looked up once; views fill it, main.ts wires its controls. */
export function findUi() {
  return {
    tokenForm: byId('token-form', HTMLFormElement),
    tokenInput: byId('token-input', HTMLInputElement),
    session: byId('session', HTMLElement),
    me: byId('me', HTMLElement),
    status: byId('connection-status', HTMLElement),
    signOut: byId('sign-out', HTMLButtonElement),
    errorBanner: byId('error-banner', HTMLElement),
    errorText: byId('error-text', HTMLElement),
    errorDismiss: byId('error-dismiss', HTMLButtonElement),
    welcome: byId('welcome', HTMLElement),
    layout: byId('layout', HTMLElement),
    refreshRooms: byId('refresh-rooms', HTMLButtonElement),
    roomList: byId('room-list', HTMLUListElement),
    browseTitle: byId('browse-title', HTMLElement),
    browseList: byId('browse-list', HTMLUListElement),
    createForm: byId('create-room-form', HTMLFormElement),
    createName: byId('create-room-name', HTMLInputElement),
    createPrivate: byId('create-room-private', HTMLInputElement),
    joinForm: byId('join-room-form', HTMLFormElement),
    joinId: byId('join-room-id', HTMLInputElement),
    roomHead: byId('room-head', HTMLElement),
    roomTitle: byId('room-title', HTMLElement),
    roomId: byId('room-id', HTMLElement),
    memberList: byId('member-list', HTMLUListElement),
    emptyRoom: byId('empty-room', HTMLElement),
    loadOlder: byId('load-older', HTMLButtonElement),
    messageList: byId('message-list', HTMLOListElement),
    typingLine: byId('typing-line', HTMLElement),
    composer: byId('composer', HTMLFormElement),
    messageInput: byId('message-input', HTMLInputElement),
    threadPanel: byId('thread-panel', HTMLElement),
    threadClose: byId('thread-close', HTMLButtonElement),
    threadParent: byId('thread-parent', HTMLElement),
    threadReplies: byId('thread-replies', HTMLOListElement),
    threadForm: byId('thread-form', HTMLFormElement),
    threadInput: byId('thread-input', HTMLInputElement),
  };
}

export type Ui = ReturnType<typeof findUi>;
